from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    # The organization's API tokens...
    path("org/<slug:org_slug>/settings/api-tokens/", views.api_tokens_view, name="org-api-tokens"),
    path(
        "org/<slug:org_slug>/settings/api-tokens/<uuid:public_id>/revoke/",
        views.api_token_revoke_view,
        name="org-api-token-revoke",
    ),
    # ...and its bulk FHIR exports.
    path("org/<slug:org_slug>/settings/export/", views.export_view, name="org-export"),
    path("org/<slug:org_slug>/settings/export/<uuid:public_id>/", views.export_detail_view, name="org-export-detail"),
    path(
        "org/<slug:org_slug>/settings/export/<uuid:public_id>/manifest.json",
        views.export_manifest_view,
        name="org-export-manifest",
    ),
    path(
        "org/<slug:org_slug>/settings/export/files/<str:signed>/",
        views.export_download_view,
        name="org-export-download",
    ),
]
