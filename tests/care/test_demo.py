"""The demo's clinical notes and feedback (care/demo.py)."""

import json

import pytest
from django.db import transaction
from django.utils import timezone

from booking.models import Appointment
from booking.states import AppointmentStatus
from care import demo
from care.feedback import feedback_due_for, feedback_is_anonymous
from care.models import ClinicalNote, Feedback, FeedbackSettings, NoteAmendment
from core import demo as core_demo
from core.models import AuditLog, JourneyEvent
from organizations.models import Organization, Program

pytestmark = pytest.mark.django_db

JAMIE = "jamie.rivera@patients.demo.daraport.test"
ELIF = "elif.yilmaz@patients.demo.daraport.test"


@pytest.fixture
def seeded(settings, tmp_path, django_capture_on_commit_callbacks):
    """Every seeder as `make run` runs them: each committed before the next,
    so the receivers (care relationships of the booked demo patients) run."""
    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = str(tmp_path)
    for _name, seeder in core_demo.seeders():
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            seeder()


def sams_completed():
    return Appointment.objects.filter(
        specialist__user__email=demo.SAM,
        status=AppointmentStatus.COMPLETED,
        patient__email__in=[demo.ALEX, demo.NOOR, JAMIE, ELIF],
    ).order_by("starts_at")


def test_every_past_session_of_the_demo_specialist_has_a_note_the_newest_a_draft(seeded):
    sessions = list(sams_completed())
    assert len(sessions) == 9  # Alex 1, Noor 1, Jamie 4, Elif 3
    notes = {note.appointment_id: note for note in ClinicalNote.objects.filter(appointment__in=sessions)}
    assert set(notes) == {session.pk for session in sessions}
    *older, newest = sessions
    assert notes[newest.pk].status == ClinicalNote.Status.DRAFT and notes[newest.pk].signed_at is None
    # Last typed into right after its session (the record dates a draft by that).
    assert newest.ends_at < notes[newest.pk].updated_at < newest.ends_at + timezone.timedelta(hours=1)
    now = timezone.now()
    for session in older:
        note = notes[session.pk]
        assert note.is_signed and note.signed_by.email == demo.SAM
        # Signed soon after the session, not at the moment of seeding.
        assert session.ends_at < note.signed_at < session.ends_at + timezone.timedelta(hours=2) < now
    assert {note.template for note in notes.values()} == {ClinicalNote.Template.SOAP, ClinicalNote.Template.DAP}
    # One amendment, beside Alex's signed note.
    [amendment] = NoteAmendment.objects.all()
    assert amendment.note.appointment.patient.email == demo.ALEX and amendment.note.is_signed
    # Audited, with their journey steps.
    for note in notes.values():
        assert AuditLog.objects.filter(object_public_id=note.public_id, action=AuditLog.Action.WRITE).exists()
    verbs = JourneyEvent.objects.filter(verb__startswith="note.").values_list("verb", flat=True)
    assert sorted(set(verbs)) == ["note.amended", "note.drafted", "note.signed"]


def test_the_notes_are_clinical_and_name_nobody(seeded):
    names = {"alex", "noor", "jamie", "elif", "priya", "tomás", "sam", "okafor", "morgan", "haddad"}
    for note in ClinicalNote.objects.all():
        text = json.dumps(note.sections).lower()
        assert note.sections, note
        assert not [name for name in names if name in text.split() or f"{name}'" in text], text
        assert set(note.sections) <= set(ClinicalNote.SECTIONS[note.template])


def test_feedback_is_given_where_due_and_anonymous_in_the_program(seeded):
    sessions = list(sams_completed())
    by_patient = {}
    for session in sessions:
        by_patient.setdefault(session.patient.email, []).append(session)
    # Alex's and Noor's past sessions still ask for their feedback (their pages show it).
    for email in (demo.ALEX, demo.NOOR):
        [past] = by_patient[email]
        assert feedback_due_for(past) is not None
    feedback = {f.appointment_id: f for f in Feedback.objects.filter(appointment__in=sessions)}
    assert len(feedback) == 6
    # The recommendation question from the third session on.
    for email in (JAMIE, ELIF):
        third = feedback[by_patient[email][2].pk]
        assert third.asked_nps and third.nps is not None
        assert not any(feedback[s.pk].asked_nps for s in by_patient[email][:2])
    # Jamie's newest session is still to be answered.
    assert feedback_due_for(by_patient[JAMIE][3]) is not None
    # Dated a few hours after each session, editable for a week from then.
    for f in feedback.values():
        assert f.appointment.ends_at < f.submitted_at < timezone.now()
        assert f.editable_until == f.submitted_at + timezone.timedelta(days=7)
    # Elif is in the employer program, whose feedback is anonymous; Jamie's is not.
    assert all(feedback_is_anonymous(feedback[s.pk]) for s in by_patient[ELIF])
    assert not any(feedback_is_anonymous(feedback[s.pk]) for s in by_patient[JAMIE] if s.pk in feedback)
    org = Organization.objects.get(slug=demo.ORG_SLUG)
    default = FeedbackSettings.objects.get(organization=org, program=None)
    assert (default.ask_csat, default.ask_progress, default.anonymous) == (True, True, False)
    assert FeedbackSettings.objects.get(program=Program.objects.get(enrolment_code=demo.PROGRAM_CODE)).anonymous


def test_the_demo_patients_sessions_are_all_past_and_do_not_overlap(seeded):
    now = timezone.now()
    for email in (JAMIE, ELIF):
        sessions = Appointment.objects.filter(patient__email=email)
        assert sessions.exists() and all(s.ends_at < now for s in sessions)
        for session in sessions:
            # Confirmed before, completed at its end: the attendance figures count it.
            assert list(session.events.values_list("to_status", flat=True)) == ["held", "confirmed", "completed"]
    sams = list(Appointment.objects.filter(specialist__user__email=demo.SAM).exclude(status="cancelled"))
    for one in sams:
        for other in sams:
            if one.pk < other.pk:
                assert one.ends_at <= other.starts_at or other.ends_at <= one.starts_at, (one, other)


def test_seeding_again_changes_nothing(seeded):
    def counts():
        return [
            model.objects.count()
            for model in (ClinicalNote, NoteAmendment, Feedback, FeedbackSettings, Appointment, AuditLog, JourneyEvent)
        ]

    before = counts()
    with transaction.atomic():
        lines = demo.seed()
    assert counts() == before
    assert not [line for line in lines if "notes" in line]
