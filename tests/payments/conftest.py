"""A clinic that takes payments: `specialist` (Europe/Berlin, free every
day 08:00-18:00) offers `offering` (€90, paid at booking) to `patient`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.booking.factories import AvailabilityRuleFactory, BookingSettingsFactory
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.specialists.factories import OfferingFactory

from .factories import BillingSettingsFactory


@pytest.fixture
def billing(org):
    return BillingSettingsFactory(organization=org)


@pytest.fixture
def specialist(org, billing):
    profile = specialist_of(org, display_name="Lena Berg", user__timezone="Europe/Berlin")
    BookingSettingsFactory(specialist=profile, slot_increment_minutes=60, minimum_notice_minutes=60)
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="08:00", end_time="18:00")
    return profile


@pytest.fixture
def offering(specialist):
    return OfferingFactory(specialist=specialist, name="Therapy session", duration_minutes=50, price_minor=9000)


@pytest.fixture
def patient(org):
    return patient_of(org, full_name="Alex Doe", timezone="America/New_York")


@pytest.fixture
def conversation(patient, specialist):
    return conversation_between(patient, specialist)


@pytest.fixture
def tomorrow_10():
    """A whole hour about a day ahead, inside the specialist's hours (08:00-18:00 Berlin)."""
    return (timezone.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
