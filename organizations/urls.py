from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("org/", views.chooser_view, name="chooser"),
    path("org/<slug:org_slug>/", views.home_view, name="home"),
    path("org/<slug:org_slug>/brand/", views.brand_view, name="brand"),
    path("org/<slug:org_slug>/terms/", views.terms_view, name="terms"),
    path("org/<slug:org_slug>/members/", views.members_view, name="members"),
    path("org/<slug:org_slug>/members/<uuid:public_id>/revoke/", views.member_revoke_view, name="member-revoke"),
    path("org/<slug:org_slug>/sso/", views.sso_view, name="sso"),
    path("org/<slug:org_slug>/retention/", views.retention_view, name="retention"),
    path("org/<slug:org_slug>/audit/", views.audit_view, name="audit"),
    path("org/<slug:org_slug>/audit.csv", views.audit_csv_view, name="audit-csv"),
    path("org/<slug:org_slug>/programs/", views.programs_view, name="programs"),
    path("org/<slug:org_slug>/programs/<uuid:public_id>/", views.program_view, name="program"),
    path("accounts/terms/", views.terms_accept_view, name="terms-accept"),
    path("legal/<uuid:public_id>/", views.terms_document_view, name="terms-document"),
]
