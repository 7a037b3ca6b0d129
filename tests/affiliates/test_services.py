"""affiliates.services and affiliates.selectors: every write and the reads behind the pages."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from affiliates import selectors, services
from affiliates.models import Affiliate, AttributionSettings, ReferralLink
from core.models import JourneyEvent
from organizations.models import Membership
from organizations.services import membership_revoke
from tests.accounts.factories import UserFactory
from tests.affiliates.factories import AffiliateFactory, ReferralLinkFactory
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(personas):
    return personas["org_admin"]


def create(org, admin, **overrides):
    fields = {
        "name": "Calm Newsletter",
        "email": "editor@newsletter.test",
        "commission_kind": Affiliate.CommissionKind.FLAT,
        "commission_flat_minor": 2500,
        "sign_in_url": "https://daraport.test/accounts/login/code/",
        **overrides,
    }
    return services.affiliate_create(organization=org, by=admin, **fields)


# --- Affiliates -------------------------------------------------------------------


def test_creating_an_affiliate_invites_them_with_the_affiliate_role(org, admin, django_capture_on_commit_callbacks):
    org.currency = "GBP"
    org.save()
    with django_capture_on_commit_callbacks(execute=True):
        affiliate = create(org, admin, email="Editor@Newsletter.test")
    assert affiliate.user.email == "editor@newsletter.test"
    assert Membership.objects.filter(user=affiliate.user, organization=org, role="affiliate", is_active=True).exists()
    assert (affiliate.currency, affiliate.commission_flat_minor, affiliate.created_by) == ("GBP", 2500, admin)
    assert mail.outbox[-1].to == ["editor@newsletter.test"]
    assert JourneyEvent.objects.filter(verb="affiliate.created", object_public_id=affiliate.public_id).exists()


def test_an_existing_account_becomes_an_affiliate_without_a_new_account(org, admin):
    person = UserFactory(email="known@example.test")
    assert create(org, admin, email="known@example.test").user == person


def test_the_same_person_cannot_be_added_twice(org, admin):
    create(org, admin)
    with pytest.raises(ValidationError) as refused:
        create(org, admin, email="EDITOR@newsletter.test", name="Again")
    assert "already an affiliate" in str(refused.value)
    assert Affiliate.objects.count() == 1


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"commission_kind": "flat", "commission_flat_minor": 0}, "commission_amount"),
        ({"commission_kind": "percent", "commission_basis_points": 0}, "commission_percent"),
        ({"commission_kind": "percent", "commission_basis_points": 10_001}, "commission_percent"),
    ],
)
def test_a_rule_without_its_amount_is_refused_and_nothing_is_stored(org, admin, rule, field):
    with pytest.raises(ValidationError) as refused:
        create(org, admin, **rule)
    assert field in refused.value.error_dict
    assert not Affiliate.objects.exists()
    assert not UserFactory._meta.model.objects.filter(email="editor@newsletter.test").exists()


def test_only_the_chosen_kind_of_rule_is_kept(org, admin):
    affiliate = create(
        org,
        admin,
        commission_kind="percent",
        commission_flat_minor=999,
        commission_basis_points=1250,
        commission_payments=3,
    )
    assert (affiliate.commission_flat_minor, affiliate.commission_basis_points, affiliate.commission_payments) == (
        0,
        1250,
        3,
    )


def test_updating_changes_the_rule_permissions_and_pauses(org, admin):
    affiliate = AffiliateFactory(organization=org, flat=True)
    services.affiliate_update(
        affiliate=affiliate,
        by=admin,
        name="Renamed",
        commission_kind="none",
        may_create_links=False,
        link_limit=3,
        is_active=False,
    )
    affiliate.refresh_from_db()
    assert (affiliate.name, affiliate.commission_kind, affiliate.commission_flat_minor) == ("Renamed", "none", 0)
    assert (affiliate.may_create_links, affiliate.link_limit, affiliate.is_active) == (False, 3, False)


def test_payout_details_are_stored_encrypted(org):
    affiliate = AffiliateFactory(organization=org)
    services.affiliate_set_payout_details(affiliate=affiliate, by=affiliate.user, payout_details=" DE89 3704 ")
    affiliate.refresh_from_db()
    assert affiliate.payout_details == "DE89 3704"
    with connection.cursor() as cursor:
        cursor.execute("SELECT payout_details FROM affiliates_affiliate WHERE id = %s", [affiliate.pk])
        assert "DE89" not in str(cursor.fetchone()[0])


# --- Links ------------------------------------------------------------------------


@pytest.fixture
def affiliate(org):
    return AffiliateFactory(organization=org)


def test_a_generated_code_is_eight_unambiguous_characters(affiliate, admin):
    link = services.referral_link_create(affiliate=affiliate, by=admin, label="Spring")
    assert len(link.code) == 8
    assert set(link.code) <= set(services.CODE_ALPHABET)
    assert not set(link.code) & set("01ILO")
    assert (link.target, link.created_by) == (ReferralLink.Target.HOME, admin)


def test_a_chosen_code_is_stored_in_capitals_without_spaces(affiliate, admin):
    link = services.referral_link_create(affiliate=affiliate, by=admin, label="Spring", code=" spring news ")
    assert link.code == "SPRINGNEWS"


@pytest.mark.parametrize("code", ["AB", "SPR!NG", "X" * 33])
def test_a_malformed_code_is_refused(affiliate, admin, code):
    with pytest.raises(ValidationError) as refused:
        services.referral_link_create(affiliate=affiliate, by=admin, label="Spring", code=code)
    assert "code" in refused.value.error_dict
    assert not ReferralLink.objects.exists()


def test_a_code_in_use_anywhere_is_refused(affiliate, admin, other_org):
    ReferralLinkFactory(affiliate=AffiliateFactory(organization=other_org), code="TAKEN")
    with pytest.raises(ValidationError) as refused:
        services.referral_link_create(affiliate=affiliate, by=admin, label="Spring", code="taken")
    assert "is taken" in str(refused.value)


def test_links_land_on_the_organizations_own_program_or_approved_specialist(affiliate, admin, org):
    program = ProgramFactory(organization=org)
    specialist = SpecialistProfileFactory(organization=org)
    to_program = services.referral_link_create(
        affiliate=affiliate, by=admin, label="P", target="program", program=program, specialist=specialist
    )
    assert (to_program.program, to_program.specialist) == (program, None)
    to_specialist = services.referral_link_create(
        affiliate=affiliate, by=admin, label="S", target="specialist", specialist=specialist
    )
    assert to_specialist.specialist == specialist


@pytest.mark.parametrize(
    ("target", "make", "field"),
    [
        ("program", lambda org, other: ProgramFactory(organization=other), "program"),
        ("program", lambda org, other: ProgramFactory(organization=org, is_active=False), "program"),
        ("program", lambda org, other: None, "program"),
        ("specialist", lambda org, other: SpecialistProfileFactory(organization=other), "specialist"),
        ("specialist", lambda org, other: SpecialistProfileFactory(organization=org, draft=True), "specialist"),
        ("specialist", lambda org, other: None, "specialist"),
        ("elsewhere", lambda org, other: None, "target"),
    ],
)
def test_a_target_outside_the_organization_is_refused_and_nothing_stored(
    affiliate, admin, org, other_org, target, make, field
):
    thing = make(org, other_org)
    kwargs = {"program": thing} if target == "program" else {"specialist": thing}
    with pytest.raises(ValidationError) as refused:
        services.referral_link_create(affiliate=affiliate, by=admin, label="X", target=target, **kwargs)
    assert field in refused.value.error_dict
    assert not ReferralLink.objects.exists()


def test_affiliates_create_links_only_within_what_the_organization_allows(org):
    affiliate = AffiliateFactory(organization=org, link_limit=2)
    for label in ("One", "Two"):
        services.referral_link_create_by_affiliate(affiliate=affiliate, by=affiliate.user, label=label)
    with pytest.raises(ValidationError, match="the most"):
        services.referral_link_create_by_affiliate(affiliate=affiliate, by=affiliate.user, label="Three")
    # A link turned off frees its place.
    services.referral_link_deactivate(link=affiliate.links.first(), by=affiliate.user)
    services.referral_link_create_by_affiliate(affiliate=affiliate, by=affiliate.user, label="Three")
    assert affiliate.links.filter(is_active=True).count() == 2


@pytest.mark.parametrize(("field", "message"), [("may_create_links", "creates your links"), ("is_active", "paused")])
def test_affiliates_without_permission_or_paused_create_no_links(org, field, message):
    affiliate = AffiliateFactory(organization=org, **{field: False})
    with pytest.raises(ValidationError, match=message):
        services.referral_link_create_by_affiliate(affiliate=affiliate, by=affiliate.user, label="Mine")
    assert not ReferralLink.objects.exists()


def test_turning_a_link_off_twice_records_it_once(affiliate, admin):
    link = ReferralLinkFactory(affiliate=affiliate)
    services.referral_link_deactivate(link=link, by=admin)
    services.referral_link_deactivate(link=link, by=admin)
    link.refresh_from_db()
    assert link.is_active is False
    assert JourneyEvent.objects.filter(verb="referral_link.deactivated").count() == 1


# --- Attribution rules -------------------------------------------------------------


def test_the_default_rules_are_thirty_days_last_touch_until_changed(org, admin):
    rules = selectors.attribution_settings_get(organization=org)
    assert (rules.window_days, rules.touch, rules.pk) == (30, AttributionSettings.Touch.LAST, None)
    services.attribution_settings_update(organization=org, by=admin, window_days=90, touch="first")
    rules = selectors.attribution_settings_get(organization=org)
    assert (rules.window_days, rules.touch) == (90, "first")


@pytest.mark.parametrize(("window", "touch"), [(0, "last"), (366, "last"), (30, "middle")])
def test_rules_outside_the_bounds_are_refused(org, admin, window, touch):
    with pytest.raises(ValidationError):
        services.attribution_settings_update(organization=org, by=admin, window_days=window, touch=touch)
    assert not AttributionSettings.objects.exists()


# --- Selectors ----------------------------------------------------------------------


def test_an_affiliate_sees_only_rows_of_organizations_whose_role_they_still_hold(org, other_org, admin):
    person = UserFactory()
    here = AffiliateFactory(organization=org, user=person)
    there = AffiliateFactory(organization=other_org, user=person)
    assert list(selectors.affiliate_list_for_user(user=person)) == sorted(
        [here, there], key=lambda a: a.organization.name
    )
    membership_revoke(membership=Membership.objects.get(user=person, organization=other_org), by=None)
    assert list(selectors.affiliate_list_for_user(user=person)) == [here]


def test_the_organization_list_counts_active_links(org, other_org):
    affiliate = AffiliateFactory(organization=org)
    ReferralLinkFactory(affiliate=affiliate)
    ReferralLinkFactory(affiliate=affiliate, is_active=False)
    AffiliateFactory(organization=other_org)
    assert [(a.pk, a.active_links) for a in selectors.affiliate_list_for_organization(organization=org)] == [
        (affiliate.pk, 1)
    ]
