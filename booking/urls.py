from django.urls import path

from .views import availability, organization, patient, specialist

app_name = "booking"

# The specialist's calendar: working hours, days off, booking rules, feed.
calendar_urls = [
    path("specialist/calendar/", availability.calendar_view, name="calendar"),
    path("specialist/calendar/hours/", availability.hours_view, name="hours"),
    path("specialist/calendar/overrides/", availability.override_create_view, name="override-create"),
    path(
        "specialist/calendar/overrides/<uuid:public_id>/delete/",
        availability.override_delete_view,
        name="override-delete",
    ),
    path("specialist/calendar/settings/", availability.settings_view, name="settings"),
    path("specialist/calendar/feed/", availability.feed_create_view, name="feed-create"),
    path("specialist/calendar/feed/revoke/", availability.feed_revoke_view, name="feed-revoke"),
    path("calendar/<str:token>.ics", availability.feed_view, name="feed"),
    path("org/<slug:org_slug>/booking/", availability.org_policy_view, name="org-policy"),
]

# Patients: booking, their appointments, answering proposals, asking for times.
patient_urls = [
    path("patient/book/<uuid:public_id>/", patient.book_view, name="book"),
    path("patient/book/<uuid:public_id>/request/", patient.request_time_view, name="request-time"),
    path("patient/ask/<slug:slug>/", patient.availability_request_view, name="availability-request"),
    path("patient/appointments/", patient.appointment_list_view, name="patient-appointments"),
    path("patient/appointments/<uuid:public_id>/", patient.appointment_detail_view, name="patient-appointment"),
    path("patient/appointments/<uuid:public_id>/confirm/", patient.hold_confirm_view, name="hold-confirm"),
    path("patient/appointments/<uuid:public_id>/release/", patient.hold_release_view, name="hold-release"),
    path("patient/appointments/<uuid:public_id>/cancel/", patient.cancel_view, name="patient-cancel"),
    path("patient/appointments/<uuid:public_id>/reschedule/", patient.reschedule_view, name="patient-reschedule"),
    path("patient/appointments/<uuid:public_id>/calendar.ics", patient.appointment_ics_view, name="appointment-ics"),
    path("patient/proposals/<uuid:public_id>/", patient.proposal_view, name="patient-proposal"),
    path("patient/proposals/<uuid:public_id>/accept/", patient.proposal_accept_view, name="proposal-accept"),
    path("patient/proposals/<uuid:public_id>/decline/", patient.proposal_decline_view, name="proposal-decline"),
]

# Specialists: their appointments, requests and proposals.
specialist_urls = [
    path("specialist/appointments/", specialist.appointment_list_view, name="specialist-appointments"),
    path(
        "specialist/appointments/<uuid:public_id>/", specialist.appointment_detail_view, name="specialist-appointment"
    ),
    path("specialist/appointments/<uuid:public_id>/accept/", specialist.accept_view, name="specialist-accept"),
    path("specialist/appointments/<uuid:public_id>/decline/", specialist.decline_view, name="specialist-decline"),
    path("specialist/appointments/<uuid:public_id>/cancel/", specialist.cancel_view, name="specialist-cancel"),
    path(
        "specialist/appointments/<uuid:public_id>/reschedule/",
        specialist.reschedule_view,
        name="specialist-reschedule",
    ),
    path("specialist/requests/<uuid:public_id>/", specialist.request_detail_view, name="specialist-request"),
    path("specialist/requests/<uuid:public_id>/close/", specialist.request_close_view, name="request-close"),
    path("specialist/proposals/new/", specialist.proposal_create_view, name="proposal-create"),
    path("specialist/proposals/<uuid:public_id>/", specialist.proposal_detail_view, name="specialist-proposal"),
    path(
        "specialist/proposals/<uuid:public_id>/withdraw/", specialist.proposal_withdraw_view, name="proposal-withdraw"
    ),
]

# Organizations: every appointment; the readiness board of coming sessions, and its CSV.
organization_urls = [
    path("org/<slug:org_slug>/bookings/", organization.bookings_view, name="org-bookings"),
    path("org/<slug:org_slug>/readiness/", organization.readiness_view, name="org-readiness"),
    path("org/<slug:org_slug>/readiness.csv", organization.readiness_csv_view, name="org-readiness-csv"),
]

urlpatterns = calendar_urls + patient_urls + specialist_urls + organization_urls
