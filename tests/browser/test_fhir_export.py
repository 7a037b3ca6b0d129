"""An organization admin hands their records system an API token and takes
a full FHIR export home, in a real browser."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from records.models import ApiToken
from records.tokens import token_hash
from tests.booking.factories import AppointmentFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser


def test_an_admin_creates_a_token_and_downloads_an_export(new_page, live_server, org, personas, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    offering = OfferingFactory(specialist=SpecialistProfileFactory(organization=org))
    for days in (2, 3, 4):
        AppointmentFactory(offering=offering, starts_at=timezone.now() + timedelta(days=days))
    page = signed_in_page(new_page, live_server, personas["org_admin"])

    page.goto(f"/org/{org.slug}/settings/api-tokens/")
    page.get_by_label("Name").fill("Clinic records sync")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token-value")
    expect(secret).to_be_visible()
    raw = secret.input_value()
    assert ApiToken.objects.get().secret_hash == token_hash(raw)
    expect(page.get_by_role("cell", name="Clinic records sync")).to_be_visible()
    screenshot(page, "fhir-export", "token-created")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "fhir-export", "token-created-390")
    page.set_viewport_size({"width": 1280, "height": 860})

    page.goto(f"/org/{org.slug}/settings/export/")
    page.get_by_role("button", name="Export all records").click()
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()
    link = page.get_by_role("link", name="Appointment.ndjson")
    expect(link).to_be_visible()
    expect(page.get_by_role("row", name="Appointment.ndjson").get_by_role("cell").nth(1)).to_have_text("3")
    screenshot(page, "fhir-export", "export-ready")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "fhir-export", "export-ready-390")

    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Appointment.ndjson"
    resources = [json.loads(line) for line in open(download.value.path(), encoding="utf-8")]
    assert len(resources) == 3
    assert {resource["resourceType"] for resource in resources} == {"Appointment"}

    page.goto(f"/org/{org.slug}/settings/export/")
    expect(page.get_by_role("row").nth(1)).to_contain_text("Ready")
    screenshot(page, "fhir-export", "export-list")

    page.goto(f"/org/{org.slug}/settings/api-tokens/")
    page.get_by_role("link", name="Revoke").click()
    screenshot(page, "fhir-export", "token-revoke")
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("“Clinic records sync” no longer works")).to_be_visible()
    expect(page.get_by_role("cell", name="Revoked")).to_be_visible()
    assert not ApiToken.objects.get().is_active
