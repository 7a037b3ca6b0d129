"""specialists/selectors.py: narrowed, and eager-loaded for the templates."""

import pytest
from django.template.loader import render_to_string

from specialists import selectors
from specialists.models import SpecialistProfile
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

Status = SpecialistProfile.Status


def _directory(org, count):
    for index in range(count):
        profile = SpecialistProfileFactory(
            organization=org, specializations=["anxiety", "sleep"], languages=["en", "de"], approaches=["cbt"]
        )
        OfferingFactory(specialist=profile, price_minor=9000 + index)
        OfferingFactory(specialist=profile, name="Retired", archived=True)
    SpecialistProfileFactory(organization=org, draft=True)


def test_rendering_the_profile_fragments_of_many_profiles_costs_three_queries(org, django_assert_num_queries):
    _directory(org, 6)
    with django_assert_num_queries(3):  # profiles (+ organization, user), tags, active offerings
        profiles = list(selectors.specialist_profile_display_queryset())
        for profile in profiles:
            page = render_to_string("specialists/_profile.html", {"profile": profile}) + render_to_string(
                "specialists/_offerings.html", {"offerings": profile.offerings.all()}
            )
            assert "Retired" not in page
            assert "Europe/Berlin" in page
            assert "Cognitive behavioural therapy" in page or profile.status == Status.DRAFT


def test_the_organization_list_costs_two_queries(org, django_assert_num_queries):
    _directory(org, 5)
    with django_assert_num_queries(2):  # profiles with offering counts, specialization tags
        rows = [
            (profile.user.email, profile.offering_count, [tag.name for tag in profile.tags.all()])
            for profile in selectors.specialist_profile_list_for_organization(organization=org)
        ]
    assert len(rows) == 6
    assert all(tags == ["Anxiety", "Sleep"] for _, count, tags in rows if count)
    assert {count for _, count, _ in rows} == {0, 1}


def test_the_counts_cover_every_status(org):
    SpecialistProfileFactory(organization=org, status=Status.PENDING)
    SpecialistProfileFactory(organization=org, status=Status.CHANGES_REQUESTED)
    counts = selectors.specialist_profile_counts_for_organization(organization=org)
    assert counts == {"all": 2, "draft": 0, "pending": 1, "approved": 0, "changes_requested": 1}
