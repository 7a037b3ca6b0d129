"""The specialist's payment pages: revenue and its CSV, refunds by hand,
connecting a payout account, and the test provider's onboarding page."""

import csv
import io
from datetime import timedelta

import pytest
import stripe
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from organizations.models import Membership
from payments import reports, services
from payments.models import BillingModel, Payment, PayoutAccount, Refund
from payments.providers import offline
from tests.accounts.factories import UserFactory
from tests.conftest import member
from tests.messaging.factories_pages import specialist_of
from tests.organizations.factories import ProgramFactory

from .factories import PayoutAccountFactory, ProgramBillingFactory, RefundFactory, payment_of

pytestmark = pytest.mark.django_db

REVENUE = reverse("payments:specialist-revenue")
CSV = reverse("payments:specialist-csv")
CONNECT = reverse("payments:connect")
ONBOARDING = reverse("payments:offline-onboarding")


def refund_url(payment) -> str:
    return reverse("payments:refund", args=[payment.public_id])


@pytest.fixture
def paid(offering, patient):
    """A €90 card payment of `patient` for a session with `specialist`, paid yesterday."""
    return payment_of(offering, patient=patient, paid_at=timezone.now() - timedelta(days=1))


@pytest.fixture
def other_specialist(org):
    return specialist_of(org, display_name="Mia Roth")


def marketplace(billing):
    billing.model = BillingModel.MARKETPLACE
    billing.save()


class TestWhoMayEnter:
    @pytest.mark.parametrize("url", [REVENUE, CSV, ONBOARDING])
    def test_specialists_only(self, client, specialist, patient, org, url):
        client.force_login(specialist.user)
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        client.force_login(patient)
        assert client.get(url).status_code == 403
        client.force_login(member(org, Membership.Role.ADMIN, staff=True))
        assert client.get(url).status_code == 403
        client.logout()
        assert client.get(url)["Location"].startswith(reverse("account_login"))

    def test_the_refund_page_is_the_payments_specialists_only(self, client, paid, patient, other_specialist):
        client.force_login(other_specialist.user)
        assert client.get(refund_url(paid)).status_code == 404
        assert client.post(refund_url(paid), {"amount": "90", "reason": "x"}).status_code == 404
        client.force_login(patient)
        assert client.get(refund_url(paid)).status_code == 403
        client.logout()
        assert client.get(refund_url(paid))["Location"].startswith(reverse("account_login"))
        assert not Refund.objects.exists()

    def test_connect_takes_posts_only(self, client, specialist, patient):
        client.force_login(specialist.user)
        assert client.get(CONNECT).status_code == 405
        client.force_login(patient)
        assert client.post(CONNECT).status_code == 403
        assert not PayoutAccount.objects.exists()

    def test_the_revenue_link_is_in_the_specialists_navigation(self, client, specialist):
        client.force_login(specialist.user)
        page = client.get(REVENUE).content.decode()
        assert f'href="{REVENUE}" aria-current="page">Revenue<' in page


class TestRevenuePage:
    def test_figures_payments_and_refund_links(self, client, specialist, paid, offering):
        covered = payment_of(
            offering,
            kind=Payment.Kind.COVERAGE,
            program=ProgramFactory(organization=specialist.organization, name="Employee Wellbeing"),
            paid_at=timezone.now() - timedelta(days=2),
            intent_id=None,
        )
        payment_of(offering, status=Payment.Status.DUE)
        client.force_login(specialist.user)
        response = client.get(REVENUE)
        page = response.content.decode()
        assert response.context["revenue"].totals[0].gross == 9000
        assert "€90.00" in page and "Due now" in page and "By week" in page and "By month" in page
        assert refund_url(paid) in page
        assert refund_url(covered) not in page  # a program paid: nothing to give back
        assert "Covered by Employee Wellbeing" in page
        assert paid.patient.display_name in page
        assert AuditLog.objects.filter(actor=specialist.user, action=AuditLog.Action.READ).exists()

    def test_nothing_yet_is_a_friendly_empty_page(self, client, specialist):
        client.force_login(specialist.user)
        page = client.get(REVENUE).content.decode()
        assert "No payments in these dates" in page

    def test_reversed_dates_are_a_clear_400(self, client, specialist):
        client.force_login(specialist.user)
        today = timezone.localdate()
        response = client.get(REVENUE, {"from": today.isoformat(), "to": (today - timedelta(days=5)).isoformat()})
        assert response.status_code == 400
        assert "The start date is after the end date." in response.content.decode()
        assert "revenue" not in response.context

    def test_pages_of_payments_keep_the_dates(self, client, specialist, offering, monkeypatch):
        monkeypatch.setattr(reports, "PAGE_SIZE", 2)
        for _n in range(3):
            payment_of(offering, paid_at=timezone.now() - timedelta(days=1))
        client.force_login(specialist.user)
        start = (timezone.localdate() - timedelta(days=30)).isoformat()
        page = client.get(REVENUE, {"from": start}).content.decode()
        assert f"?from={start}&amp;page=2" in page
        second = client.get(REVENUE, {"from": start, "page": "2"})
        assert len(second.context["page"].object_list) == 1
        assert client.get(REVENUE, {"page": "nonsense"}).status_code == 200

    def test_five_or_fifty_payments_cost_the_same_queries(self, client, specialist, offering):
        client.force_login(specialist.user)
        for _n in range(5):
            payment_of(offering, paid_at=timezone.now() - timedelta(days=1))
        client.get(REVENUE)  # sessions and caches warm
        with CaptureQueriesContext(connection) as few:
            client.get(REVENUE)
        for _n in range(45):
            payment_of(offering, paid_at=timezone.now() - timedelta(days=1))
        with CaptureQueriesContext(connection) as many:
            client.get(REVENUE)
        assert len(many) == len(few)


class TestPayoutPanel:
    def test_a_platform_managed_organization_needs_no_account(self, client, specialist):
        client.force_login(specialist.user)
        page = client.get(REVENUE).content.decode()
        assert "Payout account" not in page
        assert "takes these payments into its own account" in page

    @pytest.mark.parametrize(
        ("status", "badge", "button"),
        [
            (None, "Not connected", "Connect your payout account"),
            (PayoutAccount.Status.PENDING, "Pending", "Continue connecting"),
            (PayoutAccount.Status.NEEDS_INFORMATION, "Needs information", "Add the missing information"),
            (PayoutAccount.Status.ACTIVE, "Active", None),
        ],
    )
    def test_each_state_shows_its_next_step(self, client, specialist, billing, status, badge, button):
        marketplace(billing)
        if status:
            PayoutAccountFactory(specialist=specialist, status=status)
        client.force_login(specialist.user)
        page = client.get(REVENUE).content.decode()
        assert badge in page
        assert "test payment provider" in page
        if button:
            assert button in page and f'action="{CONNECT}"' in page
        else:
            assert f'action="{CONNECT}"' not in page

    def test_payouts_the_provider_reports_are_listed(
        self, client, specialist, billing, django_capture_on_commit_callbacks
    ):
        marketplace(billing)
        account = PayoutAccountFactory(specialist=specialist, status=PayoutAccount.Status.ACTIVE)
        client.force_login(specialist.user)
        assert "No payouts yet" in client.get(REVENUE).content.decode()
        for kind, status in (("created", "pending"), ("paid", "paid")):  # one payout, then paid
            with django_capture_on_commit_callbacks(execute=True):
                services.webhook_event_accept(
                    offline.event(
                        f"payout.{kind}",
                        {"id": "po_1", "object": "payout", "amount": 15500, "currency": "eur", "status": status},
                        account=account.stripe_account_id,
                    )
                )
        payout = account.payouts.get()
        assert (payout.amount_minor, payout.currency, payout.status) == (15500, "EUR", "paid")
        page = client.get(REVENUE).content.decode()
        assert "Payouts to your bank" in page and "€155.00" in page and "Paid out" in page

    def test_a_programs_own_model_is_enough_to_need_one(self, client, specialist):
        ProgramBillingFactory(program=ProgramFactory(organization=specialist.organization), model="specialist")
        client.force_login(specialist.user)
        assert "Connect your payout account" in client.get(REVENUE).content.decode()


class TestRevenueCsv:
    def test_rows_of_payments_and_refunds_as_an_audited_export(self, client, specialist, paid):
        RefundFactory(payment=paid, amount_minor=3000, reason="=cmd|' /C calc'!A0")
        client.force_login(specialist.user)
        response = client.get(CSV)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="payments-')
        header, *rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert header == reports.SPECIALIST_CSV_HEADER
        assert [(row[1], row[8]) for row in rows] == [("charge", "90.00"), ("refund", "30.00")]
        assert rows[1][-1] == "'=cmd|' /C calc'!A0"
        assert AuditLog.objects.filter(actor=specialist.user, action=AuditLog.Action.EXPORT).count() == 1

    def test_bad_dates_are_a_400_with_the_reason(self, client, specialist):
        client.force_login(specialist.user)
        response = client.get(CSV, {"from": "2020-13-01"})
        assert response.status_code == 400
        assert "Enter a valid date." in response.content.decode()
        assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()

    def test_another_specialists_payments_are_not_in_it(self, client, other_specialist, paid):
        client.force_login(other_specialist.user)
        body = b"".join(client.get(CSV).streaming_content).decode()
        assert body.strip() == ",".join(reports.SPECIALIST_CSV_HEADER)


class TestRefund:
    def test_the_form_offers_the_whole_amount_left(self, client, specialist, paid):
        RefundFactory(payment=paid, amount_minor=2000, status=Refund.Status.PENDING, succeeded_at=None)
        client.force_login(specialist.user)
        response = client.get(refund_url(paid))
        assert response.status_code == 200
        assert response.context["form"]["amount"].value() == "70.00"
        page = response.content.decode()
        assert "Left to refund" in page and "€70.00" in page and "Refunds so far" in page
        assert AuditLog.objects.filter(actor=specialist.user, action=AuditLog.Action.READ).exists()

    def test_a_partial_refund_is_sent_and_audited(self, client, specialist, paid, django_capture_on_commit_callbacks):
        client.force_login(specialist.user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(refund_url(paid), {"amount": "30,50", "reason": "Session cut short"})
        assert response.status_code == 302 and response["Location"] == REVENUE
        refund = Refund.objects.get()
        assert (refund.amount_minor, refund.cause, refund.reason, refund.by) == (
            3050,
            Refund.Cause.MANUAL,
            "Session cut short",
            specialist.user,
        )
        assert AuditLog.objects.filter(action=AuditLog.Action.WRITE, object_public_id=refund.public_id).exists()
        paid.refresh_from_db()
        refund.refresh_from_db()
        assert refund.status == Refund.Status.SUCCEEDED and paid.refunded_minor == 3050
        page = client.get(REVENUE).content.decode()
        assert "Refund of €30.50 on its way" in page

    @pytest.mark.parametrize(
        ("posted", "message"),
        [
            ({"amount": "90.01", "reason": "Too much"}, "more than is left to refund of this payment (€90.00)"),
            ({"amount": "0", "reason": "Nothing"}, "Please enter an amount above zero."),
            ({"amount": "-5", "reason": "Negative"}, "Enter an amount in EUR like 90.00."),
            ({"amount": "ten", "reason": "Words"}, "Enter an amount in EUR like 90.00."),
            ({"amount": "10.001", "reason": "Decimals"}, "Enter an amount in EUR like 90.00."),
            ({"amount": "1e9999", "reason": "Enormous"}, "Enter an amount in EUR like 90.00."),
            ({"amount": "10", "reason": "   "}, "Please give a reason for the refund."),
            ({"amount": "10", "reason": "x" * 501}, "at most 500 characters"),
            ({"amount": "", "reason": "Empty"}, "This field is required."),
        ],
    )
    def test_bad_input_is_422_and_nothing_is_stored(self, client, specialist, paid, posted, message):
        client.force_login(specialist.user)
        response = client.post(refund_url(paid), posted)
        assert response.status_code == 422
        assert message in response.content.decode()
        assert not Refund.objects.exists()

    def test_refunds_on_their_way_count_against_what_is_left(self, client, specialist, paid):
        RefundFactory(payment=paid, amount_minor=8000, status=Refund.Status.PENDING, succeeded_at=None)
        client.force_login(specialist.user)
        response = client.post(refund_url(paid), {"amount": "20", "reason": "Again"})
        assert response.status_code == 422
        assert "(€10.00)" in response.content.decode()
        assert Refund.objects.count() == 1

    def test_a_refund_racing_another_is_refused_by_the_service(self, client, specialist, paid, monkeypatch):
        def taken(**kwargs):
            raise ValidationError("That is more than is left to refund of this payment.")

        monkeypatch.setattr(services, "refund_create", taken)
        client.force_login(specialist.user)
        response = client.post(refund_url(paid), {"amount": "90", "reason": "Race"})
        assert response.status_code == 422
        assert "That is more than is left to refund of this payment." in response.content.decode()

    @pytest.mark.parametrize("kind", ["coverage", "due", "refunded"])
    def test_nothing_to_refund_says_so(self, client, specialist, offering, kind):
        fields = {
            "coverage": {"kind": Payment.Kind.COVERAGE, "intent_id": None},
            "due": {"status": Payment.Status.DUE},
            "refunded": {"refunded_minor": 9000},
        }[kind]
        payment = payment_of(offering, **fields)
        client.force_login(specialist.user)
        page = client.get(refund_url(payment)).content.decode()
        assert "nothing to refund" in page or "has been refunded" in page
        assert 'name="amount"' not in page
        response = client.post(refund_url(payment), {"amount": "1", "reason": "Try"})
        assert response.status_code == 422
        assert not Refund.objects.exists()


class TestConnect:
    def test_the_offline_provider_sends_to_its_own_onboarding_page(self, client, specialist, billing):
        marketplace(billing)
        client.force_login(specialist.user)
        response = client.post(CONNECT)
        assert response.status_code == 302 and response["Location"] == ONBOARDING
        account = PayoutAccount.objects.get(specialist=specialist)
        assert account.status == PayoutAccount.Status.PENDING
        client.post(CONNECT)
        assert PayoutAccount.objects.count() == 1

    def test_return_and_refresh_urls_are_absolute_revenue_urls(self, client, specialist, billing, monkeypatch):
        marketplace(billing)
        seen = {}

        def onboarding_url(**kwargs):
            seen.update(kwargs)
            return "https://connect.stripe.test/setup/abc"

        monkeypatch.setattr(services, "payout_account_onboarding_url", onboarding_url)
        client.force_login(specialist.user)
        response = client.post(CONNECT)
        assert response["Location"] == "https://connect.stripe.test/setup/abc"
        assert seen["return_url"] == seen["refresh_url"] == f"http://testserver{REVENUE}"
        assert seen["specialist"] == specialist

    def test_a_platform_managed_organization_has_nothing_to_connect(self, client, specialist):
        client.force_login(specialist.user)
        response = client.post(CONNECT, follow=True)
        assert response.redirect_chain == [(REVENUE, 302)]
        assert "there is nothing to connect" in response.content.decode()
        assert not PayoutAccount.objects.exists()

    def test_stripe_out_of_reach_is_a_message(self, client, specialist, billing, monkeypatch):
        marketplace(billing)

        def unreachable(**kwargs):
            raise stripe.APIConnectionError("no route")

        monkeypatch.setattr(services, "payout_account_onboarding_url", unreachable)
        client.force_login(specialist.user)
        response = client.post(CONNECT, follow=True)
        assert "Stripe could not be reached just now." in response.content.decode()

    def test_a_specialist_without_a_profile_yet_gets_one(self, client, org, billing):
        marketplace(billing)
        user = member(org, Membership.Role.SPECIALIST, staff=True)
        client.force_login(user)
        assert client.post(CONNECT)["Location"] == ONBOARDING
        assert PayoutAccount.objects.get().specialist.user == user


class TestOfflineOnboarding:
    def test_before_connecting_it_offers_to_start(self, client, specialist):
        client.force_login(specialist.user)
        page = client.get(ONBOARDING).content.decode()
        assert "This is the test provider." in page and "Start connecting" in page

    @pytest.mark.parametrize(
        ("outcome", "status"),
        [("complete", PayoutAccount.Status.ACTIVE), ("incomplete", PayoutAccount.Status.NEEDS_INFORMATION)],
    )
    def test_finishing_or_leaving_sets_the_status(
        self, client, specialist, outcome, status, django_capture_on_commit_callbacks
    ):
        account = PayoutAccountFactory(specialist=specialist, status=PayoutAccount.Status.PENDING)
        client.force_login(specialist.user)
        page = client.get(ONBOARDING).content.decode()
        assert "Finish onboarding" in page and "Leave with information missing" in page
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(ONBOARDING, {"outcome": outcome})
        assert response.status_code == 302 and response["Location"] == REVENUE
        account.refresh_from_db()
        assert account.status == status

    def test_without_an_account_or_with_a_made_up_outcome_it_is_422(self, client, specialist):
        client.force_login(specialist.user)
        response = client.post(ONBOARDING, {"outcome": "complete"})
        assert response.status_code == 422
        assert "Start connecting your account first." in response.content.decode()
        account = PayoutAccountFactory(specialist=specialist, status=PayoutAccount.Status.PENDING)
        response = client.post(ONBOARDING, {"outcome": "rich"})
        assert response.status_code == 422
        account.refresh_from_db()
        assert account.status == PayoutAccount.Status.PENDING

    def test_with_stripe_configured_there_is_no_test_page(self, client, specialist, settings):
        settings.STRIPE_SECRET_KEY = "sk_test_123"
        client.force_login(specialist.user)
        assert client.get(ONBOARDING).status_code == 404
        assert client.post(ONBOARDING, {"outcome": "complete"}).status_code == 404

    def test_a_user_who_is_no_specialist_is_refused(self, client):
        client.force_login(UserFactory())
        assert client.get(ONBOARDING).status_code == 403
