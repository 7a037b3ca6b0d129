import importlib
import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from core.models import Tag
from organizations.models import Membership
from tests.accounts.factories import UserFactory, enable_totp
from tests.organizations.factories import MembershipFactory, OrganizationFactory

# Playwright's sync API runs an event loop in the test thread; the database
# calls beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.clock_shift"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached lookups never leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _in_english():
    """Every test starts in English: a request in another language leaves it
    active in the thread (LocaleMiddleware activates it, nothing resets it),
    where the next test's direct calls would read it."""
    translation.deactivate()


@pytest.fixture(autouse=True)
def _taxonomy(request):
    """The seeded taxonomy, for every test that uses the database.

    A transactional test (the browser's) empties every table afterwards,
    data-migration rows included; whoever comes next gets them back.
    """
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if names & {"transactional_db", "live_server"} or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif "db" in names or marker:
        request.getfixturevalue("db")
    else:
        return
    seed_taxonomy()


def seed_taxonomy() -> None:
    """The taxonomy rows of the data migration, unless they are there."""
    if not Tag.objects.exists():
        seeded = importlib.import_module("core.migrations.0004_seed_taxonomy").TAGS
        Tag.objects.bulk_create(
            [Tag(kind=kind, slug=slug, name=name) for kind, tags in seeded.items() for slug, name in tags]
        )


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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests last (after pytest-django's own ordering, kept within
    each group): Playwright's sync API leaves its event loop running on the
    main thread for the rest of the session, where `asyncio.run` and
    `async_to_sync` in a later test would refuse to start."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
