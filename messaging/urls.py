from django.urls import path

from . import views

app_name = "messaging"

patient_urls = [
    path("patient/messages/", views.patient_inbox_view, name="patient-inbox"),
    path("patient/messages/<uuid:public_id>/", views.patient_thread_view, name="patient-thread"),
]

specialist_urls = [
    path("specialist/messages/", views.specialist_inbox_view, name="specialist-inbox"),
    path("specialist/messages/<uuid:public_id>/", views.specialist_thread_view, name="specialist-thread"),
]

# Downloads: for whichever participant, outside the portals.
attachment_urls = [
    path("messages/attachments/<uuid:public_id>/", views.attachment_view, name="attachment"),
]

urlpatterns = patient_urls + specialist_urls + attachment_urls
