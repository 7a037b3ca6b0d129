"""Demo continuity of care: the demo specialist's (Sam's) clinical notes and
his patients' feedback, so the record, the caseload and the feedback pages
have something real to show.

Two more demo patients have a few weeks of sessions with Sam behind them:
Jamie (four sessions, the last one a few days ago) and Elif, who joined the
demo employer program, whose feedback is anonymous (Sam sees her answers
without her name). Their sessions are written as rows with the times of
then, as video/demo.py writes its past calls: made through the booking
services, each would post "Session confirmed" notices into threads at the
moment of seeding. They have no thread with Sam, on purpose (the demo's
threads are messaging/demo.py's).

Every completed session of Sam's with a demo patient gets a note: SOAP or
DAP, signed soon after the session, one of them amended since; the most
recent is still a draft. Notes are drafted and amended through
`care.notes` (audited, with their journey events); signing is dated to
when it would have happened, so it is written here, with the same audit
row and journey event `note_sign` leaves. Feedback is given through
`care.feedback.feedback_submit` (the recommendation question where it is
due), then dated back. Alex's and Noor's past sessions are left
unanswered, so their pages still ask for it (Noor's home too: hers was
ten days ago).

The demo clinic gets its feedback settings (the defaults) and the demo
program its own (the same questions, anonymous). Idempotent: patients with
sessions are left alone, and a session with a note or feedback is skipped.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from booking.models import Appointment, AppointmentEvent
from booking.states import AppointmentStatus
from core.models import AuditLog, JourneyEvent
from core.services import audit_record
from organizations.models import Membership, Organization, Program, ProgramEnrolment
from organizations.selectors import terms_current_for_organization
from organizations.services import membership_grant, program_enrol, terms_accept
from specialists.models import SpecialistProfile

from .feedback import EDITABLE_FOR, feedback_due_for, feedback_submit
from .models import CareRelationship, ClinicalNote, Feedback, FeedbackSettings
from .notes import note_amend, note_draft_save

ORG_SLUG = "daraport-demo-clinic"
SAM = "specialist@demo.daraport.test"
PASSWORD = "daraport-demo"
ALEX = "patient@demo.daraport.test"
NOOR = "noor.haddad@patients.demo.daraport.test"
# The demo employer program (discovery/demo.py, an app above this one).
PROGRAM_CODE = "WELLBEING2026"
S = AppointmentStatus

# (email, name, zone, in the program, [(days ago, hour in Sam's zone)]):
# Sam's other patients with history. Alex's session is at 10:00 and
# Noor's at 11:00, so these keep to the afternoons.
PATIENTS = [
    (
        "jamie.rivera@patients.demo.daraport.test",
        "Jamie Rivera",
        "Europe/Madrid",
        False,
        [(49, 14), (35, 14), (21, 14), (4, 14)],
    ),
    ("elif.yilmaz@patients.demo.daraport.test", "Elif Yilmaz", "Europe/Istanbul", True, [(40, 15), (26, 15), (12, 15)]),
]

SOAP = ClinicalNote.Template.SOAP
DAP = ClinicalNote.Template.DAP
# Notes by patient, one per completed session in order (the text is
# clinical in tone and made up; it names nobody).
NOTES = {
    ALEX: [
        (
            SOAP,
            {
                "s": "First session. Reports sleeping five to six hours on work nights since starting a new role; "
                "worry about deadlines starts around bedtime. Describes mood as flat but manageable. Denies "
                "thoughts of self-harm.",
                "o": "On time, engaged, speech of normal rate and tone. Affect anxious, brighter when talking about "
                "weekends. PHQ-9 and GAD-7 in the moderate range (submitted before the session).",
                "a": "Generalised worry with sleep-onset insomnia, kept going by checking email late and going "
                "over the day in bed. Moderate symptoms; no risk indicators.",
                "p": "Agreed goals: fall asleep within 30 minutes; worry less about work in the evening. Homework: "
                "sleep diary for two weeks, screens off 30 minutes before bed. Follow-up in about three weeks.",
            },
        ),
    ],
    NOOR: [
        (
            DAP,
            {
                "d": "First session. Seeks help with low mood since a move abroad last year; fewer social contacts, "
                "less energy at weekends. Works full time, sleep and appetite unchanged. No risk indicators.",
                "a": "Adjustment with low mood and withdrawal; mild to moderate. Motivated; good insight.",
                "p": "Activity scheduling: one valued activity each weekend day. Rate mood daily (0 to 10). "
                "Return in two to three weeks to review.",
            },
        ),
    ],
    "jamie.rivera@patients.demo.daraport.test": [
        (
            SOAP,
            {
                "s": "First session. Panic attacks on crowded trains, about twice a week for three months; now "
                "avoids the commute at peak times.",
                "o": "Calm in session, good rapport. Describes palpitations and breathlessness during attacks.",
                "a": "Panic symptoms with developing avoidance. Suitable for a CBT approach.",
                "p": "Psychoeducation on the panic cycle given. Keep a panic diary. Next session in two weeks.",
            },
        ),
        (
            SOAP,
            {
                "s": "Diary kept: three attacks in two weeks, each under ten minutes. Noticed that checking the "
                "pulse made them worse.",
                "o": "Engaged; brought the diary. Practised slow breathing in session.",
                "a": "Understands the cycle; safety behaviours (pulse checking, standing near doors) keep it going.",
                "p": "Drop pulse checking; one off-peak train trip without leaving early. Review in two weeks.",
            },
        ),
        (
            SOAP,
            {
                "s": "Two trips done, anxiety peaked at 6 of 10 and fell within minutes. One attack this fortnight.",
                "o": "Brighter, more confident. Built an exposure ladder together.",
                "a": "Good response to exposure; avoidance reducing.",
                "p": "Next two ladder steps: a peak-time trip of one stop, then three stops.",
            },
        ),
        (
            SOAP,
            {
                "s": "Managed the one-stop trip twice. Worried about an upcoming work trip by plane.",
                "o": "Engaged; ",
                "a": "",
                "p": "",
            },
        ),
    ],
    "elif.yilmaz@patients.demo.daraport.test": [
        (
            DAP,
            {
                "d": "First session through the employer program. Stress at work after a reorganisation: long hours, "
                "tension headaches, irritability at home.",
                "a": "Work-related stress; no signs of depression. Values clear boundaries.",
                "p": "Map where the hours go this week; one evening a week without work email.",
            },
        ),
        (
            DAP,
            {
                "d": "Kept two email-free evenings; headaches less often. Finds it hard to say no to extra tasks.",
                "a": "Progress on boundaries; assertiveness is the next step.",
                "p": "Role-played declining a request. Try it once at work and note what happens.",
            },
        ),
        (
            DAP,
            {
                "d": "Declined a request and offered a later date; it was accepted. Sleeping better.",
                "a": "Stress lower; skills generalising. Talked about ending after one or two more sessions.",
                "p": "Relapse-prevention plan to draft together next time.",
            },
        ),
    ],
}
AMENDMENT = (
    ALEX,
    0,
    "Correction: the GAD-7 was scored again from the submitted form and is 13 (moderate), as the assessment "
    "says. The plan is unchanged.",
)
# (csat, progress, nps if asked, comment) by patient, per completed session; None: not answered.
FEEDBACK = {
    # Noor's first session, ten days ago, waits for her answer: her home asks for it.
    NOOR: [None],
    "jamie.rivera@patients.demo.daraport.test": [
        (4, "same", None, ""),
        (5, "better", None, "The breathing exercise works on the train."),
        (5, "much_better", 9, ""),
        None,
    ],
    "elif.yilmaz@patients.demo.daraport.test": [
        (4, "better", None, ""),
        (3, "better", None, "Good session, but it started a few minutes late."),
        (5, "much_better", 10, "Very practical. Thank you."),
    ],
}


def seed() -> list[str]:
    org = Organization.objects.filter(slug=ORG_SLUG).first()
    sam = SpecialistProfile.objects.filter(user__email=SAM).select_related("user").first()
    if org is None or sam is None:
        return ["skipped: the demo organization or specialist is missing"]
    program = Program.objects.filter(organization=org, enrolment_code=PROGRAM_CODE).first()
    lines = _settings(org, program)
    password = None
    for email, name, zone, in_program, sessions in PATIENTS:
        patient = get_user_model().objects.filter(email=email).first()
        if patient is None:
            # One hash for both (hashing is the slow part of seeding people).
            password = password or make_password(PASSWORD)
            patient = _patient(org, email, name, zone, password)
        terms_accept(
            user=patient,
            documents=terms_current_for_organization(organization=org),
            ip_address=None,
            user_agent="seed_demo",
        )
        if in_program and program is not None and program.is_active:
            _enrol(program, patient, before=sessions[0][0])
        if not Appointment.objects.filter(patient=patient, specialist=sam).exists():
            _history(sam, patient, sessions)
    notes = sum(_notes(sam, email, NOTES[email]) for email in NOTES)
    answers = sum(_feedback(sam, email, FEEDBACK[email]) for email in FEEDBACK)
    _amend(sam)
    if notes or answers:
        lines.append(f"{SAM}: {notes} session notes and {answers} feedback answers from his patients")
    return lines


def _patient(org: Organization, email: str, name: str, zone: str, password: str):
    """A demo patient who can sign in, as booking/demo.py makes them."""
    patient = get_user_model().objects.create(email=email, full_name=name, timezone=zone, password=password)
    EmailAddress.objects.update_or_create(user=patient, email=email, defaults={"verified": True, "primary": True})
    membership_grant(organization=org, user=patient, role=Membership.Role.PATIENT)
    return patient


def _settings(org: Organization, program: Program | None) -> list[str]:
    FeedbackSettings.objects.get_or_create(organization=org, program=None)
    if program is None:
        return ["feedback after sessions: the default questions"]
    FeedbackSettings.objects.get_or_create(organization=org, program=program, defaults={"anonymous": True})
    return [f"feedback after sessions: the default questions; anonymous in the program “{program.name}”"]


def _enrol(program: Program, patient, *, before: int) -> None:
    enrolment = program_enrol(program=program, patient=patient, via=ProgramEnrolment.Via.CODE)
    ProgramEnrolment.objects.filter(pk=enrolment.pk).update(created_at=timezone.now() - timedelta(days=before + 3))


def _start(sam: SpecialistProfile, days_ago: int, hour: int, minutes: int) -> datetime:
    """A weekday afternoon `days_ago` days back, at `hour` in Sam's zone or
    the next free hour that day (a demo visitor's past bookings may be there)."""
    zone = ZoneInfo(sam.user.timezone)
    day = timezone.now().astimezone(zone).date() - timedelta(days=days_ago)
    day -= timedelta(days=max(0, day.weekday() - 4))  # a weekday
    taken = Appointment.objects.filter(specialist=sam).exclude(status__in=[S.CANCELLED, S.DECLINED, S.EXPIRED])
    for later in range(3):
        starts_at = datetime.combine(day, time(hour + later), tzinfo=zone)
        ends_at = starts_at + timedelta(minutes=minutes)
        if not taken.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
            break
    return starts_at


def _history(sam: SpecialistProfile, patient, sessions) -> None:
    """The pair's care and completed sessions, as the services would have
    left them then: held, confirmed, completed, each with its event."""
    initial, follow_up = list(sam.offerings.order_by("position", "price_minor")[:2])
    starts = [_start(sam, days_ago, hour, initial.duration_minutes) for days_ago, hour in sessions]
    relationship = CareRelationship.objects.create(
        patient=patient, specialist=sam, source=CareRelationship.Source.BOOKING
    )
    CareRelationship.objects.filter(pk=relationship.pk).update(
        started_at=starts[0] - timedelta(days=6), created_at=starts[0] - timedelta(days=6)
    )
    for index, starts_at in enumerate(starts):
        offering = initial if index == 0 else follow_up
        booked_at = starts_at - timedelta(days=6 if index == 0 else 12)
        ends_at = starts_at + timedelta(minutes=offering.duration_minutes)
        appointment = Appointment.objects.create(
            patient=patient,
            specialist=sam,
            offering=offering,
            starts_at=starts_at,
            ends_at=ends_at,
            status=S.COMPLETED,
            price_minor=offering.price_minor,
            currency=offering.currency,
            patient_timezone=patient.timezone,
            specialist_timezone=sam.user.timezone,
            sequence=2,
            created_at=booked_at,
        )
        AppointmentEvent.objects.bulk_create(
            [
                AppointmentEvent(appointment=appointment, to_status=S.HELD, actor=patient, at=booked_at),
                AppointmentEvent(
                    appointment=appointment,
                    from_status=S.HELD,
                    to_status=S.CONFIRMED,
                    actor=patient,
                    at=booked_at + timedelta(minutes=2),
                ),
                AppointmentEvent(
                    appointment=appointment, from_status=S.CONFIRMED, to_status=S.COMPLETED, actor=sam.user, at=ends_at
                ),
            ]
        )


def _completed(sam: SpecialistProfile, email: str) -> list[Appointment]:
    return list(
        Appointment.objects.filter(specialist=sam, patient__email=email, status=S.COMPLETED)
        .select_related("patient", "specialist__user")
        .order_by("starts_at")
    )


def _notes(sam: SpecialistProfile, email: str, notes) -> int:
    """The notes of the pair's completed sessions, the newest of Sam's
    sessions left as a draft; a session with a note is left as it is."""
    newest = (
        Appointment.objects.filter(specialist=sam, status=S.COMPLETED, patient__email__in=NOTES)
        .order_by("-starts_at")
        .first()
    )
    written = 0
    for appointment, (template, sections) in zip(_completed(sam, email), notes, strict=False):
        in_care = CareRelationship.objects.filter(patient=appointment.patient, specialist=sam).exists()
        if not in_care or ClinicalNote.objects.filter(appointment=appointment).exists():
            continue
        note = note_draft_save(appointment=appointment, by=sam.user, template=template, sections=sections)
        written_at = appointment.ends_at + timedelta(minutes=20)
        if appointment == newest:
            # Last typed into right after the session.
            ClinicalNote.objects.filter(pk=note.pk).update(created_at=written_at, updated_at=written_at)
        else:
            _signed(note, by=sam.user, at=written_at)
        written += 1
    return written


def _signed(note: ClinicalNote, *, by, at: datetime) -> None:
    """Signed shortly after the session, as `note_sign` signs (its audit row
    and journey event too), dated to then."""
    ClinicalNote.objects.filter(pk=note.pk, status=ClinicalNote.Status.DRAFT).update(
        created_at=at,
        updated_at=at + timedelta(minutes=15),
        status=ClinicalNote.Status.SIGNED,
        signed_at=at + timedelta(minutes=15),
        signed_by=by,
    )
    audit_record(actor=by, action=AuditLog.Action.WRITE, obj=note)
    JourneyEvent.objects.create(
        actor=by,
        verb="note.signed",
        occurred_at=at + timedelta(minutes=15),
        content_type=ContentType.objects.get_for_model(note),
        object_public_id=note.public_id,
        data={"appointment": str(note.appointment.public_id)},
    )


def _amend(sam: SpecialistProfile) -> None:
    email, index, text = AMENDMENT
    sessions = _completed(sam, email)
    if len(sessions) <= index:
        return
    note = ClinicalNote.objects.filter(appointment=sessions[index], status=ClinicalNote.Status.SIGNED).first()
    if note is not None and not note.amendments.exists():
        note_amend(note=note, by=sam.user, text=text)


def _feedback(sam: SpecialistProfile, email: str, answers) -> int:
    """The patient's answers, given a few hours after each session."""
    given = 0
    for appointment, answer in zip(_completed(sam, email), answers, strict=False):
        if answer is None or feedback_due_for(appointment) is None:
            continue
        csat, progress, nps, comment = answer
        feedback = feedback_submit(
            patient=appointment.patient,
            appointment=appointment,
            csat=csat,
            progress=progress,
            nps=nps,
            comment=comment,
        )
        submitted_at = min(appointment.ends_at + timedelta(hours=3), timezone.now() - timedelta(minutes=5))
        Feedback.objects.filter(pk=feedback.pk).update(
            submitted_at=submitted_at, created_at=submitted_at, editable_until=submitted_at + EDITABLE_FOR
        )
        given += 1
    return given
