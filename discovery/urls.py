from django.urls import path

from .views import directory, patient

app_name = "discovery"

urlpatterns = [
    path("specialists/", directory.directory_view, name="directory"),
    path("specialists/compare/", directory.compare_view, name="compare"),
    path("specialists/<slug:slug>/", directory.profile_view, name="profile"),
    path("specialists/<slug:slug>/choose/", patient.choose_view, name="choose"),
    path("patient/match/", patient.match_view, name="match"),
    path("patient/match/results/", patient.match_results_view, name="match-results"),
    path("patient/programs/join/", patient.program_join_view, name="program-join"),
    path("join/<str:code>/", patient.program_join_link_view, name="program-join-link"),
]
