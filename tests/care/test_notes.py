import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.http import Http404

from care.models import CareRelationship, ClinicalNote, NoteAmendment
from care.notes import note_amend, note_draft_save, note_sign
from care.selectors import note_get_for_specialist
from core.models import AuditLog, JourneyEvent
from tests.booking.factories import AppointmentFactory
from tests.care.factories import CareRelationshipFactory
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.django_db

SECRET = "Patient disclosed a very private detail"


@pytest.fixture
def session():
    """A completed session inside an active care relationship."""
    appointment = AppointmentFactory(completed=True)
    CareRelationshipFactory(patient=appointment.patient, specialist=appointment.specialist)
    return appointment


def _specialist(appointment):
    return appointment.specialist.user


def _draft(appointment, **sections):
    return note_draft_save(
        appointment=appointment, by=_specialist(appointment), template="soap", sections=sections or {"s": SECRET}
    )


def _note_rows(note):
    return AuditLog.objects.filter(object_public_id=note.public_id)


def test_the_treating_specialist_saves_a_draft_and_autosave_updates_it(session):
    note = _draft(session, s=SECRET)
    assert note.status == "draft" and note.author == _specialist(session)
    assert note.relationship.patient == session.patient
    again = _draft(session, s=SECRET, p="Next week")
    assert again.pk == note.pk and ClinicalNote.objects.count() == 1
    assert again.sections == {"s": SECRET, "p": "Next week"}
    assert list(_note_rows(note).values_list("action", flat=True)) == ["write", "write"]
    assert JourneyEvent.objects.filter(verb="note.drafted").count() == 1


def test_saving_the_same_draft_again_records_nothing(session):
    note = _draft(session, s=SECRET)
    _draft(session, s=SECRET)
    assert _note_rows(note).count() == 1


def test_switching_template_on_a_draft_keeps_only_its_sections(session):
    _draft(session, s=SECRET)
    note = note_draft_save(appointment=session, by=_specialist(session), template="free", sections={"body": "Text"})
    assert note.template == "free" and note.sections == {"body": "Text"}


@pytest.mark.parametrize(
    "template, sections",
    [("soap", {"d": "x"}), ("dap", {"s": "x"}), ("free", {"s": "x"}), ("letter", {}), ("soap", {"s": "x" * 20_001})],
)
def test_unknown_templates_sections_and_overlong_text_are_refused(session, template, sections):
    with pytest.raises(ValidationError):
        note_draft_save(appointment=session, by=_specialist(session), template=template, sections=sections)
    assert not ClinicalNote.objects.exists()


def test_another_specialist_cannot_write_the_note(session):
    other = SpecialistProfileFactory().user
    with pytest.raises(PermissionDenied):
        note_draft_save(appointment=session, by=other, template="soap", sections={"s": "x"})
    assert not ClinicalNote.objects.exists()


def test_a_patient_outside_care_gets_no_note():
    appointment = AppointmentFactory(completed=True)
    with pytest.raises(ValidationError) as error:
        _draft(appointment)
    assert error.value.code == "outside_care"
    assert not ClinicalNote.objects.exists()


def test_a_note_can_be_finished_after_care_ended():
    appointment = AppointmentFactory(completed=True)
    relationship = CareRelationshipFactory(
        patient=appointment.patient, specialist=appointment.specialist, status=CareRelationship.Status.ENDED
    )
    assert _draft(appointment).relationship == relationship


@pytest.mark.parametrize("trait", ["confirmed", "cancelled", "requested"])
def test_sessions_that_did_not_take_place_get_no_note(trait):
    appointment = AppointmentFactory(**({trait: True} if trait != "requested" else {}))
    CareRelationshipFactory(patient=appointment.patient, specialist=appointment.specialist)
    with pytest.raises(ValidationError):
        _draft(appointment)


def test_signing_locks_the_note_and_editing_is_refused(session):
    note = note_sign(note=_draft(session), by=_specialist(session))
    assert note.status == "signed" and note.signed_by == _specialist(session) and note.signed_at
    with pytest.raises(ValidationError) as error:
        _draft(session, s="Rewritten")
    assert error.value.code == "signed"
    assert "amend" in error.value.messages[0]
    with pytest.raises(ValidationError):
        note_sign(note=note, by=_specialist(session))
    note.refresh_from_db()
    assert note.sections == {"s": SECRET}


def test_the_database_refuses_to_change_a_signed_note(session):
    note = note_sign(note=_draft(session), by=_specialist(session))
    with pytest.raises(DatabaseError), transaction.atomic():
        ClinicalNote.objects.filter(pk=note.pk).update(content="{}")


def test_an_empty_note_cannot_be_signed_and_only_its_specialist_signs(session):
    note = note_draft_save(appointment=session, by=_specialist(session), template="soap", sections={"s": "  "})
    with pytest.raises(ValidationError):
        note_sign(note=note, by=_specialist(session))
    note = _draft(session)
    with pytest.raises(PermissionDenied):
        note_sign(note=note, by=SpecialistProfileFactory().user)
    assert ClinicalNote.objects.get().status == "draft"


def test_amendments_are_kept_in_order_with_who_and_when(session):
    note = note_sign(note=_draft(session), by=_specialist(session))
    first = note_amend(note=note, by=_specialist(session), text="Correction one")
    second = note_amend(note=note, by=_specialist(session), text="Correction two")
    trail = list(note.amendments.all())
    assert trail == [first, second]
    assert [a.author for a in trail] == [_specialist(session)] * 2
    assert first.created_at <= second.created_at
    note.refresh_from_db()
    assert note.sections == {"s": SECRET}  # the signed original is untouched
    assert JourneyEvent.objects.filter(verb="note.amended").count() == 2


def test_amending_is_refused_on_a_draft_empty_text_or_another_specialist(session):
    note = _draft(session)
    with pytest.raises(ValidationError):
        note_amend(note=note, by=_specialist(session), text="Too early")
    note_sign(note=note, by=_specialist(session))
    with pytest.raises(ValidationError):
        note_amend(note=note, by=_specialist(session), text="   ")
    with pytest.raises(PermissionDenied):
        note_amend(note=note, by=SpecialistProfileFactory().user, text="Not mine")
    assert not NoteAmendment.objects.exists()


def test_amendments_are_append_only(session):
    note = note_sign(note=_draft(session), by=_specialist(session))
    amendment = note_amend(note=note, by=_specialist(session), text="Correction")
    with pytest.raises(TypeError):
        NoteAmendment.objects.filter(pk=amendment.pk).update(text="Changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE care_noteamendment SET author_id = author_id WHERE id = %s", [amendment.pk])


def test_the_treating_specialist_reads_the_note_and_the_read_is_audited(session):
    note = _draft(session)
    read = note_get_for_specialist(user=_specialist(session), public_id=note.public_id)
    assert read == note
    row = _note_rows(note).first()
    assert (row.action, row.actor) == ("read", _specialist(session))


@pytest.mark.parametrize("who", ["other_specialist", "patient"])
def test_anyone_else_gets_404_and_a_denial_row(session, who):
    note = _draft(session)
    user = SpecialistProfileFactory().user if who == "other_specialist" else session.patient
    with pytest.raises(Http404):
        note_get_for_specialist(user=user, public_id=note.public_id)
    assert _note_rows(note).filter(action="denied", actor=user).count() == 1
    assert not _note_rows(note).filter(action="read").exists()


def test_note_text_is_encrypted_at_rest_and_never_in_the_journey_or_audit(session):
    note = note_sign(note=_draft(session), by=_specialist(session))
    amendment = note_amend(note=note, by=_specialist(session), text=SECRET + " amended")
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM care_clinicalnote WHERE id = %s", [note.pk])
        (stored_note,) = cursor.fetchone()
        cursor.execute("SELECT text FROM care_noteamendment WHERE id = %s", [amendment.pk])
        (stored_amendment,) = cursor.fetchone()
    for raw in (stored_note, stored_amendment):
        stored = raw if isinstance(raw, str) else bytes(raw).decode("latin-1")
        assert SECRET not in stored and "private" not in stored
    for event in JourneyEvent.objects.filter(verb__startswith="note."):
        assert "private" not in str(event.data)
    for row in AuditLog.objects.all():
        assert "private" not in f"{row.path} {row.user_agent}"
