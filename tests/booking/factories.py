from datetime import timedelta

import factory
from django.utils import timezone

from booking.models import (
    Appointment,
    AvailabilityOverride,
    AvailabilityRequest,
    AvailabilityRule,
    BookingSettings,
    Proposal,
)
from booking.states import AppointmentStatus
from tests.accounts.factories import UserFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory


def next_week_at(hour: int, minute: int = 0):
    """A whole-hour instant a week from now (UTC), far from any notice rule."""
    return (timezone.now() + timedelta(days=7)).replace(hour=hour, minute=minute, second=0, microsecond=0)


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A requested appointment a week ahead, with the snapshots filled in as
    `appointment_create` would. `AppointmentFactory(confirmed=True)` and the
    other traits set the status directly: for fixtures only, never as a way
    around `appointment_transition` in code under test."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(UserFactory, timezone="America/New_York")
    offering = factory.SubFactory(OfferingFactory)
    specialist = factory.SelfAttribute("offering.specialist")
    starts_at = factory.LazyFunction(lambda: next_week_at(10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=o.offering.duration_minutes))
    status = AppointmentStatus.REQUESTED
    price_minor = factory.SelfAttribute("offering.price_minor")
    currency = factory.SelfAttribute("offering.currency")
    patient_timezone = factory.SelfAttribute("patient.timezone")
    specialist_timezone = factory.SelfAttribute("specialist.user.timezone")

    class Params:
        held = factory.Trait(
            status=AppointmentStatus.HELD,
            expires_at=factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=10)),
        )
        proposed = factory.Trait(status=AppointmentStatus.PROPOSED)
        awaiting_payment = factory.Trait(status=AppointmentStatus.AWAITING_PAYMENT)
        confirmed = factory.Trait(status=AppointmentStatus.CONFIRMED)
        in_progress = factory.Trait(status=AppointmentStatus.IN_PROGRESS)
        completed = factory.Trait(status=AppointmentStatus.COMPLETED)
        cancelled = factory.Trait(
            status=AppointmentStatus.CANCELLED,
            cancelled_at=factory.LazyFunction(timezone.now),
            cancelled_by=factory.SelfAttribute("patient"),
            cancellation_reason="Something came up.",
        )
        declined = factory.Trait(status=AppointmentStatus.DECLINED)
        expired = factory.Trait(status=AppointmentStatus.EXPIRED)
        no_show = factory.Trait(status=AppointmentStatus.NO_SHOW)


class AvailabilityRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityRule

    specialist = factory.SubFactory(SpecialistProfileFactory)
    weekday = 0
    start_time = "09:00"
    end_time = "17:00"


class AvailabilityOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityOverride

    specialist = factory.SubFactory(SpecialistProfileFactory)
    date_on = factory.LazyFunction(lambda: next_week_at(12).date())
    kind = AvailabilityOverride.Kind.DAY_OFF

    class Params:
        extra_hours = factory.Trait(kind=AvailabilityOverride.Kind.EXTRA_HOURS, start_time="18:00", end_time="20:00")


class BookingSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BookingSettings
        django_get_or_create = ["specialist"]

    specialist = factory.SubFactory(SpecialistProfileFactory)


class AvailabilityRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityRequest

    patient = factory.SubFactory(UserFactory, timezone="America/New_York")
    specialist = factory.SubFactory(SpecialistProfileFactory)
    windows = factory.LazyFunction(
        lambda: [{"date": next_week_at(12).date().isoformat(), "from": "17:00", "until": "19:00"}]
    )
    patient_timezone = factory.SelfAttribute("patient.timezone")
    note = "Evenings suit me best."


class ProposalFactory(factory.django.DjangoModelFactory):
    """An open proposal without options; add them with
    `AppointmentFactory(proposed=True, proposal=..., expires_at=...)`, or use
    `booking.services.proposal_create` to get both."""

    class Meta:
        model = Proposal

    patient = factory.SubFactory(UserFactory, timezone="America/New_York")
    offering = factory.SubFactory(OfferingFactory)
    specialist = factory.SelfAttribute("offering.specialist")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
