"""The patient booking pages' rows of the access matrix (tests/test_access_matrix.py).

Only patients enter; the appointment, its pages and the proposal belong to
patient_a, so patient_b gets 404 for them (their existence does not leak).
Every change is POST only and answers 405 to a GET before anyone is asked
who they are. The specialist here is a separate approved one of `org`, so
the persona `specialist`'s own profile stays as other apps' rows expect.
"""

from datetime import timedelta

from tests.access import Route, portal_home, row
from tests.booking.factories import AppointmentFactory, ProposalFactory, next_week_at
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

PATIENTS = portal_home("patient_a", "patient_b")
PATIENT_A_ONLY = {**PATIENTS, "patient_b": 404}
POST_ONLY = row(405)

APPOINTMENT = {"public_id": "booking_patient_appointment_public_id"}
PROPOSAL = {"public_id": "booking_patient_proposal_public_id"}

ROUTES: dict[str, Route] = {
    "booking:book": Route(PATIENTS, {"public_id": "booking_patient_offering_public_id"}, private=True),
    "booking:request-time": Route(POST_ONLY, {"public_id": "booking_patient_offering_public_id"}),
    "booking:availability-request": Route(PATIENTS, {"slug": "booking_patient_specialist_slug"}, private=True),
    "booking:patient-appointments": Route(PATIENTS, private=True),
    "booking:patient-appointment": Route(PATIENT_A_ONLY, APPOINTMENT, private=True),
    "booking:hold-confirm": Route(POST_ONLY, APPOINTMENT),
    "booking:hold-release": Route(POST_ONLY, APPOINTMENT),
    "booking:patient-cancel": Route(POST_ONLY, APPOINTMENT),
    "booking:patient-reschedule": Route(PATIENT_A_ONLY, APPOINTMENT, private=True),
    "booking:appointment-ics": Route(PATIENT_A_ONLY, APPOINTMENT, private=True),
    "booking:patient-proposal": Route(PATIENT_A_ONLY, PROPOSAL, private=True),
    "booking:proposal-accept": Route(POST_ONLY, PROPOSAL),
    "booking:proposal-decline": Route(POST_ONLY, PROPOSAL),
}


def samples(personas, org) -> dict:
    """An approved specialist of `org` with an offering, a confirmed session
    of patient_a with them next week and an open proposal to patient_a."""
    profile = SpecialistProfileFactory(organization=org, display_name="Booking Sample Specialist")
    offering = OfferingFactory(specialist=profile)
    appointment = AppointmentFactory(
        patient=personas["patient_a"], offering=offering, confirmed=True, starts_at=next_week_at(10)
    )
    proposal = ProposalFactory(patient=personas["patient_a"], offering=offering)
    AppointmentFactory(
        patient=personas["patient_a"],
        offering=offering,
        proposed=True,
        proposal=proposal,
        starts_at=next_week_at(10) + timedelta(days=1),
        expires_at=proposal.expires_at,
    )
    return {
        "booking_patient_offering_public_id": offering.public_id,
        "booking_patient_specialist_slug": profile.slug,
        "booking_patient_appointment_public_id": appointment.public_id,
        "booking_patient_proposal_public_id": proposal.public_id,
    }
