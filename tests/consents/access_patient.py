"""The patient's guided flow's rows of the access matrix (tests/test_access_matrix.py).

Only patients enter. An organization-wide consent due at sign-up, titled to
sort first, is what both patients' flow leads to. The form, the signature
and its pages belong to patient_a (who booked the sample specialist), so
patient_b gets 404 for them.
"""

from consents.models import RequiredBefore
from tests.access import Redirect, Route, portal_home
from tests.consents.factories_patient import (
    CareContextFactory,
    ConsentSignatureFactory,
    published_document,
    published_form,
)
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

PATIENTS = portal_home("patient_a", "patient_b")
PATIENT_A_ONLY = {**PATIENTS, "patient_b": 404}
FIRST_STEP = Redirect(
    "consents:step", (("kind", "consents_patient_consent_kind"), ("public_id", "consents_patient_first_version"))
)
SIGNATURE = {"public_id": "consents_patient_signature_public_id"}

ROUTES: dict[str, Route] = {
    "consents:flow": Route({**PATIENTS, "patient_a": FIRST_STEP, "patient_b": FIRST_STEP}, private=True),
    "consents:overview": Route(PATIENTS, private=True),
    # One pattern for both kinds; the form (answered for one specialist) is the stricter case.
    "consents:step": Route(
        PATIENT_A_ONLY,
        path="/patient/consents/step/form/{consents_patient_form_version}/?for={consents_patient_specialist_slug}",
        private=True,
    ),
    "consents:signed-pdf": Route(PATIENT_A_ONLY, SIGNATURE, private=True),
    "consents:withdraw": Route(PATIENT_A_ONLY, SIGNATURE, private=True),
}


def samples(personas, org) -> dict:
    """A consent for all of `org`'s patients; patient_a booked a specialist
    who has a form and a signed consent of their own."""
    first = published_document(
        organization=org, title="000 Access matrix consent", required_before=RequiredBefore.SIGNUP
    )
    profile = SpecialistProfileFactory(organization=org, display_name="Consents Sample Specialist")
    CareContextFactory(patient=personas["patient_a"], offering=OfferingFactory(specialist=profile))
    form = published_form(organization=org, specialist=profile, title="Access matrix intake")
    signed = published_document(organization=org, specialist=profile, title="Access matrix recording policy")
    signature = ConsentSignatureFactory(patient=personas["patient_a"], version=signed)
    return {
        "consents_patient_consent_kind": "consent",
        "consents_patient_first_version": first.public_id,
        "consents_patient_form_version": form.public_id,
        "consents_patient_specialist_slug": profile.slug,
        "consents_patient_signature_public_id": signature.public_id,
    }
