"""Writing consent documents and intake forms: the same pages in the
organization portal (`org-author-*`) and the specialist portal
(`specialist-author-*`, their own items, when the organization allows it)."""

from django.urls import path

from ..views import authoring as views

ORG = "org/<slug:org_slug>/consents/"
SPECIALIST = "specialist/forms/"

# (path after the prefix, name, organization view, specialist view)
PAGES = [
    ("", "home", views.org_home_view, views.specialist_home_view),
    ("documents/new/", "document-create", views.document_create_org_view, views.document_create_specialist_view),
    ("documents/<uuid:public_id>/", "document", views.document_org_view, views.document_specialist_view),
    (
        "documents/<uuid:public_id>/publish/",
        "document-publish",
        views.document_publish_org_view,
        views.document_publish_specialist_view,
    ),
    ("forms/new/", "form-create", views.form_create_org_view, views.form_create_specialist_view),
    ("forms/<uuid:public_id>/", "form", views.form_org_view, views.form_specialist_view),
    (
        "forms/<uuid:public_id>/publish/",
        "form-publish",
        views.form_publish_org_view,
        views.form_publish_specialist_view,
    ),
    (
        "forms/<uuid:public_id>/new-version/",
        "form-new-version",
        views.form_new_version_org_view,
        views.form_new_version_specialist_view,
    ),
    ("forms/<uuid:public_id>/sections/", "section-add", views.section_add_org_view, views.section_add_specialist_view),
    ("forms/<uuid:public_id>/sections/<int:index>/", "section", views.section_org_view, views.section_specialist_view),
    (
        "forms/<uuid:public_id>/sections/<int:index>/delete/",
        "section-delete",
        views.section_delete_org_view,
        views.section_delete_specialist_view,
    ),
    (
        "forms/<uuid:public_id>/questions/",
        "question-add",
        views.question_add_org_view,
        views.question_add_specialist_view,
    ),
    (
        "forms/<uuid:public_id>/questions/<slug:question_id>/",
        "question",
        views.question_org_view,
        views.question_specialist_view,
    ),
    (
        "forms/<uuid:public_id>/questions/<slug:question_id>/delete/",
        "question-delete",
        views.question_delete_org_view,
        views.question_delete_specialist_view,
    ),
    (
        "forms/<uuid:public_id>/questions/<slug:question_id>/move/",
        "question-move",
        views.question_move_org_view,
        views.question_move_specialist_view,
    ),
]

urlpatterns = [
    path(f"{ORG}settings/", views.org_settings_view, name="org-author-settings"),
    *(path(ORG + route, org_view, name=f"org-author-{name}") for route, name, org_view, _ in PAGES),
    *(path(SPECIALIST + route, spec_view, name=f"specialist-author-{name}") for route, name, _, spec_view in PAGES),
]
