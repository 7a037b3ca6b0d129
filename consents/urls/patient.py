"""The patient's guided flow: consents to sign and forms to fill in, one per
step; the overview with signed copies; withdrawing a consent."""

from django.urls import path

from ..views import patient

urlpatterns = [
    path("patient/consents/", patient.flow_view, name="flow"),
    path("patient/consents/all/", patient.overview_view, name="overview"),
    # kind is "consent" or "form"; a form names its specialist as ?for=<slug>.
    path("patient/consents/step/<str:kind>/<uuid:public_id>/", patient.step_view, name="step"),
    path("patient/consents/signed/<uuid:public_id>.pdf", patient.signed_pdf_view, name="signed-pdf"),
    path("patient/consents/signed/<uuid:public_id>/withdraw/", patient.withdraw_view, name="withdraw"),
]
