"""Ending care leaves the pair's thread read-only for both sides: the
history stays, no one posts or arranges a session in it (plain posts, htmx
and the side panel's actions), and the page says why."""

import pytest
from django.urls import reverse

from booking.states import AppointmentStatus as S
from care.services import care_relationship_end
from messaging import services
from messaging.models import Message
from tests.booking.factories import AppointmentFactory
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.patients.factories import IntakeFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CLOSED = "This conversation is read-only because your care with {name} ended."


@pytest.fixture
def patient(org):
    return patient_of(org, full_name="Pia Patient")


@pytest.fixture
def specialist(org):
    return specialist_of(org, display_name="Dr Sam Specialist")


@pytest.fixture
def conversation(patient, specialist, django_capture_on_commit_callbacks):
    conversation = conversation_between(patient, specialist)
    services.message_post(conversation=conversation, author=specialist.user, text="All the best")
    with django_capture_on_commit_callbacks(execute=True):
        care_relationship_end(relationship=conversation.relationship, by=specialist.user)
    return conversation


def url(name, conversation):
    return reverse(f"messaging:{name}", args=[conversation.public_id])


def sides(patient, specialist):
    return [
        ("patient", patient, "Dr Sam Specialist"),
        ("specialist", specialist.user, "Pia Patient"),
    ]


@pytest.mark.parametrize("side", ["patient", "specialist"])
def test_both_sides_read_the_history_see_why_and_have_no_composer(client, patient, specialist, conversation, side):
    portal, user, other = next(s for s in sides(patient, specialist) if s[0] == side)
    client.force_login(user)
    page = client.get(url(f"{portal}-thread", conversation)).content.decode()
    assert "All the best" in page
    assert CLOSED.format(name=other) in page
    assert 'id="message-form"' not in page
    assert 'id="panel-ended"' in page and "Care ended on" in page
    # Its header says so, where an open thread says "Live".
    assert '<span class="tag tag-quiet" data-care-ended>Care ended</span>' in page
    assert "data-live-state" not in page


@pytest.mark.parametrize("side", ["patient", "specialist"])
def test_both_inboxes_tag_the_ended_thread(client, org, patient, specialist, conversation, side):
    portal, user, other = next(s for s in sides(patient, specialist) if s[0] == side)
    # An open thread beside it is not tagged.
    if side == "patient":
        conversation_between(patient, specialist_of(org, display_name="Dr Open Door"))
    else:
        conversation_between(patient_of(org, full_name="Olga Open"), specialist)
    client.force_login(user)
    items = client.get(reverse(f"messaging:{portal}-inbox")).content.decode().split('<li class="inbox-item')[1:]
    tagged = {item.split('class="inbox-name">')[1].split("<")[0]: "Ended</span>" in item for item in items}
    assert tagged == {other: True, "Dr Open Door" if side == "patient" else "Olga Open": False}


@pytest.mark.parametrize("side", ["patient", "specialist"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_neither_side_can_post_and_nothing_is_stored(client, patient, specialist, conversation, side, headers):
    portal, user, _other = next(s for s in sides(patient, specialist) if s[0] == side)
    client.force_login(user)
    response = client.post(url(f"{portal}-thread", conversation), {"text": "One more thing"}, **headers)
    assert response.status_code == 403
    assert "read-only" in response.content.decode()
    assert [message.text for message in Message.objects.all()] == ["All the best"]


@pytest.mark.parametrize(
    ("portal", "name", "method"),
    [
        ("specialist", "specialist-propose", "get"),
        ("specialist", "specialist-propose", "post"),
        ("specialist", "specialist-accept", "post"),
        ("patient", "patient-book", "get"),
        ("patient", "patient-book", "post"),
        ("patient", "patient-hold-confirm", "post"),
        ("patient", "patient-hold-release", "post"),
        ("patient", "patient-proposal-accept", "post"),
        ("patient", "patient-proposal-decline", "post"),
    ],
)
def test_the_panel_arranges_nothing_once_care_ended(client, patient, specialist, conversation, portal, name, method):
    user = patient if portal == "patient" else specialist.user
    client.force_login(user)
    before = Message.objects.count()
    plain = getattr(client, method)(url(name, conversation))
    assert plain.status_code == 403
    assert "read-only" in plain.content.decode()
    # With htmx the page reloads into its read-only state.
    partial = getattr(client, method)(url(name, conversation), **HTMX)
    assert partial.status_code == 403
    assert partial["HX-Refresh"] == "true"
    assert Message.objects.count() == before


def test_the_panel_only_looks_back_once_care_ended(client, patient, specialist, conversation):
    IntakeFactory(user=patient, completed=True)
    AppointmentFactory(patient=patient, offering=OfferingFactory(specialist=specialist), status=S.REQUESTED)
    client.force_login(specialist.user)
    panel = client.get(url("specialist-panel", conversation)).content.decode()
    assert "Care ended on" in panel
    for action in ("Propose times", "Accept this time", "Care goals", "Consents and forms"):
        assert action not in panel
    assert "Pia Patient" in panel  # who the thread was with
    client.force_login(patient)
    panel = client.get(url("patient-panel", conversation)).content.decode()
    assert "Care ended on" in panel and "Book a follow-up" not in panel


# --- Ending care from the thread -------------------------------------------------------


@pytest.fixture
def open_conversation(patient, specialist):
    return conversation_between(patient, specialist)


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_the_specialist_ends_care_from_the_thread(
    client, specialist, open_conversation, headers, django_capture_on_commit_callbacks
):
    client.force_login(specialist.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("specialist-end-care", open_conversation), **headers)
    thread = url("specialist-thread", open_conversation)
    if headers:
        assert response.status_code == 200 and response["HX-Redirect"] == thread
    else:
        assert response.status_code == 303 and response["Location"] == thread
    open_conversation.relationship.refresh_from_db()
    assert open_conversation.relationship.status == "ended"
    page = client.get(thread).content.decode()
    assert "Care ended. You can both still read this conversation." in page
    assert 'id="message-form"' not in page


def test_care_with_a_session_ahead_cannot_end(client, patient, specialist, open_conversation):
    AppointmentFactory(patient=patient, offering=OfferingFactory(specialist=specialist), status=S.CONFIRMED)
    client.force_login(specialist.user)
    response = client.post(url("specialist-end-care", open_conversation), **HTMX)
    assert response.status_code == 409
    assert "Cancel them first, then end care." in response.content.decode()
    open_conversation.relationship.refresh_from_db()
    assert open_conversation.relationship.status == "active"


def test_a_patient_cannot_end_care_from_the_specialist_side(client, patient, open_conversation):
    client.force_login(patient)
    response = client.post(url("specialist-end-care", open_conversation))
    assert response.status_code in (403, 404)
    open_conversation.relationship.refresh_from_db()
    assert open_conversation.relationship.status == "active"
