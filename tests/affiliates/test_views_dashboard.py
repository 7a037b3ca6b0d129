"""The affiliate's home and its CSV: their own figures only, aggregate
only, exports audited; everyone else turned away."""

import pytest
from django.urls import reverse

from core.models import AuditLog
from organizations.models import Membership
from tests.affiliates.factories import AffiliateFactory, ReferralLinkFactory
from tests.conftest import member
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

from .referred import month_ago, referred

pytestmark = pytest.mark.django_db

HOME = reverse("affiliates:home")
CSV = reverse("affiliates:dashboard-csv")


@pytest.fixture
def affiliate(org):
    return AffiliateFactory(organization=org, name="Newsletter partner")


@pytest.fixture
def patients(org, affiliate):
    """Twelve sign-ups through NEWS last month, three of whom booked."""
    link = ReferralLinkFactory(affiliate=affiliate, code="NEWS", created_at=month_ago(3, day=1))
    offering = OfferingFactory(specialist=SpecialistProfileFactory(organization=org))
    return [referred(link, offering, at=month_ago(1), booked=index < 3) for index in range(12)]


def test_the_affiliate_sees_counts_and_never_who(client, affiliate, patients):
    client.force_login(affiliate.user)
    response = client.get(HOME)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Newsletter partner" in page and "NEWS" in page
    assert ">12<" in page  # the sign-ups
    assert "&lt;11" in page  # the three bookings
    for patient in patients:
        assert patient.email not in page
        assert patient.display_name not in page
    assert "no-store" in response["Cache-Control"]


def test_another_affiliate_never_sees_these_figures(client, org, affiliate, patients):
    other = AffiliateFactory(organization=org, name="Podcast partner")
    ReferralLinkFactory(affiliate=other, code="PODCAST")
    client.force_login(other.user)

    page = client.get(HOME).content.decode()

    assert "Podcast partner" in page
    assert "Newsletter partner" not in page and "NEWS" not in page
    assert "Newsletter partner" not in client.get(CSV).content.decode()


def test_an_affiliate_whose_role_was_ended_loses_the_section(client, org, affiliate, patients):
    Membership.objects.filter(user=affiliate.user, organization=org).update(is_active=False)
    AffiliateFactory(user=affiliate.user, name="Elsewhere partner")
    client.force_login(affiliate.user)

    page = client.get(HOME).content.decode()

    assert "Elsewhere partner" in page
    assert "Newsletter partner" not in page


def test_an_affiliate_without_links_gets_the_empty_state(client, org):
    client.force_login(member(org, Membership.Role.AFFILIATE))
    response = client.get(HOME)
    assert response.status_code == 200
    assert "No referral links yet" in response.content.decode()


def test_the_csv_is_the_same_cells_and_is_audited_as_an_export(client, affiliate, patients):
    client.force_login(affiliate.user)
    response = client.get(CSV)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="referrals.csv"'
    text = response.content.decode()
    month = month_ago(1).strftime("%Y-%m")
    row = next(line.split(",") for line in text.splitlines() if line.split(",")[2:4] == ["NEWS", month])
    assert row[4:8] == ["<11", "12", "<11", "<11"]
    assert all(patient.email not in text for patient in patients)
    assert AuditLog.objects.filter(
        actor=affiliate.user, action=AuditLog.Action.EXPORT, object_public_id=affiliate.public_id
    ).exists()


@pytest.mark.parametrize("url", [HOME, CSV])
def test_other_roles_get_the_friendly_403_and_anonymous_signs_in(client, org, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

    client.force_login(member(org, Membership.Role.PATIENT))
    response = client.get(url)
    assert response.status_code == 403
    assert "portals/no_access.html" in [t.name for t in response.templates]


def test_the_pages_answer_only_get(client, affiliate):
    client.force_login(affiliate.user)
    assert client.post(HOME).status_code == 405
    assert client.post(CSV).status_code == 405
