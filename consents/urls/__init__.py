"""The consents app's URLs, one list per area: authoring (organization and
specialist portals), the patient's guided flow, the specialist's view of
responses."""

from . import authoring, patient, specialist

app_name = "consents"

urlpatterns = [*authoring.urlpatterns, *patient.urlpatterns, *specialist.urlpatterns]
