from django.urls import path

from . import views

app_name = "specialists"

specialist_urls = [
    path("specialist/profile/", views.profile_edit_view, name="profile-edit"),
    path("specialist/profile/preview/", views.profile_preview_view, name="profile-preview"),
    path("specialist/profile/submit/", views.profile_submit_view, name="profile-submit"),
    path("specialist/offerings/", views.offerings_view, name="offerings"),
    path("specialist/offerings/<uuid:public_id>/", views.offering_edit_view, name="offering-edit"),
    path("specialist/offerings/<uuid:public_id>/archive/", views.offering_archive_view, name="offering-archive"),
]

organization_urls = [
    path("org/<slug:org_slug>/specialists/", views.org_specialists_view, name="org-specialists"),
    path(
        "org/<slug:org_slug>/specialists/<uuid:public_id>/",
        views.org_specialist_review_view,
        name="org-specialist-review",
    ),
]

urlpatterns = specialist_urls + organization_urls
