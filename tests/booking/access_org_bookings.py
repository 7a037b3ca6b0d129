"""The organization's bookings list in the access matrix
(tests/test_access_matrix.py): `org`'s admins only (another organization's
admin gets 404)."""

from tests.access import ORG_PORTAL, Route

ROUTES: dict[str, Route] = {
    "booking:org-bookings": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
}


def samples(personas, org) -> dict:
    return {}
