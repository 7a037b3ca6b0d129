"""The conversation beside a video call (messaging/call_views.py), found by
the APPOINTMENT's public_id: the pair's own thread, compact, for its patient
and its specialist while their care lasts (404 for anyone else); a message
posted from it lands in the thread, and a refused one says why."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from booking.states import AppointmentStatus as S
from care.services import care_relationship_end
from core.models import AuditLog
from messaging import services
from messaging.models import Message, ReadMarker
from messaging.services import messages
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.conftest import member
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def patient(org):
    return patient_of(org, full_name="Ana Souza", preferred_name="")


@pytest.fixture
def specialist(org):
    return specialist_of(org, display_name="Dr Lena Berg")


@pytest.fixture
def conversation(patient, specialist):
    return conversation_between(patient, specialist)


@pytest.fixture
def appointment(conversation, patient, specialist):
    return AppointmentFactory(patient=patient, offering=OfferingFactory(specialist=specialist), status=S.CONFIRMED)


def chat_url(appointment, **query):
    url = reverse("messaging:call-chat", args=[appointment.public_id])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def say(conversation, author, text):
    return services.message_post(conversation=conversation, author=author, text=text)


# --- Reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["patient", "specialist"])
def test_each_side_reads_the_pairs_thread_with_a_composer_and_the_read_is_audited(
    client, conversation, appointment, patient, specialist, side
):
    say(conversation, patient, "Can you hear me?")
    say(conversation, specialist.user, "Your sound cuts out")
    user = patient if side == "patient" else specialist.user
    client.force_login(user)
    response = client.get(chat_url(appointment), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Can you hear me?" in html and "Your sound cuts out" in html
    # The thread's own socket and script, posting in place to this address.
    assert f'data-ws-path="/ws/conversations/{conversation.public_id}/"' in html
    assert "data-post-in-place" in html and "js/chat.js" in html
    assert f'action="{chat_url(appointment)}"' in html and 'name="text"' in html
    assert 'type="file"' not in html  # files go through the thread itself
    assert f'hx-get="{chat_url(appointment)}"' in html  # the poll, while the socket is down
    other = "Dr Lena Berg" if side == "patient" else "Ana Souza"
    assert f"Messages with {other}" in html
    thread = reverse(f"messaging:{side}-thread", args=[conversation.public_id])
    assert f'href="{thread}"' in html
    assert AuditLog.objects.filter(
        actor=user, action=AuditLog.Action.READ, object_public_id=conversation.public_id
    ).exists()
    assert ReadMarker.objects.get(conversation=conversation, user=user).read_up_to is not None
    assert "no-store" in response["Cache-Control"]


def test_the_poll_brings_only_newer_messages_and_keeps_polling_here(client, conversation, appointment, patient):
    first = say(conversation, patient, "First")
    client.force_login(patient)
    say(conversation, conversation.relationship.specialist.user, "A reply")
    response = client.get(chat_url(appointment, after=first.public_id), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "A reply" in html and "First" not in html
    assert f'hx-get="{chat_url(appointment)}"' in html


# --- Who may ------------------------------------------------------------------------------------


def test_anyone_signed_out_is_sent_to_sign_in(client, appointment):
    response = client.get(chat_url(appointment))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


@pytest.mark.parametrize("who", ["other_patient", "other_specialist", "org_admin"])
def test_anyone_else_gets_a_404_and_nothing_is_stored(client, org, appointment, who):
    outsider = {
        "other_patient": lambda: patient_of(org),
        "other_specialist": lambda: specialist_of(org).user,
        "org_admin": lambda: member(org, Membership.Role.ADMIN, staff=True),
    }[who]()
    client.force_login(outsider)
    assert client.get(chat_url(appointment)).status_code == 404
    assert client.post(chat_url(appointment), {"text": "Let me in"}, **FETCH).status_code == 404
    assert not Message.objects.exists()
    assert AuditLog.objects.filter(actor=outsider, action=AuditLog.Action.DENIED).exists()


def test_a_patient_with_the_same_specialist_cannot_reach_anothers_call(client, org, specialist, appointment):
    other = patient_of(org)
    conversation_between(other, specialist)
    client.force_login(other)
    assert client.get(chat_url(appointment)).status_code == 404


@pytest.mark.parametrize("public_id", [uuid.uuid4(), "conversation"])
def test_an_unknown_id_or_the_conversations_own_id_is_a_404(client, conversation, appointment, patient, public_id):
    public_id = conversation.public_id if public_id == "conversation" else public_id
    client.force_login(patient)
    assert client.get(reverse("messaging:call-chat", args=[public_id])).status_code == 404
    assert client.get("/messages/call/not-a-uuid/").status_code == 404


def test_once_care_ended_the_chat_is_gone(client, conversation, appointment, patient, specialist):
    appointment.status = S.COMPLETED
    appointment.save(update_fields=["status"])
    care_relationship_end(relationship=conversation.relationship, by=specialist.user)
    client.force_login(patient)
    assert client.get(chat_url(appointment)).status_code == 404


def test_a_specialist_without_a_second_factor_is_asked_for_one(client, org, patient):
    unprotected = specialist_of(org)
    unprotected.user.authenticator_set.all().delete()
    conversation_between(patient, unprotected)
    appointment = AppointmentFactory(patient=patient, offering=OfferingFactory(specialist=unprotected))
    client.force_login(unprotected.user)
    response = client.get(chat_url(appointment))
    assert response.status_code == 302 and response["Location"] == reverse("core:mfa-required")


# --- Writing ------------------------------------------------------------------------------------


def test_a_message_posted_in_place_lands_in_the_thread(client, conversation, appointment, patient):
    client.force_login(patient)
    client_id = uuid.uuid4()
    response = client.post(chat_url(appointment), {"text": "  My camera froze  ", "client_id": client_id}, **FETCH)
    assert response.status_code == 204
    [message] = Message.objects.all()
    assert (message.conversation, message.author, message.text, message.client_id) == (
        conversation,
        patient,
        "My camera froze",
        client_id,
    )
    thread = client.get(reverse("messaging:patient-thread", args=[conversation.public_id]))
    assert "My camera froze" in thread.content.decode()


def test_a_plain_post_goes_on_to_the_thread(client, conversation, appointment, specialist):
    client.force_login(specialist.user)
    response = client.post(chat_url(appointment), {"text": "See you next week"})
    assert response.status_code == 303
    assert response["Location"] == reverse("messaging:specialist-thread", args=[conversation.public_id])
    assert Message.objects.get().text == "See you next week"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"text": "   "}, "Write a message or attach a file."),
        ({"text": "x" * 10_001}, "Please keep a message under 10000 characters."),
        ({"text": "Hello", "client_id": "not-a-uuid"}, "Enter a valid UUID."),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_is_stored(client, appointment, patient, data, reason):
    client.force_login(patient)
    response = client.post(chat_url(appointment), data, **FETCH)
    assert response.status_code == 422
    assert response.content.decode() == reason
    assert response["Content-Type"].startswith("text/plain")
    assert not Message.objects.exists()
    # Without fetch: the panel again, the text kept.
    page = client.post(chat_url(appointment), data)
    assert page.status_code == 422 and reason in page.content.decode()


def test_a_file_is_not_taken_here(client, appointment, patient):
    client.force_login(patient)
    upload = SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    assert client.post(chat_url(appointment), {"text": "Sent", "attachment": upload}, **FETCH).status_code == 204
    assert not Message.objects.get().attachment


def test_too_many_messages_a_minute_answer_429(client, conversation, appointment, patient):
    for n in range(messages.SEND_LIMIT):
        say(conversation, patient, f"Message {n}")
    client.force_login(patient)
    response = client.post(chat_url(appointment), {"text": "One too many"}, **FETCH)
    assert response.status_code == 429
    assert response["Retry-After"] == str(messages.SEND_WINDOW_SECONDS)
    assert "Please wait a minute" in response.content.decode()
    assert Message.objects.count() == messages.SEND_LIMIT


def test_a_post_needs_the_csrf_token(client, appointment, patient):
    client.handler.enforce_csrf_checks = True
    client.force_login(patient)
    assert client.post(chat_url(appointment), {"text": "Hello"}, **FETCH).status_code == 403
    assert not Message.objects.exists()
