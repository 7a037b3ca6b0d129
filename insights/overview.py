"""The organization's overview: how the clinic is doing over the last 7,
30 or 90 days, next to the period before, with a small trend per figure.

These are the organization's own operating figures, each the size of a list
its admins may open row by row (the tile links to it), so nothing here is
suppressed: small-count suppression belongs to figures shown to people who
may not see the rows behind them (insights pages, affiliates).

Every figure is computed in a fixed number of queries whatever the size of
the history: grouped queries per day (appointments, patients, enrolments,
payments) whose answers grow with the days shown, not with the rows behind
them, folded into trend points here. The readiness of the coming week's
sessions (one batched resolution of their consents and forms) is a
fragment of its own, loaded after the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking.models import Appointment
from booking.readiness import READY_STATUSES, blockers_by_appointment
from booking.selectors import agreed
from booking.states import AppointmentStatus
from core.charts import COLOURS
from core.money import Money
from organizations.models import Membership, Organization, ProgramEnrolment
from payments.models import BillingSettings, Payment
from specialists.models import SpecialistProfile

from .periods import Period

S = AppointmentStatus
PERIOD_DAYS = (7, 30, 90)
# Days per trend point: 7, 10 and 10 points.
BUCKET_DAYS = {7: 1, 30: 3, 90: 9}
# How far ahead sessions are checked for missing consents and forms.
READINESS_DAYS = 7


def period_days_parse(raw: str | None, *, default: int) -> tuple[int, str]:
    """`?days=` as one of `PERIOD_DAYS`; anything else is the default, with
    a notice saying so (empty when the value was fine or missing)."""
    if not raw:
        return default, ""
    if raw.isdigit() and int(raw) in PERIOD_DAYS:
        return int(raw), ""
    notice = _("We showed the last %(days)d days: “%(value)s” is not one of 7, 30 or 90 days.") % {
        "days": default,
        "value": raw[:20],
    }
    return default, notice


@dataclass(frozen=True)
class Window:
    """The chosen days (today included), the same number of days before
    them, and the trend buckets that divide the chosen days evenly."""

    days: int
    current: Period
    previous: Period
    buckets: list[Period]


def window_for(days: int, *, today: date | None = None) -> Window:
    today = today or timezone.localdate()
    start_on = today - timedelta(days=days - 1)
    step = BUCKET_DAYS[days]
    buckets = [
        Period(start_on + timedelta(days=n), start_on + timedelta(days=n + step - 1)) for n in range(0, days, step)
    ]
    return Window(
        days=days,
        current=Period(start_on, today),
        previous=Period(start_on - timedelta(days=days), start_on - timedelta(days=1)),
        buckets=buckets,
    )


# --- Trend lines --------------------------------------------------------------------------

SPARK_WIDTH = 120
SPARK_HEIGHT = 32
SPARK_PAD = 4


@dataclass(frozen=True)
class Sparkline:
    """A trend as SVG geometry (drawn by the overview template), with its
    figures as text for those who cannot see it."""

    points: str
    last_x: float
    last_y: float
    description: str
    colour: str = COLOURS[0]
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def sparkline(values: list[int], labels: list[str], texts: list[str]) -> Sparkline:
    top = max(max(values, default=0), 1)
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(values) - 1, 1)
    coords = [
        (SPARK_PAD + i * step, SPARK_HEIGHT - SPARK_PAD - value / top * (SPARK_HEIGHT - 2 * SPARK_PAD))
        for i, value in enumerate(values)
    ]
    description = ", ".join(f"{label}: {text}" for label, text in zip(labels, texts, strict=True))
    return Sparkline(
        points=" ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
        last_x=round(coords[-1][0], 1),
        last_y=round(coords[-1][1], 1),
        description=description,
    )


# --- Tiles --------------------------------------------------------------------------------


@dataclass
class Tile:
    key: str
    label: str
    help: str
    value: int
    url: str
    # None: a state of now (waiting specialists), not a flow over the days.
    previous: int | None = None
    trend: list[int] = field(default_factory=list)
    bucket_labels: list[str] = field(default_factory=list)
    currency: str = ""  # a money tile: the values are minor units
    # Its value is loaded separately, from this address.
    value_url: str = ""
    # What a state's value covers, where there is no earlier value to compare.
    note: str = ""

    def _text(self, value: int) -> str:
        return Money(value, self.currency).format() if self.currency else str(value)

    @property
    def value_shown(self) -> str:
        return self._text(self.value)

    @property
    def previous_shown(self) -> str:
        return "" if self.previous is None else self._text(self.previous)

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.value - self.previous

    @property
    def change_shown(self) -> str:
        change = self.change
        if change is None:
            return ""
        if change == 0:
            return _("no change")
        sign = "+" if change > 0 else "\u2212"
        return f"{sign}{self._text(abs(change))}"

    @property
    def direction(self) -> str:
        change = self.change
        return "" if not change else ("up" if change > 0 else "down")

    @property
    def sparkline(self) -> Sparkline | None:
        if len(self.trend) < 2:
            return None
        return sparkline(self.trend, self.bucket_labels, [self._text(value) for value in self.trend])


@dataclass
class Overview:
    organization: Organization
    window: Window
    tiles: list[Tile]
    takes_payments: bool

    @property
    def days(self) -> int:
        return self.window.days


def _span(window: Window) -> tuple:
    """From the first moment of the previous period to the end of the current one."""
    return window.previous.bounds()[0], window.current.bounds()[1]


def _daily(queryset, stamp: str, window: Window, *, fields=(), total=None) -> list[dict]:
    """`total` (a count by default) of `queryset` per day of `stamp` (in
    the viewer's zone) and per `fields`, over both periods: one grouped
    query whose answer grows with days, not rows."""
    begin, end = _span(window)
    return list(
        queryset.filter(**{f"{stamp}__gte": begin, f"{stamp}__lt": end})
        .values(*fields, day=TruncDate(stamp))
        .annotate(total=total or Count("pk"))
        .order_by()
    )


def _fold(rows: list[dict], window: Window, **match) -> tuple[list[int], int]:
    """The rows matching `match` summed per trend bucket, and over the previous period."""
    step = BUCKET_DAYS[window.days]
    trend, previous = [0] * len(window.buckets), 0
    for row in rows:
        if any(row[name] != value for name, value in match.items()):
            continue
        offset = (row["day"] - window.current.start_on).days
        if offset < 0:
            previous += row["total"] or 0
        else:
            trend[offset // step] += row["total"] or 0
    return trend, previous


def _flows(organization: Organization, window: Window) -> dict[str, tuple[list[int], int]]:
    """Each flow figure's trend and previous value. Six grouped queries:
    appointments by the day they were made and by the day they were due,
    patients, enrolments and, in the organization's currency, net card
    payments (after refunds) by the day they were paid."""
    sessions = Appointment.objects.filter(specialist__organization=organization)
    outcomes = _daily(
        sessions.filter(status__in=(S.COMPLETED, S.CANCELLED, S.NO_SHOW)),
        "starts_at",
        window,
        fields=("status", "is_late_cancellation"),
    )
    payments = Payment.objects.filter(
        organization=organization,
        kind=Payment.Kind.CHARGE,
        status=Payment.Status.SUCCEEDED,
        currency=organization.currency,
    )
    patients = Membership.objects.filter(organization=organization, role=Membership.Role.PATIENT)
    enrolments = ProgramEnrolment.objects.filter(program__organization=organization)
    return {
        "booked": _fold(_daily(agreed(sessions), "created_at", window), window),
        "held": _fold(outcomes, window, status=S.COMPLETED),
        "cancelled": _fold(outcomes, window, status=S.CANCELLED, is_late_cancellation=False),
        "late": _fold(outcomes, window, status=S.CANCELLED, is_late_cancellation=True),
        "no_show": _fold(outcomes, window, status=S.NO_SHOW),
        "patients": _fold(_daily(patients, "created_at", window), window),
        "enrolments": _fold(_daily(enrolments, "created_at", window), window),
        "revenue": _fold(
            _daily(payments, "paid_at", window, total=Sum(F("amount_minor") - F("refunded_minor"))), window
        ),
    }


def blocked_sessions(organization: Organization, *, now=None) -> int:
    """How many confirmed or awaiting-payment sessions of the next
    `READINESS_DAYS` days still miss a consent or a form (booking's
    readiness rule). Sessions of one patient with one specialist and
    offering share their answer, so each such ask is resolved once."""
    now = now or timezone.now()
    appointments = (
        Appointment.objects.filter(
            specialist__organization=organization,
            status__in=READY_STATUSES,
            starts_at__gte=now,
            starts_at__lt=now + timedelta(days=READINESS_DAYS),
        )
        .select_related("specialist", "offering")
        .only("patient_id", "specialist__organization_id", "offering__id")
        .order_by()
    )
    asks: dict[tuple[int, int, int], list] = {}
    for appointment in appointments:
        key = (appointment.patient_id, appointment.specialist_id, appointment.offering_id)
        asks.setdefault(key, []).append(appointment)
    firsts = [same[0] for same in asks.values()]
    return sum(
        len(asks[(first.patient_id, first.specialist_id, first.offering_id)])
        for first, blockers in blockers_by_appointment(firsts)
        if blockers
    )


LABELS = {
    "booked": (
        gettext_lazy("Sessions booked"),
        gettext_lazy("Appointments agreed in the period (confirmed or awaiting payment), whatever became of them."),
    ),
    "held": (gettext_lazy("Sessions held"), gettext_lazy("Sessions in the period that took place.")),
    "cancelled": (
        gettext_lazy("Cancelled in time"),
        gettext_lazy("Sessions in the period cancelled before the cancellation notice."),
    ),
    "late": (gettext_lazy("Cancelled late"), gettext_lazy("Sessions in the period cancelled inside the notice.")),
    "no_show": (gettext_lazy("No-shows"), gettext_lazy("Sessions in the period the patient did not come to.")),
    "blocked": (
        gettext_lazy("Sessions not ready"),
        gettext_lazy("Booked sessions of the next 7 days whose patient still has a consent or form to complete."),
    ),
    "pending": (
        gettext_lazy("Specialists to approve"),
        gettext_lazy("Profiles waiting for your approval now."),
    ),
    "patients": (gettext_lazy("New patients"), gettext_lazy("People who joined as patients in the period.")),
    "enrolments": (gettext_lazy("Program enrolments"), gettext_lazy("Patients who joined one of your programs.")),
    "revenue": (
        gettext_lazy("Revenue"),
        gettext_lazy("Card payments received in the period, after refunds (%(currency)s)."),
    ),
}


def _query(**values) -> str:
    return "?" + urlencode(values)


def organization_overview(*, organization: Organization, days: int, today: date | None = None) -> Overview:
    """The overview's tiles for the last `days` days (one of `PERIOD_DAYS`).

    Nine queries whatever the number of specialists, patients or sessions;
    the sessions not ready are counted by `blocked_sessions`, on request.
    """
    window = window_for(days, today=today)
    slug = organization.slug
    start_on, end_on = window.current.start_on.isoformat(), window.current.end_on.isoformat()
    bookings = reverse("booking:org-bookings", args=[slug])
    labels = [
        date_format(bucket.start_on, "j M")
        if bucket.start_on == bucket.end_on
        else f"{date_format(bucket.start_on, 'j M')}\u2013{date_format(bucket.end_on, 'j M')}"
        for bucket in window.buckets
    ]

    flows = _flows(organization, window)

    def tile(key: str, url: str, *, value: int | None = None, **extra) -> Tile:
        label, help_text = LABELS[key]
        made = Tile(key=key, label=str(label), help=str(help_text), value=value or 0, url=url, **extra)
        if value is None:  # a flow over the days
            made.trend, made.previous = flows[key]
            made.value, made.bucket_labels = sum(made.trend), labels
        return made

    sessions = {"from": start_on, "to": end_on}
    pending = SpecialistProfile.objects.filter(
        organization=organization, status=SpecialistProfile.Status.PENDING
    ).count()
    tiles = [
        tile("booked", bookings + _query(booked_from=start_on, booked_to=end_on)),
        tile("held", bookings + _query(status=S.COMPLETED, **sessions)),
        tile("cancelled", bookings + _query(status=S.CANCELLED, **sessions)),
        tile("late", bookings + _query(status=S.CANCELLED, late=1, **sessions)),
        tile("no_show", bookings + _query(status=S.NO_SHOW, **sessions)),
        # Resolving every coming session's consents and forms costs more
        # than all the other tiles together: its value loads on its own.
        tile(
            "blocked",
            reverse("booking:org-readiness", args=[slug]),
            value=0,
            value_url=reverse("insights:org-overview-readiness", args=[slug]),
            note=_("next 7 days"),
        ),
        tile(
            "pending",
            reverse("specialists:org-specialists", args=[slug]) + _query(status=SpecialistProfile.Status.PENDING),
            value=pending,
            note=_("right now"),
        ),
        tile("patients", reverse("care:org-patients", args=[slug]) + _query(joined_from=start_on, joined_to=end_on)),
        tile("enrolments", reverse("organizations:programs", args=[slug])),
    ]
    takes_payments = BillingSettings.objects.filter(organization=organization, enabled=True).exists()
    revenue_trend, revenue_before = flows["revenue"]
    if takes_payments or any(revenue_trend) or revenue_before:
        takes_payments = True
        revenue = tile("revenue", reverse("payments:org-financials", args=[slug]), currency=organization.currency)
        revenue.help = revenue.help % {"currency": organization.currency}
        tiles.append(revenue)
    return Overview(organization=organization, window=window, tiles=tiles, takes_payments=takes_payments)
