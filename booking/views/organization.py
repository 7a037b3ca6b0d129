"""The organization's readiness board: its coming sessions with what still
blocks each (consents, forms), how far its patients are with each consent
and form, and the same rows as a CSV file.

Organization admins only, of their own organization (another one is a
404). Filters come from the query string; a value that cannot be read is
ignored with a notice, never an error.
"""

from __future__ import annotations

import csv
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.models import AuditLog
from core.portals import Portal, portal_required
from core.services import audit_record
from core.spreadsheets import safe_cell
from core.timeutils import INPUT_YEARS, validate_date_in_range
from organizations.selectors import organization_get_for_admin

from ..readiness import BOARD_ROW_LIMIT, board_filter_choices, status_board

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


def _date(raw: str, label: str, notices: list[str]) -> date | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        notices.append(
            _("We ignored the %(field)s date: we could not read “%(value)s”.") % {"field": label, "value": raw}
        )
        return None
    try:
        validate_date_in_range(day)  # days are added to it: the year 9999 would overflow
    except ValidationError:
        notices.append(
            _("We ignored the %(field)s date: please pick one within %(years)d years of today.")
            % {"field": label, "years": INPUT_YEARS}
        )
        return None
    return day


def _pick(raw: str, options, label: str, notices: list[str]):
    if not raw:
        return None
    try:
        wanted = uuid.UUID(raw)
    except ValueError:
        wanted = None
    chosen = next((option for option in options if option.public_id == wanted), None)
    if chosen is None:
        notices.append(_("We ignored the %(field)s filter: we could not find it.") % {"field": label})
    return chosen


def _filters(request, programs, specialists) -> BoardFilters:
    notices: list[str] = []
    today = timezone.localdate()
    start_on = _date(request.GET.get("from", ""), _("from"), notices) or today
    end_on = _date(request.GET.get("to", ""), _("to"), notices)
    if end_on is not None and end_on < start_on:
        notices.append(_("We ignored the “to” date: it was before the “from” date."))
        end_on = None
    if end_on is not None and (end_on - start_on).days >= MAX_DAYS:
        notices.append(_("We showed one year from the “from” date; pick a shorter range for more."))
        end_on = start_on + timedelta(days=MAX_DAYS - 1)
    return BoardFilters(
        start_on=start_on,
        end_on=end_on or start_on + timedelta(days=DEFAULT_DAYS - 1),
        program=_pick(request.GET.get("program", ""), programs, _("program"), notices),
        specialist=_pick(request.GET.get("specialist", ""), specialists, _("specialist"), notices),
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
