"""The organization's payment pages: financials and their CSV, and the
billing settings."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog, JourneyEvent
from organizations.models import Membership
from payments import reports
from payments.models import BillingModel, BillingSettings, OfferingTiming, Payment, PaymentTiming, ProgramBilling
from tests.conftest import member
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import OfferingFactory

from .factories import BillingSettingsFactory, ProgramBillingFactory, RefundFactory, payment_of

pytestmark = pytest.mark.django_db


def financials_url(org) -> str:
    return reverse("payments:org-financials", args=[org.slug])


def csv_url(org) -> str:
    return reverse("payments:org-csv", args=[org.slug])


def billing_url(org) -> str:
    return reverse("payments:org-billing", args=[org.slug])


@pytest.fixture
def admin(org):
    return member(org, Membership.Role.ADMIN, staff=True)


@pytest.fixture
def other_admin(other_org):
    return member(other_org, Membership.Role.ADMIN, staff=True)


@pytest.fixture
def program(org):
    return ProgramFactory(organization=org, name="Employee Wellbeing")


@pytest.fixture
def ledger(offering, program):
    yesterday = timezone.now() - timedelta(days=1)
    paid = payment_of(
        offering,
        paid_at=yesterday,
        billing_model=BillingModel.MARKETPLACE,
        application_fee_minor=1200,
        refunded_minor=3000,
    )
    RefundFactory(payment=paid, amount_minor=3000, succeeded_at=yesterday)
    covered = payment_of(offering, kind=Payment.Kind.COVERAGE, program=program, paid_at=yesterday, intent_id=None)
    return {"paid": paid, "covered": covered}


def billing_post(**changes) -> dict:
    """A valid billing form: marketplace with a 12.5 % + €1.50 fee, VAT 19 %."""
    data = {
        "enabled": "on",
        "model": "marketplace",
        "stripe_account_id": "",
        "default_timing": "to_confirm",
        "fee_percent": "12.5",
        "fee_fixed": "1.50",
        "late_cancellation_refund_percent": "40",
        "no_show_fee_percent": "80",
        "legal_name": "Demo Clinic GmbH",
        "address": "1 Example Street\n10115 Berlin",
        "tax_label": "VAT",
        "tax_percent": "19",
        "tax_id": "DE123456789",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


class TestWhoMayEnter:
    @pytest.mark.parametrize("url", [financials_url, csv_url, billing_url])
    def test_the_organizations_admins_only(self, client, org, admin, other_admin, specialist, patient, url):
        client.force_login(admin)
        response = client.get(url(org))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        client.force_login(other_admin)
        assert client.get(url(org)).status_code == 404
        client.force_login(specialist.user)
        assert client.get(url(org)).status_code == 403
        client.force_login(patient)
        assert client.get(url(org)).status_code == 403
        client.logout()
        assert client.get(url(org))["Location"].startswith(reverse("account_login"))

    def test_another_organizations_admin_cannot_save(self, client, org, billing, other_admin):
        client.force_login(other_admin)
        assert client.post(billing_url(org), billing_post()).status_code == 404
        billing.refresh_from_db()
        assert billing.model == BillingModel.PLATFORM

    def test_both_pages_are_in_the_organizations_navigation(self, client, org, admin):
        client.force_login(admin)
        page = client.get(billing_url(org)).content.decode()
        assert f'href="{billing_url(org)}" aria-current="page">Billing<' in page
        assert f'href="{financials_url(org)}"' in page
        home = client.get(reverse("organizations:home", args=[org.slug])).content.decode()
        assert f'href="{financials_url(org)}"' in home


class TestFinancials:
    def test_figures_per_month_specialist_and_program(self, client, org, admin, ledger):
        client.force_login(admin)
        response = client.get(financials_url(org))
        (eur,) = response.context["financials"].totals
        assert (eur.gross, eur.refunds, eur.collected, eur.fees, eur.covered) == (9000, 3000, 6000, 800, 9000)
        page = response.content.decode()
        for text in ("€90.00", "€30.00", "€60.00", "€8.00", "Lena Berg", "Employee Wellbeing", "Coverage owed"):
            assert text in page
        assert AuditLog.objects.filter(actor=admin, action=AuditLog.Action.READ).exists()

    def test_no_payments_points_to_the_billing_settings(self, client, org, admin):
        client.force_login(admin)
        page = client.get(financials_url(org)).content.decode()
        assert "No payments in these dates" in page and billing_url(org) in page

    def test_another_organizations_money_is_not_shown(self, client, other_org, other_admin, ledger):
        client.force_login(other_admin)
        response = client.get(financials_url(other_org))
        assert response.context["financials"].totals == []
        assert "Lena Berg" not in response.content.decode()

    @pytest.mark.parametrize(
        "query",
        [{"from": "+1", "to": "-1"}, {"from": "-2000"}, {"to": "soon"}, {"from": "1900-01-01"}],
    )
    def test_reversed_or_absurd_dates_are_a_clear_400(self, client, org, admin, query):
        today = timezone.localdate()
        query = {
            key: (today + timedelta(days=int(value))).isoformat() if value[:1] in "+-" else value
            for key, value in query.items()
        }
        client.force_login(admin)
        response = client.get(financials_url(org), query)
        assert response.status_code == 400
        assert 'class="form-errors"' in response.content.decode() or 'class="error"' in response.content.decode()
        assert "financials" not in response.context
        assert client.get(csv_url(org), query).status_code == 400

    def test_five_or_fifty_payments_cost_the_same_queries(self, client, org, admin, offering, program):
        client.force_login(admin)

        def add(n):
            for _n in range(n):
                payment = payment_of(offering, paid_at=timezone.now() - timedelta(days=2), refunded_minor=500)
                RefundFactory(payment=payment, amount_minor=500)
                payment_of(
                    offering,
                    kind=Payment.Kind.COVERAGE,
                    program=program,
                    paid_at=timezone.now() - timedelta(days=3),
                    intent_id=None,
                )

        add(5)
        client.get(financials_url(org))
        with CaptureQueriesContext(connection) as few:
            client.get(financials_url(org))
        add(45)
        with CaptureQueriesContext(connection) as many:
            client.get(financials_url(org))
        assert len(many) == len(few)


class TestFinancialsCsv:
    def test_one_row_per_payment_audited_and_guarded(self, client, org, admin, ledger, specialist):
        specialist.display_name = "@SUM(1+1)*cmd"
        specialist.save()
        client.force_login(admin)
        response = client.get(csv_url(org))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="payments-{org.slug}-{timezone.localdate() - timedelta(days=89)}.csv"'
        )
        header, *rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert header == reports.ORGANIZATION_CSV_HEADER
        rows = [dict(zip(header, row, strict=True)) for row in rows]
        assert [
            (row["type"], row["amount"], row["organization_fee"], row["refunded"], row["covered"]) for row in rows
        ] == [
            ("charge", "90.00", "12.00", "30.00", "0.00"),
            ("coverage", "90.00", "0.00", "0.00", "90.00"),
        ]
        assert {row["specialist"] for row in rows} == {"'@SUM(1+1)*cmd"}
        assert ledger["paid"].patient.display_name not in b"".join(client.get(csv_url(org)).streaming_content).decode()
        assert AuditLog.objects.filter(actor=admin, action=AuditLog.Action.EXPORT).count() == 2


class TestBillingPage:
    def test_without_settings_it_shows_the_defaults(self, client, org, admin):
        client.force_login(admin)
        response = client.get(billing_url(org))
        initial = response.context["form"].initial
        assert (initial["enabled"], initial["model"], initial["fee_percent"], initial["fee_fixed"]) == (
            False,
            BillingModel.PLATFORM,
            "0",
            "0.00",
        )
        assert not BillingSettings.objects.exists()

    def test_saved_settings_show_as_typed(self, client, org, admin):
        BillingSettingsFactory(organization=org, fee_basis_points=1250, fee_fixed_minor=150, tax_basis_points=1900)
        client.force_login(admin)
        initial = client.get(billing_url(org)).context["form"].initial
        assert (initial["fee_percent"], initial["fee_fixed"], initial["tax_percent"]) == ("12.5", "1.50", "19")

    def test_saving_stores_every_setting_with_an_audit_row(self, client, org, admin):
        client.force_login(admin)
        response = client.post(billing_url(org), billing_post(), follow=True)
        assert response.redirect_chain == [(billing_url(org), 302)]
        assert "Billing settings saved." in response.content.decode()
        billing = BillingSettings.objects.get(organization=org)
        assert billing.enabled and billing.model == BillingModel.MARKETPLACE
        assert billing.default_timing == PaymentTiming.TO_CONFIRM
        assert (billing.fee_basis_points, billing.fee_fixed_minor) == (1250, 150)
        assert (billing.late_cancellation_refund_percent, billing.no_show_fee_percent) == (40, 80)
        assert (billing.legal_name, billing.tax_label, billing.tax_basis_points, billing.tax_id) == (
            "Demo Clinic GmbH",
            "VAT",
            1900,
            "DE123456789",
        )
        assert AuditLog.objects.filter(
            actor=admin, action=AuditLog.Action.WRITE, object_public_id=org.public_id
        ).exists()
        assert JourneyEvent.objects.filter(actor=admin, verb="billing.settings_changed").exists()

    def test_a_platform_managed_organization_may_name_its_stripe_account(self, client, org, admin):
        client.force_login(admin)
        client.post(billing_url(org), billing_post(model="platform", stripe_account_id="acct_1A2b3C4d"))
        assert BillingSettings.objects.get().stripe_account_id == "acct_1A2b3C4d"

    def test_unticking_switches_payments_off(self, client, org, admin, billing):
        client.force_login(admin)
        client.post(billing_url(org), billing_post(enabled=None))
        billing.refresh_from_db()
        assert not billing.enabled

    def test_timing_per_service_and_back_to_the_default(self, client, org, admin, offering, specialist):
        other = OfferingFactory(specialist=specialist, name="Couples session")
        archived = OfferingFactory(specialist=specialist, name="Old", is_active=False)
        foreign = OfferingFactory(name="Another organization's")
        client.force_login(admin)
        page = client.get(billing_url(org)).content.decode()
        assert "Therapy session" in page and "Couples session" in page and "Lena Berg" in page
        assert f"timing-{archived.public_id}" not in page and f"timing-{foreign.public_id}" not in page
        client.post(
            billing_url(org),
            billing_post(
                **{
                    f"timing-{offering.public_id}": "after_session",
                    f"timing-{other.public_id}": "",
                    f"timing-{foreign.public_id}": "after_session",
                }
            ),
        )
        assert dict(OfferingTiming.objects.values_list("offering", "timing")) == {offering.pk: "after_session"}
        assert AuditLog.objects.filter(action=AuditLog.Action.WRITE, object_public_id=offering.public_id).count() == 1
        client.post(billing_url(org), billing_post(**{f"timing-{offering.public_id}": ""}))
        assert not OfferingTiming.objects.exists()
        assert JourneyEvent.objects.filter(verb="billing.offering_timing_changed").count() == 2

    def test_unchanged_services_and_programs_write_nothing(self, client, org, admin, offering, program):
        client.force_login(admin)
        client.post(billing_url(org), billing_post())
        assert not OfferingTiming.objects.exists() and not ProgramBilling.objects.exists()
        assert not JourneyEvent.objects.filter(verb__in=["billing.offering_timing_changed", "billing.program_changed"])

    def test_program_coverage_and_its_own_fee(self, client, org, admin, program):
        other = ProgramFactory(organization=org, name="Students")
        ProgramBillingFactory(program=other, covered_sessions=3)
        prefix = f"program-{program.public_id}"
        client.force_login(admin)
        page = client.get(billing_url(org)).content.decode()
        assert "Employee Wellbeing" in page and "Students" in page
        client.post(
            billing_url(org),
            billing_post(
                **{
                    f"{prefix}-covered_sessions": "8",
                    f"{prefix}-model": "specialist",
                    f"{prefix}-fee_percent": "",
                    f"{prefix}-fee_fixed": "2",
                    f"program-{other.public_id}-covered_sessions": "3",
                    f"program-{other.public_id}-model": "",
                }
            ),
        )
        billing = ProgramBilling.objects.get(program=program)
        assert (billing.covered_sessions, billing.model, billing.fee_basis_points, billing.fee_fixed_minor) == (
            8,
            "specialist",
            None,
            200,
        )
        assert ProgramBilling.objects.get(program=other).covered_sessions == 3
        assert AuditLog.objects.filter(action=AuditLog.Action.WRITE, object_public_id=program.public_id).count() == 1
        assert not AuditLog.objects.filter(object_public_id=other.public_id).exists()

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"fee_percent": "60"}, "fee_percent", "Enter a percentage from 0 to 50."),
            ({"fee_percent": "-1"}, "fee_percent", "Enter a percentage from 0 to 50."),
            ({"fee_percent": "12.345"}, "fee_percent", "Use at most two decimals"),
            ({"fee_percent": "lots"}, "fee_percent", "Enter a percentage like 12.5."),
            ({"fee_percent": "NaN"}, "fee_percent", "Enter a percentage from 0 to 50."),
            ({"fee_fixed": "1.505"}, "fee_fixed", "Enter an amount in EUR like 90.00."),
            ({"fee_fixed": "-1"}, "fee_fixed", "Enter an amount in EUR like 90.00."),
            ({"fee_fixed": "100001"}, "fee_fixed", "A fixed fee can be at most"),
            ({"model": "barter"}, "model", "Select a valid choice."),
            ({"model": None}, "model", "This field is required."),
            ({"default_timing": "never"}, "default_timing", "Select a valid choice."),
            ({"late_cancellation_refund_percent": "101"}, "late_cancellation_refund_percent", "less than or equal"),
            ({"no_show_fee_percent": "-1"}, "no_show_fee_percent", "greater than or equal"),
            ({"tax_label": ""}, "tax_label", "Name the tax"),
            ({"tax_percent": "51"}, "tax_percent", "Enter a percentage from 0 to 50."),
            ({"stripe_account_id": "acct_1"}, "stripe_account_id", "Only the platform-managed model"),
            ({"model": "platform", "stripe_account_id": "not an id"}, "stripe_account_id", "looks like acct_"),
            ({"legal_name": "x" * 201}, "legal_name", "at most 200 characters"),
        ],
    )
    def test_bad_input_is_422_and_nothing_is_saved(self, client, org, admin, billing, changes, field, message):
        client.force_login(admin)
        response = client.post(billing_url(org), billing_post(**changes))
        assert response.status_code == 422
        assert message in " ".join(response.context["form"].errors[field])
        assert "Nothing was saved." in response.content.decode()
        billing.refresh_from_db()
        assert (billing.model, billing.fee_basis_points) == (BillingModel.PLATFORM, 0)
        assert not AuditLog.objects.filter(action=AuditLog.Action.WRITE).exists()

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"covered_sessions": "500"}, "less than or equal to 200"),
            ({"covered_sessions": ""}, "This field is required."),
            ({"model": "free"}, "Select a valid choice."),
            ({"fee_percent": "99"}, "Enter a percentage from 0 to 50."),
        ],
    )
    def test_one_bad_program_saves_nothing_at_all(
        self, client, org, admin, billing, program, offering, changes, message
    ):
        prefix = f"program-{program.public_id}"
        program_fields = {"covered_sessions": "8", **changes}
        posted = billing_post(
            **{f"timing-{offering.public_id}": "after_session"},
            **{f"{prefix}-{name}": value for name, value in program_fields.items()},
        )
        client.force_login(admin)
        response = client.post(billing_url(org), posted)
        assert response.status_code == 422
        assert message in response.content.decode()
        billing.refresh_from_db()
        assert billing.model == BillingModel.PLATFORM
        assert not OfferingTiming.objects.exists() and not ProgramBilling.objects.exists()
        assert not AuditLog.objects.filter(action=AuditLog.Action.WRITE).exists()
