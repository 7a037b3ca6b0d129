"""The readiness board's rows of the access matrix (tests/test_access_matrix.py):
the organization's status board and its CSV export, for `org`'s admins
only (another organization's admin gets 404)."""

from tests.access import ORG_PORTAL, Route

ORG = {"org_slug": "org_slug"}

ROUTES: dict[str, Route] = {
    "booking:org-readiness": Route(ORG_PORTAL, ORG, private=True),
    "booking:org-readiness-csv": Route(ORG_PORTAL, ORG, private=True),
}


def samples(personas, org) -> dict:
    return {}
