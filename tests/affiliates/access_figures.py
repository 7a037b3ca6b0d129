"""The affiliates app's figures in the access matrix (tests/test_access_matrix.py):
the dashboard's CSV and the commission statements. (The dashboard itself,
`affiliates:home`, is in the main table.)

The affiliate's pages open to affiliates, each to their own statements
(another affiliate's: 404, tested in test_views_statements.py); everyone
else signed in gets the friendly 403. The organization's statement pages
open to its admins only; the status change is POST only. Django admin shows
affiliates and statements read-only, each organization its own.
"""

from affiliates.commissions import month_start
from affiliates.models import Affiliate, CommissionStatement
from tests.access import ORG_PORTAL, SCOPED_TO_ORGANIZATION, Route, admin_model, portal_home, row
from tests.affiliates.referred import month_ago

ORG = {"org_slug": "org_slug"}
STATEMENT = {"public_id": "statement_public_id"}
AFFILIATES = portal_home("affiliate")

ROUTES: dict[str, Route] = {
    "affiliates:dashboard-csv": Route(AFFILIATES, private=True),
    "affiliates:statements": Route(AFFILIATES, private=True),
    "affiliates:statement": Route(AFFILIATES, STATEMENT, private=True),
    "affiliates:statement-pdf": Route(AFFILIATES, STATEMENT, private=True),
    "affiliates:statement-csv": Route(AFFILIATES, STATEMENT, private=True),
    "affiliates:org-statements": Route(ORG_PORTAL, ORG, private=True),
    "affiliates:org-statement": Route(ORG_PORTAL, {**ORG, **STATEMENT}, private=True),
    "affiliates:org-statement-status": Route(row(405), {**ORG, **STATEMENT}),
    # Django admin: read-only, each organization's own rows.
    **admin_model("affiliates", "affiliate", "affiliate_pk", SCOPED_TO_ORGANIZATION),
    **admin_model("affiliates", "commissionstatement", "commission_statement_pk", SCOPED_TO_ORGANIZATION),
}


def samples(personas, org) -> dict:
    affiliate, _created = Affiliate.objects.get_or_create(
        organization=org, user=personas["affiliate"], defaults={"name": "Sample partner", "currency": org.currency}
    )
    statement = CommissionStatement.objects.create(affiliate=affiliate, month=month_start(month_ago(1)))
    return {
        "statement_public_id": statement.public_id,
        "affiliate_pk": affiliate.pk,
        "commission_statement_pk": statement.pk,
    }
