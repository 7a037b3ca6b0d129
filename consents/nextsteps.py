"""Consents' card on the patient home: the first consent to sign or form to
fill in, pressing when the patient has booked a session or it is due at
sign-up."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import nextsteps
from core.nextsteps import NextStep
from core.portals import Portal

from .models import CareContext, RequiredBefore
from .selectors import Item, requirements_for

BEFORE_SESSION_PRIORITY = 11  # a booked session, or the sign-up itself, waits for it
JOURNEY_PRIORITY = 40


def step_url(item: Item) -> str:
    """The guided flow's page for one item: a consent by its version, a form
    by its version and the specialist the answers are for."""
    url = reverse("consents:step", kwargs={"kind": item.kind, "public_id": item.version.public_id})
    return f"{url}?for={item.specialist.slug}" if item.specialist is not None else url


def item_title(item: Item) -> str:
    if item.kind == "consent":
        return _("Sign your consent: %(title)s") % {"title": item.title}
    return _("Fill in %(form)s for %(name)s") % {"form": item.title, "name": item.specialist.display_name}


def patient_steps(*, user, **context):
    """A fixed number of queries (`requirements_for` plus one)."""
    pending = requirements_for(user).pending
    if not pending:
        return
    booked = CareContext.objects.filter(patient=user).exists()
    first = pending[0]  # items due at sign-up come first
    pressing = booked or first.required_before == RequiredBefore.SIGNUP
    if booked:
        body = ngettext(
            "One thing to do before your session. It takes a few minutes, and you can stop and come back.",
            "%(count)d things to do before your session. They take a few minutes, and you can stop and come back.",
            len(pending),
        ) % {"count": len(pending)}
    else:
        body = ngettext(
            "One thing to do. You can stop and come back any time.",
            "%(count)d things to do. You can stop and come back any time.",
            len(pending),
        ) % {"count": len(pending)}
    yield NextStep(
        title=item_title(first),
        body=body,
        url=step_url(first),
        cta=_("Sign now") if first.kind == "consent" else _("Fill it in"),
        priority=BEFORE_SESSION_PRIORITY if pressing else JOURNEY_PRIORITY,
    )


def register():
    nextsteps.register(Portal.PATIENT, patient_steps)
