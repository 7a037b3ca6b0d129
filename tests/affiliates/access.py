"""The affiliates app's rows of the access matrix (tests/test_access_matrix.py):
referral links, the organization's affiliate management and the affiliate's
own links and payout details. The dashboard and statements are in
access_figures.py.

`/r/<code>` is public and sends everyone to the link's page. The
organization's pages open to its admins only (another organization's admin:
404); the affiliate's pages to affiliates. Link creation and deactivation
are POST only.
"""

from tests.access import ORG_PORTAL, Redirect, Route, portal_home, row
from tests.affiliates.factories import AffiliateFactory, ReferralLinkFactory

ORG = {"org_slug": "org_slug"}
AFFILIATE = {**ORG, "public_id": "affiliate_public_id"}
AFFILIATES = portal_home("affiliate")

ROUTES: dict[str, Route] = {
    "affiliates:follow": Route(row(Redirect("core:landing")), {"code": "referral_code"}),
    "affiliates:org-list": Route(ORG_PORTAL, ORG, private=True),
    "affiliates:org-settings": Route(ORG_PORTAL, ORG, private=True),
    "affiliates:org-affiliate": Route(ORG_PORTAL, AFFILIATE, private=True),
    "affiliates:org-link-create": Route(row(405), AFFILIATE),
    "affiliates:org-link-deactivate": Route(row(405), {**AFFILIATE, "link_id": "referral_link_public_id"}),
    "affiliates:links": Route(AFFILIATES, private=True),
    "affiliates:payout": Route(AFFILIATES, private=True),
}


def samples(personas, org) -> dict:
    affiliate = AffiliateFactory(organization=org, user=personas["affiliate"], membership=False)
    link = ReferralLinkFactory(affiliate=affiliate)
    return {
        "affiliate_public_id": affiliate.public_id,
        "referral_link_public_id": link.public_id,
        "referral_code": link.code,
    }
