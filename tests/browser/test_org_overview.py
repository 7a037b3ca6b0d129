"""The organization's overview on its home page and its specialists at
work: the tiles load after the page, the period changes in place, a tile
opens the list behind it, and the activity table reads on a phone. The
pages are photographed at 390 px and on a desktop into
test-results/org-overview/, and pass the phone-width and axe-core checks
of the page sweeps."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from organizations.models import Membership
from specialists.models import SpecialistProfile
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory
from tests.browser.helpers import check_phone_and_desktop, signed_in_page
from tests.conftest import member
from tests.consents.factories_patient import CareContextFactory, published_document
from tests.insights.journeys import populate
from tests.payments.factories import BillingSettingsFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.browser

FOLDER = "org-overview"


@pytest.fixture
def clinic(org):
    """Forty patients over two months with two specialists who work
    weekdays; payments on; one profile to approve; one coming session
    whose patient has not signed the telehealth consent."""
    BillingSettingsFactory(organization=org, enabled=True)
    specialists = [
        SpecialistProfileFactory(organization=org, display_name="Lena Berg"),
        SpecialistProfileFactory(organization=org, display_name="Omar Said"),
    ]
    for specialist in specialists:
        for weekday in range(5):
            AvailabilityRuleFactory(specialist=specialist, weekday=weekday)
    populate(org, specialists, 40, days=60)
    SpecialistProfileFactory(organization=org, display_name="Nina Roth", status=SpecialistProfile.Status.PENDING)
    published_document(organization=org, title="Telehealth consent")
    patient = member(org, Membership.Role.PATIENT)
    offering = OfferingFactory(specialist=specialists[0])
    starts_at = (timezone.now() + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    AppointmentFactory(patient=patient, offering=offering, starts_at=starts_at, confirmed=True)
    CareContextFactory(patient=patient, offering=offering)
    return org


def test_the_admin_reads_the_overview_changes_the_period_and_opens_a_list(new_page, live_server, clinic):
    admin = member(clinic, Membership.Role.ADMIN, staff=True)
    page = signed_in_page(new_page, live_server, admin, bypass_csp=True)
    page.goto(f"/org/{clinic.slug}/")

    overview = page.locator("#org-overview")
    expect(overview.get_by_role("heading", name="Your clinic in the last 7 days")).to_be_visible()
    not_ready = overview.locator(".overview-tile-blocked .overview-value")
    expect(not_ready).to_have_text("1")
    expect(overview.locator(".overview-tile-pending .overview-value")).to_have_text("1")
    expect(overview.get_by_role("img", name="Trend:").first).to_be_attached()

    # The period changes in place: still the home page.
    overview.get_by_role("link", name="30 days").click()
    expect(overview.get_by_role("heading", name="Your clinic in the last 30 days")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/org/{clinic.slug}/")
    expect(overview.locator(".overview-tile-blocked .overview-value")).to_have_text("1")
    check_phone_and_desktop(page, FOLDER, "1-home")

    # A tile opens the list behind it, with the same dates.
    page.locator("#org-overview").get_by_role("link", name="Sessions held").click()
    today = timezone.localdate()
    expect(page).to_have_url(
        f"{live_server.url}/org/{clinic.slug}/bookings/?status=completed"
        f"&from={(today - timedelta(days=29)).isoformat()}&to={today.isoformat()}"
    )


def test_the_admin_reads_the_specialists_activity(new_page, live_server, clinic):
    admin = member(clinic, Membership.Role.ADMIN, staff=True)
    page = signed_in_page(new_page, live_server, admin, bypass_csp=True)
    page.goto(f"/org/{clinic.slug}/specialists/")
    page.get_by_role("link", name="See their activity").click()
    expect(page.get_by_role("heading", name="Specialists at work", level=1)).to_be_visible()
    table = page.get_by_role("table", name="3 specialists")
    expect(table).to_contain_text("Lena Berg")
    expect(table).to_contain_text("Waiting for approval")

    page.get_by_label("Period").select_option("90")
    page.get_by_label("Sort by").select_option("utilisation")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_server.url}/org/{clinic.slug}/specialists/activity/?days=90&sort=utilisation")
    expect(table.locator("tbody tr").last).to_contain_text("Nina Roth")  # nothing offered: last
    check_phone_and_desktop(page, FOLDER, "2-activity")
