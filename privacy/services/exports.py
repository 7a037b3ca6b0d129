"""A patient's "download my data": one zip of their whole record.

The zip holds, under one folder:

- `index.html`: a self-contained page in the patient's language listing
  every part, with relative links into the zip;
- `fhir/<Type>.ndjson`: their FHIR R4 resources, one JSON per line
  (`records.fhir.patient_resources`, messages with their text);
- `consents/*.pdf`: the signed copy of every consent they signed (and
  withdrew), as the consents pages render it;
- `forms.html`: their intake answers and every form they filled in, each
  question with its answer (and the score of scored questionnaires);
- `messages.html` and `messages/attachments/*`: every conversation with
  every message, theirs and their specialists', and the files sent;
- `receipts/*.pdf`: the receipt of every settled card payment.

It is written to a temporary file part by part (FHIR lines are streamed,
never held all at once), stored privately and deleted after
`EXPORT_DAYS`.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import groupby
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consents.pdf import signed_copy_filename, signed_copy_pdf
from consents.schema import questions
from consents.services import response_answers
from core import outbox
from core.timeutils import format_in_zone
from patients.selectors import intake_summary
from payments.receipts import receipt_filename, receipt_pdf
from records.fhir import ndjson_line, patient_resources

from .. import selectors, tasks
from ..models import DataExport

logger = logging.getLogger(__name__)

# How long a ready zip can be downloaded; the sweep deletes it after.
EXPORT_DAYS = 7
# An export not finished (nor progressing) this long after its last step
# was lost with its worker.
STUCK_AFTER = timedelta(hours=1)
S = DataExport.Status


def data_export_request(*, user) -> DataExport:
    """Start preparing `user`'s zip in the background.

    One at a time: while one is being prepared, asking again raises a
    `ValidationError` (code "in_progress") and starts nothing; the
    database's partial unique constraint settles a double click.
    """
    try:
        with transaction.atomic():
            export = DataExport.objects.create(user=user, steps_total=len(PARTS))
            outbox.enqueue(tasks.build_data_export, export.pk)
    except IntegrityError:
        raise ValidationError(_("Your data is already being prepared."), code="in_progress") from None
    return export


# --- Building the zip --------------------------------------------------------------------


@dataclass
class _Zip:
    """The zip being written and the entries the index lists, per part."""

    archive: zipfile.ZipFile
    user: object
    root: str
    listed: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, part: str, path: str, data: bytes | str, *, label: str) -> None:
        self.archive.writestr(f"{self.root}/{path}", data)
        self.listed.setdefault(part, []).append({"path": path, "label": label})


def _safe(text: str) -> str:
    """A file-name fragment: letters, digits and dashes only."""
    kept = "".join(char if char.isalnum() else "-" for char in text.lower())
    return "-".join(piece for piece in kept.split("-") if piece)[:60] or "file"


def _fhir(z: _Zip) -> None:
    # `patient_resources` yields one type after the other, so each file is
    # streamed into the zip as its own entry, never held whole.
    counts: dict[str, int] = {}
    for kind, resources in groupby(patient_resources(z.user), key=lambda resource: resource["resourceType"]):
        with z.archive.open(f"{z.root}/fhir/{kind}.ndjson", "w") as entry:
            for resource in resources:
                entry.write(ndjson_line(resource).encode())
                counts[kind] = counts.get(kind, 0) + 1
    z.listed["fhir"] = [
        {"path": f"fhir/{kind}.ndjson", "label": kind, "count": count} for kind, count in sorted(counts.items())
    ]


def _consents(z: _Zip) -> None:
    for number, signature in enumerate(selectors.consent_signatures_of(z.user), start=1):
        label = f"{signature.version.document.title} · {format_in_zone(signature.signed_at, z.user.timezone)}"
        if signature.withdrawn_at:
            label += " · " + _("withdrawn")
        path = f"consents/{number:03d}-{signed_copy_filename(signature)}"
        z.add("consents", path, signed_copy_pdf(signature), label=label)


def _answer_text(question: dict, value) -> str:
    if value in (None, "", []):
        return ""
    if question.get("type") == "yes_no":
        return _("Yes") if value == "yes" else _("No")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _forms(z: _Zip) -> None:
    zone = z.user.timezone
    intake = selectors.intake_of(z.user)
    responses = []
    for response in selectors.form_responses_of(z.user):
        answers = response_answers(response)
        responses.append(
            {
                "title": response.version.form.title,
                "specialist": response.specialist.display_name,
                "status": response.get_status_display(),
                "submitted_at": format_in_zone(response.submitted_at, zone) if response.submitted_at else "",
                "score": response.score,
                "answers": [
                    {"label": question.get("label", ""), "answer": _answer_text(question, answers.get(question["id"]))}
                    for question in questions(response.version.schema)
                ],
            }
        )
    context = {"intake": intake_summary(intake) if intake else [], "responses": responses}
    z.add("forms", "forms.html", render_to_string("privacy/zip/forms.html", context), label=_("Your answers and forms"))


def _messages(z: _Zip) -> None:
    zone = z.user.timezone
    conversations = []
    for conversation in selectors.conversations_of(z.user):
        lines = []
        for message in conversation.messages.all():
            attachment = ""
            if message.attachment:
                # The extension the content proved when it was stored.
                stem, suffix = Path(message.attachment_name).stem, Path(message.attachment.name).suffix
                attachment = f"messages/attachments/{message.public_id}-{_safe(stem)}{suffix}"
                with message.attachment.open("rb") as source:
                    with z.archive.open(f"{z.root}/{attachment}", "w") as target:
                        shutil.copyfileobj(source, target)
                z.listed.setdefault("attachments", []).append({"path": attachment, "label": message.attachment_name})
            lines.append(
                {
                    "at": format_in_zone(message.created_at, zone),
                    "author": _author(message, z.user),
                    "is_notice": message.kind == message.Kind.NOTICE,
                    "text": message.text or "",
                    "attachment": attachment,
                    "attachment_name": message.attachment_name,
                }
            )
        conversations.append({"specialist": conversation.relationship.specialist.display_name, "messages": lines})
    html = render_to_string("privacy/zip/messages.html", {"conversations": conversations})
    z.add("messages", "messages.html", html, label=_("Your messages"))


def _author(message, user) -> str:
    if message.author_id is None:
        return _("Daraport")
    if message.author_id == user.pk:
        return _("You")
    return message.author.display_name


def _receipts(z: _Zip) -> None:
    for payment in selectors.receipts_of(z.user):
        label = f"{payment.receipt_number} · {format_in_zone(payment.paid_at, z.user.timezone)}"
        z.add("receipts", f"receipts/{receipt_filename(payment)}", receipt_pdf(payment), label=label)


def _index(z: _Zip) -> None:
    context = {
        "name": z.user.display_name,
        "email": z.user.email,
        "made_at": format_in_zone(timezone.now(), z.user.timezone),
        "listed": z.listed,
    }
    z.add("index", "index.html", render_to_string("privacy/zip/index.html", context), label="index.html")


# The parts in the order they are written; the index comes last, as it lists the others.
PARTS: tuple[Callable[[_Zip], None], ...] = (_fhir, _consents, _forms, _messages, _receipts, _index)


def data_export_build(export_pk: int) -> DataExport | None:
    """Write the zip of one queued export, marking progress after each part.

    Claims the export first (queued → building), so a task delivered twice
    builds it once. Renders in the patient's language and time zone. A
    failure marks it failed (the patient may ask again) and is logged
    without any of the data.
    """
    claimed = DataExport.objects.filter(pk=export_pk, status=S.QUEUED).update(
        status=S.BUILDING, updated_at=timezone.now()
    )
    if not claimed:
        return None
    export = DataExport.objects.select_related("user").get(pk=export_pk)
    user = export.user
    root = f"daraport-data-{timezone.now():%Y-%m-%d}"
    try:
        with (
            translation.override(user.language),
            timezone.override(user.timezone),
            tempfile.TemporaryFile() as out,
        ):
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                z = _Zip(archive=archive, user=user, root=root)
                for done, part in enumerate(PARTS, start=1):
                    part(z)
                    DataExport.objects.filter(pk=export.pk).update(steps_done=done, updated_at=timezone.now())
            out.seek(0, 2)
            size = out.tell()
            out.seek(0)
            export.file.save(f"{root}.zip", File(out), save=False)
    except Exception:
        logger.exception("data export %s failed", export.pk)
        DataExport.objects.filter(pk=export.pk).update(status=S.FAILED, updated_at=timezone.now())
        return None
    now = timezone.now()
    export.status = S.READY
    export.size = size
    export.steps_done = len(PARTS)
    export.ready_at = now
    export.expires_at = now + timedelta(days=EXPORT_DAYS)
    export.save(update_fields=["status", "size", "steps_done", "file", "ready_at", "expires_at", "updated_at"])
    outbox.enqueue(tasks.send_data_export_ready, export.pk)
    return export


def data_export_ready_email_send(export_pk: int) -> bool:
    """Tell the patient their zip is ready, in their language, with a link
    to their data page (sign-in needed); nothing of the data itself."""
    export = DataExport.objects.select_related("user").filter(pk=export_pk, status=S.READY).first()
    if export is None:
        return False
    user = export.user
    with translation.override(user.language):
        context = {
            "name": user.display_name,
            "expires_at": format_in_zone(export.expires_at, user.timezone),
            "url": settings.SITE_URL.rstrip("/") + reverse("privacy:data"),
        }
        message = EmailMultiAlternatives(
            subject=_("Your data is ready to download"),
            body=render_to_string("emails/privacy/export_ready.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string("emails/privacy/export_ready.html", context), "text/html")
        message.send()
    return True


def data_exports_expire(*, now=None) -> int:
    """Delete the files of ready exports past their time and mark them
    expired; returns how many. Also gives up on exports stuck in the making
    for `STUCK_AFTER` (a worker died), so the patient may ask again.
    Idempotent."""
    now = now or timezone.now()
    DataExport.objects.filter(status__in=DataExport.IN_PROGRESS, updated_at__lte=now - STUCK_AFTER).update(
        status=S.FAILED, updated_at=now
    )
    done = 0
    for export in DataExport.objects.filter(status=S.READY, expires_at__lte=now):
        if export.file:
            export.file.delete(save=False)
        DataExport.objects.filter(pk=export.pk).update(status=S.EXPIRED, file="", updated_at=now)
        done += 1
    return done
