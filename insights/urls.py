from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    # Organization admins: their organization's journey analytics.
    path("org/<slug:org_slug>/insights/", views.organization_insights_view, name="org-insights"),
    path("org/<slug:org_slug>/insights/<slug:section>.csv", views.organization_insights_csv_view, name="org-csv"),
    # Specialists: their own patients.
    path("specialist/insights/", views.specialist_insights_view, name="specialist-insights"),
    path("specialist/insights/<slug:section>.csv", views.specialist_insights_csv_view, name="specialist-csv"),
]
