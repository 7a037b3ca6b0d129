"""The video app's rows of the access matrix (tests/test_access_matrix.py).

The sample room is that of patient_a's session with the persona
`specialist`, starting in a few minutes, so it is open. It opens to those
two only: everyone else signed in gets 404 (its existence does not leak).
The specialist's actions and the background preference are POST only. The
waiting list is the specialist portal's, the settings the organization's.
"""

from datetime import timedelta

from django.utils import timezone

from booking.states import AppointmentStatus
from specialists.services import specialist_profile_get_or_create
from tests.access import LOGIN, ORG_PORTAL, SCOPED_TO_ORGANIZATION, Route, admin_model, portal_home, row
from tests.booking.factories import AppointmentFactory
from tests.specialists.factories import OfferingFactory
from video.models import VideoPolicy
from video.services import session_for_appointment

ROOM = {"public_id": "video_appointment_public_id"}

ROUTES: dict[str, Route] = {
    "video:room": Route(row(404, anonymous=LOGIN, patient_a=200, specialist=200), ROOM, private=True),
    "video:admit": Route(row(405), ROOM),
    "video:end": Route(row(405), ROOM),
    "video:no-show": Route(row(405), ROOM),
    "video:preference": Route(row(405)),
    "video:waiting": Route(portal_home("specialist", "other_specialist"), private=True),
    "video:org-settings": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
    **admin_model("video", "videosession", "video_session_pk", SCOPED_TO_ORGANIZATION),
    **admin_model("video", "videopolicy", "video_policy_pk", SCOPED_TO_ORGANIZATION),
}


def samples(personas, org) -> dict:
    """patient_a's session with `org`'s specialist, its room open now, and
    `org`'s video policy."""
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    appointment = AppointmentFactory(
        patient=personas["patient_a"],
        offering=OfferingFactory(specialist=profile),
        status=AppointmentStatus.CONFIRMED,
        starts_at=timezone.now().replace(microsecond=0) + timedelta(minutes=5),
    )
    session = session_for_appointment(appointment)
    return {
        "video_appointment_public_id": appointment.public_id,
        "video_session_pk": session.pk,
        "video_policy_pk": VideoPolicy.objects.create(organization=org).pk,
    }
