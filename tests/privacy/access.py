"""The privacy app's rows of the access matrix (tests/test_access_matrix.py).

The data page and the deletion page are every patient's own. patient_a has
an export still being prepared: its progress opens to patient_a only
(patient_b: 404), and nobody can download it yet (404);
tests/privacy/test_views.py downloads a ready one. The page after closing
an account is public.
"""

from privacy.models import DataExport
from tests.access import PUBLIC, Route, portal_home, row

PATIENTS = portal_home("patient_a", "patient_b")
EXPORT = {"public_id": "privacy_export_public_id"}

ROUTES: dict[str, Route] = {
    "privacy:data": Route(PATIENTS, private=True),
    "privacy:export-request": Route(row(405)),
    "privacy:export-status": Route({**PATIENTS, "patient_b": 404}, EXPORT, private=True),
    "privacy:export-download": Route({**PATIENTS, "patient_a": 404, "patient_b": 404}, EXPORT),
    "privacy:delete": Route(PATIENTS, private=True),
    "privacy:deleted": Route(PUBLIC),
}


def samples(personas, org) -> dict:
    export = DataExport.objects.create(user=personas["patient_a"], status=DataExport.Status.BUILDING, steps_total=6)
    return {"privacy_export_public_id": export.public_id}
