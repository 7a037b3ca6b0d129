"""The session note pages (care/views/notes.py): draft with autosave, sign,
amend; the lock over HTTP; bad input; who may open them; audit rows; and
that the note's text never leaves the record (mail, notices, journey
events, logs)."""

import json
import logging
import re

import pytest
from django.core import mail
from django.urls import reverse

from care.models import ClinicalNote, NoteAmendment
from core.models import AuditLog, JourneyEvent, Notification
from specialists.services import specialist_profile_get_or_create
from tests.care import record_fixtures
from tests.care.factories import CareRelationshipFactory
from tests.care.record_fixtures import session

pytestmark = pytest.mark.django_db

# The shared fixtures (tests/care/record_fixtures.py).
profile = record_fixtures.profile

SECRET = "The patient told me something very private"


@pytest.fixture
def held(personas, profile):
    patient = personas["patient_a"]
    CareRelationshipFactory(patient=patient, specialist=profile)
    return session(profile, patient, days=-1, status="completed")


@pytest.fixture
def specialist_client(client, profile):
    client.force_login(profile.user)
    return client


def _url(name, appointment):
    return reverse(f"care:specialist-{name}", args=[appointment.public_id])


def _soap(**sections):
    return {"template": "soap", **{f"section_{key}": text for key, text in sections.items()}}


def _sign(client, appointment, **sections):
    return client.post(_url("note-sign", appointment), _soap(**sections))


def test_the_note_page_offers_the_soap_template_by_default_and_switches(specialist_client, held):
    page = specialist_client.get(_url("note", held)).content.decode()
    for label in ("Subjective", "Objective", "Assessment", "Plan"):
        assert label in page
    assert 'hx-trigger="input changed delay:1500ms"' in page
    dap = specialist_client.get(_url("note", held) + "?template=dap").content.decode()
    assert 'name="section_d"' in dap and 'name="section_s"' not in dap


def test_autosave_stores_the_draft_and_answers_only_the_saved_line(specialist_client, held):
    response = specialist_client.post(_url("note-save", held), _soap(s=SECRET), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert re.search(r"Saved \w{3} \d{1,2} \w{3}, \d\d:\d\d", body) and SECRET not in body
    note = ClinicalNote.objects.get(appointment=held)
    assert note.status == "draft" and note.sections == {"s": SECRET}


def test_the_save_button_without_htmx_saves_and_returns_to_the_page(specialist_client, held):
    response = specialist_client.post(_url("note-save", held), _soap(p="Plan"))
    assert response.status_code == 303 and response["Location"] == _url("note", held)
    page = specialist_client.get(_url("note", held)).content.decode()
    assert "Plan" in page and "Draft saved." in page


def test_signing_saves_what_is_on_the_page_and_locks_the_note(specialist_client, held):
    response = _sign(specialist_client, held, s=SECRET, p="See again in two weeks")
    assert response.status_code == 303
    note = ClinicalNote.objects.get(appointment=held)
    assert note.is_signed and note.sections == {"s": SECRET, "p": "See again in two weeks"}
    page = specialist_client.get(_url("note", held)).content.decode()
    assert "Add amendment" in page and 'name="section_s"' not in page and SECRET in page


def test_editing_a_signed_note_is_refused_with_amend_instead(specialist_client, held):
    _sign(specialist_client, held, s=SECRET)
    response = specialist_client.post(_url("note-save", held), _soap(s="Rewritten"))
    assert response.status_code == 409
    assert "Add an amendment instead" in response.content.decode()
    htmx = specialist_client.post(_url("note-save", held), _soap(s="Rewritten"), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 409 and "Add an amendment instead" in htmx.content.decode()
    again = _sign(specialist_client, held, s="Rewritten")
    assert again.status_code == 409
    assert ClinicalNote.objects.get(appointment=held).sections == {"s": SECRET}


def test_an_amendment_is_kept_beside_the_original_with_who_and_when(specialist_client, held, profile):
    _sign(specialist_client, held, s=SECRET)
    response = specialist_client.post(_url("note-amend", held), {"text": "Correction: the dose was 20 mg"})
    assert response.status_code == 303
    amendment = NoteAmendment.objects.get()
    assert amendment.author == profile.user
    note = ClinicalNote.objects.get(appointment=held)
    assert note.sections == {"s": SECRET}
    page = specialist_client.get(_url("note", held)).content.decode()
    assert "Correction: the dose was 20 mg" in page and SECRET in page
    assert f"{profile.user.display_name}," in page


@pytest.mark.parametrize(
    "data, status, message",
    [
        ({"text": ""}, 422, "Write the amendment."),
        ({"text": "x" * 20_001}, 422, "at most"),
    ],
)
def test_bad_amendments_are_refused_and_nothing_is_stored(specialist_client, held, data, status, message):
    _sign(specialist_client, held, s=SECRET)
    response = specialist_client.post(_url("note-amend", held), data)
    assert response.status_code == status and message in response.content.decode()
    assert not NoteAmendment.objects.exists()


def test_amending_a_draft_is_refused(specialist_client, held):
    specialist_client.post(_url("note-save", held), _soap(s="Draft"))
    response = specialist_client.post(_url("note-amend", held), {"text": "More"})
    assert response.status_code == 409 and "Sign the note first" in response.content.decode()
    assert not NoteAmendment.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{"template": "letter", "section_body": "x"}, _soap(s="x" * 20_001)],
    ids=["unknown-template", "too-long"],
)
def test_bad_drafts_are_refused_with_422_and_nothing_is_stored(specialist_client, held, data):
    response = specialist_client.post(_url("note-save", held), data)
    assert response.status_code == 422
    assert "could not be saved" in response.content.decode()
    assert not ClinicalNote.objects.exists()


def test_signing_an_empty_note_is_refused(specialist_client, held):
    response = _sign(specialist_client, held)
    assert response.status_code == 422 and "Write the note before signing it." in response.content.decode()
    assert not ClinicalNote.objects.filter(status="signed").exists()


def test_a_note_for_a_patient_outside_the_specialists_care_is_refused(specialist_client, profile, personas):
    outside = session(profile, personas["patient_b"], days=-1, status="completed")  # no care relationship
    page = specialist_client.get(_url("note", outside)).content.decode()
    assert "not in your care" in page
    response = specialist_client.post(_url("note-save", outside), _soap(s="x"))
    assert response.status_code == 422 and "not in your care" in response.content.decode()
    assert not ClinicalNote.objects.exists()


def test_a_session_that_has_not_taken_place_gets_no_note(specialist_client, profile, personas):
    CareRelationshipFactory(patient=personas["patient_a"], specialist=profile)
    ahead = session(profile, personas["patient_a"], days=3, status="confirmed")
    assert (
        "Notes are written for sessions that took place" in specialist_client.get(_url("note", ahead)).content.decode()
    )
    response = specialist_client.post(_url("note-save", ahead), _soap(s="x"))
    assert response.status_code == 422
    assert not ClinicalNote.objects.exists()


def test_every_read_of_a_note_is_audited(specialist_client, held, profile):
    _sign(specialist_client, held, s=SECRET)
    note = ClinicalNote.objects.get()
    before = AuditLog.objects.filter(object_public_id=note.public_id, action="read").count()
    specialist_client.get(_url("note", held))
    specialist_client.get(_url("note", held))
    rows = AuditLog.objects.filter(object_public_id=note.public_id, action="read")
    assert rows.count() == before + 2 and set(rows.values_list("actor", flat=True)) == {profile.user.pk}


@pytest.mark.parametrize("name", ["note", "note-save", "note-sign", "note-amend"])
def test_another_specialist_gets_404_everywhere(client, held, personas, name):
    other = personas["other_specialist"]
    specialist_profile_get_or_create(user=other)
    client.force_login(other)
    response = client.get(_url(name, held)) if name == "note" else client.post(_url(name, held), _soap(s="x"))
    assert response.status_code == 404
    assert not ClinicalNote.objects.exists()


@pytest.mark.parametrize("persona, status", [("patient_a", 403), ("org_admin", 403)])
def test_patients_and_admins_are_turned_away(client, held, personas, persona, status):
    client.force_login(personas[persona])
    assert client.get(_url("note", held)).status_code == status
    assert client.post(_url("note-save", held), _soap(s="x")).status_code == status
    assert not ClinicalNote.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, held):
    response = client.get(_url("note", held))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_note_text_never_reaches_mail_notices_journey_events_or_logs(
    specialist_client, held, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        specialist_client.post(_url("note-save", held), _soap(s=SECRET), HTTP_HX_REQUEST="true")
        _sign(specialist_client, held, s=SECRET, p=SECRET)
        specialist_client.post(_url("note-amend", held), {"text": SECRET + " (amended)"})
        specialist_client.get(_url("note", held))
    assert ClinicalNote.objects.get().is_signed and NoteAmendment.objects.exists()
    for message in mail.outbox:
        assert SECRET not in message.body + message.subject
        assert all(SECRET not in str(content) for content, _type in getattr(message, "alternatives", []))
    assert JourneyEvent.objects.filter(verb__startswith="note.").count() == 3
    assert SECRET not in json.dumps(list(JourneyEvent.objects.values_list("data", flat=True)))
    assert not Notification.objects.filter(text__contains="private").exists()
    assert SECRET not in caplog.text
    assert "private" not in " ".join(AuditLog.objects.values_list("path", flat=True))
