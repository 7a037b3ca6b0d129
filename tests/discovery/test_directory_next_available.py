"""The directory's "next available": what cards say, the "soonest" sort and
the "available within N days" filter, at the same cost as before."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from booking.models import BookingSettings, NextAvailability
from booking.services import next_available_refresh
from discovery.forms import DirectoryFilterForm
from discovery.selectors import DirectoryFilters, Sort, directory_tag_list, specialist_directory
from organizations.models import Membership
from specialists.models import Offering
from tests.booking.factories import AvailabilityRuleFactory
from tests.conftest import member
from tests.discovery.test_directory_queries import QUERY_STRING, SELECTOR_QUERIES, VIEW_QUERIES, make_matching
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)  # a Sunday
URL = reverse("discovery:directory")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def specialist(org, name, *, after=None, known=True, mode=Offering.BookingMode.DIRECT):
    """A listed specialist with one offering whose next free time is `after`
    from now (None: nothing free), or not computed yet."""
    profile = SpecialistProfileFactory(organization=org, display_name=name)
    OfferingFactory(specialist=profile, booking_mode=mode)
    if known:
        NextAvailability.objects.create(
            specialist=profile, starts_at=None if after is None else NOW + after, valid_until=NOW + timedelta(hours=1)
        )
    return profile


def names(response) -> list[str]:
    return [profile.display_name for profile in response.context["page"].object_list]


def card_of(html: str, name: str) -> str:
    """The card from its specialist's name (as a whole element text: a short
    name may also occur inside a nonce or a token) to its end."""
    start = html.index(f">{name}<")
    return html[start : html.index("</article>", start)]


# --- Cards --------------------------------------------------------------------------


def test_an_anonymous_visitor_sees_the_next_time_in_utc_with_the_zone_named(client, org):
    specialist(org, "Ann", after=timedelta(hours=20))  # Monday 08:00 UTC
    card = card_of(client.get(URL).content.decode(), "Ann")
    assert "Next available" in card
    assert re.search(r'<time datetime="2026-03-02T08:00:00\+00:00" data-browser-zone>Mon 2 Mar, 08:00 UTC</time>', card)


def test_the_card_books_the_shortest_direct_service_for_patients_and_visitors(client, org):
    ann = specialist(org, "Ann", after=timedelta(hours=20))
    short = OfferingFactory(specialist=ann, duration_minutes=25)
    OfferingFactory(specialist=ann, duration_minutes=15, booking_mode=Offering.BookingMode.ON_REQUEST)
    specialist(org, "Bo", after=None, mode=Offering.BookingMode.ON_REQUEST)
    book = reverse("booking:book", args=[short.public_id])
    html = client.get(URL).content.decode()
    assert f'href="{book}"' in card_of(html, "Ann")
    assert "/patient/book/" not in card_of(html, "Bo")
    client.force_login(member(org, Membership.Role.PATIENT))
    assert f'href="{book}"' in client.get(URL).content.decode()
    client.force_login(member(org, Membership.Role.SPECIALIST))
    assert "/patient/book/" not in client.get(URL).content.decode()


def test_a_signed_in_visitor_sees_it_in_their_own_zone(client, org):
    specialist(org, "Ann", after=timedelta(hours=20))
    client.force_login(member(org, Membership.Role.PATIENT, timezone="America/New_York"))
    card = card_of(client.get(URL).content.decode(), "Ann")
    assert ">Mon 2 Mar, 03:00</time>" in card
    assert "UTC" not in card and "data-browser-zone" not in card


def test_nothing_free_within_the_horizon_says_how_far_was_looked(client, org):
    profile = specialist(org, "Ann", after=None)
    assert "No free times in the next 60 days" in card_of(client.get(URL).content.decode(), "Ann")
    BookingSettings.objects.create(specialist=profile, horizon_days=14)
    assert "No free times in the next 14 days" in card_of(client.get(URL).content.decode(), "Ann")


def test_a_specialist_booked_only_on_request_says_so(client, org):
    specialist(org, "Ann", after=None, mode=Offering.BookingMode.ON_REQUEST)
    card = card_of(client.get(URL).content.decode(), "Ann")
    assert "On request" in card
    assert "Next available" not in card and "No free times" not in card


def test_a_time_not_computed_yet_or_no_offering_says_nothing(client, org):
    specialist(org, "Ann", known=False)
    SpecialistProfileFactory(organization=org, display_name="Bob")
    html = client.get(URL).content.decode()
    for name in ["Ann", "Bob"]:
        card = card_of(html, name)
        assert "Next available" not in card and "No free times" not in card and "On request" not in card


def test_a_stored_time_already_past_is_not_shown_sorted_or_filtered_on(client, org):
    """The sweep is behind: say nothing rather than offer a time gone by."""
    specialist(org, "Ann", after=timedelta(minutes=-5))
    specialist(org, "Bob", after=timedelta(days=2))
    response = client.get(URL, {"sort": "availability"})
    assert names(response) == ["Bob", "Ann"]
    card = card_of(response.content.decode(), "Ann")
    assert "Next available" not in card and "No free times" not in card
    assert names(client.get(URL, {"available_within_days": "1"})) == []


def test_the_card_shows_what_the_refresh_computed_from_working_hours(client, org):
    profile = SpecialistProfileFactory(organization=org, display_name="Ann", user__timezone="Europe/Berlin")
    OfferingFactory(specialist=profile, duration_minutes=50)
    AvailabilityRuleFactory(specialist=profile, weekday=1, start_time="09:00", end_time="12:00")  # Tuesdays
    next_available_refresh(specialist_ids=[profile.pk])
    card = card_of(client.get(URL).content.decode(), "Ann")
    assert ">Tue 3 Mar, 08:00 UTC</time>" in card  # 09:00 in Berlin


def test_the_profile_and_compare_pages_carry_the_next_time_too(client, org):
    profile = specialist(org, "Ann", after=timedelta(hours=20))
    response = client.get(reverse("discovery:profile", args=[profile.slug]))
    assert response.context["profile"].next_available_at == NOW + timedelta(hours=20)
    response = client.get(reverse("discovery:compare"), {"s": profile.slug})
    assert response.context["profiles"][0].next_available_at == NOW + timedelta(hours=20)


# --- Sort ----------------------------------------------------------------------------


def test_soonest_first_by_name_on_a_tie_then_nothing_free_or_unknown_last(client, org):
    specialist(org, "Zed", after=timedelta(days=2))
    specialist(org, "Bea", after=timedelta(days=2))
    specialist(org, "Cal", after=timedelta(hours=3))
    specialist(org, "Abe", after=None)
    specialist(org, "Aad", known=False)
    specialist(org, "Dee", after=timedelta(days=30))
    response = client.get(URL, {"sort": "availability"})
    assert names(response) == ["Cal", "Bea", "Zed", "Dee", "Aad", "Abe"]
    assert '<option value="availability" selected>Soonest available</option>' in response.content.decode()


# --- Filter --------------------------------------------------------------------------


@pytest.fixture
def spread(org):
    specialist(org, "Day", after=timedelta(hours=20))
    specialist(org, "Five", after=timedelta(days=5))
    specialist(org, "Twenty", after=timedelta(days=20))
    specialist(org, "None", after=None)
    specialist(org, "Unknown", known=False)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("1", ["Day"]),
        ("3", ["Day"]),
        ("7", ["Day", "Five"]),
        ("14", ["Day", "Five"]),
        ("30", ["Day", "Five", "Twenty"]),
    ],
)
def test_available_within_keeps_those_free_that_soon(client, spread, days, expected):
    response = client.get(URL, {"available_within_days": days, "sort": "availability"})
    assert names(response) == expected
    assert response.context["notices"] == []
    assert response.context["filters"].is_filtered


def test_the_filter_offers_the_steps_and_a_number_from_the_url(db):
    form = DirectoryFilterForm({"available_within_days": "30"}, tags=directory_tag_list())
    assert form.filters.available_within_days == 30
    choices = form.fields["available_within_days"].widget.choices
    assert choices == [
        ("", "Any time"),
        ("1", "Within a day"),
        ("3", "Within 3 days"),
        ("7", "Within a week"),
        ("14", "Within two weeks"),
        ("30", "Within 30 days"),
    ]


def test_the_filter_is_in_the_form_and_kept_selected(client, spread):
    html = client.get(URL, {"available_within_days": "7"}).content.decode()
    assert '<select name="available_within_days"' in html
    assert '<option value="7" selected>Within a week</option>' in html


def test_the_longest_horizon_is_accepted(client, spread):
    response = client.get(URL, {"available_within_days": "365"})
    assert sorted(names(response)) == ["Day", "Five", "Twenty"]


@pytest.mark.parametrize("value", ["0", "366", "-1", "1.5", "abc", "7 days", "\uff11", "9" * 50])
def test_a_bad_number_of_days_is_explained_and_ignored(client, spread, value):
    response = client.get(URL, {"available_within_days": value})
    assert len(names(response)) == 5
    assert response.context["filters"].available_within_days is None
    [notice] = response.context["notices"]
    assert notice.startswith("We ignored an availability filter we could not read")
    assert "from 1 to 365" in notice
    assert "We ignored an availability filter" in response.content.decode()


def test_a_null_character_is_refused_with_a_clear_message(client, spread):
    response = client.get(URL, {"available_within_days": "7\x00"})
    assert response.status_code == 400
    assert "a character we cannot accept" in response.content.decode()


def test_an_empty_value_is_no_filter(client, spread):
    response = client.get(URL, {"available_within_days": ""})
    assert len(names(response)) == 5
    assert response.context["notices"] == []


def test_nobody_free_that_soon_shows_the_filtered_empty_state(client, org):
    specialist(org, "Far", after=timedelta(days=40))
    html = client.get(URL, {"available_within_days": "1"}).content.decode()
    assert "No one matches all of these filters" in html


# --- Cost ----------------------------------------------------------------------------


def with_times(profiles) -> None:
    for n, profile in enumerate(profiles):
        NextAvailability.objects.create(
            specialist=profile,
            starts_at=None if n % 4 == 0 else NOW + timedelta(days=n % 9, hours=1),
            valid_until=NOW + timedelta(hours=1),
        )


@pytest.mark.parametrize("count", [5, 40])
def test_the_selector_still_uses_four_queries_sorted_and_filtered(org, django_assert_num_queries, count):
    with_times(make_matching(org, count))
    filters = DirectoryFilters(sort=Sort.AVAILABILITY, available_within_days=14)
    with django_assert_num_queries(SELECTOR_QUERIES):
        page = specialist_directory(viewer=None, filters=filters, page_number=1)
        for profile in page.object_list:
            assert profile.next_available_at is not None
            assert profile.books_directly
            assert profile.booking_horizon_days == 60
            assert list(profile.offerings.all())


@pytest.mark.parametrize("count", [5, 40])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_view_still_costs_the_same(client, org, django_assert_num_queries, count, htmx):
    with_times(make_matching(org, count))
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    query = {**QUERY_STRING, "sort": "availability", "available_within_days": "7"}
    with django_assert_num_queries(VIEW_QUERIES):
        response = client.get(URL, query, **headers)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == len([n for n in range(count) if n % 4 and n % 9 < 7])
