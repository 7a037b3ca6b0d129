"""Crafted input answers a clear 4xx, never a 500: NUL characters anywhere
in a request (core.middleware.RefuseNulMiddleware) and dates far from now
(core.timeutils.validate_date_in_range and validate_moment_in_range).

PostgreSQL refuses NUL in text, so before the middleware these requests
crashed at the first query that met the value; on SQLite they went through.
"""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from core.timeutils import INPUT_RANGE, validate_date_in_range, validate_moment_in_range
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
REFUSED = "a character we cannot accept"


def refused(response) -> bool:
    return response.status_code == 400 and REFUSED in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/%00abc.ics",  # a token looked up in the database
        "/join/%00/",  # a program code
        "/specialists/compare/?s=%00",  # a slug filter
        "/specialists/compare/?s%00=x",  # in a name, too
        "/specialists/?q=Anna%00",
        "/patient/appointments/?from=2026-03-16%00",
    ],
)
def test_a_nul_in_the_address_is_a_400_before_any_query(client, django_assert_num_queries, path):
    with django_assert_num_queries(0):
        response = client.get(path)
    assert refused(response)


def test_a_nul_in_a_cookie_is_a_400_before_the_session_is_looked_up(client, django_assert_num_queries):
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijklmnop"  # sent quoted, as \000
    with django_assert_num_queries(0):
        response = client.get(reverse("core:landing"))
    assert refused(response)


def test_a_nul_in_a_header_is_a_400(client):
    assert refused(client.get(reverse("core:landing"), HTTP_USER_AGENT="Mozilla\x00"))


def test_a_nul_in_a_posted_field_is_a_400_and_nothing_is_saved(client):
    user = UserFactory(full_name="Maya Lindqvist")
    client.force_login(user)
    response = client.post(
        reverse("accounts:settings"), {"full_name": "Maya\x00", "preferred_name": "", "timezone": "Asia/Tokyo"}
    )
    assert refused(response)
    user.refresh_from_db()
    assert user.full_name == "Maya Lindqvist" and user.timezone != "Asia/Tokyo"


def test_requests_without_a_nul_pass_untouched(client):
    client.force_login(UserFactory())
    assert client.get("/specialists/compare/?s=anna-berg").status_code == 200
    response = client.post(
        reverse("accounts:settings"), {"full_name": "Maya Ünal 🌱", "preferred_name": "", "timezone": "Asia/Tokyo"}
    )
    assert response.status_code == 302
    assert User.objects.filter(full_name="Maya Ünal 🌱", timezone="Asia/Tokyo").exists()


# --- The range of dates and times anyone may type ---------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("days", [0, -1, 1, INPUT_RANGE.days, -INPUT_RANGE.days])
def test_dates_within_the_range_are_accepted(frozen, days):
    validate_date_in_range(NOW.date() + timedelta(days=days))


@pytest.mark.parametrize(
    "day",
    [date.max, date.min, NOW.date() + INPUT_RANGE + timedelta(days=1), NOW.date() - INPUT_RANGE - timedelta(days=1)],
)
def test_dates_far_from_today_are_refused_with_a_message(frozen, day):
    with pytest.raises(ValidationError, match="within 5 years of today"):
        validate_date_in_range(day)


@pytest.mark.parametrize(
    "moment",
    [
        # Near the calendar's ends an offset cannot even be moved to UTC.
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(-timedelta(hours=23, minutes=59))),
        datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=23, minutes=59))),
        NOW + INPUT_RANGE + timedelta(seconds=1),
        NOW - INPUT_RANGE - timedelta(seconds=1),
    ],
)
def test_moments_far_from_now_are_refused_without_overflowing(frozen, moment):
    with pytest.raises(ValidationError, match="within 5 years of now"):
        validate_moment_in_range(moment)


def test_a_moment_with_any_real_offset_near_now_is_accepted(frozen):
    validate_moment_in_range(NOW.astimezone(timezone(timedelta(hours=-23, minutes=-59))))
    validate_moment_in_range(NOW.astimezone(timezone(timedelta(hours=14))))


# --- Time zones ------------------------------------------------------------------------

BAD_ZONES = ["Mars/Olympus", "Etc/GMT+99", "+99:00", "../../etc/passwd", "utc", "x" * 500]


def zone_refused(response) -> bool:
    """422, with the message on the time zone field."""
    return response.status_code == 422 and "timezone" in response.context["form"].errors


@pytest.mark.parametrize("zone", BAD_ZONES)
@pytest.mark.parametrize(
    ("persona", "page", "data"),
    [
        ("patient_a", "accounts:settings", {"full_name": "Maya"}),
        ("patient_a", "patients:intake-step", {}),
        ("specialist", "specialists:profile-edit", {"display_name": "Dr Lena Berg"}),
    ],
)
def test_every_form_that_takes_a_time_zone_refuses_one_we_do_not_know(client, personas, persona, page, data, zone):
    user = personas[persona]
    client.force_login(user)
    url = reverse(page, args=["constraints"]) if page == "patients:intake-step" else reverse(page)
    assert zone_refused(client.post(url, {**data, "timezone": zone}))
    user.refresh_from_db()
    assert user.timezone == "Europe/Berlin"


@pytest.mark.parametrize("zone", BAD_ZONES)
def test_signing_up_with_a_time_zone_we_do_not_know_is_refused(client, org, zone):
    data = {"full_name": "Maya", "email": "maya@example.test", "password1": "a long pass phrase 42", "timezone": zone}
    assert zone_refused(client.post(reverse("account_signup"), data))
    assert not User.objects.filter(email="maya@example.test").exists()
