"""The patients app's rows of the access matrix (tests/test_access_matrix.py).

`ROUTES` says what each persona gets from a GET of every route this app
adds; `samples(personas, org)` creates what those routes need. patient_a has
finished the intake (it shows the summary); patient_b has not started (it
sends them to the first step).
"""

from tests.access import (
    PLATFORM_STAFF_ONLY,
    Redirect,
    Route,
    admin_model,
    portal_home,
    row,
)
from tests.patients.factories import IntakeFactory

PATIENT_PORTAL = portal_home("patient_a", "patient_b")

ROUTES: dict[str, Route] = {
    "patients:intake": Route(
        {**PATIENT_PORTAL, "patient_b": Redirect("patients:intake-step", (("step", "intake_first_step"),))},
        private=True,
    ),
    "patients:intake-step": Route(PATIENT_PORTAL, {"step": "intake_first_step"}, private=True),
    "patients:intake-skip": Route(row(405), {"step": "intake_first_step"}),  # POST only
    # Progress only, for platform staff; organization admins never see it.
    **admin_model("patients", "intake", "intake_pk", PLATFORM_STAFF_ONLY),
}


def samples(personas, org) -> dict:
    intake = IntakeFactory(user=personas["patient_a"], completed=True)
    return {"intake_first_step": "goals", "intake_pk": intake.pk}
