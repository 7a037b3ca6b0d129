"""The organization's oversight pages as an admin uses them: find a patient
whose next session is blocked, open their page, deactivate them, find the
cancelled session in the bookings list, and see it all in the audit log.
Each page is photographed at 390 px and on a desktop into
test-results/org-oversight/ and passes the phone-width and axe checks."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from organizations.models import Membership
from tests.booking.factories import AppointmentFactory
from tests.browser.helpers import check_phone_and_desktop, signed_in_page
from tests.care.factories import CareRelationshipFactory
from tests.conftest import member
from tests.consents.factories_patient import CareContextFactory, ConsentSignatureFactory, published_document
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser

FOLDER = "org-oversight"


@pytest.fixture
def clinic(org):
    """Alex still has to sign the telehealth consent before Thursday's
    session; Bea signed it; a few more patients fill the list."""
    lena = SpecialistProfileFactory(organization=org, display_name="Lena Berg", user__full_name="Lena Berg")
    omar = SpecialistProfileFactory(organization=org, display_name="Omar Said", user__full_name="Omar Said")
    consent = published_document(organization=org, title="Telehealth consent")
    program = ProgramFactory(organization=org, name="Students")
    people = {}
    for index, (name, specialist) in enumerate(
        [("Alex Doe", lena), ("Bea Roe", omar), ("Cem Poe", lena), ("Dana Long-Surname-Person", omar)]
    ):
        patient = member(org, Membership.Role.PATIENT, full_name=name, email=f"{name.split()[0].lower()}@example.test")
        CareRelationshipFactory(patient=patient, specialist=specialist, program=program)
        program.enrolments.create(patient=patient, via="code")
        offering = OfferingFactory(specialist=specialist, name="Talk session")
        starts_at = (timezone.now() + timedelta(days=2 + index)).replace(minute=0, second=0, microsecond=0)
        AppointmentFactory(patient=patient, offering=offering, starts_at=starts_at, confirmed=True)
        AppointmentFactory(patient=patient, offering=offering, starts_at=starts_at - timedelta(days=14), completed=True)
        CareContextFactory(patient=patient, offering=offering)
        if name != "Alex Doe":
            ConsentSignatureFactory(patient=patient, version=consent)
        people[name] = patient
    return people


def test_the_admin_finds_a_blocked_patient_deactivates_them_and_reads_the_trail(new_page, live_server, org, clinic):
    admin = member(org, Membership.Role.ADMIN, staff=True, full_name="Ada Admin")
    page = signed_in_page(new_page, live_server, admin, bypass_csp=True, accept_downloads=True)

    page.goto(f"/org/{org.slug}/patients/")
    expect(page.get_by_role("heading", name="Patients", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="4 patients")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "1-patients")

    page.get_by_text("More filters").click()
    page.get_by_label("Next session").select_option("blocked")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="1 patient")).to_be_visible()
    expect(page.get_by_text("Missing: Telehealth consent")).to_be_visible()
    page.get_by_role("link", name="Alex Doe").click()

    expect(page.get_by_role("heading", name="Alex Doe", level=1)).to_be_visible()
    expect(page.get_by_text("FHIR")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "2-patient")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export data (JSON)").click()
    assert download.value.suggested_filename == f"patient-{clinic['Alex Doe'].public_id}.json"

    page.get_by_role("button", name="Deactivate…").click()
    expect(page.get_by_role("heading", name="Deactivate Alex Doe?")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "3-deactivate")
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("Alex Doe was deactivated.")).to_be_visible()
    expect(page.get_by_role("button", name="Deactivate…")).to_have_count(0)

    page.goto(f"/org/{org.slug}/bookings/?status=cancelled")
    expect(page.get_by_role("heading", name="1 session")).to_be_visible()
    expect(page.get_by_role("link", name="Alex Doe")).to_be_visible()
    page.goto(f"/org/{org.slug}/bookings/")
    expect(page.get_by_role("heading", name="8 sessions")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "4-bookings")

    page.goto(f"/org/{org.slug}/audit/")
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    table = page.locator("table.org-audit-table")
    expect(table).to_contain_text("Export")
    expect(table).to_contain_text("Write")
    check_phone_and_desktop(page, FOLDER, "5-audit")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == f"audit-{org.slug}.csv"
