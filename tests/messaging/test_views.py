"""The inbox and thread pages in both portals, posting without JavaScript,
paging, polling, attachments and the care panel."""

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care.services import care_relationship_end
from core.models import AuditLog
from messaging import services
from messaging.context_processors import unread
from messaging.models import Message, ReadMarker
from messaging.selectors import PAGE_SIZE
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.organizations.factories import MembershipFactory
from tests.patients.factories import IntakeFactory
from tests.specialists.factories import OfferingFactory, image_bytes

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def patient(org):
    return patient_of(org, full_name="Pia Patient")


@pytest.fixture
def specialist(org):
    return specialist_of(org, display_name="Dr Sam Specialist")


@pytest.fixture
def conversation(patient, specialist):
    return conversation_between(patient, specialist)


def thread_url(conversation, portal="patient"):
    return reverse(f"messaging:{portal}-thread", args=[conversation.public_id])


def post(conversation, author, text, **extra):
    return services.message_post(conversation=conversation, author=author, text=text, **extra)


def backdate(message, minutes):
    """Move `message` into the past, so messages are seconds apart."""
    moment = timezone.now() - timedelta(minutes=minutes)
    Message.objects.filter(pk=message.pk).update(created_at=moment)
    message.created_at = moment
    return message


# --- Inbox -------------------------------------------------------------------------------------


def test_the_inbox_lists_conversations_by_latest_activity_with_unread_badges(client, org, patient):
    older = conversation_between(patient, specialist_of(org, display_name="Dr Older"))
    newer = conversation_between(patient, specialist_of(org, display_name="Dr Newer"))
    post(older, older.relationship.specialist.user, "First")
    post(newer, newer.relationship.specialist.user, "One")
    post(newer, newer.relationship.specialist.user, "Two")
    client.force_login(patient)
    response = client.get(reverse("messaging:patient-inbox"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Dr Newer") < page.index("Dr Older")
    assert [c.unread for c in response.context["conversations"]] == [2, 1]
    assert 'id="nav-unread"' in page
    assert response.context["messages_unread_total"] == 3


def test_the_inbox_has_an_empty_state(client, org):
    client.force_login(patient_of(org))
    response = client.get(reverse("messaging:patient-inbox"))
    assert response.status_code == 200
    assert "No conversations yet" in response.content.decode()


def test_each_portal_lists_only_its_own_side_of_conversations(client, org, patient, specialist):
    """A specialist who is also someone's patient sees each thread in its portal."""
    conversation_between(patient, specialist)
    conversation_between(specialist.user, specialist_of(org, display_name="Dr Own Therapist"))
    MembershipFactory(user=specialist.user, organization=org, role=Membership.Role.PATIENT)
    client.force_login(specialist.user)
    as_specialist = client.get(reverse("messaging:specialist-inbox")).content.decode()
    as_patient = client.get(reverse("messaging:patient-inbox")).content.decode()
    assert "Pia Patient" in as_specialist and "Dr Own Therapist" not in as_specialist
    assert "Dr Own Therapist" in as_patient and "Pia Patient" not in as_patient


def test_the_inbox_takes_the_same_number_of_queries_for_1_or_5_conversations(
    client, org, specialist, django_assert_num_queries
):
    inbox = reverse("messaging:specialist-inbox")
    client.force_login(specialist.user)
    first = conversation_between(patient_of(org), specialist)
    post(first, first.relationship.patient, "Hi")
    client.get(inbox)  # the session's first request writes it once
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(inbox).context["conversations"]) == 1
    for _ in range(4):
        conversation = conversation_between(patient_of(org), specialist)
        post(conversation, conversation.relationship.patient, "Hello")
    with django_assert_num_queries(len(one)):
        assert len(client.get(inbox).context["conversations"]) == 5


# --- Thread --------------------------------------------------------------------------------------


def test_the_thread_shows_messages_marks_them_read_and_audits_the_read(client, patient, specialist, conversation):
    post(conversation, specialist.user, "How was the week?")
    client.force_login(patient)
    response = client.get(thread_url(conversation))
    assert response.status_code == 200
    assert "How was the week?" in response.content.decode()
    marker = ReadMarker.objects.get(conversation=conversation, user=patient)
    assert marker.read_up_to >= Message.objects.get().created_at
    assert AuditLog.objects.filter(
        actor=patient, action=AuditLog.Action.READ, object_public_id=conversation.public_id
    ).exists()
    assert "no-store" in response["Cache-Control"]


def test_someone_elses_thread_is_a_404_and_the_attempt_is_audited(client, org, conversation):
    outsider = patient_of(org)
    client.force_login(outsider)
    response = client.get(thread_url(conversation))
    assert response.status_code == 404
    assert AuditLog.objects.filter(actor=outsider, action=AuditLog.Action.DENIED).exists()
    assert client.post(thread_url(conversation), {"text": "Let me in"}).status_code == 404
    assert not Message.objects.exists()


def test_a_thread_opened_in_the_other_portal_is_a_404(client, specialist, conversation):
    client.force_login(specialist.user)
    assert client.get(thread_url(conversation, "specialist")).status_code == 200
    MembershipFactory(user=specialist.user, organization=specialist.organization, role=Membership.Role.PATIENT)
    assert client.get(thread_url(conversation, "patient")).status_code == 404


def test_notices_are_styled_apart_from_messages(client, patient, specialist, conversation):
    post(conversation, patient, "Hello")
    services.notice_post(conversation=conversation, verb="appointment.confirmed", text="Session confirmed")
    client.force_login(specialist.user)
    page = client.get(thread_url(conversation, "specialist")).content.decode()
    assert 'class="msg msg-notice"' in page and "Session confirmed" in page
    assert 'class="msg msg-other"' in page


def test_html_in_a_message_is_shown_as_text(client, patient, specialist, conversation):
    post(conversation, patient, '<script>alert(1)</script><b hx-get="/x">hi</b> https://example.org')
    client.force_login(specialist.user)
    page = client.get(thread_url(conversation, "specialist")).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b hx-get=" in page
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer" target="_blank">' in page


def test_seen_shows_under_my_last_message_once_the_other_side_read_it(client, patient, specialist, conversation):
    mine = backdate(post(conversation, patient, "Are we still on?"), 5)
    client.force_login(patient)
    assert "msg-seen" not in client.get(thread_url(conversation)).content.decode()
    services.conversation_mark_read(conversation=conversation, user=specialist.user, up_to=mine.created_at)
    page = client.get(thread_url(conversation)).content.decode()
    assert page.count('class="msg-seen"') == 1


def test_the_thread_shows_the_latest_30_and_pages_back_with_a_link_or_htmx(client, patient, specialist, conversation):
    # Both write (one sender's 35 in a row would pass the per-minute limit).
    authors = [patient, specialist.user]
    sent = [backdate(post(conversation, authors[n % 2], f"Message number {n:02d}"), 100 - n) for n in range(35)]
    client.force_login(patient)
    page = client.get(thread_url(conversation)).content.decode()
    assert "Message number 04" not in page and "Message number 05" in page and "Message number 34" in page
    assert "Show earlier messages" in page
    earlier_url = f"{thread_url(conversation)}?before={sent[5].public_id}"
    assert earlier_url in page
    plain = client.get(earlier_url).content.decode()
    assert "Message number 00" in plain and "Message number 04" in plain and "Message number 05" not in plain
    assert "Back to the latest messages" in plain
    fragment = client.get(earlier_url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert "Message number 00" in fragment and "Show earlier messages" not in fragment


def test_paging_with_an_id_from_another_conversation_is_a_404(client, org, patient, conversation):
    other = conversation_between(patient_of(org), conversation.relationship.specialist)
    foreign = post(other, other.relationship.patient, "Not yours")
    client.force_login(patient)
    assert client.get(f"{thread_url(conversation)}?before={foreign.public_id}").status_code == 404
    assert client.get(f"{thread_url(conversation)}?after={foreign.public_id}").status_code == 404
    assert client.get(f"{thread_url(conversation)}?after=not-a-uuid").status_code == 404


def test_the_poll_returns_only_newer_messages_and_a_new_poller(client, patient, specialist, conversation):
    first = backdate(post(conversation, patient, "Earlier one"), 2)
    client.force_login(patient)
    page = client.get(thread_url(conversation)).content.decode()
    assert 'hx-trigger="every 10s, message-sent"' in page and str(first.public_id) in page
    newer = post(conversation, specialist.user, "A new reply")
    response = client.get(f"{thread_url(conversation)}?after={first.public_id}", HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert response.status_code == 200 and "<html" not in fragment
    assert "A new reply" in fragment and "Earlier one" not in fragment
    assert f'"after": "{newer.public_id}"' in fragment
    assert ReadMarker.objects.get(conversation=conversation, user=patient).read_up_to >= newer.created_at


# --- Posting without JavaScript ------------------------------------------------------------------


def test_posting_stores_the_message_and_redirects_back_to_the_thread(client, patient, conversation):
    client.force_login(patient)
    client_id = uuid.uuid4()
    response = client.post(thread_url(conversation), {"text": "Hello there", "client_id": str(client_id)})
    assert response.status_code == 303
    assert response["Location"].startswith(thread_url(conversation))
    message = Message.objects.get()
    assert (message.text, message.author, message.client_id) == ("Hello there", patient, client_id)
    # A repeated submit with the same client id is stored once.
    client.post(thread_url(conversation), {"text": "Hello there", "client_id": str(client_id)})
    assert Message.objects.count() == 1


@pytest.mark.parametrize("text", ["   ", "x" * 10_001])
def test_an_empty_or_over_long_message_re_renders_with_422_and_keeps_the_text(client, patient, conversation, text):
    client.force_login(patient)
    response = client.post(thread_url(conversation), {"text": text})
    assert response.status_code == 422
    assert not Message.objects.exists()
    if text.strip():
        assert text in response.content.decode()
    else:
        assert "Write a message or attach a file." in response.content.decode()


def test_a_patient_whose_care_ended_reads_but_cannot_post(
    client, patient, specialist, conversation, django_capture_on_commit_callbacks
):
    post(conversation, specialist.user, "All the best")
    with django_capture_on_commit_callbacks(execute=True):
        care_relationship_end(relationship=conversation.relationship, by=specialist.user)
    client.force_login(patient)
    page = client.get(thread_url(conversation)).content.decode()
    assert "All the best" in page
    assert "This conversation is read-only because your care with Dr Sam Specialist ended." in page
    assert 'id="message-form"' not in page
    response = client.post(thread_url(conversation), {"text": "One more thing"})
    assert response.status_code == 403
    assert "read-only" in response.content.decode()
    assert Message.objects.count() == 1


# --- Attachments -----------------------------------------------------------------------------------


def test_an_image_is_attached_stored_privately_and_downloaded_by_participants_only(
    client, org, patient, specialist, conversation, settings
):
    client.force_login(patient)
    upload = SimpleUploadedFile("../scan.png", image_bytes("PNG", size=(30, 30)), content_type="text/html")
    response = client.post(thread_url(conversation), {"text": "", "attachment": upload})
    assert response.status_code == 303
    message = Message.objects.get()
    assert message.attachment_name == "scan.png"
    assert message.attachment_type == "image/png"
    stored = Path(message.attachment.path)
    assert stored.is_file() and str(stored).startswith(settings.PRIVATE_MEDIA_ROOT)
    assert "scan" not in stored.name and not str(stored).startswith(str(settings.MEDIA_ROOT))

    download = reverse("messaging:attachment", args=[message.public_id])
    assert download in client.get(thread_url(conversation)).content.decode()
    client.force_login(specialist.user)
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="scan.png"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == stored.read_bytes()
    assert AuditLog.objects.filter(
        actor=specialist.user, action=AuditLog.Action.DOWNLOAD, object_public_id=message.public_id
    ).exists()

    client.force_login(patient_of(org))
    assert client.get(download).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302


def test_a_file_that_is_not_an_image_or_pdf_is_refused_with_422(client, patient, conversation):
    client.force_login(patient)
    upload = SimpleUploadedFile("notes.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client.post(thread_url(conversation), {"text": "See attached", "attachment": upload})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Only images and PDF files can be attached." in page
    assert "See attached" in page
    assert not Message.objects.exists()


def test_a_file_over_10_mb_is_refused_with_413(client, patient, conversation):
    client.force_login(patient)
    upload = SimpleUploadedFile("big.pdf", PDF + b"\0" * (10 * 1024 * 1024), content_type="application/pdf")
    response = client.post(thread_url(conversation), {"text": "Big one", "attachment": upload})
    assert response.status_code == 413
    assert "Files can be up to 10 MB." in response.content.decode()
    assert not Message.objects.exists()


# --- The care panel --------------------------------------------------------------------------------


def test_the_specialist_sees_the_next_session_and_the_patients_basics(client, patient, specialist, conversation):
    IntakeFactory(user=patient, completed=True)
    offering = OfferingFactory(specialist=specialist, name="Follow-up session")
    AppointmentFactory(patient=patient, offering=offering, confirmed=True)
    AppointmentFactory(patient=patient, offering=offering, cancelled=True, starts_at=timezone.now() + timedelta(days=2))
    client.force_login(specialist.user)
    response = client.get(thread_url(conversation, "specialist"))
    page = response.content.decode()
    panel = response.context["panel"]
    assert panel.appointment.status == "confirmed"
    assert "Follow-up session" in page and "Confirmed" in page
    assert "Europe/Berlin" in page
    assert "I have been sleeping badly since the move." in page
    assert reverse("messaging:specialist-propose", args=[conversation.public_id]) in page
    assert reverse("consents:specialist-patient", args=[patient.public_id]) in page
    assert AuditLog.objects.filter(
        actor=specialist.user, action=AuditLog.Action.READ, object_public_id=patient.intake.public_id
    ).exists()


def test_the_patient_finds_book_a_follow_up_in_the_thread(client, patient, conversation):
    client.force_login(patient)
    page = client.get(thread_url(conversation)).content.decode()
    assert reverse("messaging:patient-book", args=[conversation.public_id]) in page
    assert "No session booked." in page


def test_the_thread_takes_the_same_number_of_queries_for_few_or_many_messages(
    client, patient, specialist, conversation
):
    IntakeFactory(user=patient, completed=True)
    AppointmentFactory(patient=patient, offering=OfferingFactory(specialist=specialist), confirmed=True)
    client.force_login(specialist.user)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(thread_url(conversation, "specialist")).status_code == 200
        return len(queries)

    client.get(reverse("messaging:specialist-inbox"))  # the session's first request writes it once
    post(conversation, specialist.user, "Mine")  # "Seen" is looked up once there is one of mine
    post(conversation, patient, "One")
    few = count()
    for n in range(PAGE_SIZE + 5):
        post(conversation, patient if n % 2 else specialist.user, f"Message {n}")
    post(conversation, patient, "Last")  # the read marker moves again, as for `few`
    assert count() == few


# --- Navigation ------------------------------------------------------------------------------------


def test_the_nav_badge_counts_unread_messages_inside_the_portals_only(client, patient, specialist, conversation):
    post(conversation, patient, "One")
    post(conversation, patient, "Two")
    client.force_login(specialist.user)
    response = client.get(reverse("core:specialist-home"))
    assert response.context["messages_unread_total"] == 2
    assert "<span data-unread-count>2</span>" in response.content.decode()
    response = client.get(reverse("accounts:settings"))  # outside the portals: no query, no count
    assert response.context["messages_unread_total"] == 0


def test_the_nav_badge_costs_no_query_for_anonymous_visitors(rf, django_assert_num_queries):
    request = rf.get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread(request) == {"messages_unread_total": 0}
