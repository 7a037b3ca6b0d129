from django.urls import path

from . import views

app_name = "patients"

urlpatterns = [
    path("patient/intake/", views.intake_view, name="intake"),
    path("patient/intake/<slug:step>/", views.intake_step_view, name="intake-step"),
    path("patient/intake/<slug:step>/skip/", views.intake_skip_view, name="intake-skip"),
]
