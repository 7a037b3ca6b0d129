from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    # Organization admins: their organization's journey analytics.
    path("org/<slug:org_slug>/insights/", views.organization_insights_view, name="org-insights"),
    path("org/<slug:org_slug>/insights/<slug:section>.csv", views.organization_insights_csv_view, name="org-csv"),
    # Organization admins: how the clinic is doing, and its specialists at work.
    path("org/<slug:org_slug>/overview/", views.organization_overview_view, name="org-overview"),
    path(
        "org/<slug:org_slug>/overview/readiness/",
        views.organization_overview_readiness_view,
        name="org-overview-readiness",
    ),
    path("org/<slug:org_slug>/specialists/activity/", views.organization_specialists_view, name="org-specialists"),
    # Specialists: their own patients.
    path("specialist/insights/", views.specialist_insights_view, name="specialist-insights"),
    path("specialist/insights/<slug:section>.csv", views.specialist_insights_csv_view, name="specialist-csv"),
]
