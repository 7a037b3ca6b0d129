"""The overview and specialists' activity pages in the access matrix
(tests/test_access_matrix.py): the organization's admins only (another
organization's admin: 404; everyone else signed in: the friendly 403)."""

from tests.access import ORG_PORTAL, Route

ORG = {"org_slug": "org_slug"}

ROUTES: dict[str, Route] = {
    "insights:org-overview": Route(ORG_PORTAL, ORG, private=True),
    "insights:org-overview-readiness": Route(ORG_PORTAL, ORG, private=True),
    "insights:org-specialists": Route(ORG_PORTAL, ORG, private=True),
}


def samples(personas, org) -> dict:
    return {}
