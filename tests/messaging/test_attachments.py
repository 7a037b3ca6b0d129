"""What may be attached: images and PDFs up to 10 MB, told by content."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging.attachments import ATTACHMENT_MAX_BYTES, checked_upload, private_storage
from tests.specialists.factories import image_bytes

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        ("JPEG", "image/jpeg", ".jpg"),
        ("PNG", "image/png", ".png"),
        ("WEBP", "image/webp", ".webp"),
        ("GIF", "image/gif", ".gif"),
    ],
)
def test_images_are_accepted_with_the_type_their_content_proves(fmt, content_type, extension):
    upload = SimpleUploadedFile("holiday.bin", image_bytes(fmt, size=(20, 20)), content_type="text/plain")
    checked = checked_upload(upload)
    assert checked.content_type == content_type
    assert checked.name == f"holiday.bin{extension}"
    assert checked.size == upload.size


def test_a_pdf_is_accepted_by_its_magic_bytes():
    checked = checked_upload(SimpleUploadedFile("letter.pdf", PDF, content_type="application/octet-stream"))
    assert checked.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "image/png"),
        ("fake.png", b"\x89PNG\r\n\x1a\nnot really a png", "image/png"),
        ("run.exe", b"MZ\x90\x00" + b"\0" * 100, "application/pdf"),
        ("empty.pdf", b"", "application/pdf"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
    ],
)
def test_anything_else_is_refused_whatever_its_name_or_declared_type(name, data, content_type):
    with pytest.raises(ValidationError) as caught:
        checked_upload(SimpleUploadedFile(name, data, content_type=content_type))
    assert caught.value.code == "wrong_type"
    assert "Only images and PDF files can be attached." in caught.value.messages


class Huge(io.BytesIO):
    """An upload that claims a size and fails the test if it is read."""

    def __init__(self, size):
        super().__init__(b"%PDF-")
        self.size = size
        self.name = "huge.pdf"

    def read(self, *args):
        raise AssertionError("a file over the limit must not be read")


def test_a_file_over_10_mb_is_refused_before_it_is_read():
    with pytest.raises(ValidationError) as caught:
        checked_upload(Huge(ATTACHMENT_MAX_BYTES + 1))
    assert caught.value.code == "too_large"


def test_exactly_10_mb_is_still_accepted():
    data = PDF + b"\0" * (ATTACHMENT_MAX_BYTES - len(PDF))
    assert checked_upload(SimpleUploadedFile("big.pdf", data)).size == ATTACHMENT_MAX_BYTES


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "C:\\Users\\x\\report.pdf", "a\x00b\nc.pdf"])
def test_the_uploaded_name_is_only_a_label(name):
    checked = checked_upload(SimpleUploadedFile(name, PDF))
    assert "/" not in checked.name and "\\" not in checked.name
    assert checked.name.isprintable()


def test_attachments_live_outside_the_public_media_folder_and_have_no_url(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    storage = private_storage()
    assert storage.location == str(tmp_path / "private")
    assert not storage.location.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        storage.url("private/messages/x")
