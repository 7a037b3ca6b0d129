"""What people hear about their appointments: emails (with a calendar
invitation) and inbox lines, each in the reader's own time zone.

The Celery tasks in `tasks.py` call these with ids; nothing here runs inside
a request. Subjects and inbox lines never carry health details: no notes,
no reasons (a cancellation reason may hold some), no service names in
subjects (a service name can say what someone is treated for). A reader
who wants the reason opens the session page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import meetings
from core.portals import Portal
from core.services import notification_create
from core.timeutils import format_in_zone, format_short, format_time

from . import selectors
from .ics import appointment_invite
from .models import Appointment, AppointmentEvent, AvailabilityRequest, Proposal
from .readiness import blockers_by_appointment
from .states import AppointmentStatus

logger = logging.getLogger(__name__)

S = AppointmentStatus

CONFIRMED, RESCHEDULED, CANCELLED = "confirmed", "rescheduled", "cancelled"
KINDS = (CONFIRMED, RESCHEDULED, CANCELLED)

# An email of each kind goes out only while the appointment still is what
# the email says; a task that runs late after a further change sends
# nothing (the later change sends its own email, with a higher SEQUENCE).
_STILL_TRUE = {
    CONFIRMED: {S.CONFIRMED},
    RESCHEDULED: {S.AWAITING_PAYMENT, S.CONFIRMED},
    CANCELLED: {S.CANCELLED},
}

NOTIFICATION_MAX_LENGTH = 300  # core.Notification.text


@dataclass(frozen=True)
class Side:
    """One of the two people of an appointment, as a message sees them."""

    user: object
    portal: str
    is_patient: bool
    # The other person's name, as this reader knows them.
    other_name: str

    @property
    def zone(self) -> str:
        return self.user.timezone


def _other_user_id(appointment: Appointment, side: Side) -> int:
    return appointment.specialist.user_id if side.is_patient else appointment.patient_id


def _sides(appointment: Appointment) -> tuple[Side, Side]:
    patient = Side(
        user=appointment.patient,
        portal=Portal.PATIENT,
        is_patient=True,
        other_name=appointment.specialist.display_name,
    )
    specialist = Side(
        user=appointment.specialist.user,
        portal=Portal.SPECIALIST,
        is_patient=False,
        other_name=appointment.patient.display_name,
    )
    return patient, specialist


def _load(appointment_id: int) -> Appointment:
    return Appointment.objects.select_related(
        "patient", "specialist__user", "specialist__organization", "offering", "proposal"
    ).get(pk=appointment_id)


def _day(moment: datetime, zone_name: str) -> str:
    """Short local day and time for a subject: "Tue 24 Nov, 09:00"."""
    return format_short(moment, zone_name)


def _appointment_path(appointment: Appointment, side: Side) -> str:
    name = "booking:patient-appointment" if side.is_patient else "booking:specialist-appointment"
    return reverse(name, args=[appointment.public_id])


def absolute_url(path: str) -> str:
    """A path of this site as a link that works from an email."""
    return settings.SITE_URL.rstrip("/") + path


def _join(appointment: Appointment, side: Side) -> meetings.JoinLink | None:
    """The appointment's video room for this reader, if it has one."""
    return meetings.join_link(appointment, side.user)


def _sender_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


# --- Emails with a calendar invitation ---------------------------------------


def appointment_email_send(*, appointment_id: int, kind: str) -> int:
    """Email both sides that an appointment was confirmed, moved or
    cancelled; returns how many emails went out (0 when it is stale).

    Each side gets their own email in their own zone and language, with a
    link to their page of the appointment and `invite.ics`: METHOD REQUEST
    (confirmed, moved) or CANCEL, the appointment's stable UID and its
    current SEQUENCE, so calendars update the one event they hold.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown appointment email {kind!r}")
    appointment = _load(appointment_id)
    if appointment.status not in _STILL_TRUE[kind]:
        logger.info("appointment %s email %s skipped: status is %s now", appointment.pk, kind, appointment.status)
        return 0
    previous_starts_at = _previous_starts_at(appointment) if kind == RESCHEDULED else None
    messages = [
        _appointment_message(appointment, kind, side, previous_starts_at=previous_starts_at)
        for side in _sides(appointment)
    ]
    for message in messages:
        message.send()
    return len(messages)


def _previous_starts_at(appointment: Appointment) -> datetime | None:
    """The time before the latest move, from the appointment's history."""
    return (
        AppointmentEvent.objects.filter(appointment=appointment, previous_starts_at__isnull=False)
        .order_by("-at", "-id")
        .values_list("previous_starts_at", flat=True)
        .first()
    )


def _subject(kind: str, side: Side, appointment: Appointment) -> str:
    day = _day(appointment.starts_at, side.zone)
    if kind == CONFIRMED:
        if side.is_patient:
            return _("Your session on %(day)s is confirmed") % {"day": day}
        return _("New session booked: %(day)s") % {"day": day}
    if kind == RESCHEDULED:
        return _("Session moved: now %(day)s") % {"day": day}
    return _("Session cancelled: %(day)s") % {"day": day}


def _cancelled_by(appointment: Appointment, side: Side) -> str:
    """Who called the session off, as this reader would say it."""
    if appointment.cancelled_by_id is None:
        return ""
    if appointment.cancelled_by_id == side.user.pk:
        return _("You")
    if appointment.cancelled_by_id == _other_user_id(appointment, side):
        return side.other_name
    return ""  # someone else (an organization admin): said without a name


def _appointment_message(
    appointment: Appointment, kind: str, side: Side, *, previous_starts_at: datetime | None
) -> EmailMultiAlternatives:
    with translation.override(side.user.language):
        url = absolute_url(_appointment_path(appointment, side))
        organization = appointment.specialist.organization
        context = {
            "kind": kind,
            "for_patient": side.is_patient,
            "recipient_name": side.user.display_name,
            "other_name": side.other_name,
            "organization_name": organization.name,
            "offering_name": appointment.offering.name,
            "duration_minutes": appointment.offering.duration_minutes,
            "when": format_in_zone(appointment.starts_at, side.zone),
            "previous_when": format_in_zone(previous_starts_at, side.zone) if previous_starts_at else "",
            "price_minor": appointment.price_minor,
            "currency": appointment.currency,
            "cancellation_window_hours": selectors.cancellation_window_hours(appointment.specialist),
            "cancelled_by": _cancelled_by(appointment, side) if kind == CANCELLED else "",
            "cancelled_by_reader": appointment.cancelled_by_id == side.user.pk,
            "cancelled_by_other": appointment.cancelled_by_id == _other_user_id(appointment, side),
            "is_late_cancellation": appointment.is_late_cancellation,
            "url": url,
        }
        method = "CANCEL" if kind == CANCELLED else "REQUEST"
        description = _("Details and changes: %(url)s") % {"url": url}
        # The calendar entry leads into the video room, where there is one.
        join = _join(appointment, side) if method == "REQUEST" else None
        join_url = absolute_url(join.url) if join is not None else ""
        if join_url:
            description = _("Join the session: %(join)s") % {"join": join_url} + "\n\n" + description
        invite = appointment_invite(
            appointment,
            method=method,
            summary=_("Session with %(name)s") % {"name": side.other_name},
            description=description,
            organizer_email=_sender_address(),
            organizer_name=organization.name,
            attendee_email=side.user.email,
            attendee_name=side.user.display_name,
            url=join_url or url,
            location=join_url,
        )
        message = EmailMultiAlternatives(
            subject=_subject(kind, side, appointment),
            body=render_to_string(f"emails/booking/appointment_{kind}.txt", context),
            to=[side.user.email],
        )
        message.attach_alternative(render_to_string(f"emails/booking/appointment_{kind}.html", context), "text/html")
        message.attach("invite.ics", invite, f"text/calendar; method={method}")
    return message


# --- Reminders -----------------------------------------------------------------


def appointment_reminder_send(*, appointment: Appointment) -> None:
    """Remind the patient of their coming session: an email and an inbox
    line. The patient only: the specialist has the session in their
    calendar and feed, and a day of sessions would flood their inbox."""
    patient, _specialist = _sides(appointment)
    with translation.override(patient.user.language):
        path = _appointment_path(appointment, patient)
        join = _join(appointment, patient)
        context = {
            "recipient_name": patient.user.display_name,
            "other_name": patient.other_name,
            "organization_name": appointment.specialist.organization.name,
            "offering_name": appointment.offering.name,
            "duration_minutes": appointment.offering.duration_minutes,
            "when": format_in_zone(appointment.starts_at, patient.zone),
            "url": absolute_url(path),
            "join_url": absolute_url(join.url) if join is not None else "",
            "join_opens": format_time(join.opens_at, patient.zone) if join is not None else "",
        }
        message = EmailMultiAlternatives(
            subject=_("Reminder: your session on %(day)s") % {"day": _day(appointment.starts_at, patient.zone)},
            body=render_to_string("emails/booking/reminder.txt", context),
            to=[patient.user.email],
        )
        message.attach_alternative(render_to_string("emails/booking/reminder.html", context), "text/html")
        message.send()
        text = _("Reminder: your session with %(name)s is on %(when)s.") % {
            "name": patient.other_name,
            "when": context["when"],
        }
    try:
        _notify(patient.user, patient.portal, text, path)
    except Exception:
        # The email went out; a missing inbox line must not send it again.
        logger.exception("reminder notification of appointment %s failed", appointment.pk)


# --- Inbox lines -----------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    side: Side
    text: str
    url: str


def appointment_notify(*, appointment_id: int, event: str, from_status: str = "", actor_id: int | None = None):
    """Put the inbox lines an appointment event calls for; returns them.

    `event` is the status the appointment entered ("confirmed", …) or
    "rescheduled". Nothing for a session that is already over (a past one
    recorded after the fact). A proposal with several times is announced, declined,
    withdrawn or lapsed once, on its earliest time, not once per time.
    """
    appointment = _load(appointment_id)
    build = _LINES.get(event)
    if build is None or appointment.ends_at <= timezone.now():
        return []  # news about a session already over helps nobody
    notifications = []
    # Each reader's lines are worded in their own language.
    for side in _sides(appointment):
        with translation.override(side.user.language):
            lines = [line for line in build(appointment, from_status, actor_id) if line.side == side]
        notifications += [_notify(line.side.user, line.side.portal, line.text, line.url) for line in lines]
    return notifications


def availability_request_notify(*, request_id: int):
    """Tell the specialist that a patient asked for times."""
    request = AvailabilityRequest.objects.select_related("patient", "specialist__user", "offering").get(pk=request_id)
    user = request.specialist.user
    with translation.override(user.language):
        if request.offering is not None:
            text = _("%(patient)s asked for times for %(offering)s.") % {
                "patient": request.patient.display_name,
                "offering": request.offering.name,
            }
        else:
            text = _("%(patient)s asked you for times.") % {"patient": request.patient.display_name}
    return _notify(user, Portal.SPECIALIST, text, reverse("booking:specialist-request", args=[request.public_id]))


def _notify(user, portal: str, text: str, url: str):
    return notification_create(user=user, portal=portal, text=Truncator(text).chars(NOTIFICATION_MAX_LENGTH), url=url)


def _when(appointment: Appointment, side: Side) -> str:
    return format_in_zone(appointment.starts_at, side.zone)


def _page(appointment: Appointment, side: Side) -> str:
    return _appointment_path(appointment, side)


def _proposal_page(appointment: Appointment, side: Side) -> str:
    name = "booking:patient-proposal" if side.is_patient else "booking:specialist-proposal"
    return reverse(name, args=[appointment.proposal.public_id])


def _is_first_option(appointment: Appointment) -> bool:
    """Whether this is the proposal's earliest time: the one that speaks
    for the whole proposal, so its people hear of it once."""
    if appointment.proposal_id is None:
        return True
    first = (
        Appointment.objects.filter(proposal_id=appointment.proposal_id)
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return first == appointment.pk


def _confirmed(appointment, from_status, actor_id):
    patient, specialist = _sides(appointment)
    yield Line(
        patient,
        _("Your session on %(when)s with %(name)s is confirmed.")
        % {"when": _when(appointment, patient), "name": patient.other_name},
        _page(appointment, patient),
    )
    # The consents and forms this booking asks for (no titles: they can hint at health).
    [(_appointment, blockers)] = blockers_by_appointment([appointment])
    to_do = len(blockers)
    if to_do:
        yield Line(
            patient,
            ngettext(
                "Before your session on %(when)s: one form or consent to complete.",
                "Before your session on %(when)s: %(count)d forms or consents to complete.",
                to_do,
            )
            % {"when": _when(appointment, patient), "count": to_do},
            reverse("consents:flow"),
        )
    yield Line(
        specialist,
        _("%(patient)s booked %(offering)s on %(when)s.")
        % {
            "patient": specialist.other_name,
            "offering": appointment.offering.name,
            "when": _when(appointment, specialist),
        },
        _page(appointment, specialist),
    )


def _rescheduled(appointment, from_status, actor_id):
    for side in _sides(appointment):
        values = {"name": side.other_name, "when": _when(appointment, side)}
        if actor_id == side.user.pk:
            text = _("You moved your session with %(name)s to %(when)s.") % values
        elif actor_id == _other_user_id(appointment, side):
            text = _("%(name)s moved your session to %(when)s.") % values
        else:
            text = _("Your session with %(name)s moved to %(when)s.") % values
        yield Line(side, text, _page(appointment, side))


def _cancelled(appointment, from_status, actor_id):
    if from_status in (S.CONFIRMED, S.AWAITING_PAYMENT):
        for side in _sides(appointment):
            values = {"name": side.other_name, "when": _when(appointment, side)}
            if actor_id == side.user.pk:
                text = _("You cancelled your session with %(name)s on %(when)s.") % values
            elif actor_id == _other_user_id(appointment, side):
                text = _("%(name)s cancelled your session on %(when)s. See the reason on the session page.") % values
            else:
                text = _("Your session with %(name)s on %(when)s was cancelled.") % values
            yield Line(side, text, _page(appointment, side))
    elif from_status == S.PROPOSED:
        proposal = appointment.proposal
        if proposal is not None and proposal.status == Proposal.Status.WITHDRAWN and _is_first_option(appointment):
            patient, _specialist = _sides(appointment)
            yield Line(
                patient,
                _("%(name)s withdrew their proposed times for %(offering)s.")
                % {"name": patient.other_name, "offering": appointment.offering.name},
                _proposal_page(appointment, patient),
            )
    elif from_status == S.REQUESTED:
        # Whoever did not call the request off hears of it.
        for side in _sides(appointment):
            if actor_id == side.user.pk:
                continue
            values = {"name": side.other_name, "offering": appointment.offering.name, "when": _when(appointment, side)}
            if side.is_patient:
                text = _("Your request for %(offering)s on %(when)s was cancelled.") % values
            else:
                text = _("%(name)s withdrew their request for %(offering)s on %(when)s.") % values
            yield Line(side, text, _page(appointment, side))
    # A released hold is the patient going back to pick another time: nothing to say.


def _proposed(appointment, from_status, actor_id):
    if appointment.proposal is None or not _is_first_option(appointment):
        return
    patient, _specialist = _sides(appointment)
    yield Line(
        patient,
        _("%(name)s proposed times for %(offering)s: please answer by %(deadline)s.")
        % {
            "name": patient.other_name,
            "offering": appointment.offering.name,
            "deadline": format_in_zone(appointment.proposal.expires_at, patient.zone),
        },
        _proposal_page(appointment, patient),
    )


def _requested(appointment, from_status, actor_id):
    _patient, specialist = _sides(appointment)
    yield Line(
        specialist,
        _("%(patient)s asked for %(offering)s on %(when)s.")
        % {
            "patient": specialist.other_name,
            "offering": appointment.offering.name,
            "when": _when(appointment, specialist),
        },
        _page(appointment, specialist),
    )


def _declined(appointment, from_status, actor_id):
    patient, specialist = _sides(appointment)
    if from_status == S.REQUESTED:
        yield Line(
            patient,
            _("%(name)s declined your request for %(offering)s on %(when)s. See the reason on the session page.")
            % {"name": patient.other_name, "offering": appointment.offering.name, "when": _when(appointment, patient)},
            _page(appointment, patient),
        )
    elif from_status == S.PROPOSED:
        # The other times of an accepted proposal are declined too; the
        # confirmation speaks for those.
        proposal = appointment.proposal
        if proposal is not None and proposal.status == Proposal.Status.DECLINED and _is_first_option(appointment):
            yield Line(
                specialist,
                _("%(patient)s declined your proposed times for %(offering)s.")
                % {"patient": specialist.other_name, "offering": appointment.offering.name},
                _proposal_page(appointment, specialist),
            )


def _expired(appointment, from_status, actor_id):
    patient, specialist = _sides(appointment)
    if from_status == S.PROPOSED:
        # The proposal itself is closed after its times, so its status may
        # still read open here: the lapsed time is what counts.
        if appointment.proposal is not None and _is_first_option(appointment):
            yield Line(
                specialist,
                _("%(patient)s did not answer your proposed times for %(offering)s in time.")
                % {"patient": specialist.other_name, "offering": appointment.offering.name},
                _proposal_page(appointment, specialist),
            )
    elif from_status == S.AWAITING_PAYMENT:
        values = {"when": _when(appointment, patient), "name": patient.other_name}
        if appointment.can_pay_online:
            text = _("Your booking on %(when)s with %(name)s lapsed: the payment did not arrive in time.") % values
        else:  # reserved before payments were possible: nobody could pay
            text = (
                _(
                    "Your reserved time on %(when)s with %(name)s was released: online payment is not available "
                    "yet, so it could not be confirmed. Message %(name)s to find another time."
                )
                % values
            )
        yield Line(patient, text, _page(appointment, patient))
        yield Line(
            specialist,
            _("The booking by %(patient)s on %(when)s lapsed unpaid.")
            % {"patient": specialist.other_name, "when": _when(appointment, specialist)},
            _page(appointment, specialist),
        )
    elif from_status == S.REQUESTED:
        yield Line(
            patient,
            _("Your request for %(offering)s on %(when)s ran out without an answer.")
            % {"offering": appointment.offering.name, "when": _when(appointment, patient)},
            _page(appointment, patient),
        )
    # A lapsed hold: the patient walked away from the booking page.


def _awaiting_payment(appointment, from_status, actor_id):
    patient, _specialist = _sides(appointment)
    values = {"when": _when(appointment, patient), "name": patient.other_name}
    if appointment.expires_at is not None:
        values["deadline"] = format_in_zone(appointment.expires_at, patient.zone)
        text = _("Payment is due by %(deadline)s for your session on %(when)s with %(name)s.") % values
    else:
        text = _("Payment is due for your session on %(when)s with %(name)s.") % values
    yield Line(patient, text, _page(appointment, patient))


_LINES = {
    "confirmed": _confirmed,
    "rescheduled": _rescheduled,
    "cancelled": _cancelled,
    "proposed": _proposed,
    "requested": _requested,
    "declined": _declined,
    "expired": _expired,
    "awaiting_payment": _awaiting_payment,
}
