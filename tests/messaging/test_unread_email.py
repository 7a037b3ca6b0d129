"""The unread-message email (messaging/services/email.py): one email per
burst of messages left unread past the delay, with a link and never the
text; sent exactly once even when two sweeps run at the same time."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections
from django.test import override_settings
from django.urls import reverse

from care.services import care_relationship_start
from messaging import services
from messaging.models import Conversation, ReadMarker
from messaging.tasks import send_unread_emails
from tests.accounts.factories import UserFactory
from tests.specialists.factories import SpecialistProfileFactory

T0 = datetime(2026, 11, 17, 12, tzinfo=UTC)
DELAY = timedelta(minutes=15)
SECRET = "My panic attacks are back"

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL): SQLite serialises every writer, so there is no race to test",
)


def open_conversation(patient=None, specialist=None) -> Conversation:
    patient = patient or UserFactory(full_name="Ana Patient", preferred_name="")
    specialist = specialist or SpecialistProfileFactory()
    relationship = care_relationship_start(patient=patient, specialist=specialist, source="chosen")
    # The receiver opens it after commit; open it here as it would.
    return services.conversation_open(relationship=relationship)


def post(conversation, author, text=SECRET, at=T0):
    with time_machine.travel(at, tick=False):
        return services.message_post(conversation=conversation, author=author, text=text)


def sweep(at) -> int:
    return services.unread_message_emails_send(now=at)


@pytest.fixture
def conversation(db):
    return open_conversation()


@pytest.fixture
def patient(conversation):
    return conversation.relationship.patient


@pytest.fixture
def specialist_user(conversation):
    return conversation.relationship.specialist.user


@pytest.mark.django_db
def test_a_burst_of_ten_messages_sends_one_email_with_a_link_and_no_text(conversation, patient, specialist_user):
    for n in range(10):
        post(conversation, specialist_user, f"{SECRET} ({n})", at=T0 + timedelta(seconds=20 * n))
    assert sweep(T0 + DELAY - timedelta(seconds=1)) == 0  # not yet: they may still read it
    assert sweep(T0 + DELAY) == 1
    assert sweep(T0 + DELAY + timedelta(minutes=1)) == 0
    assert sweep(T0 + DELAY + timedelta(hours=1)) == 0  # the rest of the burst: no second email

    [email] = mail.outbox
    assert email.to == [patient.email]
    assert email.subject == "You have a new message from your specialist on Daraport"
    thread_path = reverse("messaging:patient-thread", args=[conversation.public_id])
    html = email.alternatives[0][0]
    for part in (email.body, html):
        assert thread_path in part
        assert "panic" not in part
        assert specialist_user.display_name not in part
    assert email.body.count("http") == 1
    marker = ReadMarker.objects.get(conversation=conversation, user=patient)
    assert marker.emailed_at == T0 + DELAY


@pytest.mark.django_db
def test_the_link_is_absolute_on_the_site(conversation, patient, specialist_user):
    post(conversation, specialist_user)
    with override_settings(SITE_URL="https://care.example.org/"):
        sweep(T0 + DELAY)
    path = reverse("messaging:patient-thread", args=[conversation.public_id])
    assert f"https://care.example.org{path}" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_specialist_hears_of_a_message_from_a_patient_at_their_own_thread_url(conversation, patient, specialist_user):
    post(conversation, patient)
    assert sweep(T0 + DELAY) == 1
    [email] = mail.outbox
    assert email.to == [specialist_user.email]
    assert email.subject == "You have a new message from a patient on Daraport"
    assert reverse("messaging:specialist-thread", args=[conversation.public_id]) in email.body
    assert "panic" not in email.body and patient.full_name not in email.body


@pytest.mark.django_db
def test_a_message_read_before_the_delay_sends_nothing(conversation, patient, specialist_user):
    post(conversation, specialist_user)
    services.conversation_mark_read(conversation=conversation, user=patient, up_to=T0 + timedelta(minutes=3))
    assert sweep(T0 + DELAY + timedelta(minutes=5)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_new_message_after_the_email_and_the_delay_sends_a_second_one(conversation, patient, specialist_user):
    post(conversation, specialist_user)
    assert sweep(T0 + DELAY) == 1
    later = T0 + DELAY + timedelta(minutes=10)
    post(conversation, specialist_user, "Are you there?", at=later)
    assert sweep(later + DELAY - timedelta(minutes=1)) == 0
    assert sweep(later + DELAY) == 1
    assert [email.to for email in mail.outbox] == [[patient.email], [patient.email]]


@pytest.mark.django_db
def test_reading_after_the_email_and_then_a_new_message_sends_again(conversation, patient, specialist_user):
    post(conversation, specialist_user)
    assert sweep(T0 + DELAY) == 1
    services.conversation_mark_read(conversation=conversation, user=patient, up_to=T0 + DELAY + timedelta(minutes=1))
    post(conversation, specialist_user, "One more thing", at=T0 + DELAY + timedelta(minutes=2))
    assert sweep(T0 + 2 * DELAY + timedelta(minutes=2)) == 1


@pytest.mark.django_db
def test_notices_and_ones_own_messages_send_no_email(conversation, patient, specialist_user):
    with time_machine.travel(T0, tick=False):
        services.notice_post(conversation=conversation, verb="appointment.confirmed", text="Session confirmed")
    post(conversation, patient)  # their own: the specialist is emailed, the patient is not
    assert sweep(T0 + DELAY) == 1
    assert [email.to for email in mail.outbox] == [[specialist_user.email]]


@pytest.mark.django_db
def test_both_sides_each_get_their_one_email(conversation, patient, specialist_user):
    post(conversation, specialist_user)
    post(conversation, patient, at=T0 + timedelta(minutes=1))
    assert sweep(T0 + DELAY + timedelta(minutes=1)) == 2
    assert sorted(email.to[0] for email in mail.outbox) == sorted([patient.email, specialist_user.email])


@pytest.mark.django_db
def test_the_task_sweeps_with_the_current_time(conversation, patient, specialist_user):
    post(conversation, specialist_user)
    with time_machine.travel(T0 + DELAY + timedelta(seconds=30), tick=False):
        assert send_unread_emails() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_delay_is_a_setting(conversation, patient, specialist_user):
    post(conversation, specialist_user)
    with override_settings(MESSAGE_EMAIL_DELAY_MINUTES=2):
        assert sweep(T0 + timedelta(minutes=2)) == 1


@pytest.mark.django_db
def test_a_failed_email_stays_due_for_the_next_sweep(conversation, patient, specialist_user, monkeypatch):
    post(conversation, specialist_user)

    def broken(self, fail_silently=False):
        raise OSError("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
        assert sweep(T0 + DELAY) == 0
    assert ReadMarker.objects.get(conversation=conversation, user=patient).emailed_at is None
    assert sweep(T0 + DELAY + timedelta(minutes=1)) == 1


@pytest.mark.django_db
def test_two_sweeps_one_after_the_other_send_each_email_once():
    conversations = [open_conversation() for _ in range(3)]
    for conversation in conversations:
        post(conversation, conversation.relationship.specialist.user)
    assert sweep(T0 + DELAY) == 3
    assert sweep(T0 + DELAY) == 0
    assert len(mail.outbox) == 3


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_send_each_email_exactly_once():
    conversations = [open_conversation() for _ in range(30)]
    for conversation in conversations:
        post(conversation, conversation.relationship.specialist.user)
    barrier = threading.Barrier(2, timeout=30)
    counts, errors = [], []

    def worker():
        try:
            connections["default"].ensure_connection()
            barrier.wait()
            counts.append(sweep(T0 + DELAY))
        except Exception as error:  # reported by the assertion below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(counts) == 30
    recipients = [email.to[0] for email in mail.outbox]
    assert len(recipients) == 30 and len(set(recipients)) == 30
    assert ReadMarker.objects.filter(emailed_at=T0 + DELAY).count() == 30
