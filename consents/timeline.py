"""Consents and forms on a patient's record (core.timeline): the consents
of the specialist's organization the patient signed or withdrew (with the
version), and the forms they answered for that specialist, with scores."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from core import timeline

from .models import ConsentSignature, FormResponse

# Bundled questionnaires whose totals the record draws as a trend.
TRENDED = {"phq9": "PHQ-9", "gad7": "GAD-7"}


def score_text(score: dict) -> str:
    """ "Score 12 of 27 · Moderate", or "" for a form without a score."""
    if not score or "total" not in score:
        return ""
    text = _("Score %(total)s of %(max)s") % {"total": score["total"], "max": score.get("max", "?")}
    return f"{text} · {_(score['band'])}" if score.get("band") else text


def _signatures(scope: timeline.Scope):
    specialist = scope.specialist
    return ConsentSignature.objects.filter(
        Q(version__document__specialist__isnull=True) | Q(version__document__specialist=specialist),
        patient=scope.patient,
        version__document__organization=specialist.organization_id,
    ).select_related("version__document")


def consents(scope: timeline.Scope):
    for signature in _signatures(scope):
        version = signature.version
        name = _("%(title)s, version %(number)s") % {"title": version.document.title, "number": version.number}
        yield timeline.Entry(at=signature.signed_at, kind="consent", title=_("Signed: %(name)s") % {"name": name})
        if signature.withdrawn_at:
            yield timeline.Entry(
                at=signature.withdrawn_at,
                kind="consent",
                title=_("Withdrawn: %(name)s") % {"name": name},
                tags=(_("Withdrawn"),),
            )


def forms(scope: timeline.Scope):
    responses = FormResponse.objects.filter(
        patient=scope.patient, specialist=scope.specialist, status=FormResponse.Status.SUBMITTED
    ).select_related("version__form")
    for response in responses:
        score = score_text(response.score)
        yield timeline.Entry(
            at=response.submitted_at or response.updated_at,
            kind="form",
            title=response.version.form.title,
            url=reverse("consents:specialist-response", args=[response.public_id]),
            tags=(score,) if score else (),
        )


def register() -> None:
    timeline.register(consents)
    timeline.register(forms)
