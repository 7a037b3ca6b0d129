from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from tests.organizations.factories import OrganizationFactory
from tests.specialists.factories import SpecialistProfileFactory


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def base(today):
    """The first cohort day: long enough ago that every window has closed."""
    return today - timedelta(days=200)


@pytest.fixture
def at(base):
    """`at(3)`: 10:00 on the third day after `base`."""

    def moment(days, hour=10):
        return datetime.combine(base + timedelta(days=days), time(hour), tzinfo=timezone.get_current_timezone())

    return moment


@pytest.fixture
def clinic(db):
    return OrganizationFactory()


@pytest.fixture
def other_clinic(db):
    return OrganizationFactory()


@pytest.fixture
def specialist(clinic):
    return SpecialistProfileFactory(organization=clinic)


@pytest.fixture
def colleague(clinic):
    return SpecialistProfileFactory(organization=clinic)


@pytest.fixture
def outsider(other_clinic):
    return SpecialistProfileFactory(organization=other_clinic)
