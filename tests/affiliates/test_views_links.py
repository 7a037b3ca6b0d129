"""The affiliate's own links and payout details (affiliates/views/links.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from affiliates.models import Affiliate, ReferralLink
from core.models import AuditLog
from tests.affiliates.factories import AffiliateFactory, ReferralLinkFactory
from tests.organizations.factories import ProgramFactory

pytestmark = pytest.mark.django_db

LINKS = reverse("affiliates:links")
PAYOUT = reverse("affiliates:payout")


@pytest.fixture
def mine(org, personas):
    """The affiliate persona's partnership with `org`."""
    return AffiliateFactory(organization=org, user=personas["affiliate"], membership=False, link_limit=3)


@pytest.fixture
def affiliate_client(client, personas):
    client.force_login(personas["affiliate"])
    return client


def new_link(affiliate, **overrides):
    return {"affiliate": str(affiliate.public_id), "label": "My blog", "target": "home", **overrides}


# --- Links -----------------------------------------------------------------------


def test_the_affiliate_sees_their_links_and_no_one_elses(affiliate_client, mine, org):
    ReferralLinkFactory(affiliate=mine, code="MYBLOG", label="Blog sidebar")
    ReferralLinkFactory(affiliate=AffiliateFactory(organization=org), code="RIVAL", label="Rival")
    html = affiliate_client.get(LINKS).content.decode()
    assert "Blog sidebar" in html
    assert 'value="http://testserver/r/MYBLOG"' in html
    assert "RIVAL" not in html and "Rival" not in html
    assert "1 of 3 links in use" in html


def test_the_links_page_takes_as_many_queries_for_many_links_as_for_one(
    affiliate_client, mine, org, django_assert_max_num_queries
):
    ReferralLinkFactory(affiliate=mine, target="program", program=ProgramFactory(organization=org))
    with CaptureQueriesContext(connection) as one:
        affiliate_client.get(LINKS)
    for _ in range(5):
        ReferralLinkFactory(affiliate=mine, target="program", program=ProgramFactory(organization=org))
    with django_assert_max_num_queries(len(one)):
        affiliate_client.get(LINKS)


def test_an_affiliate_of_two_organizations_sees_one_section_each(affiliate_client, mine, other_org, personas):
    AffiliateFactory(organization=other_org, user=personas["affiliate"])
    html = affiliate_client.get(LINKS).content.decode()
    assert f'<h2 id="org-{mine.public_id}">Demo Clinic</h2>' in html
    assert "Other Clinic</h2>" in html


def test_the_affiliate_creates_a_link_to_a_program(affiliate_client, mine, org, personas):
    program = ProgramFactory(organization=org)
    response = affiliate_client.post(LINKS, new_link(mine, target="program", program=program.public_id, code="blog"))
    assert response.status_code == 302
    link = ReferralLink.objects.get()
    assert (link.affiliate, link.program, link.code, link.created_by) == (mine, program, "BLOG", personas["affiliate"])


def test_a_program_of_another_organization_is_refused(affiliate_client, mine, other_org):
    foreign = ProgramFactory(organization=other_org)
    response = affiliate_client.post(LINKS, new_link(mine, target="program", program=foreign.public_id))
    assert response.status_code == 422
    assert "open programs" in response.content.decode()
    assert not ReferralLink.objects.exists()


@pytest.mark.parametrize("affiliate_id", ["someone-else", "", "not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_a_link_for_someone_elses_partnership_is_not_found(affiliate_client, mine, org, affiliate_id):
    rival = AffiliateFactory(organization=org)
    data = {**new_link(mine), "affiliate": str(rival.public_id) if affiliate_id == "someone-else" else affiliate_id}
    assert affiliate_client.post(LINKS, data).status_code == 404
    assert not ReferralLink.objects.exists()


def test_extra_fields_cannot_switch_a_link_on_for_someone_else(affiliate_client, mine, org):
    rival = AffiliateFactory(organization=org)
    affiliate_client.post(LINKS, new_link(mine, is_active="", created_by=rival.user.pk, link_limit="100"))
    link = ReferralLink.objects.get()
    assert (link.affiliate, link.is_active, link.created_by) == (mine, True, mine.user)
    mine.refresh_from_db()
    assert mine.link_limit == 3


def test_the_limit_of_active_links_holds(affiliate_client, mine):
    for _ in range(3):
        ReferralLinkFactory(affiliate=mine)
    assert "All 3 of your links are in use" in affiliate_client.get(LINKS).content.decode()
    response = affiliate_client.post(LINKS, new_link(mine))
    assert response.status_code == 422
    assert "the most Demo Clinic allows" in response.content.decode()
    assert ReferralLink.objects.count() == 3


def test_an_affiliate_the_organization_makes_links_for_cannot_make_their_own(affiliate_client, mine):
    Affiliate.objects.filter(pk=mine.pk).update(may_create_links=False)
    assert "creates your links for you" in affiliate_client.get(LINKS).content.decode()
    response = affiliate_client.post(LINKS, new_link(mine))
    assert response.status_code == 422
    assert not ReferralLink.objects.exists()


def test_a_paused_partnership_says_so_and_makes_no_links(affiliate_client, mine):
    Affiliate.objects.filter(pk=mine.pk).update(is_active=False)
    assert "is paused" in affiliate_client.get(LINKS).content.decode()
    assert affiliate_client.post(LINKS, new_link(mine)).status_code == 422
    assert not ReferralLink.objects.exists()


def test_an_affiliate_without_a_partnership_sees_what_comes_next(affiliate_client):
    response = affiliate_client.get(LINKS)
    assert response.status_code == 200
    assert "No partnership yet" in response.content.decode()


# --- Payout details ----------------------------------------------------------------


def test_the_affiliate_saves_payout_details_and_the_write_is_audited(affiliate_client, mine):
    response = affiliate_client.post(PAYOUT, {"affiliate": str(mine.public_id), "payout_details": "IBAN DE89 3704"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.payout_details == "IBAN DE89 3704"
    audit = AuditLog.objects.get(action=AuditLog.Action.WRITE, object_public_id=mine.public_id)
    assert (audit.actor, audit.path) == (mine.user, PAYOUT)
    assert "IBAN DE89 3704" in affiliate_client.get(PAYOUT).content.decode()


def test_payout_details_that_are_too_long_are_refused(affiliate_client, mine):
    response = affiliate_client.post(PAYOUT, {"affiliate": str(mine.public_id), "payout_details": "x" * 1001})
    assert response.status_code == 422
    assert "at most 1000 characters" in response.content.decode()
    mine.refresh_from_db()
    assert not mine.payout_details


def test_someone_elses_payout_details_are_not_found(affiliate_client, mine, org):
    rival = AffiliateFactory(organization=org, payout_details="Rival's account")
    response = affiliate_client.post(PAYOUT, {"affiliate": str(rival.public_id), "payout_details": "Mine now"})
    assert response.status_code == 404
    rival.refresh_from_db()
    assert rival.payout_details == "Rival's account"
    assert "Rival's account" not in affiliate_client.get(PAYOUT).content.decode()


# --- Who gets in -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["patient_a", "specialist", "org_admin"])
@pytest.mark.parametrize("url", [LINKS, PAYOUT])
def test_other_roles_get_the_friendly_refusal(client, personas, mine, persona, url):
    client.force_login(personas[persona])
    assert client.get(url).status_code == 403
    assert client.post(url, {"affiliate": str(mine.public_id), "payout_details": "x", "label": "x"}).status_code == 403
    assert not ReferralLink.objects.exists()


@pytest.mark.parametrize("url", [LINKS, PAYOUT])
def test_anonymous_people_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
