"""The specialist's consents pages' rows of the access matrix
(tests/test_access_matrix.py): one form response and one patient's
checklist.

The response is `patient_a`'s, given to `org`'s specialist, who has a care
context with them; for the other specialist (a profile of their own) both
are 404. Everyone without the specialist role gets the portal's 403.
"""

from django.utils import timezone

from consents.models import CareContext, FormResponse, FormVersion, IntakeForm
from specialists.services import specialist_profile_get_or_create
from tests.access import LOGIN, Route, row
from tests.specialists.factories import OfferingFactory

OWN_ONLY = row(403, anonymous=LOGIN, specialist=200, other_specialist=404)

ROUTES: dict[str, Route] = {
    "consents:specialist-response": Route(OWN_ONLY, {"public_id": "readiness_response_public_id"}, private=True),
    "consents:specialist-patient": Route(OWN_ONLY, {"public_id": "readiness_patient_public_id"}, private=True),
}


def samples(personas, org) -> dict:
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    specialist_profile_get_or_create(user=personas["other_specialist"])
    patient = personas["patient_a"]
    offering = OfferingFactory(specialist=profile)
    CareContext.objects.get_or_create(patient=patient, specialist=profile, offering=offering)
    form = IntakeForm.objects.create(organization=org, title="Readiness intake")
    version = FormVersion.objects.create(
        form=form,
        number=1,
        schema={"sections": [{"title": "You", "questions": [{"id": "q", "type": "short_text", "label": "Name?"}]}]},
        published_at=timezone.now(),
    )
    response = FormResponse.objects.create(patient=patient, version=version, specialist=profile, answers='{"q": "x"}')
    return {"readiness_response_public_id": response.public_id, "readiness_patient_public_id": patient.public_id}
