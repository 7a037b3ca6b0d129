"""The organization's patients' rows of the access matrix
(tests/test_access_matrix.py): the list, one patient's page, the
deactivation confirmation (GET; the POST does the work) and the JSON
export, for `org`'s admins only (another organization's admin gets 404).
`patient_a` is a patient member of `org`."""

from tests.access import ORG_PORTAL, Route

ORG = {"org_slug": "org_slug"}
PATIENT = {**ORG, "public_id": "org_patient_public_id"}

ROUTES: dict[str, Route] = {
    "care:org-patients": Route(ORG_PORTAL, ORG, private=True),
    "care:org-patient": Route(ORG_PORTAL, PATIENT, private=True),
    "care:org-patient-deactivate": Route(ORG_PORTAL, PATIENT, private=True),
    "care:org-patient-export": Route(ORG_PORTAL, PATIENT, private=True),
}


def samples(personas, org) -> dict:
    return {"org_patient_public_id": personas["patient_a"].public_id}
