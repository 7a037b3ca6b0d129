"""Booking's cards on the patient home: a proposal to answer, a payment
due, or the next session."""

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from core import nextsteps
from core.nextsteps import NextStep
from core.portals import Portal
from core.timeutils import to_zone

from .selectors_patient import patient_next_items

PROPOSAL_PRIORITY = 10  # someone waits for an answer, and the times run out
PAYMENT_PRIORITY = 12
NEXT_SESSION_PRIORITY = 14  # above discovery's "your specialist" card


def _when(moment, zone: str) -> str:
    return formats.date_format(to_zone(moment, zone), "D j M, H:i")


def patient_steps(*, user, **context):
    """Two queries, whatever the patient has booked."""
    proposal, payment, session = patient_next_items(patient=user)
    if proposal is not None:
        yield NextStep(
            title=_("%(name)s proposed times for you") % {"name": proposal.specialist.display_name},
            body=_("Please choose one by %(when)s; after that the times are released.")
            % {"when": _when(proposal.expires_at, user.timezone)},
            url=reverse("booking:patient-proposal", args=[proposal.public_id]),
            cta=_("Choose a time"),
            priority=PROPOSAL_PRIORITY,
        )
    if payment is not None:
        yield NextStep(
            title=_("Payment due for your session on %(when)s") % {"when": _when(payment.starts_at, user.timezone)},
            body=_("Please pay by %(when)s to confirm it with %(name)s.")
            % {"when": _when(payment.expires_at, user.timezone), "name": payment.specialist.display_name},
            url=reverse("booking:patient-appointment", args=[payment.public_id]),
            cta=_("View details"),
            priority=PAYMENT_PRIORITY,
        )
    if session is not None:
        yield NextStep(
            title=_("Your next session: %(when)s with %(name)s")
            % {"when": _when(session.starts_at, user.timezone), "name": session.specialist.display_name},
            body=_("%(offering)s. Add it to your calendar, or reschedule if you need to.")
            % {"offering": session.offering.name},
            url=reverse("booking:patient-appointment", args=[session.public_id]),
            cta=_("View details"),
            priority=NEXT_SESSION_PRIORITY,
        )


def register():
    nextsteps.register(Portal.PATIENT, patient_steps)
