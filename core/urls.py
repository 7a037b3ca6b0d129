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
    # Notifications, one inbox per portal.
    path("patient/notifications/", views.patient_notifications_view, name="patient-notifications"),
    path("patient/notifications/read/", views.patient_notifications_read_view, name="patient-notifications-read"),
    path(
        "patient/notifications/<uuid:public_id>/open/",
        views.patient_notification_open_view,
        name="patient-notification-open",
    ),
    path("specialist/notifications/", views.specialist_notifications_view, name="specialist-notifications"),
    path(
        "specialist/notifications/read/",
        views.specialist_notifications_read_view,
        name="specialist-notifications-read",
    ),
    path(
        "specialist/notifications/<uuid:public_id>/open/",
        views.specialist_notification_open_view,
        name="specialist-notification-open",
    ),
]
