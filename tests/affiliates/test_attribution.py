"""Attribution: following `/r/<code>` and crediting a new account at sign-up."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from affiliates.attribution import COOKIE_SALT, referral_record_at_signup, token_make
from affiliates.models import AttributionSettings, Referral, ReferralClickDay
from core.models import JourneyEvent
from organizations.models import Membership
from organizations.services import membership_revoke, terms_publish
from tests.accounts.factories import UserFactory
from tests.affiliates.factories import AffiliateFactory, AttributionSettingsFactory, ReferralLinkFactory
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.django_db

COOKIE = settings.REFERRAL_COOKIE_NAME


@pytest.fixture
def link(org):
    return ReferralLinkFactory(affiliate=AffiliateFactory(organization=org), code="SPRING-NEWS")


@pytest.fixture
def other_link(org):
    return ReferralLinkFactory(affiliate=AffiliateFactory(organization=org), code="PODCAST")


def follow(client, code):
    return client.get(reverse("affiliates:follow", args=[code]))


def clicks(link) -> int:
    return sum(ReferralClickDay.objects.filter(link=link).values_list("clicks", flat=True))


def touch_rule(org, touch, window_days=30):
    AttributionSettingsFactory(organization=org, touch=touch, window_days=window_days)


def new_patient(**fields):
    """A person who has just created their account."""
    return UserFactory(**fields)


def credit(user, org, *, code="", token=""):
    return referral_record_at_signup(user_id=user.pk, organization_id=org.pk, typed_code=code, token=token)


# --- Following a link -------------------------------------------------------------


def test_following_a_link_counts_a_click_and_sets_a_signed_cookie_for_the_window(client, org, link):
    touch_rule(org, AttributionSettings.Touch.LAST, window_days=45)
    response = follow(client, "SPRING-NEWS")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:landing")
    cookie = response.cookies[COOKIE]
    assert cookie["max-age"] == 45 * 24 * 60 * 60
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # plain http in tests; see the next test
    payload = signing.loads(cookie.value, salt=COOKIE_SALT)
    assert payload["code"] == "SPRING-NEWS"
    assert clicks(link) == 1


def test_the_cookie_is_secure_when_sessions_are(client, org, link, settings):
    settings.SESSION_COOKIE_SECURE = True
    assert follow(client, "SPRING-NEWS").cookies[COOKIE]["secure"] is True


def test_clicks_of_one_day_add_up_in_one_counter_row_that_knows_nothing_of_the_visitor(client, org, link):
    for _ in range(3):
        follow(client, "spring-news")  # codes are not case-sensitive
    row = ReferralClickDay.objects.get(link=link)
    assert row.clicks == 3
    assert row.day == timezone.now().date()
    assert {field.name for field in ReferralClickDay._meta.get_fields()} == {"id", "link", "day", "clicks"}


@pytest.mark.parametrize("code", ["NO-SUCH-CODE", "<script>", "x" * 200])
def test_an_unknown_code_lands_on_the_home_page_without_cookie_or_count(client, org, link, code):
    response = follow(client, code)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:landing")
    assert COOKIE not in response.cookies
    assert not ReferralClickDay.objects.exists()


@pytest.mark.parametrize("switch_off", ["link", "affiliate", "membership"])
def test_a_link_that_is_off_counts_nothing_and_sets_no_cookie(client, org, link, personas, switch_off):
    if switch_off == "link":
        link.is_active = False
        link.save()
    elif switch_off == "affiliate":
        link.affiliate.is_active = False
        link.affiliate.save()
    else:
        membership = Membership.objects.get(user=link.affiliate.user, role=Membership.Role.AFFILIATE)
        membership_revoke(membership=membership, by=personas["org_admin"])
    response = follow(client, "SPRING-NEWS")
    assert response["Location"] == reverse("core:landing")
    assert COOKIE not in response.cookies
    assert clicks(link) == 0


def test_links_land_on_their_program_or_specialist_with_their_utm_tags(client, org):
    affiliate = AffiliateFactory(organization=org)
    program = ProgramFactory(organization=org, enrolment_code="STAFF2026")
    specialist = SpecialistProfileFactory(organization=org, slug="dr-lee")
    ReferralLinkFactory(
        affiliate=affiliate,
        code="PROG",
        target="program",
        program=program,
        utm_source="newsletter",
        utm_campaign="spring",
    )
    ReferralLinkFactory(affiliate=affiliate, code="SPEC", target="specialist", specialist=specialist)
    assert follow(client, "PROG")["Location"] == (
        reverse("discovery:program-join-link", args=["STAFF2026"]) + "?utm_source=newsletter&utm_campaign=spring"
    )
    assert follow(client, "SPEC")["Location"] == reverse("discovery:profile", args=["dr-lee"])


def test_a_closed_program_or_an_unlisted_specialist_falls_back_to_the_home_page(client, org):
    affiliate = AffiliateFactory(organization=org)
    program = ProgramFactory(organization=org, is_active=False)
    specialist = SpecialistProfileFactory(organization=org, draft=True)
    ReferralLinkFactory(affiliate=affiliate, code="PROG", target="program", program=program)
    ReferralLinkFactory(affiliate=affiliate, code="SPEC", target="specialist", specialist=specialist)
    assert follow(client, "PROG")["Location"] == reverse("core:landing")
    assert follow(client, "SPEC")["Location"] == reverse("core:landing")


def test_under_first_touch_a_second_link_keeps_the_first_cookie_but_still_counts(client, org, link, other_link):
    touch_rule(org, AttributionSettings.Touch.FIRST)
    first = follow(client, "SPRING-NEWS").cookies[COOKIE].value
    response = follow(client, "PODCAST")
    assert COOKIE not in response.cookies
    assert client.cookies[COOKIE].value == first
    assert clicks(other_link) == 1


def test_under_last_touch_the_second_link_replaces_the_cookie(client, org, link, other_link):
    touch_rule(org, AttributionSettings.Touch.LAST)
    follow(client, "SPRING-NEWS")
    response = follow(client, "PODCAST")
    assert signing.loads(response.cookies[COOKIE].value, salt=COOKIE_SALT)["code"] == "PODCAST"


@pytest.mark.parametrize("kind", ["expired", "forged"])
def test_under_first_touch_an_expired_or_forged_cookie_is_replaced(client, org, link, other_link, kind):
    touch_rule(org, AttributionSettings.Touch.FIRST, window_days=7)
    if kind == "expired":
        client.cookies[COOKIE] = token_make(code="SPRING-NEWS", clicked_at=timezone.now() - timedelta(days=8))
    else:
        client.cookies[COOKIE] = token_make(code="SPRING-NEWS", clicked_at=timezone.now())[:-2] + "xx"
    response = follow(client, "PODCAST")
    assert signing.loads(response.cookies[COOKIE].value, salt=COOKIE_SALT)["code"] == "PODCAST"


# --- Crediting at sign-up ----------------------------------------------------------


def test_a_new_account_with_a_fresh_cookie_is_credited_to_the_link(org, link):
    clicked_at = timezone.now() - timedelta(days=2)
    user = new_patient()
    referral = credit(user, org, token=token_make(code=link.code, clicked_at=clicked_at))
    assert Referral.objects.get() == referral
    assert (referral.patient, referral.link, referral.affiliate, referral.organization) == (
        user,
        link,
        link.affiliate,
        org,
    )
    assert referral.via == Referral.Via.LINK
    assert referral.clicked_at == clicked_at


def test_a_typed_code_credits_its_link_whatever_its_case_and_spaces(org, link):
    referral = credit(new_patient(), org, code=" spring-news ")
    assert (referral.link, referral.via, referral.clicked_at) == (link, Referral.Via.CODE, None)


def test_a_click_inside_the_window_counts_and_one_outside_does_not(org, link):
    touch_rule(org, AttributionSettings.Touch.LAST, window_days=10)
    clicked_at = timezone.now()
    token = token_make(code=link.code, clicked_at=clicked_at)
    with time_machine.travel(clicked_at + timedelta(days=10, seconds=-60)):
        assert credit(new_patient(), org, token=token) is not None
    with time_machine.travel(clicked_at + timedelta(days=10, seconds=60)):
        assert credit(new_patient(), org, token=token) is None
    assert Referral.objects.count() == 1


def test_under_last_touch_a_typed_code_beats_the_cookie(org, link, other_link):
    touch_rule(org, AttributionSettings.Touch.LAST)
    token = token_make(code=link.code, clicked_at=timezone.now())
    assert credit(new_patient(), org, code=other_link.code, token=token).link == other_link


def test_under_first_touch_the_cookie_beats_a_typed_code(org, link, other_link):
    touch_rule(org, AttributionSettings.Touch.FIRST)
    token = token_make(code=link.code, clicked_at=timezone.now())
    assert credit(new_patient(), org, code=other_link.code, token=token).link == link


def test_under_first_touch_a_typed_code_counts_when_no_link_was_followed(org, link):
    touch_rule(org, AttributionSettings.Touch.FIRST)
    assert credit(new_patient(), org, code=link.code).link == link


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "",
        signing.dumps({"code": "SPRING-NEWS", "clicked_at": "2026-01-01T00:00:00+00:00"}, salt="another-salt"),
    ],
)
def test_a_forged_cookie_credits_nobody_and_a_valid_code_still_counts(org, link, other_link, token):
    assert credit(new_patient(), org, token=token) is None
    assert credit(new_patient(), org, code=other_link.code, token=token).link == other_link


def test_a_cookie_with_a_click_in_the_future_credits_nobody(org, link):
    token = token_make(code=link.code, clicked_at=timezone.now() + timedelta(days=1))
    assert credit(new_patient(), org, token=token) is None


def test_an_unknown_or_inactive_code_credits_nobody(org, link):
    link.is_active = False
    link.save()
    assert credit(new_patient(), org, code="NOPE") is None
    assert credit(new_patient(), org, code=link.code) is None
    assert not Referral.objects.exists()


def test_a_link_of_another_organization_credits_nobody(org, other_org):
    foreign = ReferralLinkFactory(affiliate=AffiliateFactory(organization=other_org))
    token = token_make(code=foreign.code, clicked_at=timezone.now())
    assert credit(new_patient(), org, code=foreign.code, token=token) is None


def test_affiliates_are_not_credited_for_their_own_sign_up(org, link):
    assert credit(link.affiliate.user, org, code=link.code) is None


def test_an_affiliates_other_address_counts_as_themselves(org):
    affiliate = AffiliateFactory(organization=org, user=UserFactory(email="sam@example.test"))
    own = ReferralLinkFactory(affiliate=affiliate)
    assert credit(new_patient(email="Sam+clinic@example.test"), org, code=own.code) is None
    assert not Referral.objects.exists()


def test_a_self_referral_code_does_not_hide_someone_elses_valid_click(org, link, other_link):
    touch_rule(org, AttributionSettings.Touch.LAST)
    user = link.affiliate.user
    user.created_at = timezone.now()
    user.save()
    token = token_make(code=other_link.code, clicked_at=timezone.now())
    assert credit(user, org, code=link.code, token=token).link == other_link


def test_an_account_that_existed_before_is_not_credited(org, link):
    long_standing = new_patient()
    long_standing.created_at = timezone.now() - timedelta(days=3)
    long_standing.save()
    assert credit(long_standing, org, code=link.code) is None
    event = JourneyEvent.objects.get(verb="referral.not_credited")
    assert event.data == {"reason": "existing_account"}


def test_a_referral_never_changes_once_recorded(org, link, other_link):
    user = new_patient()
    first = credit(user, org, code=link.code)
    assert credit(user, org, code=other_link.code) is None
    assert list(Referral.objects.values_list("pk", "link")) == [(first.pk, link.pk)]
    with pytest.raises(TypeError):
        Referral.objects.filter(pk=first.pk).update(link=other_link)


def test_crediting_leaves_a_journey_event_without_personal_data(org, link):
    referral = credit(new_patient(email="private.person@example.test"), org, code=link.code)
    event = JourneyEvent.objects.get(verb="referral.credited")
    assert event.object_public_id == referral.public_id
    assert event.data == {"via": "code"}
    assert "private" not in str(event.data)


def test_nothing_typed_and_no_cookie_records_nothing(org, link):
    assert credit(new_patient(), org) is None
    assert not JourneyEvent.objects.filter(verb__startswith="referral.").exists()


# --- Through the real sign-up ------------------------------------------------------


@pytest.fixture
def documents(org):
    return [terms_publish(organization=org, kind="terms", title="Terms of Service", body="Terms.")]


def sign_up(client, documents, **overrides):
    data = {
        "full_name": "Maria Silva",
        "email": "maria@example.test",
        "password1": "a-long-and-unusual-passphrase",
        "timezone": "UTC",
        "accept_terms": "on",
        "shown_documents": ",".join(str(d.public_id) for d in documents),
        **overrides,
    }
    return client.post(reverse("account_signup"), data)


def test_following_a_link_then_signing_up_credits_the_link(
    client, org, link, documents, django_capture_on_commit_callbacks
):
    follow(client, "SPRING-NEWS")
    with django_capture_on_commit_callbacks(execute=True):
        assert sign_up(client, documents).status_code == 302
    referral = Referral.objects.get()
    assert (referral.patient.email, referral.link, referral.via) == ("maria@example.test", link, "link")


def test_a_code_typed_on_the_sign_up_page_credits_its_link(
    client, org, link, documents, django_capture_on_commit_callbacks
):
    assert 'name="referral_code"' in client.get(reverse("account_signup")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, documents, referral_code="spring-news")
    assert Referral.objects.get().via == Referral.Via.CODE


@pytest.mark.parametrize("cookie", ["forged-value", None])
def test_sign_up_with_an_unknown_code_or_forged_cookie_works_and_credits_nobody(
    client, org, link, documents, django_capture_on_commit_callbacks, cookie
):
    if cookie:
        client.cookies[COOKIE] = cookie
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, documents, referral_code="UNKNOWN-CODE")
    assert response.status_code == 302
    assert Membership.objects.filter(user__email="maria@example.test", role=Membership.Role.PATIENT).exists()
    assert not Referral.objects.exists()
