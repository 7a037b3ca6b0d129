"""A patient with a booked session is led through two consents and a form:
signs the first, leaves, comes back on another device at the second, signs
it, fills in the form (a missing answer is caught first) and is done; the
specialist then sees the answers and "Ready" beside the appointment. The
steps are photographed into test-results/consent-flow/."""

import re

import pytest
from playwright.sync_api import expect

from booking.models import Appointment
from consents.models import ConsentSignature, FormResponse
from core.models import AuditLog
from organizations.models import Membership
from tests.accounts.factories import enable_totp
from tests.booking.factories import AppointmentFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.conftest import member
from tests.consents.factories_patient import CareContextFactory, published_document, published_form
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser


def shoot(page, name):
    screenshot(page, "consent-flow", name)


@pytest.fixture
def booked(org):
    """Alex booked a session with Lena; the clinic asks for two consents and Lena for an intake form."""
    patient = member(org, Membership.Role.PATIENT, full_name="Alex Doe", timezone="America/New_York")
    specialist = SpecialistProfileFactory(organization=org, display_name="Lena Berg")
    offering = OfferingFactory(specialist=specialist, name="First conversation")
    enable_totp(specialist.user)
    AppointmentFactory(patient=patient, offering=offering, confirmed=True)
    CareContextFactory(patient=patient, offering=offering)
    published_document(
        organization=org,
        title="Consent to treatment",
        summary="You agree to online sessions with a licensed specialist. You may stop at any time.",
        body="## What sessions are\n\nSessions are **confidential** conversations.\n\n- 50 minutes\n- by video",
    )
    published_document(
        organization=org,
        title="Telehealth consent",
        summary="Sessions happen by video; find a private, quiet place.",
        body="Video sessions are encrypted. *No recordings are made.*",
    )
    published_form(organization=org, specialist=specialist, title="Getting to know you")
    return patient


def test_a_patient_signs_two_consents_and_fills_in_a_form_with_a_pause(new_page, live_server, booked):
    page = signed_in_page(new_page, live_server, booked)
    page.goto("/patient/consents/")
    expect(page.get_by_role("heading", name="Consent to treatment", level=1)).to_be_visible()
    expect(page.get_by_text("Step 1 of 3")).to_be_visible()
    expect(page.get_by_text("You agree to online sessions")).to_be_visible()
    expect(page.get_by_role("heading", name="What sessions are")).to_be_visible()
    shoot(page, "1-first-consent")

    page.get_by_label("Type your full name").fill("alex doe")
    page.get_by_label("I have read and agree to this document.").check()
    page.get_by_role("button", name="Sign").click()
    expect(page.get_by_text("You signed “Consent to treatment”")).to_be_visible()
    expect(page.get_by_text("Step 2 of 3")).to_be_visible()
    assert ConsentSignature.objects.filter(patient=booked).count() == 1

    # The patient leaves, and later comes back on another device.
    page.goto("/patient/appointments/")
    page.context.close()
    page = signed_in_page(new_page, live_server, booked)
    page.goto("/patient/")
    expect(page.get_by_text("Sign your consent: Telehealth consent")).to_be_visible()
    shoot(page, "2-home-card")
    page.get_by_role("link", name="Forms & consents").click()
    expect(page.get_by_role("heading", name="Telehealth consent", level=1)).to_be_visible()
    expect(page.get_by_text("Step 2 of 3")).to_be_visible()
    shoot(page, "3-back-at-the-second")

    # A signature without the checkbox is refused.
    page.get_by_label("Type your full name").fill("Alex Doe")
    page.get_by_role("button", name="Sign").click()
    expect(page.get_by_text("Please tick the box")).to_be_visible()
    page.get_by_label("I have read and agree to this document.").check()
    page.get_by_role("button", name="Sign").click()

    expect(page.get_by_role("heading", name="Getting to know you", level=1)).to_be_visible()
    expect(page.get_by_text("Step 3 of 3")).to_be_visible()
    page.get_by_label("What brings you here?").fill("Stress at work")
    page.get_by_role("group", name="How well do you sleep?").get_by_label("7", exact=True).check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Please answer this question.")).to_be_visible()
    expect(page.get_by_label("What brings you here?")).to_have_value("Stress at work")
    assert not FormResponse.objects.filter(status=FormResponse.Status.SUBMITTED).exists()
    shoot(page, "4-form-error")

    page.get_by_role("group", name=re.compile("Is this your first time in therapy")).get_by_label("Yes").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="You're all set")).to_be_visible()
    expect(page.get_by_role("link", name="Download signed copy")).to_have_count(2)
    expect(page.get_by_role("button", name="Back to your appointments")).to_have_attribute(
        "href", "/patient/appointments/"
    )
    shoot(page, "5-all-set")
    response = FormResponse.objects.get(patient=booked)
    assert response.status == FormResponse.Status.SUBMITTED

    # Lena sees the answers beside the appointment, and that it is ready.
    appointment = Appointment.objects.get(patient=booked)
    lena = signed_in_page(new_page, live_server, appointment.specialist.user)
    lena.goto(f"/specialist/appointments/{appointment.public_id}/")
    before = lena.locator("#before-session")
    expect(before.get_by_text("Ready", exact=True)).to_be_visible()
    items = lena.locator(".readiness-items")
    expect(items.locator(".readiness-item", has_text="Telehealth consent")).to_contain_text("Signed on")
    expect(items.locator(".readiness-item", has_text="Getting to know you")).to_contain_text("Submitted on")
    shoot(lena, "6-specialist-ready")
    items.get_by_role("link", name="View answers").click()
    expect(lena.get_by_role("heading", name="Getting to know you", level=1)).to_be_visible()
    expect(lena.get_by_text("Stress at work")).to_be_visible()
    shoot(lena, "7-specialist-answers")
    assert AuditLog.objects.filter(actor=appointment.specialist.user, object_public_id=response.public_id).exists()
