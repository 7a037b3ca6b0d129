from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.landing_view, name="landing"),
    path("healthz", views.healthz_view, name="healthz"),
    path("home/", views.home_view, name="home"),
    path("accounts/two-factor-required/", views.mfa_required_view, name="mfa-required"),
    path("patient/", views.patient_home_view, name="patient-home"),
    path("specialist/", views.specialist_home_view, name="specialist-home"),
    path("affiliate/", views.affiliate_home_view, name="affiliate-home"),
]
