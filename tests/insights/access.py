"""The insights app's rows of the access matrix (tests/test_access_matrix.py).

The organization's insights page and its CSV downloads open to the
organization's admins only (another organization's admin: 404; patients,
specialists and affiliates: the friendly 403). The specialist's page and
its downloads are any specialist's own figures.
"""

from tests.access import ORG_PORTAL, Route, portal_home

SPECIALISTS = portal_home("specialist", "other_specialist")
ORG = {"org_slug": "org_slug"}

ROUTES: dict[str, Route] = {
    "insights:org-insights": Route(ORG_PORTAL, ORG, private=True),
    "insights:org-csv": Route(ORG_PORTAL, {**ORG, "section": "insights_section"}, private=True),
    "insights:specialist-insights": Route(SPECIALISTS, private=True),
    "insights:specialist-csv": Route(SPECIALISTS, {"section": "insights_section"}, private=True),
}


def samples(personas, org) -> dict:
    return {"insights_section": "funnel"}
