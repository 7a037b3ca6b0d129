"""The notification inbox: services, selectors, the two portals' pages and
the unread badge in their navigation."""

import uuid
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.context_processors import portal_shell
from core.models import Notification
from core.portals import Portal, portal_accesses
from core.selectors import notifications_for, unread_notification_count
from core.services import notification_create, notifications_mark_read
from organizations.models import Membership
from tests.conftest import member

pytestmark = pytest.mark.django_db

PATIENT_LIST = reverse("core:patient-notifications")
SPECIALIST_LIST = reverse("core:specialist-notifications")


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, timezone="Asia/Tokyo")


@pytest.fixture
def other_patient(org):
    return member(org, Membership.Role.PATIENT)


@pytest.fixture
def specialist(org):
    return member(org, Membership.Role.SPECIALIST, staff=True)


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient)
    return client


def notify(user, text="Your session was confirmed.", portal=Portal.PATIENT, url="/patient/"):
    return notification_create(user=user, portal=portal, text=text, url=url)


def open_url(notification, portal=Portal.PATIENT):
    return reverse(f"core:{portal}-notification-open", args=[notification.public_id])


# --- services ------------------------------------------------------------------


def test_a_new_notification_is_unread_and_keeps_its_sentence_and_link(patient):
    notification = notify(patient, text="  Your session on Tue 24 Nov, 09:00 was confirmed. ", url="/patient/")
    notification.refresh_from_db()
    assert notification.user == patient
    assert notification.portal == "patient"
    assert notification.text == "Your session on Tue 24 Nov, 09:00 was confirmed."
    assert notification.url == "/patient/"
    assert notification.read_at is None
    assert notification.is_unread


def test_a_notification_may_have_no_link(patient):
    assert notify(patient, url="").url == ""


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "javascript:alert(1)",
        "patient/",
        "mailto:x@y",
    ],
)
def test_a_notification_links_only_to_a_path_of_this_site(patient, url):
    with pytest.raises(ValidationError) as raised:
        notify(patient, url=url)
    assert "url" in raised.value.message_dict
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("field", "values"),
    [("portal", {"portal": "admin"}), ("text", {"text": "   "}), ("text", {"text": "x" * 301})],
)
def test_a_notification_needs_a_known_portal_and_a_short_sentence(patient, field, values):
    with pytest.raises(ValidationError) as raised:
        notify(patient, **values)
    assert field in raised.value.message_dict
    assert not Notification.objects.exists()


def test_marking_all_read_touches_only_the_users_unread_rows_of_that_portal(patient, other_patient):
    mine = [notify(patient), notify(patient)]
    elsewhere = notify(patient, portal=Portal.SPECIALIST, url="")
    theirs = notify(other_patient)
    assert notifications_mark_read(user=patient, portal=Portal.PATIENT) == 2
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=elsewhere.pk).read_at is None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_marking_read_again_keeps_the_first_read_time(patient):
    notification = notify(patient)
    notifications_mark_read(user=patient, portal=Portal.PATIENT)
    first = Notification.objects.get(pk=notification.pk).read_at
    assert notifications_mark_read(user=patient, portal=Portal.PATIENT) == 0
    assert Notification.objects.get(pk=notification.pk).read_at == first


def test_marking_some_read_ignores_other_peoples_ids_and_ids_that_are_not_ids(patient, other_patient):
    chosen, left = notify(patient), notify(patient)
    theirs = notify(other_patient)
    marked = notifications_mark_read(
        user=patient,
        portal=Portal.PATIENT,
        public_ids=[chosen.public_id, str(theirs.public_id), "not-an-id", uuid.uuid4()],
    )
    assert marked == 1
    assert Notification.objects.get(pk=chosen.pk).read_at is not None
    assert Notification.objects.get(pk=left.pk).read_at is None
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_an_empty_list_of_ids_marks_nothing(patient):
    notify(patient)
    assert notifications_mark_read(user=patient, portal=Portal.PATIENT, public_ids=[]) == 0
    assert unread_notification_count(patient, Portal.PATIENT) == 1


# --- selectors ------------------------------------------------------------------


def test_the_inbox_lists_only_the_users_own_rows_of_that_portal_newest_first(patient, other_patient):
    first, second = notify(patient, text="First"), notify(patient, text="Second")
    notify(patient, text="Specialist side", portal=Portal.SPECIALIST, url="")
    notify(other_patient, text="Someone else's")
    assert notifications_for(patient, Portal.PATIENT) == [second, first]
    assert [n.text for n in notifications_for(patient, Portal.SPECIALIST)] == ["Specialist side"]


def test_the_inbox_shows_at_most_the_limit(patient):
    for n in range(5):
        notify(patient, text=f"Note {n}")
    assert [n.text for n in notifications_for(patient, Portal.PATIENT, limit=3)] == ["Note 4", "Note 3", "Note 2"]


def test_the_unread_count_is_per_user_and_portal(patient, other_patient):
    notify(patient)
    read = notify(patient)
    notify(patient, portal=Portal.SPECIALIST, url="")
    notify(other_patient)
    notifications_mark_read(user=patient, portal=Portal.PATIENT, public_ids=[read.public_id])
    assert unread_notification_count(patient, Portal.PATIENT) == 1
    assert unread_notification_count(patient, Portal.SPECIALIST) == 1
    assert unread_notification_count(other_patient, Portal.PATIENT) == 1


# --- the list page -----------------------------------------------------------------


def test_the_list_shows_own_notifications_with_unread_ones_marked(patient_client, patient, other_patient):
    read = notify(patient, text="An older note")
    notifications_mark_read(user=patient, portal=Portal.PATIENT, public_ids=[read.public_id])
    unread = notify(patient, text="A fresh note")
    notify(other_patient, text="Not for you")
    response = patient_client.get(PATIENT_LIST)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert [n.text for n in response.context["notifications"]] == ["A fresh note", "An older note"]
    html = response.content.decode()
    assert "Not for you" not in html
    assert 'class="notification is-unread"' in html
    assert html.count("is-unread") == 1
    assert f'action="{open_url(unread)}"' in html
    assert f'action="{reverse("core:patient-notifications-read")}"' in html


def test_the_list_shows_times_in_the_readers_time_zone(patient_client, patient):
    notification = notify(patient)
    Notification.objects.filter(pk=notification.pk).update(created_at=datetime(2025, 11, 24, 0, 0, tzinfo=UTC))
    html = patient_client.get(PATIENT_LIST).content.decode()
    assert "Mon 24 Nov 2025, 09:00" in html  # Asia/Tokyo is UTC+9; last year, so with the year
    assert 'datetime="2025-11-24T09:00:00+09:00"' in html


def test_an_empty_inbox_says_so(patient_client):
    response = patient_client.get(PATIENT_LIST)
    assert "components/_empty_state.html" in [t.name for t in response.templates]
    assert "Mark all as read" not in response.content.decode()


def test_the_specialist_inbox_uses_the_specialist_portal(client, specialist):
    notify(specialist, text="A new session was booked.", portal=Portal.SPECIALIST, url="/specialist/")
    client.force_login(specialist)
    response = client.get(SPECIALIST_LIST)
    assert response.status_code == 200
    assert "portals/specialist/base.html" in [t.name for t in response.templates]
    assert "A new session was booked." in response.content.decode()


def test_the_list_costs_the_same_queries_however_many_notifications(
    patient_client, patient, django_assert_max_num_queries
):
    notify(patient)
    patient_client.get(PATIENT_LIST)  # the first request of a session writes it
    with CaptureQueriesContext(connection) as few:
        patient_client.get(PATIENT_LIST)
    for n in range(30):
        notify(patient, text=f"Note {n}")
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        assert len(patient_client.get(PATIENT_LIST).context["notifications"]) == 31
    assert len(many) == len(few)


# --- mark all read ---------------------------------------------------------------


def test_mark_all_as_read_goes_back_to_the_list(patient_client, patient):
    notify(patient)
    notify(patient)
    elsewhere = notify(patient, portal=Portal.SPECIALIST, url="")
    response = patient_client.post(reverse("core:patient-notifications-read"))
    assert response.status_code in (302, 303)
    assert response["Location"] == PATIENT_LIST
    assert unread_notification_count(patient, Portal.PATIENT) == 0
    assert Notification.objects.get(pk=elsewhere.pk).read_at is None


def test_mark_all_as_read_is_post_only(patient_client, patient):
    notify(patient)
    assert patient_client.get(reverse("core:patient-notifications-read")).status_code == 405
    assert unread_notification_count(patient, Portal.PATIENT) == 1


# --- opening one -------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_follows_its_link(patient_client, patient):
    notification, other = notify(patient, url="/patient/?from=notification"), notify(patient)
    response = patient_client.post(open_url(notification))
    assert response.status_code in (302, 303)
    assert response["Location"] == "/patient/?from=notification"
    assert Notification.objects.get(pk=notification.pk).read_at is not None
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_opening_a_notification_without_a_link_goes_back_to_the_list(patient_client, patient):
    response = patient_client.post(open_url(notify(patient, url="")))
    assert response["Location"] == PATIENT_LIST


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "patient-home"])
def test_a_link_leading_off_the_site_is_never_followed(patient_client, patient, url):
    # Written past the service, as a buggy or hostile writer might.
    notification = Notification.objects.create(user=patient, portal=Portal.PATIENT, text="Look", url=url)
    response = patient_client.post(open_url(notification))
    assert response["Location"] == PATIENT_LIST
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_someone_elses_notification_does_not_exist(patient_client, other_patient):
    theirs = notify(other_patient)
    assert patient_client.post(open_url(theirs)).status_code == 404
    assert patient_client.post(open_url(Notification(public_id=uuid.uuid4()))).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_a_notification_of_another_portal_does_not_exist_here(client, org):
    user = member(org, Membership.Role.PATIENT, staff=True)
    Membership.objects.create(user=user, organization=org, role=Membership.Role.SPECIALIST)
    specialist_side = notify(user, portal=Portal.SPECIALIST, url="")
    client.force_login(user)
    assert client.post(open_url(specialist_side, Portal.PATIENT)).status_code == 404
    assert client.post(open_url(specialist_side, Portal.SPECIALIST)).status_code == 302
    assert Notification.objects.get(pk=specialist_side.pk).read_at is not None


def test_opening_is_post_only(patient_client, patient):
    notification = notify(patient)
    assert patient_client.get(open_url(notification)).status_code == 405
    assert Notification.objects.get(pk=notification.pk).read_at is None


# --- who may come in -----------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client, patient):
    notification = notify(patient)
    login = reverse("account_login")
    assert client.get(PATIENT_LIST)["Location"] == f"{login}?next={PATIENT_LIST}"
    assert client.get(SPECIALIST_LIST)["Location"] == f"{login}?next={SPECIALIST_LIST}"
    assert client.post(reverse("core:patient-notifications-read"))["Location"].startswith(login)
    assert client.post(open_url(notification))["Location"].startswith(login)
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_a_patient_on_the_specialist_inbox_gets_the_friendly_403(patient_client, patient):
    notify(patient, portal=Portal.SPECIALIST, url="")
    response = patient_client.get(SPECIALIST_LIST)
    assert response.status_code == 403
    assert "portals/no_access.html" in [t.name for t in response.templates]
    assert patient_client.post(reverse("core:specialist-notifications-read")).status_code == 403
    assert unread_notification_count(patient, Portal.SPECIALIST) == 1


def test_a_specialist_on_the_patient_inbox_gets_the_friendly_403(client, specialist):
    client.force_login(specialist)
    response = client.get(PATIENT_LIST)
    assert response.status_code == 403
    assert "portals/no_access.html" in [t.name for t in response.templates]


# --- the unread badge ------------------------------------------------------------------


def test_the_nav_shows_the_unread_count_of_the_current_portal(patient_client, patient):
    for _ in range(3):
        notify(patient)
    notify(patient, portal=Portal.SPECIALIST, url="")
    response = patient_client.get(reverse("core:patient-home"))
    assert response.context["notification_unread_count"] == 3
    html = response.content.decode()
    assert f'href="{PATIENT_LIST}"' in html
    assert '<span class="badge">3<span class="visually-hidden"> unread</span></span>' in html


def test_the_nav_has_no_badge_when_everything_is_read(patient_client, patient):
    notify(patient)
    notifications_mark_read(user=patient, portal=Portal.PATIENT)
    html = patient_client.get(reverse("core:patient-home")).content.decode()
    assert f'href="{PATIENT_LIST}"' in html
    assert 'class="badge"' not in html


def test_the_specialist_nav_counts_the_specialist_inbox(client, specialist):
    notify(specialist, portal=Portal.SPECIALIST, url="")
    notify(specialist, portal=Portal.SPECIALIST, url="")
    client.force_login(specialist)
    html = client.get(reverse("core:specialist-home")).content.decode()
    assert f'href="{SPECIALIST_LIST}"' in html
    assert '<span class="badge">2<span class="visually-hidden"> unread</span></span>' in html


def test_the_count_is_one_query_inside_an_inbox_portal(rf, patient, django_assert_num_queries):
    notify(patient)
    notify(patient)
    request = rf.get("/patient/")
    request.user, request.portal = patient, Portal.PATIENT
    portal_accesses(patient)  # the role switcher's own query, cached on the user
    with django_assert_num_queries(1):
        assert portal_shell(request)["notification_unread_count"] == 2


def test_no_count_query_for_anonymous_people_or_other_portals(rf, org, django_assert_num_queries):
    admin = member(org, Membership.Role.ADMIN, staff=True)
    portal_accesses(admin)
    anonymous = rf.get("/")
    anonymous.user = AnonymousUser()
    elsewhere = rf.get("/org/")
    elsewhere.user, elsewhere.portal = admin, Portal.ORGANIZATION
    with django_assert_num_queries(0):
        assert portal_shell(anonymous)["notification_unread_count"] == 0
        assert portal_shell(elsewhere)["notification_unread_count"] == 0
