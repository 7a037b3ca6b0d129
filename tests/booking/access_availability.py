"""The calendar's rows of the access matrix (tests/test_access_matrix.py):
the specialist's calendar, weekly hours, overrides, settings and feed, and
the organization's booking policy.

Every specialist has a calendar of their own (their profile is created on
first visit), so both specialists get 200 on the pages; an override is
looked up among the visitor's own, so the sample is another person's for
everyone but `specialist`, and it is POST only anyway. The feed is public by
design: whoever holds the token reads it (a calendar server signs in as
nobody), and it is not `private` because anonymous fetches are not
no-store (they are `private, max-age=300`). An unknown token answers 404 for
everyone (tests/booking/test_availability_views.py).
"""

from datetime import timedelta

from django.utils import timezone

from booking.services import calendar_feed_create
from specialists.services import specialist_profile_get_or_create
from tests.access import ORG_PORTAL, PUBLIC, Route, portal_home, row
from tests.booking.factories import AvailabilityOverrideFactory

SPECIALISTS = portal_home("specialist", "other_specialist")

ROUTES: dict[str, Route] = {
    "booking:calendar": Route(SPECIALISTS, private=True),
    "booking:hours": Route(SPECIALISTS, private=True),
    "booking:settings": Route(SPECIALISTS, private=True),
    # POST only: a GET changes nothing, whoever sends it.
    "booking:override-create": Route(row(405)),
    "booking:override-delete": Route(row(405), {"public_id": "availability_override_public_id"}),
    "booking:feed-create": Route(row(405)),
    "booking:feed-revoke": Route(row(405)),
    "booking:feed": Route(PUBLIC, {"token": "availability_feed_token"}),
    "booking:org-policy": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
}


def samples(personas, org) -> dict:
    """A day off and a calendar feed of `org`'s specialist."""
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    override = AvailabilityOverrideFactory(specialist=profile, date_on=(timezone.now() + timedelta(days=3)).date())
    feed = calendar_feed_create(specialist=profile, by=personas["specialist"])
    return {"availability_override_public_id": override.public_id, "availability_feed_token": feed.token}
