"""The specialist writes a session note (the draft saves itself as they
type), signs it, amends it, and finds it on the patient's record and the
caseload, on a desktop and on a phone. Pages are photographed into
test-results/clinical-notes/."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from care.models import ClinicalNote, NoteAmendment
from care.notes import note_draft_save, note_sign
from consents.models import FormResponse
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.browser.sweeps.pages import axe_violations, phone_overflow, small_touch_targets
from tests.care.factories import CareRelationshipFactory
from tests.care.record_fixtures import phq9_version, scored
from tests.conftest import member
from tests.messaging.factories_pages import patient_of, specialist_of
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MIN_TOUCH_PX = 44  # as the phone sweep asks


def _fits(page) -> bool:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)  # the phone menu settles after a resize
    problem = phone_overflow(page)
    assert problem is None, problem
    return True


@pytest.fixture
def session(org):
    profile = specialist_of(org, display_name="Dr Ana Souza")
    patient = patient_of(org, full_name="Maya Lindqvist")
    CareRelationshipFactory(patient=patient, specialist=profile)
    starts_at = timezone.now() - timedelta(days=1)
    appointment = AppointmentFactory(
        patient=patient,
        offering=OfferingFactory(specialist=profile, name="Therapy session"),
        status="completed",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
    )
    version = phq9_version(org)
    scored(profile, patient, version, total=16, days_ago=40)
    FormResponse.objects.filter(specialist=profile).update(version=version)
    return appointment


def test_the_specialist_writes_signs_and_amends_a_note_and_sees_it_on_the_record(new_page, live_server, session):
    page = signed_in_page(new_page, live_server, session.specialist.user)
    page.goto(f"/specialist/appointments/{session.public_id}/")
    page.get_by_role("button", name="Session note").click()
    expect(page.get_by_role("heading", name="Session note")).to_be_visible()

    page.get_by_label("Subjective").fill("Sleeping better since the last session.")
    expect(page.locator("#note-saved")).to_have_text(
        re.compile(r"Saved \w{3} \d{1,2} \w{3}, \d\d:\d\d")
    )  # autosaved, no click
    with page.expect_response(lambda response: response.url.endswith("/note/save/")) as saved:
        page.get_by_label("Plan").fill("Keep the sleep diary.")
    assert saved.value.status == 200
    screenshot(page, "clinical-notes", "draft-desktop")
    page.reload()
    expect(page.get_by_label("Plan")).to_have_value("Keep the sleep diary.")

    page.locator(".note-sign summary").click()
    page.get_by_role("button", name="Sign the note").click()
    expect(page.get_by_text("The note is signed.")).to_be_visible()
    expect(page.get_by_label("Subjective")).to_have_count(0)  # read-only now
    expect(page.get_by_text("Sleeping better since the last session.")).to_be_visible()

    page.get_by_role("textbox", name="Amendment").fill("Also: started a walking routine.")
    page.get_by_role("button", name="Add amendment").click()
    expect(page.locator(".note-amendment")).to_contain_text("Also: started a walking routine.")
    expect(page.locator(".note-amendment")).to_contain_text(session.specialist.user.display_name)
    expect(page.get_by_text("Sleeping better since the last session.")).to_be_visible()  # the original stays
    screenshot(page, "clinical-notes", "signed-amended-desktop")
    note = ClinicalNote.objects.get(appointment=session)
    assert note.is_signed and NoteAmendment.objects.filter(note=note).count() == 1

    page.get_by_role("link", name="Patient record").click()
    expect(page.get_by_role("heading", name="Maya Lindqvist")).to_be_visible()
    entry = page.locator(".record-entry-note")
    expect(entry).to_contain_text("Note on Therapy session")
    expect(entry).to_contain_text("Signed")
    expect(entry).to_contain_text("1 amendment")
    expect(page.locator(".chart-title", has_text="PHQ-9 over time")).to_be_visible()
    screenshot(page, "clinical-notes", "record-desktop")

    page.get_by_label("Show").select_option("note")  # htmx swaps the timeline
    expect(page.locator(".record-entry")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"kind=note"))
    entry.get_by_role("link", name="Note on Therapy session").click()
    expect(page.get_by_role("heading", name="Amendments")).to_be_visible()

    page.goto("/specialist/patients/")
    expect(page.get_by_role("link", name="Maya Lindqvist")).to_be_visible()
    screenshot(page, "clinical-notes", "caseload-desktop")


def test_the_note_record_and_caseload_fit_a_phone(new_page, live_server, session):
    page = signed_in_page(new_page, live_server, session.specialist.user)
    page.set_viewport_size(PHONE)
    page.goto(f"/specialist/appointments/{session.public_id}/note/")
    page.get_by_label("Subjective").fill("A long word: Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbau.")
    expect(page.locator("#note-saved")).to_have_text(re.compile(r"Saved \w{3} \d{1,2} \w{3}, \d\d:\d\d"))
    assert _fits(page)
    screenshot(page, "clinical-notes", "draft-phone")
    page.locator(".note-sign summary").click()
    page.get_by_role("button", name="Sign the note").click()
    expect(page.get_by_role("heading", name="Add amendment")).to_be_visible()
    assert _fits(page)
    screenshot(page, "clinical-notes", "signed-phone")
    for path, name in (
        (f"/specialist/patients/{session.patient.public_id}/", "record-phone"),
        ("/specialist/patients/", "caseload-phone"),
    ):
        page.goto(path)
        assert _fits(page), path
        screenshot(page, "clinical-notes", name)


def test_an_admin_grants_note_access_and_the_reader_reads_the_note_on_a_phone(new_page, live_server, org, session):
    specialist = session.specialist.user
    draft = note_draft_save(
        appointment=session, by=specialist, template="dap", sections={"d": "Talked about the new job."}
    )
    note_sign(note=draft, by=specialist)
    admin = member(org, Membership.Role.ADMIN, staff=True, full_name="Grace Admin")
    reader = member(org, Membership.Role.ADMIN, staff=True, full_name="Robin Reader")

    page = signed_in_page(new_page, live_server, admin, bypass_csp=True)
    page.goto(f"/org/{org.slug}/clinical-access/")
    row = page.locator(".note-access-row", has_text="Robin Reader")
    row.get_by_role("button", name="Grant read access").click()
    expect(page.get_by_text("Robin Reader can now read clinical notes.")).to_be_visible()
    expect(row).to_contain_text("Reads clinical notes")
    assert not axe_violations(page)

    page = signed_in_page(new_page, live_server, reader, bypass_csp=True)
    page.set_viewport_size(PHONE)
    page.goto(f"/org/{org.slug}/notes/")
    page.get_by_role("link", name=re.compile(r"\w+ \d+ \w+")).first.click()
    expect(page.get_by_text("Talked about the new job.")).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)  # read only
    for path in (f"/org/{org.slug}/notes/", page.url):
        page.goto(path)
        assert _fits(page), path
        assert not small_touch_targets(page, MIN_TOUCH_PX), path
        assert not axe_violations(page), path
        screenshot(page, "clinical-notes", "org-notes-phone" if path.endswith("/notes/") else "org-note-phone")
