"""The directory's filters: each alone, together, and bad input as notices."""

import re

import pytest
from django.urls import reverse

from core.models import Tag
from discovery.forms import DirectoryFilterForm
from discovery.selectors import DirectoryFilters, Sort, directory_tag_list, specialist_directory
from specialists.models import SpecialistProfile
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

URL = reverse("discovery:directory")


def names(page) -> list[str]:
    return [profile.display_name for profile in page.object_list]


def listed(response) -> list[str]:
    return [profile.display_name for profile in response.context["page"].object_list]


def parse(query: dict | str) -> DirectoryFilterForm:
    from django.http import QueryDict

    data = QueryDict(query) if isinstance(query, str) else query
    form = DirectoryFilterForm(data, tags=directory_tag_list(), currency="EUR")
    form.filters  # noqa: B018 - cleaning happens on first read
    return form


@pytest.fixture
def cast(org):
    """Four specialists who differ in every filter the directory has."""
    anna = SpecialistProfileFactory(
        organization=org,
        display_name="Anna Becker",
        headline="Calm support for anxiety and sleep",
        bio="Cognitive behavioural therapy for adults.",
        gender=SpecialistProfile.Gender.WOMAN,
        languages=["de", "en"],
        specializations=["anxiety", "sleep"],
        modalities=["video", "chat"],
    )
    OfferingFactory(specialist=anna, price_minor=8000)
    bruno = SpecialistProfileFactory(
        organization=org,
        display_name="Bruno Costa",
        headline="Relationships and family",
        bio="Systemic work with couples; Portuguese and Spanish.",
        gender=SpecialistProfile.Gender.MAN,
        languages=["pt", "es"],
        specializations=["relationships"],
        modalities=["video"],
    )
    OfferingFactory(specialist=bruno, price_minor=12000)
    OfferingFactory(specialist=bruno, price_minor=4000, is_active=False)  # withdrawn: never the price
    chris = SpecialistProfileFactory(
        organization=org,
        display_name="Chris Doyle",
        headline="Burnout and stress at work",
        bio="Coaching for people who care for others, including anxiety at work.",
        gender=SpecialistProfile.Gender.NON_BINARY,
        languages=["en"],
        specializations=["stress", "anxiety"],
        modalities=["phone"],
    )
    OfferingFactory(specialist=chris, price_minor=6000)
    dora = SpecialistProfileFactory(
        organization=org,
        display_name="Dora Engel",
        headline="",
        bio="Grief and loss.",
        languages=["de"],
        specializations=["grief"],
        modalities=["in-person"],
    )  # no offerings yet
    return {"anna": anna, "bruno": bruno, "chris": chris, "dora": dora}


def directory(**filters) -> list[str]:
    return names(specialist_directory(viewer=None, filters=DirectoryFilters(**filters), page_number=1))


def test_without_filters_everyone_visible_is_listed_by_name(cast):
    assert directory() == ["Anna Becker", "Bruno Costa", "Chris Doyle", "Dora Engel"]


def test_specialization_filter(cast):
    assert directory(specializations=("anxiety",)) == ["Anna Becker", "Chris Doyle"]


def test_language_filter(cast):
    assert directory(languages=("de",)) == ["Anna Becker", "Dora Engel"]


def test_modality_filter(cast):
    assert directory(modalities=("chat",)) == ["Anna Becker"]


def test_gender_filter(cast):
    assert directory(gender="man") == ["Bruno Costa"]
    assert directory(gender="non_binary") == ["Chris Doyle"]


def test_price_range_uses_the_cheapest_active_offering(cast):
    assert directory(max_price_minor=8000) == ["Anna Becker", "Chris Doyle"]
    assert directory(min_price_minor=7000) == ["Anna Becker", "Bruno Costa"]
    assert directory(min_price_minor=7000, max_price_minor=9000) == ["Anna Becker"]
    # Bruno's withdrawn €40 offering does not make him cheap.
    assert directory(max_price_minor=5000) == []


def test_specialists_without_offerings_are_left_out_only_when_a_price_is_asked(cast):
    assert "Dora Engel" in directory()
    assert "Dora Engel" not in directory(max_price_minor=1_000_000)


def test_search_looks_at_name_headline_and_bio_ignoring_case(cast):
    assert directory(q="BECKER") == ["Anna Becker"]
    assert directory(q="burnout") == ["Chris Doyle"]
    assert directory(q="couples") == ["Bruno Costa"]
    assert directory(q="nobody-says-this") == []


def test_every_search_word_must_appear_somewhere(cast):
    assert directory(q="anxiety work") == ["Chris Doyle"]


def test_several_values_of_one_filter_widen_and_different_filters_narrow(cast):
    assert directory(languages=("pt", "de")) == ["Anna Becker", "Bruno Costa", "Dora Engel"]
    assert directory(languages=("pt", "de"), specializations=("grief", "relationships")) == [
        "Bruno Costa",
        "Dora Engel",
    ]


def test_all_filters_together(cast):
    assert directory(
        q="calm",
        specializations=("anxiety",),
        languages=("de",),
        modalities=("video",),
        gender="woman",
        min_price_minor=5000,
        max_price_minor=9000,
    ) == ["Anna Becker"]


def test_the_query_string_of_the_issue_filters_the_page(client, cast):
    response = client.get(URL, {"language": "de", "specialization": "anxiety", "max_price": "9000"})
    assert response.status_code == 200
    assert listed(response) == ["Anna Becker"]
    assert response.context["notices"] == []


def test_filters_arrive_from_the_query_string_as_lists_and_minor_units(db):
    form = parse(
        "language=de&language=en&specialization=anxiety&modality=video&gender=woman&min_price=5000&max_price=9000&q=+calm+&sort=price"
    )
    assert form.filters == DirectoryFilters(
        q="calm",
        specializations=("anxiety",),
        languages=("de", "en"),
        modalities=("video",),
        gender="woman",
        min_price_minor=5000,
        max_price_minor=9000,
        sort=Sort.PRICE,
    )
    assert form.notices == []


def test_an_unknown_language_is_ignored_with_a_notice(db):
    form = parse("language=xx&language=de")
    assert form.filters.languages == ("de",)
    assert form.notices == ["We ignored an unknown language “xx”."]


def test_unknown_values_of_every_filter_are_reported(db):
    form = parse("specialization=astrology&modality=telepathy&gender=robot&sort=random")
    assert form.filters == DirectoryFilters()
    assert form.notices == [
        "We ignored an unknown specialization “astrology”.",
        "We ignored an unknown session type “telepathy”.",
        "We ignored an unknown gender “robot”.",
        "We ignored an unknown sort order “random”; showing the best matches first.",
    ]


def test_a_flood_of_unknown_values_gives_a_few_notices(db):
    form = parse("&".join(f"language=x{n}" for n in range(50)) + "&language=x0")
    assert form.filters.languages == ()
    assert len(form.notices) == 3


def test_a_long_unknown_value_is_shortened_in_its_notice(db):
    form = parse("language=" + "z" * 500)
    assert len(form.notices[0]) < 100


def test_a_tag_of_another_kind_is_not_a_language(db):
    assert Tag.objects.filter(kind=Tag.Kind.SPECIALIZATION, slug="anxiety").exists()
    form = parse("language=anxiety")
    assert form.filters.languages == ()
    assert form.notices == ["We ignored an unknown language “anxiety”."]


@pytest.mark.parametrize("value", ["abc", "-5", "90.50", "1e9", "99999999999", "9" * 5000, "٣٠٠"])
def test_a_price_that_is_not_whole_minor_units_is_ignored_with_a_notice(db, value):
    form = parse({"max_price": value})
    assert form.filters.max_price_minor is None
    assert len(form.notices) == 1
    assert form.notices[0].startswith("We ignored a highest price we could not read")


def test_a_lowest_price_above_the_highest_is_explained_and_both_are_ignored(db):
    form = parse("min_price=15000&max_price=5000")
    assert (form.filters.min_price_minor, form.filters.max_price_minor) == (None, None)
    assert form.notices == ["The lowest price is above the highest; showing all prices."]


def test_a_price_from_the_url_that_is_not_a_step_is_still_offered_in_the_form(db):
    form = parse("max_price=9000")
    assert ("9000", "€90.00") in form.fields["max_price"].widget.choices
    assert ("5000", "€50.00") in form.fields["max_price"].widget.choices


def test_the_form_shows_prices_in_major_units_of_the_currency(db):
    form = DirectoryFilterForm(None, tags=directory_tag_list(), currency="JPY")
    assert ("30", "¥30") in form.fields["min_price"].widget.choices


def test_sorting_by_availability_is_accepted_without_a_notice(db):
    form = parse("sort=availability")
    assert form.filters.sort == Sort.AVAILABILITY
    assert form.notices == []


def test_a_search_with_a_null_character_is_refused_with_a_clear_message(client, cast):
    response = client.get(URL, {"q": "anna\x00"})
    assert response.status_code == 400
    assert "a character we cannot accept" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "language=xx",
        "language=",
        "gender=woman&gender=bogus",
        "min_price=abc&max_price=-1",
        "min_price=900&max_price=100",
        "sort=availability",
        "sort[]=x&page=-3",
        "page=abc",
        "page=99999",
        "page=1e3",
        "q=" + "a" * 5000,
        "q=%25%5F_%",
        "s=not-a-filter&unknown=1",
    ],
)
def test_odd_query_strings_never_break_the_page(client, cast, query):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    response = client.get(f"{URL}?{query}", HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_notices_are_shown_on_the_page(client, cast):
    response = client.get(URL, {"language": "xx", "min_price": "9000", "max_price": "100"})
    html = response.content.decode()
    assert "We ignored an unknown language “xx”." in html
    assert "The lowest price is above the highest; showing all prices." in html
    assert len(listed(response)) == 4


def test_the_search_treats_like_wildcards_literally(cast):
    assert directory(q="%") == []
    assert directory(q="_") == []


def test_an_inverted_price_range_shows_both_prices_as_any_in_the_form(client, cast):
    html = client.get(URL, {"min_price": "15000", "max_price": "5000"}).content.decode()
    assert not re.search(r'<option value="\d+" selected>', html)
