from django.urls import path, re_path

from . import views_api

app_name = "fhir"

# Mounted at /fhir/R4/. Resource types are CamelCase words; ids are UUIDs
# (an id of another shape is simply not found).
urlpatterns = [
    path("metadata", views_api.metadata_view, name="metadata"),
    # Bulk Data: kick-off, the status URL it hands out, and the files.
    path("$export", views_api.export_kickoff_view, name="export"),
    path("bulk-status/<uuid:public_id>", views_api.export_status_view, name="export-status"),
    path("bulk-files/<uuid:public_id>", views_api.export_file_view, name="export-file"),
    re_path(r"^(?P<type_name>[A-Z][A-Za-z]{1,63})$", views_api.search_view, name="search"),
    re_path(
        r"^(?P<type_name>[A-Z][A-Za-z]{1,63})/(?P<resource_id>[A-Za-z0-9.-]{1,64})$", views_api.read_view, name="read"
    ),
]
