"""The specialist scheduling pages' rows of the access matrix
(tests/test_access_matrix.py): appointments, requests and proposals.

Every object belongs to `org`'s specialist and `patient_a`. The other
specialist has a profile of their own (created here), so for them the list
and the proposal form open, and the sample objects do not exist (404).
Changes are POST only: a GET answers 405 before anything else.
"""

from datetime import timedelta

from django.utils import timezone

from booking.services import availability_request_create, proposal_create
from specialists.services import specialist_profile_get_or_create
from tests.access import LOGIN, Route, portal_home, row
from tests.booking.factories import AppointmentFactory, next_week_at
from tests.specialists.factories import OfferingFactory

SPECIALIST_PAGE = portal_home("specialist", "other_specialist")
OWN_ONLY = row(403, anonymous=LOGIN, specialist=200, other_specialist=404)
APPOINTMENT = {"public_id": "specialist_appt_public_id"}
REQUEST = {"public_id": "specialist_request_public_id"}
PROPOSAL = {"public_id": "specialist_proposal_public_id"}

ROUTES: dict[str, Route] = {
    "booking:specialist-appointments": Route(SPECIALIST_PAGE, private=True),
    "booking:specialist-appointment": Route(OWN_ONLY, APPOINTMENT, private=True),
    "booking:specialist-accept": Route(row(405), APPOINTMENT),
    "booking:specialist-decline": Route(row(405), APPOINTMENT),
    "booking:specialist-cancel": Route(row(405), APPOINTMENT),
    "booking:specialist-reschedule": Route(OWN_ONLY, APPOINTMENT, private=True),
    "booking:specialist-request": Route(OWN_ONLY, REQUEST, private=True),
    "booking:request-close": Route(row(405), REQUEST),
    "booking:proposal-create": Route(SPECIALIST_PAGE, private=True),
    "booking:specialist-proposal": Route(OWN_ONLY, PROPOSAL, private=True),
    "booking:proposal-withdraw": Route(row(405), PROPOSAL),
}


def samples(personas, org) -> dict:
    """A requested time, an availability request and an open proposal of
    `patient_a` with `org`'s specialist."""
    specialist = personas["specialist"]
    profile = specialist_profile_get_or_create(user=specialist)
    specialist_profile_get_or_create(user=personas["other_specialist"])
    offering = OfferingFactory(specialist=profile)
    patient = personas["patient_a"]
    appointment = AppointmentFactory(patient=patient, offering=offering, starts_at=next_week_at(9))
    request = availability_request_create(
        patient=patient, specialist=profile, offering=offering, windows=[], note="Mornings, please."
    )
    proposal = proposal_create(
        specialist=profile,
        patient=patient,
        offering=offering,
        starts_at=[next_week_at(13), next_week_at(15)],
        expires_at=timezone.now() + timedelta(days=2),
        by=specialist,
    )
    return {
        "specialist_appt_public_id": appointment.public_id,
        "specialist_request_public_id": request.public_id,
        "specialist_proposal_public_id": proposal.public_id,
    }
