"""The organization's readiness board: its coming sessions with what still
blocks each (consents, forms), how far its patients are with each consent
and form, and the same rows as a CSV file. And its bookings list: every
appointment of its specialists, filtered and paged.

Organization admins only, of their own organization (another one is a
404). Filters come from the query string; a value that cannot be read is
ignored with a notice, never an error.
"""

from __future__ import annotations

import csv
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.filters import choice_filter, date_filter
from core.models import AuditLog
from core.portals import Portal, portal_required
from core.services import audit_record
from core.spreadsheets import safe_cell
from organizations.selectors import organization_get_for_admin

from ..readiness import BOARD_ROW_LIMIT, board_filter_choices, status_board
from ..selectors import appointment_list_for_organization
from ..states import AppointmentStatus

DEFAULT_DAYS = 14
MAX_DAYS = 366
CSV_ROW_LIMIT = 5000


@dataclass
class BoardFilters:
    start_on: date
    end_on: date  # inclusive
    program: object = None
    specialist: object = None
    notices: list[str] = field(default_factory=list)

    def range_in(self, zone_name: str) -> tuple[datetime, datetime]:
        zone = zoneinfo.ZoneInfo(zone_name)
        start = datetime.combine(self.start_on, datetime.min.time(), tzinfo=zone)
        end = datetime.combine(self.end_on + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        return start, end


def _filters(request, programs, specialists) -> BoardFilters:
    notices: list[str] = []
    today = timezone.localdate()
    start_on = date_filter(request.GET.get("from", ""), _("from"), notices) or today
    end_on = date_filter(request.GET.get("to", ""), _("to"), notices)
    if end_on is not None and end_on < start_on:
        notices.append(_("We ignored the “to” date: it was before the “from” date."))
        end_on = None
    if end_on is not None and (end_on - start_on).days >= MAX_DAYS:
        notices.append(_("We showed one year from the “from” date; pick a shorter range for more."))
        end_on = start_on + timedelta(days=MAX_DAYS - 1)
    return BoardFilters(
        start_on=start_on,
        end_on=end_on or start_on + timedelta(days=DEFAULT_DAYS - 1),
        program=choice_filter(request.GET.get("program", ""), programs, _("program"), notices),
        specialist=choice_filter(request.GET.get("specialist", ""), specialists, _("specialist"), notices),
        notices=notices,
    )


def _board(request, org_slug, *, limit):
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    programs, specialists = board_filter_choices(organization)
    filters = _filters(request, programs, specialists)
    start_at, end_at = filters.range_in(request.user.timezone)
    board = status_board(
        organization,
        start_at=start_at,
        end_at=end_at,
        program=filters.program,
        specialist=filters.specialist,
        limit=limit,
    )
    return organization, programs, specialists, filters, board


@require_GET
@portal_required(Portal.ORGANIZATION)
def readiness_view(request, org_slug):
    """Who is ready for their coming session, and what blocks the others."""
    organization, programs, specialists, filters, board = _board(request, org_slug, limit=BOARD_ROW_LIMIT)
    audit_record(request=request, action=AuditLog.Action.READ, obj=organization)
    context = {
        "organization": organization,
        "programs": programs,
        "specialists": specialists,
        "filters": filters,
        "board": board,
        "row_limit": BOARD_ROW_LIMIT,
        "query": request.GET.urlencode(),
    }
    return render(request, "booking/organization/readiness.html", context)


@require_GET
@portal_required(Portal.ORGANIZATION)
def readiness_csv_view(request, org_slug):
    """The board's rows (same filters) as a CSV download; audited as an export."""
    organization, *_, board = _board(request, org_slug, limit=CSV_ROW_LIMIT)
    audit_record(request=request, action=AuditLog.Action.EXPORT)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="readiness-{organization.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(["patient", "email", "specialist", "starts_at_utc", "status", "ready", "blocking"])
    for row in board.rows:
        appointment = row.appointment
        writer.writerow(
            [
                safe_cell(appointment.patient.display_name),
                safe_cell(appointment.patient.email),
                safe_cell(appointment.specialist.display_name),
                appointment.starts_at.astimezone(UTC).isoformat(),
                appointment.status,
                "no" if row.blockers else "yes",
                safe_cell("; ".join(item.title for item in row.blockers)),
            ]
        )
    return response


# --- Every appointment of the organization ---------------------------------------------

BOOKINGS_PAGE_SIZE = 50


def _day_start(day: date | None, zone: zoneinfo.ZoneInfo, *, after: bool = False) -> datetime | None:
    """Midnight starting `day` in `zone` (of the next day with `after`)."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1 if after else 0), datetime.min.time(), tzinfo=zone)


def _range(request, start_key: str, end_key: str, labels: tuple[str, str], notices: list[str]):
    start_on = date_filter(request.GET.get(start_key, ""), labels[0], notices)
    end_on = date_filter(request.GET.get(end_key, ""), labels[1], notices)
    if start_on and end_on and end_on < start_on:
        notices.append(_("We ignored the “%(field)s” date: it was before the other one.") % {"field": labels[1]})
        end_on = None
    zone = zoneinfo.ZoneInfo(request.user.timezone)
    shown = {start_key: start_on.isoformat() if start_on else "", end_key: end_on.isoformat() if end_on else ""}
    return _day_start(start_on, zone), _day_start(end_on, zone, after=True), shown


def _booking_filters(request, programs, specialists) -> tuple[dict, dict, list[str]]:
    """The selector's keyword filters, the values to show back in the form, and notices."""
    notices: list[str] = []
    status = request.GET.get("status", "")
    if status and status not in AppointmentStatus.values:
        notices.append(_("We ignored the status filter: we could not read it."))
        status = ""
    late = request.GET.get("late", "")
    if late not in ("", "0", "1"):
        notices.append(_("We ignored the late cancellations filter: we could not read it."))
    starts_from, starts_until, shown_dates = _range(request, "from", "to", (_("from"), _("to")), notices)
    booked_from, booked_until, shown_booked = _range(
        request, "booked_from", "booked_to", (_("booked from"), _("booked until")), notices
    )
    selected = {
        "status": status,
        "late": late == "1",
        "program": choice_filter(request.GET.get("program", ""), programs, _("program"), notices),
        "specialist": choice_filter(request.GET.get("specialist", ""), specialists, _("specialist"), notices),
    }
    ranges = {
        "starts_from": starts_from,
        "starts_until": starts_until,
        "booked_from": booked_from,
        "booked_until": booked_until,
    }
    return {**selected, **ranges}, {**selected, **shown_dates, **shown_booked}, notices


@require_GET
@portal_required(Portal.ORGANIZATION)
def bookings_view(request, org_slug):
    """Every appointment of the organization's specialists, filtered, 50 a page."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    programs, specialists = board_filter_choices(organization)
    filters, shown, notices = _booking_filters(request, programs, specialists)
    appointments = appointment_list_for_organization(organization, **filters)
    page = Paginator(appointments, BOOKINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(request=request, action=AuditLog.Action.READ, obj=organization)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "organization": organization,
        "programs": programs,
        "specialists": specialists,
        "statuses": AppointmentStatus.choices,
        "shown": shown,
        "notices": notices,
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, "booking/organization/bookings.html", context)
