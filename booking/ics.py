"""iCalendar (RFC 5545) for appointments: the specialist's feed and the
invitations attached to emails.

Pure: it takes an appointment and the words to show, and returns bytes.
Callers decide what text goes in, and must keep health details out of it
(a calendar event is read by calendar servers and shown on lock screens).

Every appointment is one event for its whole life: the UID comes from its
`public_id`, so a reschedule or a cancellation updates the event already in
the calendar instead of adding another; `Appointment.sequence`, raised on
every change, tells calendars which version is newer. Times are written in
UTC, so no VTIMEZONE is needed and no client guesses a zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Daraport//Booking//EN"
METHODS = frozenset({"REQUEST", "CANCEL", "PUBLISH"})
STATUSES = frozenset({"CONFIRMED", "TENTATIVE", "CANCELLED"})

__all__ = ["PRODID", "appointment_event", "appointment_invite", "appointment_uid", "calendar"]


def appointment_uid(appointment) -> str:
    """The event's UID: stable across every change of the appointment."""
    return f"{appointment.public_id}@daraport"


def _utc(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        raise ValueError("appointment times must be aware datetimes")
    return moment.astimezone(UTC)


def appointment_event(
    appointment,
    *,
    summary: str,
    description: str = "",
    url: str = "",
    location: str = "",
    status: str = "CONFIRMED",
    now: datetime | None = None,
) -> Event:
    """One VEVENT for `appointment`: UID, SEQUENCE, DTSTAMP, DTSTART and
    DTEND in UTC, SUMMARY, STATUS, and DESCRIPTION, URL and LOCATION when
    given (for a video session, URL and LOCATION are the room's address:
    calendars show a "Join" link for it)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {sorted(STATUSES)}, not {status!r}")
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", _utc(now or timezone.now()))
    event.add("dtstart", _utc(appointment.starts_at))
    event.add("dtend", _utc(appointment.ends_at))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    if location:
        event.add("location", location)
    event.add("status", status)
    # Busy unless it is gone: free/busy lookups skip cancelled events.
    event.add("transp", "TRANSPARENT" if status == "CANCELLED" else "OPAQUE")
    return event


def calendar(events: Iterable[Event], *, method: str | None = None, name: str = "") -> bytes:
    """A VCALENDAR holding `events`, serialized. `method` (REQUEST, CANCEL,
    PUBLISH) is set for invitations and left out of a subscribed feed;
    `name` is the calendar's display name in clients that support it."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method is not None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {sorted(METHODS)}, not {method!r}")
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(event)
    return cal.to_ical()


def _address(email: str, *, name: str = "", **params) -> vCalAddress:
    if not email or "@" not in email:
        raise ValueError("an organizer or attendee needs an email address")
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def appointment_invite(
    appointment,
    *,
    method: str,
    summary: str,
    description: str = "",
    organizer_email: str,
    attendee_email: str,
    url: str = "",
    location: str = "",
    organizer_name: str = "",
    attendee_name: str = "",
    now: datetime | None = None,
) -> bytes:
    """An invitation to attach to an email (text/calendar; method=…).

    METHOD:REQUEST adds or updates the event (STATUS:CONFIRMED);
    METHOD:CANCEL removes it (STATUS:CANCELLED). Send the appointment as it
    is after the change, so its SEQUENCE is the raised one. The attendee is
    marked as having accepted: the time was agreed in Daraport, and the
    calendar should not ask them to answer again.
    """
    if method not in {"REQUEST", "CANCEL"}:
        raise ValueError(f"method must be REQUEST or CANCEL, not {method!r}")
    status = "CANCELLED" if method == "CANCEL" else "CONFIRMED"
    event = appointment_event(
        appointment, summary=summary, description=description, url=url, location=location, status=status, now=now
    )
    event.add("organizer", _address(organizer_email, name=organizer_name))
    event.add(
        "attendee",
        _address(attendee_email, name=attendee_name, role="REQ-PARTICIPANT", partstat="ACCEPTED", rsvp="FALSE"),
    )
    return calendar([event], method=method)
