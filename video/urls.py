from django.urls import path

from . import views

app_name = "video"

# One room per appointment, for both sides, keyed by the appointment.
room_urls = [
    path("sessions/<uuid:public_id>/", views.room_view, name="room"),
    path("sessions/<uuid:public_id>/admit/", views.admit_view, name="admit"),
    path("sessions/<uuid:public_id>/end/", views.end_view, name="end"),
    path("sessions/<uuid:public_id>/no-show/", views.no_show_view, name="no-show"),
    path("video/preference/", views.preference_view, name="preference"),
]

specialist_urls = [
    path("specialist/waiting/", views.waiting_view, name="waiting"),
]

organization_urls = [
    path("org/<slug:org_slug>/video/", views.org_settings_view, name="org-settings"),
]

urlpatterns = room_urls + specialist_urls + organization_urls
