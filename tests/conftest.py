import os

import pytest
from django.conf import settings
from django.core.cache import cache

from organizations.models import Membership
from tests.accounts.factories import UserFactory, enable_totp
from tests.organizations.factories import MembershipFactory, OrganizationFactory

# Playwright's sync API runs an event loop in the test thread; the database
# calls beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached lookups never leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db):
    return OrganizationFactory(slug=settings.DEFAULT_ORGANIZATION_SLUG, name="Demo Clinic")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(slug="other-clinic", name="Other Clinic")


def member(organization, role, *, staff=False, **user_fields):
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organization=organization, role=role)
    if staff:
        enable_totp(user)
    return user


@pytest.fixture
def personas(org, other_org):
    """The people every access test walks (SECURITY.md): None is anonymous."""
    return {
        "anonymous": None,
        "patient_a": member(org, Membership.Role.PATIENT),
        "patient_b": member(org, Membership.Role.PATIENT),
        "specialist": member(org, Membership.Role.SPECIALIST, staff=True),
        "other_specialist": member(other_org, Membership.Role.SPECIALIST, staff=True),
        "org_admin": member(org, Membership.Role.ADMIN, staff=True),
        "other_org_admin": member(other_org, Membership.Role.ADMIN, staff=True),
        "affiliate": member(org, Membership.Role.AFFILIATE),
    }
