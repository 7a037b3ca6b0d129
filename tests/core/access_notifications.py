"""The notification inboxes' rows of the access matrix (tests/test_access_matrix.py).

Each inbox belongs to one portal and lists only its reader's own rows, so
both holders of the role get the page. Marking read and opening are POST
only, and answer 405 to a GET before anyone is asked who they are.
"""

from core.portals import Portal
from core.services import notification_create
from tests.access import Route, portal_home, row

PATIENT_PORTAL = portal_home("patient_a", "patient_b")
SPECIALIST_PORTAL = portal_home("specialist", "other_specialist")

ROUTES: dict[str, Route] = {
    "core:patient-notifications": Route(PATIENT_PORTAL, private=True),
    "core:patient-notifications-read": Route(row(405)),  # POST only
    "core:patient-notification-open": Route(row(405), {"public_id": "patient_notification_public_id"}),  # POST only
    "core:specialist-notifications": Route(SPECIALIST_PORTAL, private=True),
    "core:specialist-notifications-read": Route(row(405)),  # POST only
    "core:specialist-notification-open": Route(  # POST only
        row(405), {"public_id": "specialist_notification_public_id"}
    ),
}


def samples(personas, org) -> dict:
    """One unread notification each for patient_a and the specialist."""
    patient_note = notification_create(
        user=personas["patient_a"], portal=Portal.PATIENT, text="Your session was confirmed.", url="/patient/"
    )
    specialist_note = notification_create(
        user=personas["specialist"], portal=Portal.SPECIALIST, text="A new session was booked.", url="/specialist/"
    )
    return {
        "patient_notification_public_id": patient_note.public_id,
        "specialist_notification_public_id": specialist_note.public_id,
    }
