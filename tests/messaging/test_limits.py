"""Limits on what a sender may send: messages per minute, an attachment's
size (refused while it arrives, never read whole) and its name, which
always ends as its content proves."""

import re
from pathlib import Path

import pytest
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import FakePayload
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from daraport.asgi import BODY_MAX_BYTES, application
from messaging import services
from messaging.attachments import ATTACHMENT_MAX_BYTES, attachment_name
from messaging.models import Message
from messaging.services import messages
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.messaging.test_consumers import run

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def patient(org):
    return patient_of(org, full_name="Pia Patient")


@pytest.fixture
def conversation(org, patient):
    return conversation_between(patient, specialist_of(org, display_name="Dr Sam Specialist"))


def thread_url(conversation, portal="patient"):
    return reverse(f"messaging:{portal}-thread", args=[conversation.public_id])


def fill_the_minute(conversation, author):
    for n in range(messages.SEND_LIMIT):
        services.message_post(conversation=conversation, author=author, text=f"Message {n}")


# --- Messages per minute ------------------------------------------------------------------------


def test_a_sender_over_the_limit_is_refused_and_nothing_is_stored(conversation, patient):
    fill_the_minute(conversation, patient)
    with pytest.raises(ValidationError) as caught:
        services.message_post(conversation=conversation, author=patient, text="One too many")
    assert caught.value.code == "rate_limited"
    assert Message.objects.count() == messages.SEND_LIMIT
    # The limit is the sender's own: the other side still writes.
    specialist = conversation.relationship.specialist.user
    services.message_post(conversation=conversation, author=specialist, text="Still here")


def test_over_http_the_limit_answers_429_with_a_clear_message_and_keeps_the_text(client, conversation, patient):
    fill_the_minute(conversation, patient)
    client.force_login(patient)
    response = client.post(thread_url(conversation), {"text": "One too many"})
    assert response.status_code == 429
    assert response["Retry-After"] == str(messages.SEND_WINDOW_SECONDS)
    page = response.content.decode()
    assert "You are sending messages very quickly. Please wait a minute, then send again." in page
    assert "One too many" in page
    assert Message.objects.count() == messages.SEND_LIMIT


def test_with_the_cache_down_messages_still_go_through(conversation, patient, monkeypatch):
    def down(*args, **kwargs):
        raise RedisConnectionError("refused")

    monkeypatch.setattr(messages.ratelimit, "allow", down)
    services.message_post(conversation=conversation, author=patient, text="Hello")
    assert [message.text for message in Message.objects.all()] == ["Hello"]


# --- Attachments -----------------------------------------------------------------------------------


def test_a_pdf_is_stored_and_served_as_pdf_whatever_its_name(client, conversation, patient):
    client.force_login(patient)
    upload = SimpleUploadedFile("scan.png", PDF, content_type="image/png")
    assert client.post(thread_url(conversation), {"text": "", "attachment": upload}).status_code == 303
    message = Message.objects.get()
    assert (message.attachment_name, message.attachment_type) == ("scan.pdf", "application/pdf")
    assert Path(message.attachment.path).suffix == ".pdf"
    download = client.get(reverse("messaging:attachment", args=[message.public_id]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="scan.pdf"'


@pytest.mark.parametrize(
    ("name", "content_type", "shown"),
    [
        ("scan.png", "application/pdf", "scan.pdf"),
        ("letter.PDF", "application/pdf", "letter.PDF"),
        ("notes.txt", "application/pdf", "notes.txt.pdf"),
        ("report", "application/pdf", "report.pdf"),
        ("holiday.pdf", "image/jpeg", "holiday.jpg"),
        ("holiday.jpeg", "image/jpeg", "holiday.jpeg"),
        ("", "image/png", "attachment.png"),
        ("x" * 300 + ".png", "application/pdf", "x" * 196 + ".pdf"),
    ],
)
def test_the_name_ends_as_the_content_proves(name, content_type, shown):
    assert attachment_name(name, content_type) == shown


def counting_reads(monkeypatch) -> list[int]:
    """The sizes the request body is read in (the test client's stream)."""
    reads: list[int] = []
    original = FakePayload.read

    def read(self, *args, **kwargs):
        data = original(self, *args, **kwargs)
        reads.append(len(data))
        return data

    monkeypatch.setattr(FakePayload, "read", read)
    return reads


def test_a_file_over_the_limit_is_refused_before_the_body_is_read_whole(conversation, patient, monkeypatch):
    client = Client(enforce_csrf_checks=True)  # the CSRF check reads the form, as it does in production
    client.force_login(patient)
    client.get(thread_url(conversation))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    extra = 4 * 1024 * 1024
    upload = SimpleUploadedFile("big.pdf", PDF + b"\0" * (ATTACHMENT_MAX_BYTES + extra), content_type="application/pdf")
    reads = counting_reads(monkeypatch)
    response = client.post(
        thread_url(conversation), {"csrfmiddlewaretoken": token, "text": "Big one", "attachment": upload}
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "Files can be up to 10 MB." in page
    assert re.search(r"<textarea[^>]*>\s*Big one</textarea>", page)
    assert sum(reads) < ATTACHMENT_MAX_BYTES + extra // 2  # the rest was never read
    assert not Message.objects.exists()


def test_the_thread_still_checks_csrf_with_the_limit_in_place(conversation, patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    response = client.post(thread_url(conversation), {"text": "Forged"})
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_the_server_refuses_a_body_over_the_cap_by_its_length_without_reading_it():
    def request(length: int):
        return ApplicationCommunicator(
            application,
            {
                "type": "http",
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": "/patient/messages/",
                "raw_path": b"/patient/messages/",
                "query_string": b"",
                "root_path": "",
                "headers": [(b"host", b"127.0.0.1"), (b"content-length", str(length).encode())],
                "client": ("127.0.0.1", 5000),
                "server": ("127.0.0.1", 8000),
            },
        )

    async def scenario():
        # No body is ever sent: reading it would wait until the timeout.
        communicator = request(BODY_MAX_BYTES + 1)
        start = await communicator.receive_output(3)
        assert start["status"] == 413
        body = await communicator.receive_output(3)
        assert b"Files can be up to 10 MB." in body["body"]
        await communicator.wait(3)

    run(scenario)
