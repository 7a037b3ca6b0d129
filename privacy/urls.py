from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("account/data/", views.data_view, name="data"),
    path("account/data/exports/", views.export_request_view, name="export-request"),
    path("account/data/exports/<uuid:public_id>/", views.export_status_view, name="export-status"),
    path("account/data/exports/<uuid:public_id>/download/", views.export_download_view, name="export-download"),
    path("account/data/delete/", views.deletion_view, name="delete"),
    path("account/deleted/", views.deletion_done_view, name="deleted"),
]
