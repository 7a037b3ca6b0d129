"""Referred patients who went some way along the journey, for the figures,
commission and statement tests: each step written as the apps record it
(a confirmed status change, a settled card payment)."""

from datetime import UTC, datetime, timedelta
from itertools import count

from django.utils import timezone

from affiliates.commissions import month_start
from affiliates.dashboard import last_months
from booking.models import AppointmentEvent
from booking.states import AppointmentStatus
from tests.affiliates.factories import ReferralFactory
from tests.booking.factories import AppointmentFactory
from tests.payments.factories import PaymentFactory

_hours = count()


def month_ago(months: int, day: int = 10) -> datetime:
    """Noon UTC on `day` of the calendar month `months` before this one."""
    month = last_months()[months]
    return datetime(month.year, month.month, day, 12, tzinfo=UTC)


def this_month_so_far() -> datetime:
    """A moment of this month that has already passed."""
    now = timezone.now()
    return max(now - timedelta(minutes=5), datetime.combine(month_start(now), datetime.min.time(), tzinfo=UTC))


def session(patient, offering, *, status=AppointmentStatus.CONFIRMED, at=None):
    """An appointment of `patient` with the offering's specialist, confirmed at `at`."""
    starts_at = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=30, hours=next(_hours))
    appointment = AppointmentFactory(patient=patient, offering=offering, status=status, starts_at=starts_at)
    AppointmentEvent.objects.create(
        appointment=appointment,
        from_status=AppointmentStatus.HELD,
        to_status=AppointmentStatus.CONFIRMED,
        at=at or timezone.now(),
    )
    return appointment


def referred(link, offering, *, at, booked=False, paid=False):
    """A patient who signed up through `link` at `at`, and booked (a
    confirmed session) and paid for one (a settled card payment) if asked."""
    patient = ReferralFactory(link=link, registered_at=at).patient
    if booked or paid:
        appointment = session(patient, offering, at=at)
        if paid:
            PaymentFactory(appointment=appointment, paid_at=at)
    return patient
