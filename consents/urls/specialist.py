from django.urls import path

from ..views import specialist

# The specialist's view of their own patients' responses and checklists.
urlpatterns = [
    path("specialist/responses/<uuid:public_id>/", specialist.response_view, name="specialist-response"),
    path(
        "specialist/patients/<uuid:public_id>/readiness/",
        specialist.patient_readiness_view,
        name="specialist-patient",
    ),
]
