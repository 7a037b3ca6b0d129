"""The demo affiliate's figures (affiliates/demo.py): links, clicks and
sign-ups with some counts shown and some "<11", commissions only from
payments that exist, statements approved as the months allow."""

import pytest
from django.db import transaction

from affiliates import demo
from affiliates.dashboard import figures_for_user
from affiliates.models import Affiliate, Commission, CommissionStatement, Referral
from core import demo as core_demo
from core.cells import ABSENT, SUPPRESSED
from payments.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, tmp_path, django_capture_on_commit_callbacks):
    """Every seeder as `make run` runs them, each committed before the next."""
    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = str(tmp_path)
    for _name, seeder in core_demo.seeders():
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            seeder()


def test_the_demo_affiliate_has_figures_both_shown_and_hidden(seeded):
    affiliate = Affiliate.objects.get(user__email=demo.AFFILIATE)
    assert "demo" in affiliate.name.lower()
    assert affiliate.links.count() == 3

    (figures,) = figures_for_user(user=affiliate.user)
    shown = [row.signups.shown for item in figures.links for row in item.months]
    assert any(value not in (SUPPRESSED, ABSENT) and int(value) >= 11 for value in shown)
    assert SUPPRESSED in shown
    assert Referral.objects.filter(affiliate=affiliate, patient__email__endswith=f"@{demo.COHORT_DOMAIN}").count() > 100


def test_demo_commissions_come_only_from_payments_that_exist(seeded):
    affiliate = Affiliate.objects.get(user__email=demo.AFFILIATE)
    earned = Commission.objects.filter(statement__affiliate=affiliate, reverses__isnull=True)
    assert earned.exists()
    payments = Payment.objects.filter(pk__in=earned.values("payment_id"))
    assert all(p.status == Payment.Status.SUCCEEDED and p.kind == Payment.Kind.CHARGE for p in payments)
    assert all(line.statement.month == line.payment.paid_at.date().replace(day=1) for line in earned)
    statuses = set(CommissionStatement.objects.filter(affiliate=affiliate).values_list("status", flat=True))
    assert "pending" in statuses or "approved" in statuses


def test_seeding_again_changes_nothing(seeded):
    before = (Referral.objects.count(), Commission.objects.count())
    assert demo.seed() == ["already there"]
    assert (Referral.objects.count(), Commission.objects.count()) == before
