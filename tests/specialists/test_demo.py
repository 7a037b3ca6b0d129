"""The demo specialists (specialists/demo.py)."""

import time
from collections import Counter

import pytest
from allauth.account.models import EmailAddress

from core.models import Tag
from organizations import demo as organizations_demo
from specialists import demo
from specialists.models import Offering, SpecialistProfile

pytestmark = pytest.mark.django_db

Status = SpecialistProfile.Status


@pytest.fixture
def seeded(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    organizations_demo.seed()
    started = time.monotonic()
    demo.seed()
    return time.monotonic() - started


def test_seeding_is_quick(seeded):
    assert seeded < 5


def test_the_demo_specialist_gets_a_full_approved_profile(seeded):
    profile = SpecialistProfile.objects.get(user__email=demo.DEMO_SPECIALIST_EMAIL)
    assert profile.status == Status.APPROVED
    assert profile.approved_at and profile.photo and profile.bio
    assert profile.offerings.filter(is_active=True).count() >= 2


def test_there_are_at_least_24_varied_demo_specialists(seeded):
    profiles = list(
        SpecialistProfile.objects.filter(
            organization__slug=demo.ORG_SLUG, user__email__endswith=f"@{demo.EMAIL_DOMAIN}"
        ).prefetch_related("tags", "offerings")
    )
    assert len(profiles) >= 24
    languages = [{tag.slug for tag in p.tags.all() if tag.kind == Tag.Kind.LANGUAGE} for p in profiles]
    assert {"en", "de", "es", "pt", "fr"} <= set().union(*languages)
    assert sum(len(spoken) == 2 for spoken in languages) > len(profiles) / 2
    assert len({p.gender for p in profiles}) >= 3
    assert len({p.user.timezone for p in profiles}) >= 7
    assert sum(not p.accepting_new_patients for p in profiles) >= 2
    assert Counter(p.status for p in profiles)[Status.PENDING] == 2
    for profile in profiles:
        assert profile.photo, profile
        assert profile.bio.endswith("(Demo profile.)"), profile
        assert 2 <= profile.bio.count(". ") + 1 <= 5, profile
        kinds = {tag.kind for tag in profile.tags.all()}
        assert {Tag.Kind.SPECIALIZATION, Tag.Kind.LANGUAGE, Tag.Kind.MODALITY, Tag.Kind.JURISDICTION} <= kinds
        offerings = list(profile.offerings.all())
        assert 1 <= len(offerings) <= 3
        assert all(o.currency == "EUR" and 6000 <= o.price_minor <= 15000 for o in offerings)
    assert Offering.objects.filter(booking_mode=Offering.BookingMode.ON_REQUEST).count() >= 3


def test_demo_specialists_can_sign_in_with_the_demo_password(seeded):
    profile = SpecialistProfile.objects.filter(user__email__endswith=f"@{demo.EMAIL_DOMAIN}").first()
    assert profile.user.check_password(demo.PASSWORD)
    assert EmailAddress.objects.get(user=profile.user).verified
    assert profile.user.memberships.get().role == "specialist"


def test_seeding_twice_changes_nothing(seeded):
    before = (SpecialistProfile.objects.count(), Offering.objects.count(), EmailAddress.objects.count())
    photos = set(SpecialistProfile.objects.values_list("photo", flat=True))
    demo.seed()
    assert (SpecialistProfile.objects.count(), Offering.objects.count(), EmailAddress.objects.count()) == before
    assert set(SpecialistProfile.objects.values_list("photo", flat=True)) == photos


def test_seeding_without_the_demo_organization_does_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    assert demo.seed() == ["skipped: the demo organization is missing"]
    assert not SpecialistProfile.objects.exists()
