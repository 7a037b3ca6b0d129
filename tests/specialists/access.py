"""The specialists app's rows of the access matrix (tests/test_access_matrix.py).

`ROUTES` says what each persona gets from a GET of every route this app
adds; `samples(personas, org)` creates the objects those routes point at and
returns their URL kwargs. Both personas `specialist` and `other_specialist`
start without a profile: the first visit creates it.
"""

from specialists.services import specialist_profile_get_or_create
from tests.access import (
    LOGIN,
    ORG_PORTAL,
    SCOPED_TO_ORGANIZATION,
    Route,
    admin_model,
    portal_home,
    row,
)
from tests.specialists.factories import OfferingFactory

SPECIALIST_PORTAL = portal_home("specialist", "other_specialist")

ROUTES: dict[str, Route] = {
    "specialists:profile-edit": Route(SPECIALIST_PORTAL, private=True),
    "specialists:profile-preview": Route(SPECIALIST_PORTAL, private=True),
    "specialists:profile-submit": Route(row(405)),  # POST only
    "specialists:offerings": Route(SPECIALIST_PORTAL, private=True),
    # Another specialist's offering does not exist for them.
    "specialists:offering-edit": Route(
        row(403, anonymous=LOGIN, specialist=200, other_specialist=404),
        {"public_id": "specialist_offering_public_id"},
        private=True,
    ),
    "specialists:offering-archive": Route(row(405), {"public_id": "specialist_offering_public_id"}),  # POST only
    "specialists:org-specialists": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
    "specialists:org-specialist-review": Route(
        ORG_PORTAL, {"org_slug": "org_slug", "public_id": "specialist_profile_public_id"}, private=True
    ),
    **admin_model("specialists", "specialistprofile", "specialist_profile_pk", SCOPED_TO_ORGANIZATION),
    **admin_model("specialists", "offering", "specialist_offering_pk", SCOPED_TO_ORGANIZATION),
}


def samples(personas, org) -> dict:
    """A profile of `org` (the `specialist` persona's) with one offering."""
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    assert profile.organization == org
    offering = OfferingFactory(specialist=profile)
    return {
        "org_slug": org.slug,
        "specialist_profile_public_id": profile.public_id,
        "specialist_profile_pk": profile.pk,
        "specialist_offering_public_id": offering.public_id,
        "specialist_offering_pk": offering.pk,
    }
