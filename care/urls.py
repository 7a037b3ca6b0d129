from django.urls import path

from .views import feedback, note_access, notes, organization, record

app_name = "care"

urlpatterns = [
    # Patient: feedback on their sessions; the emailed one-tap link works signed out (see the view).
    path("patient/appointments/<uuid:public_id>/feedback/", feedback.patient_feedback_view, name="patient-feedback"),
    path(
        "patient/appointments/<uuid:public_id>/feedback/panel/",
        feedback.patient_feedback_panel_view,
        name="patient-feedback-panel",
    ),
    path("feedback/<str:token>/", feedback.feedback_link_view, name="feedback-link"),
    # Specialist: caseload, patient records, session notes, feedback received.
    path("specialist/patients/", record.caseload_view, name="specialist-patients"),
    path("specialist/patients/<uuid:public_id>/", record.record_view, name="specialist-patient"),
    path("specialist/appointments/<uuid:public_id>/note/", notes.note_view, name="specialist-note"),
    path("specialist/appointments/<uuid:public_id>/note/save/", notes.note_save_view, name="specialist-note-save"),
    path("specialist/appointments/<uuid:public_id>/note/sign/", notes.note_sign_view, name="specialist-note-sign"),
    path("specialist/appointments/<uuid:public_id>/note/amend/", notes.note_amend_view, name="specialist-note-amend"),
    path("specialist/feedback/", feedback.specialist_feedback_view, name="specialist-feedback"),
    # Organization: feedback questions; who may read clinical notes, and (for them) the notes, read only.
    path("org/<slug:org_slug>/feedback/", feedback.org_feedback_settings_view, name="org-feedback-settings"),
    path("org/<slug:org_slug>/clinical-access/", note_access.clinical_access_view, name="org-clinical-access"),
    path("org/<slug:org_slug>/notes/", note_access.note_list_view, name="org-notes"),
    path("org/<slug:org_slug>/notes/<uuid:public_id>/", note_access.note_detail_view, name="org-note"),
    # Organization: its patients, one patient's page, deactivation and the data export.
    path("org/<slug:org_slug>/patients/", organization.patient_list_view, name="org-patients"),
    path("org/<slug:org_slug>/patients/<uuid:public_id>/", organization.patient_detail_view, name="org-patient"),
    path(
        "org/<slug:org_slug>/patients/<uuid:public_id>/deactivate/",
        organization.patient_deactivate_view,
        name="org-patient-deactivate",
    ),
    path(
        "org/<slug:org_slug>/patients/<uuid:public_id>/export/",
        organization.patient_export_view,
        name="org-patient-export",
    ),
]
