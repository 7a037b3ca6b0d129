"""The organization's affiliate pages (affiliates/views/organization.py), as each kind of person."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from affiliates.models import Affiliate, AttributionSettings, ReferralLink
from core.models import AuditLog
from tests.affiliates.factories import AffiliateFactory, ReferralLinkFactory
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas["org_admin"])
    return client


@pytest.fixture
def affiliate(org):
    return AffiliateFactory(organization=org, name="Calm Newsletter", flat=True)


def list_url(org):
    return reverse("affiliates:org-list", args=[org.slug])


def page_url(affiliate):
    return reverse("affiliates:org-affiliate", args=[affiliate.organization.slug, affiliate.public_id])


def link_create_url(affiliate):
    return reverse("affiliates:org-link-create", args=[affiliate.organization.slug, affiliate.public_id])


def new_affiliate(**overrides):
    return {
        "name": "Calm Newsletter",
        "email": "editor@newsletter.test",
        "commission_kind": "flat",
        "commission_amount": "25.00",
        "commission_percent": "",
        "commission_payments": "1",
        "may_create_links": "on",
        "link_limit": "5",
        **overrides,
    }


def edit(**overrides):
    return {
        "name": "Calm Newsletter",
        "is_active": "on",
        "commission_kind": "percent",
        "commission_amount": "",
        "commission_percent": "12.5",
        "commission_payments": "3",
        "link_limit": "10",
        **overrides,
    }


# --- The list and adding an affiliate --------------------------------------------------


def test_the_admin_sees_the_organizations_affiliates_only(admin_client, org, other_org, affiliate):
    AffiliateFactory(organization=other_org, name="Someone Elses")
    response = admin_client.get(list_url(org))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Calm Newsletter" in html
    assert "€25.00 per first paid session" in html
    assert "Someone Elses" not in html
    assert "30 days" in html and "Last touch" in html


def test_the_admin_adds_an_affiliate_with_a_rule(admin_client, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(list_url(org), new_affiliate())
    affiliate = Affiliate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(affiliate)
    assert (affiliate.user.email, affiliate.commission_flat_minor, affiliate.currency) == (
        "editor@newsletter.test",
        2500,
        "EUR",
    )
    assert (affiliate.may_create_links, affiliate.link_limit) == (True, 5)


def test_a_percentage_is_stored_in_basis_points(admin_client, org):
    admin_client.post(list_url(org), new_affiliate(commission_kind="percent", commission_percent="12,5"))
    assert Affiliate.objects.get().commission_basis_points == 1250


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, "valid email"),
        ({"commission_amount": ""}, "Enter the amount"),
        ({"commission_amount": "-5"}, "cannot be negative"),
        ({"commission_amount": "12.345"}, "decimals"),
        ({"commission_kind": "percent", "commission_percent": "150"}, "up to 100"),
        ({"commission_kind": "percent", "commission_percent": "1.234"}, "two decimals"),
        ({"commission_kind": "percent", "commission_percent": "lots"}, "like 10 or 12.5"),
        ({"commission_kind": "bribe"}, "Select a valid choice"),
        ({"link_limit": "0"}, "greater than or equal to 1"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_stored(admin_client, org, overrides, message):
    response = admin_client.post(list_url(org), new_affiliate(**overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Affiliate.objects.exists()


def test_adding_the_same_person_twice_is_refused(admin_client, org, affiliate):
    response = admin_client.post(list_url(org), new_affiliate(email=affiliate.user.email.upper()))
    assert response.status_code == 422
    assert "already an affiliate" in response.content.decode()
    assert Affiliate.objects.count() == 1


def test_extra_fields_cannot_pick_the_organization_or_currency(admin_client, org, other_org):
    admin_client.post(list_url(org), new_affiliate(organization=str(other_org.public_id), currency="JPY", is_active=""))
    affiliate = Affiliate.objects.get()
    assert (affiliate.organization, affiliate.currency, affiliate.is_active) == (org, "EUR", True)


# --- One affiliate ---------------------------------------------------------------------


def test_the_affiliate_page_shows_links_with_their_full_address(admin_client, affiliate):
    ReferralLinkFactory(affiliate=affiliate, code="SPRING", label="Spring issue")
    html = admin_client.get(page_url(affiliate)).content.decode()
    assert "Spring issue" in html
    assert 'value="http://testserver/r/SPRING"' in html
    assert reverse("affiliates:org-link-create", args=[affiliate.organization.slug, affiliate.public_id]) in html


def test_reading_an_affiliates_page_is_audited(admin_client, affiliate, personas):
    admin_client.get(page_url(affiliate))
    audit = AuditLog.objects.get(action=AuditLog.Action.READ, object_public_id=affiliate.public_id)
    assert (audit.actor, audit.path) == (personas["org_admin"], page_url(affiliate))


def test_the_pages_take_as_many_queries_for_many_affiliates_and_links_as_for_one(
    admin_client, org, affiliate, django_assert_max_num_queries
):
    ReferralLinkFactory(affiliate=affiliate, target="program", program=ProgramFactory(organization=org))
    with CaptureQueriesContext(connection) as one_list:
        admin_client.get(list_url(org))
    with CaptureQueriesContext(connection) as one_page:
        admin_client.get(page_url(affiliate))
    for _ in range(5):
        ReferralLinkFactory(affiliate=AffiliateFactory(organization=org))
        ReferralLinkFactory(affiliate=affiliate, target="program", program=ProgramFactory(organization=org))
        ReferralLinkFactory(
            affiliate=affiliate, target="specialist", specialist=SpecialistProfileFactory(organization=org)
        )
    with django_assert_max_num_queries(len(one_list)):
        admin_client.get(list_url(org))
    with django_assert_max_num_queries(len(one_page)):
        admin_client.get(page_url(affiliate))


def test_the_admin_changes_the_rule_and_pauses_the_affiliate(admin_client, affiliate):
    response = admin_client.post(page_url(affiliate), edit(is_active=""))
    assert response.status_code == 302
    affiliate.refresh_from_db()
    assert (affiliate.commission_kind, affiliate.commission_basis_points, affiliate.commission_payments) == (
        "percent",
        1250,
        3,
    )
    assert (affiliate.is_active, affiliate.may_create_links) == (False, False)


def test_the_edit_form_shows_the_current_rule(admin_client, affiliate):
    html = admin_client.get(page_url(affiliate)).content.decode()
    assert 'name="commission_amount" value="25.00"' in html


def test_a_bad_edit_is_refused_and_changes_nothing(admin_client, affiliate):
    response = admin_client.post(page_url(affiliate), edit(commission_percent="0"))
    assert response.status_code == 422
    assert "above 0" in response.content.decode()
    affiliate.refresh_from_db()
    assert affiliate.commission_kind == "flat"


def test_another_organizations_affiliate_is_not_found(admin_client, org, other_org):
    theirs = AffiliateFactory(organization=other_org, name="Theirs")
    through_own_org = reverse("affiliates:org-affiliate", args=[org.slug, theirs.public_id])
    assert admin_client.get(through_own_org).status_code == 404
    assert admin_client.post(through_own_org, edit(name="Hijacked")).status_code == 404
    through_their_org = reverse("affiliates:org-affiliate", args=[other_org.slug, theirs.public_id])
    assert admin_client.get(through_their_org).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_an_unknown_affiliate_id_is_not_found(admin_client, org):
    assert admin_client.get(reverse("affiliates:org-affiliate", args=[org.slug, uuid.uuid4()])).status_code == 404


# --- Links -------------------------------------------------------------------------------


def link(**overrides):
    return {"label": "Spring issue", "target": "home", "code": "", **overrides}


def test_the_admin_creates_a_link_with_a_generated_code(admin_client, affiliate, personas):
    response = admin_client.post(link_create_url(affiliate), link(utm_source="newsletter"))
    assert response.status_code == 302
    created = ReferralLink.objects.get()
    assert (created.affiliate, created.utm_source, created.created_by) == (
        affiliate,
        "newsletter",
        personas["org_admin"],
    )
    assert len(created.code) == 8


def test_a_link_to_a_program_or_specialist_of_the_organization(admin_client, affiliate, org):
    program = ProgramFactory(organization=org)
    specialist = SpecialistProfileFactory(organization=org)
    admin_client.post(link_create_url(affiliate), link(target="program", program=program.public_id, code="prog-1"))
    admin_client.post(link_create_url(affiliate), link(target="specialist", specialist=specialist.public_id))
    assert {(x.target, x.program, x.specialist) for x in ReferralLink.objects.all()} == {
        ("program", program, None),
        ("specialist", None, specialist),
    }
    assert ReferralLink.objects.filter(code="PROG-1").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda org, other: link(target="program", program=ProgramFactory(organization=other).public_id),
            "open programs",
        ),
        (
            lambda org, other: link(
                target="specialist", specialist=SpecialistProfileFactory(organization=other).public_id
            ),
            "approved specialists",
        ),
        (
            lambda org, other: link(
                target="specialist", specialist=SpecialistProfileFactory(organization=org, draft=True).public_id
            ),
            "approved specialists",
        ),
        (lambda org, other: link(target="program"), "Choose the program"),
        (lambda org, other: link(target="program", program="not-a-uuid"), "open programs"),
        (lambda org, other: link(target="https://evil.test"), "Select a valid choice"),
        (lambda org, other: link(code="no!"), "capital letters"),
        (lambda org, other: link(utm_source="<script>"), "letters, digits"),
        (lambda org, other: link(label=""), "This field is required"),
    ],
)
def test_a_link_outside_the_organization_or_malformed_is_refused_and_not_stored(
    admin_client, affiliate, org, other_org, make, message
):
    response = admin_client.post(link_create_url(affiliate), make(org, other_org))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ReferralLink.objects.exists()


def test_a_taken_code_is_refused(admin_client, affiliate):
    ReferralLinkFactory(affiliate=affiliate, code="SPRING")
    response = admin_client.post(link_create_url(affiliate), link(code="spring"))
    assert response.status_code == 422
    assert "This code is taken" in response.content.decode()


def test_a_link_cannot_be_made_for_another_organizations_affiliate(admin_client, org, other_org):
    theirs = AffiliateFactory(organization=other_org)
    url = reverse("affiliates:org-link-create", args=[org.slug, theirs.public_id])
    assert admin_client.post(url, link()).status_code == 404
    assert not ReferralLink.objects.exists()


def test_the_admin_turns_a_link_off_and_again_is_told_it_already_is(admin_client, affiliate):
    target = ReferralLinkFactory(affiliate=affiliate)
    url = reverse(
        "affiliates:org-link-deactivate", args=[affiliate.organization.slug, affiliate.public_id, target.public_id]
    )
    assert admin_client.post(url).status_code == 302
    target.refresh_from_db()
    assert target.is_active is False
    response = admin_client.post(url, follow=True)
    assert "already off" in response.content.decode()


def test_a_link_of_another_affiliate_cannot_be_turned_off_through_this_one(admin_client, affiliate, org):
    other = ReferralLinkFactory(affiliate=AffiliateFactory(organization=org))
    url = reverse("affiliates:org-link-deactivate", args=[org.slug, affiliate.public_id, other.public_id])
    assert admin_client.post(url).status_code == 404
    other.refresh_from_db()
    assert other.is_active is True


# --- Attribution rules ----------------------------------------------------------------------


def settings_url(org):
    return reverse("affiliates:org-settings", args=[org.slug])


def test_the_rules_page_states_the_rules_in_words(admin_client, org):
    html = admin_client.get(settings_url(org)).content.decode()
    assert "for 30 days" in html
    assert "the latest one takes the credit" in html


def test_the_admin_changes_the_window_and_touch(admin_client, org):
    response = admin_client.post(settings_url(org), {"window_days": "60", "touch": "first"}, follow=True)
    rules = AttributionSettings.objects.get(organization=org)
    assert (rules.window_days, rules.touch) == (60, "first")
    assert "the first one they followed keeps the credit" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"window_days": "0", "touch": "last"}, "greater than or equal to 1"),
        ({"window_days": "366", "touch": "last"}, "less than or equal to 365"),
        ({"window_days": "ten", "touch": "last"}, "Enter a whole number"),
        ({"window_days": "30", "touch": "both"}, "Select a valid choice"),
    ],
)
def test_bad_rules_are_refused(admin_client, org, data, message):
    response = admin_client.post(settings_url(org), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not AttributionSettings.objects.exists()


# --- Who gets in ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["patient_a", "specialist", "affiliate"])
def test_other_roles_get_the_friendly_refusal_and_cannot_post(client, personas, org, persona):
    client.force_login(personas[persona])
    assert client.get(list_url(org)).status_code == 403
    assert client.post(list_url(org), new_affiliate()).status_code == 403
    assert not Affiliate.objects.exists()


def test_another_organizations_admin_gets_not_found(client, personas, org, affiliate):
    client.force_login(personas["other_org_admin"])
    assert client.get(list_url(org)).status_code == 404
    assert client.post(link_create_url(affiliate), link()).status_code == 404
    assert client.post(settings_url(org), {"window_days": "1", "touch": "first"}).status_code == 404
    assert not ReferralLink.objects.exists()
    assert not AttributionSettings.objects.exists()


def test_anonymous_people_are_sent_to_sign_in(client, org):
    response = client.get(list_url(org))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
