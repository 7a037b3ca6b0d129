"""Journey analytics as an organization admin and a specialist see them:
open the insights page, change the period, read the funnel, download its
CSV (small cells written "<11"). The pages are photographed at 390 px and
on a desktop into test-results/insights/, and pass the phone-width and
axe-core checks of the page sweeps."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from organizations.models import Membership
from specialists.services import specialist_profile_get_or_create
from tests.browser.helpers import check_phone_and_desktop, signed_in_page
from tests.conftest import member
from tests.insights.journeys import populate
from tests.payments.factories import BillingSettingsFactory
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.browser

FOLDER = "insights"


@pytest.fixture
def clinic(org):
    """Sixty patients over five months with three specialists; payments on."""
    BillingSettingsFactory(organization=org, enabled=True)
    lead = specialist_profile_get_or_create(user=member(org, Membership.Role.SPECIALIST, staff=True))
    specialists = [lead, SpecialistProfileFactory(organization=org), SpecialistProfileFactory(organization=org)]
    populate(org, specialists, 60)
    return lead


def test_the_admin_changes_the_period_reads_the_funnel_and_downloads_its_csv(new_page, live_server, org, clinic):
    admin = member(org, Membership.Role.ADMIN, staff=True)
    page = signed_in_page(new_page, live_server, admin, bypass_csp=True, accept_downloads=True)
    page.goto(f"/org/{org.slug}/")
    page.get_by_role("link", name="Insights").first.click()
    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Journey funnel")).to_be_visible()

    # The last 180 days instead of the default 90.
    start = timezone.localdate() - timedelta(days=179)
    page.get_by_label("From", exact=True).fill(start.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(
        f"{live_server.url}/org/{org.slug}/insights/?start={start.isoformat()}&end="
        f"{timezone.localdate().isoformat()}&window=90&program=&specialist="
    )
    funnel = page.locator("#chart-funnel")
    expect(funnel).to_be_visible()
    expect(page.get_by_role("table", name="Patients at each step, with the drop-off")).to_contain_text("60")
    expect(page.get_by_text("Conversion window: 90 days.")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "1-organization")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV: Journey funnel").click()
    path = download.value.path()
    content = path.read_text() if hasattr(path, "read_text") else open(path).read()
    assert download.value.suggested_filename.startswith(f"funnel-{org.slug}-{start.isoformat()}")
    assert content.splitlines()[0] == "step,patients,drop_off,of_previous,of_first_step"
    assert "Registered,60," in content
    assert "<11" in content

    # A reversed range is explained, with no figures.
    page.get_by_label("From", exact=True).fill(timezone.localdate().isoformat())
    page.get_by_label("To", exact=True).fill((timezone.localdate() - timedelta(days=10)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_contain_text("before it starts")
    expect(page.get_by_role("heading", name="Journey funnel")).to_have_count(0)
    check_phone_and_desktop(page, FOLDER, "2-reversed")


def test_a_specialist_reads_their_own_insights(new_page, live_server, org, clinic):
    page = signed_in_page(new_page, live_server, clinic.user, bypass_csp=True, accept_downloads=True)
    page.goto("/specialist/")
    page.get_by_role("link", name="Insights").first.click()
    expect(page.get_by_role("heading", name="Journey funnel")).to_be_visible()
    expect(page.get_by_role("table", name="Patients at each step, with the drop-off")).to_contain_text(
        "Matched or chose a specialist"
    )
    page.get_by_label("From", exact=True).fill((timezone.localdate() - timedelta(days=179)).isoformat())
    page.get_by_role("button", name="Show").click()
    check_phone_and_desktop(page, FOLDER, "3-specialist")
