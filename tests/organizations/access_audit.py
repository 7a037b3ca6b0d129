"""The audit log viewer in the access matrix (tests/test_access_matrix.py):
the page and its CSV, for `org`'s admins only (another organization's admin
gets 404)."""

from tests.access import ORG_PORTAL, Route

ORG = {"org_slug": "org_slug"}

ROUTES: dict[str, Route] = {
    "organizations:audit": Route(ORG_PORTAL, ORG, private=True),
    "organizations:audit-csv": Route(ORG_PORTAL, ORG, private=True),
}


def samples(personas, org) -> dict:
    return {}
