"""Attachments of messages: what may be attached and where it is kept.

Only images (JPEG, PNG, WebP, GIF) and PDF files up to 10 MB. The type is
decided by the content, never by the name or the browser's content type,
and the extension follows it: a PDF named "scan.png" is kept and handed
out as "scan.pdf". The uploaded name is kept as metadata only; the file is
stored under a random name in a private folder outside MEDIA_ROOT (which
the development server serves publicly), and it is only ever handed out by
the download view, to the conversation's two participants.

An upload over the limit is refused while it arrives: `limit_uploads`
stops reading the request's body there, so it is never read whole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from core.storage import PrivateStorage

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
NAME_MAX_LENGTH = 200
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
PDF_TYPE = "application/pdf"
# The extensions of each type taken, the usual one first.
EXTENSIONS = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "image/gif": (".gif",),
    PDF_TYPE: (".pdf",),
}
KNOWN_EXTENSIONS = frozenset(ext for exts in EXTENSIONS.values() for ext in exts)


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage of message attachments (a callable, so migrations keep
    a reference rather than a path)."""
    return _private_storage


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks; what `message_post` stores."""

    file: object
    name: str
    content_type: str
    size: int


def attachment_name(name: str, content_type: str) -> str:
    """The uploaded name for showing and for the download's filename only,
    ending as its content proves: the extension of another type taken is
    replaced ("scan.png" as a PDF is "scan.pdf"), any other kept before
    the right one ("notes.txt.pdf")."""
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable())
    stem, ext = os.path.splitext(name)
    right = EXTENSIONS.get(content_type, ())
    if right and ext.lower() not in right:
        if ext.lower() not in KNOWN_EXTENSIONS:
            stem = name
        ext = right[0]
    ext = ext[:20]
    return (stem[: NAME_MAX_LENGTH - len(ext)] or "attachment") + ext


def stored_extension(content_type: str) -> str:
    """The extension of the stored file (its name is otherwise random)."""
    return EXTENSIONS.get(content_type, ("",))[0]


def attachment_too_large() -> ValidationError:
    return ValidationError(
        _("Files can be up to %(mb)d MB.") % {"mb": ATTACHMENT_MAX_BYTES // (1024 * 1024)}, code="too_large"
    )


class LimitHandler(FileUploadHandler):
    """First of a request's upload handlers: once the files it carries pass
    ATTACHMENT_MAX_BYTES, reading stops, the rest of the body left unread
    (`connection_reset`), and `stopped` says why the file is missing."""

    stopped = False
    received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > ATTACHMENT_MAX_BYTES:
            self.stopped = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler keeps the file


def limit_uploads(request) -> None:
    """Install the limit before anything reads the request's body."""
    request.upload_handlers.insert(0, LimitHandler(request))


def upload_stopped(request) -> bool:
    """Whether `limit_uploads` stopped the request's file at the limit."""
    return any(getattr(handler, "stopped", False) for handler in request.upload_handlers)


def _sniff(uploaded_file) -> str | None:
    """The content type the bytes prove, or None."""
    uploaded_file.seek(0)
    head = uploaded_file.read(8)
    uploaded_file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF_TYPE
    try:
        with Image.open(uploaded_file) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        uploaded_file.seek(0)
    return IMAGE_TYPES.get(image_format or "")


def checked_upload(uploaded_file) -> CheckedUpload:
    """`uploaded_file` if it is an image or a PDF of at most 10 MB.

    The size is checked first, from what the upload handler counted,
    before anything is read. Raises ValidationError with code "too_large"
    (answer 413) or "wrong_type" (answer 422).
    """
    if uploaded_file.size is None or uploaded_file.size > ATTACHMENT_MAX_BYTES:
        raise attachment_too_large()
    content_type = _sniff(uploaded_file)
    if content_type is None:
        raise ValidationError(_("Only images and PDF files can be attached."), code="wrong_type")
    return CheckedUpload(
        file=uploaded_file,
        name=attachment_name(uploaded_file.name, content_type),
        content_type=content_type,
        size=uploaded_file.size,
    )
