"""The patient's writes: signing and withdrawing consents, answering forms.

Every refusal is a `ValidationError` raised before anything is written, so
bad input never leaves a half-made row. Whether a version applies to the
patient at all (another patient's form, a document outside their scope) is
the caller's check with `consents.selectors.requirements_for`: the views
answer 404 before calling these.
"""

from __future__ import annotations

import json
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import events
from core.services import journey_event_record

from .. import schema as form_schema
from ..models import ConsentSignature, ConsentVersion, FormResponse, FormVersion

WITHDRAWAL_REASON_MAX_LENGTH = 500
USER_AGENT_MAX_LENGTH = 256


def name_key(name: str) -> str:
    """A name as compared for signing: accents and case dropped, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def response_answers(response: FormResponse | None) -> dict:
    """The answers stored in `response` (decrypted JSON), or {}."""
    if response is None or not response.answers:
        return {}
    try:
        answers = json.loads(response.answers)
    except ValueError:
        return {}
    return answers if isinstance(answers, dict) else {}


def _standing_signature(patient, version: ConsentVersion) -> ConsentSignature | None:
    return ConsentSignature.objects.filter(patient=patient, version=version, withdrawn_at__isnull=True).first()


def _check_signable(version: ConsentVersion) -> None:
    if version.published_at is None or not version.document.is_active:
        raise ValidationError(_("This document is not available for signing."), code="unpublished")
    newer = ConsentVersion.objects.filter(
        document_id=version.document_id, published_at__isnull=False, number__gt=version.number
    )
    if newer.exists():
        raise ValidationError(
            _("A newer version of this document is in place; please read it again."), code="superseded"
        )


def consent_sign(
    *,
    patient,
    version: ConsentVersion,
    typed_name: str,
    agreed: bool,
    ip_address: str | None,
    user_agent: str,
    now=None,
) -> ConsentSignature:
    """`patient` signs the published `version` with their typed full name.

    Refused, with nothing stored, without the explicit checkbox, with a name
    that is not the account's full name (compared without case, accents or
    extra spaces), or on a version that is unpublished or superseded by a
    newer published one. Signing again while a signature stands returns that
    signature (a double click signs once). The signature keeps the version's
    content hash: the exact text signed.
    """
    with transaction.atomic():
        standing = _standing_signature(patient, version)
        if standing is not None:
            return standing
        _check_signable(version)
        errors = {}
        if not agreed:
            errors["agreed"] = _("Please tick the box to confirm that you have read and agree to this document.")
        expected = (patient.full_name or "").strip()
        if not expected:
            errors["typed_name"] = _("Please add your full name in your account settings before signing.")
        elif name_key(typed_name) != name_key(expected):
            errors["typed_name"] = _("Please type your full name as on your account: %(name)s") % {"name": expected}
        if errors:
            raise ValidationError(errors)
        try:
            with transaction.atomic():
                signature = ConsentSignature.objects.create(
                    patient=patient,
                    version=version,
                    typed_name=" ".join(typed_name.split())[:150],
                    signed_at=now or timezone.now(),
                    ip_address=ip_address or None,
                    user_agent=(user_agent or "")[:USER_AGENT_MAX_LENGTH],
                    content_hash=version.content_hash,
                )
        except IntegrityError:
            # Signed at the same moment by a second request: that one stands.
            return ConsentSignature.objects.get(patient=patient, version=version, withdrawn_at__isnull=True)
        journey_event_record(
            actor=patient,
            verb="consent_signed",
            obj=signature,
            data={"version": str(version.public_id), "number": version.number},
        )
        events.send_on_commit(events.consent_signed, signature_id=signature.pk, patient_id=patient.pk)
    return signature


def consent_withdraw(*, signature: ConsentSignature, by, reason: str) -> ConsentSignature:
    """Withdraw a standing signature where the document allows it.

    The row stays: `withdrawn_at` and the reason record the withdrawal, and
    the document becomes pending again for the patient.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        signature = (
            ConsentSignature.objects.select_for_update().select_related("version__document").get(pk=signature.pk)
        )
        if not signature.version.document.withdrawable:
            raise ValidationError(_("This consent cannot be withdrawn here."), code="not_withdrawable")
        if signature.withdrawn_at is not None:
            raise ValidationError(_("You have already withdrawn this consent."), code="already_withdrawn")
        if not reason:
            raise ValidationError({"reason": _("Please say why you are withdrawing your consent.")})
        if len(reason) > WITHDRAWAL_REASON_MAX_LENGTH:
            raise ValidationError(
                {"reason": _("Please keep this under %(n)d characters.") % {"n": WITHDRAWAL_REASON_MAX_LENGTH}}
            )
        signature.withdrawn_at = timezone.now()
        signature.withdrawal_reason = reason
        signature.save(update_fields=["withdrawn_at", "withdrawal_reason", "updated_at"])
        journey_event_record(
            actor=by, verb="consent_withdrawn", obj=signature, data={"version": str(signature.version.public_id)}
        )
    return signature


def _check_answerable(version: FormVersion) -> None:
    if version.published_at is None or not version.form.is_active:
        raise ValidationError(_("This form is not available."), code="unpublished")


def _locked_response(patient, version: FormVersion, specialist) -> FormResponse:
    response, _created = FormResponse.objects.get_or_create(patient=patient, version=version, specialist=specialist)
    return FormResponse.objects.select_for_update().get(pk=response.pk)


def form_draft_save(
    *, patient, version: FormVersion, specialist, raw_answers: dict
) -> tuple[FormResponse, dict[str, str]]:
    """Keep what the patient has answered so far, as a draft.

    A draft never fails for a missing answer; an answer that does not fit
    its question (out of range, not one of the options) is not saved, the
    previous answer to that question stays, and its error is returned. A
    question left blank is cleared. A submitted form is not changed.
    """
    _check_answerable(version)
    answers, errors = form_schema.clean_answers(version.schema, raw_answers, complete=False)
    with transaction.atomic():
        response = _locked_response(patient, version, specialist)
        if response.status == FormResponse.Status.SUBMITTED:
            raise ValidationError(_("You have already sent this form."), code="submitted")
        previous = response_answers(response)
        kept = {qid: previous[qid] for qid in errors if qid in previous}
        response.answers = json.dumps({**answers, **kept})
        response.save(update_fields=["answers", "updated_at"])
    return response, errors


def form_submit(*, patient, version: FormVersion, specialist, raw_answers: dict) -> FormResponse:
    """Send the completed form to `specialist`.

    Every required question answered and every answer fitting its question,
    or a `ValidationError` keyed by question id and nothing changed. Scored
    questionnaires get their score. Sending twice is refused.
    """
    _check_answerable(version)
    answers, errors = form_schema.clean_answers(version.schema, raw_answers, complete=True)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        response = _locked_response(patient, version, specialist)
        if response.status == FormResponse.Status.SUBMITTED:
            raise ValidationError(_("You have already sent this form."), code="submitted")
        response.answers = json.dumps(answers)
        response.status = FormResponse.Status.SUBMITTED
        response.submitted_at = timezone.now()
        response.score = form_schema.score(version.schema, answers)
        response.save(update_fields=["answers", "status", "submitted_at", "score", "updated_at"])
        journey_event_record(
            actor=patient,
            verb="form_submitted",
            obj=response,
            data={"version": str(version.public_id), "specialist": str(specialist.public_id)},
        )
        events.send_on_commit(events.form_submitted, response_id=response.pk)
    return response
