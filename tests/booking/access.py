"""The booking app's rows of the access matrix (tests/test_access_matrix.py).

Only Django admin so far: appointments, read-only and scoped to the
organization of the appointment's specialist.
"""

from specialists.services import specialist_profile_get_or_create
from tests.access import SCOPED_TO_ORGANIZATION, Route, admin_model
from tests.booking.factories import AppointmentFactory
from tests.specialists.factories import OfferingFactory

ROUTES: dict[str, Route] = {
    **admin_model("booking", "appointment", "appointment_pk", SCOPED_TO_ORGANIZATION),
}


def samples(personas, org) -> dict:
    """A confirmed appointment of `patient_a` with `org`'s specialist."""
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    assert profile.organization == org
    appointment = AppointmentFactory(
        patient=personas["patient_a"], offering=OfferingFactory(specialist=profile), confirmed=True
    )
    return {"appointment_pk": appointment.pk}
