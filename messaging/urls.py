from django.urls import path

from . import call_views, panel_views, views

app_name = "messaging"

patient_urls = [
    path("patient/messages/", views.patient_inbox_view, name="patient-inbox"),
    path("patient/messages/<uuid:public_id>/", views.patient_thread_view, name="patient-thread"),
    path("patient/messages/<uuid:public_id>/panel/", panel_views.patient_panel_view, name="patient-panel"),
    path("patient/messages/<uuid:public_id>/book/", panel_views.book_view, name="patient-book"),
    path("patient/messages/<uuid:public_id>/book/confirm/", panel_views.hold_confirm_view, name="patient-hold-confirm"),
    path("patient/messages/<uuid:public_id>/book/release/", panel_views.hold_release_view, name="patient-hold-release"),
    path(
        "patient/messages/<uuid:public_id>/proposal/accept/",
        panel_views.proposal_accept_view,
        name="patient-proposal-accept",
    ),
    path(
        "patient/messages/<uuid:public_id>/proposal/decline/",
        panel_views.proposal_decline_view,
        name="patient-proposal-decline",
    ),
]

specialist_urls = [
    path("specialist/messages/", views.specialist_inbox_view, name="specialist-inbox"),
    path("specialist/messages/<uuid:public_id>/", views.specialist_thread_view, name="specialist-thread"),
    path("specialist/messages/<uuid:public_id>/panel/", panel_views.specialist_panel_view, name="specialist-panel"),
    path("specialist/messages/<uuid:public_id>/propose/", panel_views.propose_view, name="specialist-propose"),
    path("specialist/messages/<uuid:public_id>/accept/", panel_views.accept_request_view, name="specialist-accept"),
    path("specialist/messages/<uuid:public_id>/end-care/", panel_views.end_care_view, name="specialist-end-care"),
]

# Downloads: for whichever participant, outside the portals.
attachment_urls = [
    path("messages/attachments/<uuid:public_id>/", views.attachment_view, name="attachment"),
]

# The thread beside a video call, by the appointment's public_id: for its
# patient or its specialist, in whichever portal the room is.
call_urls = [
    path("messages/call/<uuid:public_id>/", call_views.call_chat_view, name="call-chat"),
]

urlpatterns = patient_urls + specialist_urls + attachment_urls + call_urls
