"""The feedback part's rows of the access matrix (tests/test_access_matrix.py).

The sample is patient_a's completed session of yesterday with the persona
`specialist`, not answered yet. Its feedback page and the appointment
page's panel open to patient_a only: patient_b (a patient too) gets 404.
The emailed link is public: the signed token is the proof (see
care.views.feedback), and a GET never stores anything, so every persona
gets the confirmation page.
"""

from datetime import timedelta

from django.utils import timezone

from booking.states import AppointmentStatus
from care.feedback import feedback_link_token
from specialists.services import specialist_profile_get_or_create
from tests.access import LOGIN, ORG_PORTAL, PUBLIC, Route, portal_home, row
from tests.booking.factories import AppointmentFactory
from tests.specialists.factories import OfferingFactory

SESSION = {"public_id": "feedback_appointment_public_id"}
OWN_SESSION = row(403, anonymous=LOGIN, patient_a=200, patient_b=404)

ROUTES: dict[str, Route] = {
    "care:patient-feedback": Route(OWN_SESSION, SESSION, private=True),
    "care:patient-feedback-panel": Route(OWN_SESSION, SESSION, private=True),
    "care:feedback-link": Route(PUBLIC, {"token": "feedback_link_token"}, private=True),
    "care:org-feedback-settings": Route(ORG_PORTAL, {"org_slug": "org_slug"}, private=True),
    "care:specialist-feedback": Route(portal_home("specialist", "other_specialist"), private=True),
}


def samples(personas, org) -> dict:
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    starts_at = timezone.now().replace(microsecond=0) - timedelta(days=1)
    appointment = AppointmentFactory(
        patient=personas["patient_a"],
        offering=OfferingFactory(specialist=profile),
        status=AppointmentStatus.COMPLETED,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
    )
    return {
        "feedback_appointment_public_id": appointment.public_id,
        "feedback_link_token": feedback_link_token(appointment),
    }
