"""The directory costs the same number of queries whatever it finds."""

import pytest
from django.urls import reverse

from discovery.selectors import DirectoryFilters, Sort, specialist_directory
from organizations.models import Membership, ProgramEnrolment, ProgramRosterEntry
from specialists.models import SpecialistProfile
from tests.conftest import member
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

ALL_FILTERS = DirectoryFilters(
    q="calm",
    specializations=("anxiety", "sleep"),
    languages=("de", "en"),
    modalities=("video",),
    gender="woman",
    min_price_minor=1000,
    max_price_minor=20000,
)
QUERY_STRING = {
    "q": "calm",
    "specialization": ["anxiety", "sleep"],
    "language": ["de", "en"],
    "modality": "video",
    "gender": "woman",
    "min_price": "1000",
    "max_price": "20000",
}


def make_matching(org, count: int) -> list[SpecialistProfile]:
    """`count` specialists who all match ALL_FILTERS, each with two offerings."""
    profiles = []
    for n in range(count):
        profile = SpecialistProfileFactory(
            organization=org,
            display_name=f"Calm Person {n:02d}",
            gender=SpecialistProfile.Gender.WOMAN,
            languages=["de", "en"],
            specializations=["anxiety", "sleep", "stress"],
            modalities=["video", "chat"],
            approaches=["cbt"],
        )
        OfferingFactory(specialist=profile, price_minor=9000 + n)
        OfferingFactory(specialist=profile, price_minor=15000)
        profiles.append(profile)
    return profiles


def evaluate(page) -> None:
    """Touch everything a card shows, so lazy loading would count."""
    for profile in page.object_list:
        assert profile.tag_groups["language"]
        assert list(profile.offerings.all())
        assert profile.organization.name
        assert profile.min_price_minor is not None


# count, page, tags, offerings
SELECTOR_QUERIES = 4


@pytest.mark.parametrize("count", [5, 40])
@pytest.mark.parametrize("sort", [Sort.RELEVANCE, Sort.PRICE])
def test_the_selector_uses_four_queries_for_any_number_of_results(org, django_assert_num_queries, count, sort):
    make_matching(org, count)
    filters = DirectoryFilters(**{**ALL_FILTERS.__dict__, "sort": sort})
    with django_assert_num_queries(SELECTOR_QUERIES):
        page = specialist_directory(viewer=None, filters=filters, page_number=1)
        evaluate(page)
    assert len(page.object_list) == min(count, 20)
    assert page.paginator.count == count


@pytest.mark.parametrize("count", [5, 40])
def test_the_selector_without_filters_uses_the_same_four(org, django_assert_num_queries, count):
    make_matching(org, count)
    with django_assert_num_queries(SELECTOR_QUERIES):
        evaluate(specialist_directory(viewer=None, filters=DirectoryFilters(), page_number=2 if count > 20 else 1))


@pytest.mark.parametrize("count", [5, 40])
def test_a_program_patient_adds_two_queries_for_the_roster(org, django_assert_num_queries, count):
    profiles = make_matching(org, count)
    patient = member(org, Membership.Role.PATIENT)
    program = ProgramFactory(organization=org)
    ProgramEnrolment.objects.create(program=program, patient=patient, via=ProgramEnrolment.Via.CODE)
    for profile in profiles:
        ProgramRosterEntry.objects.create(program=program, specialist=profile.user)
    with django_assert_num_queries(SELECTOR_QUERIES + 2):
        page = specialist_directory(viewer=patient, filters=ALL_FILTERS, page_number=1)
        evaluate(page)
    assert page.paginator.count == count


# The taxonomy for the form, the brand twice (the view's currency and the
# header's context processor, which runs for fragments too), the selector's.
VIEW_QUERIES = 1 + 2 + SELECTOR_QUERIES


@pytest.mark.parametrize("count", [5, 40])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_view_costs_the_same_for_5_or_40_results(client, org, django_assert_num_queries, count, htmx):
    make_matching(org, count)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with django_assert_num_queries(VIEW_QUERIES):
        response = client.get(reverse("discovery:directory"), QUERY_STRING, **headers)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 20)
