"""Booking's cards on the patient home: a time held and not confirmed yet,
a proposal to answer, a payment due, a time or other times asked for and
not answered yet, or the next session (with its video room: "Join session"
first of all once it is open, the time it opens when that is near); and
after a completed session, booking the next one."""

from django.urls import reverse
from django.utils.translation import gettext as _

from core import meetings, nextsteps
from core.nextsteps import NextStep
from core.payments import pay_url
from core.portals import Portal
from core.timeutils import format_date, format_short, format_time

from .followup import follow_up_latest_for_patient
from .selectors_patient import patient_next_items

JOIN_PRIORITY = 5  # the session room is open: nothing else comes first
HOLD_PRIORITY = 9  # the time is released within minutes
PROPOSAL_PRIORITY = 10  # someone waits for an answer, and the times run out
PAYMENT_PRIORITY = 12
REQUESTED_PRIORITY = 13  # the answer decides what comes next
NEXT_SESSION_PRIORITY = 14  # above discovery's "your specialist" card
FOLLOW_UP_PRIORITY = 14  # no session ahead with them: the next one, as above
ASKED_PRIORITY = 16  # above the intake: an ask is under way


def _when(moment, zone: str) -> str:
    return format_short(moment, zone)


def _payment_step(payment, zone: str) -> NextStep:
    values = {
        "when": _when(payment.starts_at, zone),
        "until": _when(payment.expires_at, zone),
        "name": payment.specialist.display_name,
    }
    if payment.can_pay_online:
        pay = pay_url(payment)
        return NextStep(
            title=_("Payment due for your session on %(when)s") % values,
            body=_("Please pay by %(until)s to confirm it with %(name)s.") % values,
            url=pay or reverse("booking:patient-appointment", args=[payment.public_id]),
            cta=_("Pay now") if pay else _("View details"),
            priority=PAYMENT_PRIORITY,
        )
    # Booked before payments were possible: say so, and who can help.
    return NextStep(
        title=_("Your session on %(when)s is reserved, not confirmed yet") % values,
        body=_(
            "Online payment is not available yet. The time is reserved for you until %(until)s, then released "
            "on its own. The details say what you can do."
        )
        % values,
        url=reverse("booking:patient-appointment", args=[payment.public_id]),
        cta=_("View details"),
        priority=PAYMENT_PRIORITY,
    )


def _session_step(session, user) -> NextStep:
    values = {
        "when": _when(session.starts_at, user.timezone),
        "name": session.specialist.display_name,
        "offering": session.offering.name,
    }
    join = meetings.join_link(session, user) if meetings.may_be_near(session.starts_at) else None
    if join is not None and join.is_open:
        return NextStep(
            title=_("Your session with %(name)s is open") % values,
            body=_("%(offering)s, %(when)s. Join when you are ready: you can check your camera and microphone first.")
            % values,
            url=join.url,
            cta=_("Join session"),
            priority=JOIN_PRIORITY,
        )
    body = _("%(offering)s. Add it to your calendar, or reschedule if you need to.") % values
    if join is not None and join.opens_soon:
        body = _("%(offering)s. The session room opens at %(time)s.") % {
            **values,
            "time": format_time(join.opens_at, user.timezone),
        }
    return NextStep(
        title=_("Your next session: %(when)s with %(name)s") % values,
        body=body,
        url=reverse("booking:patient-appointment", args=[session.public_id]),
        cta=_("View details"),
        priority=NEXT_SESSION_PRIORITY,
    )


def patient_steps(*, user, **context):
    """Four queries, whatever the patient has booked."""
    items = patient_next_items(patient=user)
    hold, proposal, session = items.hold, items.proposal, items.session
    if hold is not None:
        yield NextStep(
            title=_("Not booked yet: %(when)s with %(name)s")
            % {"when": _when(hold.starts_at, user.timezone), "name": hold.specialist.display_name},
            body=_("We are holding this time for you until %(until)s. Confirm it before then, or it is released.")
            % {"until": format_time(hold.expires_at, user.timezone)},
            url=reverse("booking:patient-appointment", args=[hold.public_id]),
            cta=_("Continue"),
            priority=HOLD_PRIORITY,
        )
    if proposal is not None:
        yield NextStep(
            title=_("%(name)s proposed times for you") % {"name": proposal.specialist.display_name},
            body=_("Please choose one by %(when)s; after that the times are released.")
            % {"when": _when(proposal.expires_at, user.timezone)},
            url=reverse("booking:patient-proposal", args=[proposal.public_id]),
            cta=_("Choose a time"),
            priority=PROPOSAL_PRIORITY,
        )
    if items.payment is not None:
        yield _payment_step(items.payment, user.timezone)
    if items.requested is not None:
        values = {
            "name": items.requested.specialist.display_name,
            "when": _when(items.requested.starts_at, user.timezone),
        }
        yield NextStep(
            title=_("Waiting for %(name)s to confirm %(when)s") % values,
            body=_("You asked for this time. We let you know as soon as %(name)s answers.") % values,
            url=reverse("booking:patient-appointment", args=[items.requested.public_id]),
            cta=_("View your request"),
            priority=REQUESTED_PRIORITY,
        )
    if session is not None:
        yield _session_step(session, user)
    if items.asked is not None:
        values = {"name": items.asked.specialist.display_name}
        yield NextStep(
            title=_("Waiting for %(name)s to suggest times") % values,
            body=_("You asked for other times. We let you know as soon as %(name)s proposes some.") % values,
            url=reverse("booking:patient-appointments") + "#requests-title",
            cta=_("View your request"),
            priority=ASKED_PRIORITY,
        )


def follow_up_steps(*, user, **context):
    """Book the next session of the same service, after the most recent
    completed session (`booking.followup` says when that makes sense)."""
    follow_up = follow_up_latest_for_patient(patient=user)
    if follow_up is None:
        return
    values = {
        "name": follow_up.specialist.display_name,
        "offering": follow_up.offering.name,
        "day": format_date(follow_up.session.starts_at, zone_name=user.timezone),
    }
    if follow_up.is_on_request:
        body = _("Your last session, %(offering)s, was on %(day)s. Ask for a time for the next one.") % values
    else:
        body = _("Your last session, %(offering)s, was on %(day)s. Pick a time for the next one.") % values
    yield NextStep(
        title=_("Book your next session with %(name)s") % values,
        body=body,
        url=follow_up.book_url,
        cta=_("Book your next session"),
        priority=FOLLOW_UP_PRIORITY,
    )


def register():
    nextsteps.register(Portal.PATIENT, patient_steps)
    nextsteps.register(Portal.PATIENT, follow_up_steps)
