"""The directory's orders: best match, lowest price, soonest availability."""

import pytest
from django.urls import reverse

from discovery.selectors import DirectoryFilters, Sort, specialist_directory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db


def order(**filters) -> list[str]:
    page = specialist_directory(viewer=None, filters=DirectoryFilters(**filters), page_number=1)
    return [profile.display_name for profile in page.object_list]


def test_a_search_hit_in_the_name_ranks_above_one_in_the_headline_or_bio(org):
    SpecialistProfileFactory(organization=org, display_name="Aaron Bell", bio="Trained by Dr Rivers.")
    SpecialistProfileFactory(organization=org, display_name="Zoe Rivers", bio="Adults and teenagers.")
    SpecialistProfileFactory(organization=org, display_name="Mia Stone", headline="Rivers of thought", bio="")
    assert order(q="rivers") == ["Zoe Rivers", "Mia Stone", "Aaron Bell"]


def test_more_matched_filters_rank_higher_then_the_name(org):
    SpecialistProfileFactory(organization=org, display_name="Ada", languages=["de"], specializations=["grief"])
    SpecialistProfileFactory(
        organization=org, display_name="Zed", languages=["de", "en"], specializations=["anxiety", "grief"]
    )
    SpecialistProfileFactory(organization=org, display_name="Kim", languages=["en"], specializations=["anxiety"])
    assert order(languages=("de", "en"), specializations=("anxiety", "grief")) == ["Zed", "Ada", "Kim"]


def test_a_name_hit_beats_more_matched_filters(org):
    SpecialistProfileFactory(
        organization=org, display_name="Ben Anxiety-Free", languages=["en"], specializations=["anxiety"]
    )
    SpecialistProfileFactory(
        organization=org,
        display_name="Ann Other",
        bio="Anxiety is my focus.",
        languages=["de", "en"],
        specializations=["anxiety"],
    )
    assert order(q="anxiety", languages=("de", "en")) == ["Ben Anxiety-Free", "Ann Other"]


def test_price_order_is_by_the_cheapest_active_offering_with_the_unpriced_last(org):
    for name, prices in [("Ann", [9000, 15000]), ("Bob", [12000]), ("Cat", []), ("Dan", [5000])]:
        profile = SpecialistProfileFactory(organization=org, display_name=name)
        for price in prices:
            OfferingFactory(specialist=profile, price_minor=price)
    OfferingFactory(specialist=profile, price_minor=100, is_active=False)  # Dan's withdrawn offer
    assert order(sort=Sort.PRICE) == ["Dan", "Ann", "Bob", "Cat"]


def test_equal_prices_fall_back_to_the_name(org):
    for name in ["Zara", "Abe"]:
        OfferingFactory(specialist=SpecialistProfileFactory(organization=org, display_name=name), price_minor=9000)
    assert order(sort=Sort.PRICE) == ["Abe", "Zara"]


def test_sorting_by_availability_without_known_times_falls_back_to_the_name(client, org):
    """Soonest first is tested in test_directory_next_available.py."""
    SpecialistProfileFactory(organization=org, display_name="Zoe Rivers")
    SpecialistProfileFactory(organization=org, display_name="Aaron Bell", bio="Rivers.")
    response = client.get(reverse("discovery:directory"), {"q": "rivers", "sort": "availability"})
    assert [p.display_name for p in response.context["page"].object_list] == ["Aaron Bell", "Zoe Rivers"]
    assert response.context["notices"] == []


def test_the_sort_choice_is_kept_in_the_sort_menu(client, org):
    response = client.get(reverse("discovery:directory"), {"sort": "price"})
    assert '<option value="price" selected>' in response.content.decode()
