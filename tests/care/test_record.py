"""The specialist's patient record: every app's timeline entries (core.timeline),
the score trend, who may open it and the one audit row per view."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment
from care.models import CareRelationship, Feedback, FeedbackSettings
from core import timeline
from core.models import AuditLog
from specialists.services import specialist_profile_get_or_create
from tests.booking.factories import AppointmentFactory
from tests.care import record_fixtures
from tests.care.factories import CareRelationshipFactory
from tests.care.record_fixtures import SECRET, History

pytestmark = pytest.mark.django_db

# The shared fixtures (tests/care/record_fixtures.py).
history = record_fixtures.history
profile = record_fixtures.profile


def _scope(h: History, **kwargs):
    return timeline.Scope(viewer=h.profile.user, patient=h.patient, specialist=h.profile, **kwargs)


def _url(h: History, **query):
    url = reverse("care:specialist-patient", args=[h.patient.public_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_timeline_holds_every_kind_newest_first(history):
    entries = timeline.entries(_scope(history))
    assert [entry.at for entry in entries] == sorted((entry.at for entry in entries), reverse=True)
    kinds = {entry.kind for entry in entries}
    assert kinds == {"session", "note", "consent", "form", "payment", "feedback", "conversation"}


def test_sessions_carry_attendance_and_the_minutes_held(history):
    sessions = {entry.url: entry for entry in timeline.entries(_scope(history), kind="session")}
    held = sessions[reverse("booking:specialist-appointment", args=[history.held.public_id])]
    assert "Attended" in held.tags and "50 min" in held.tags
    missed = sessions[reverse("booking:specialist-appointment", args=[history.missed.public_id])]
    assert "Did not attend" in missed.tags
    assert len(sessions) == 4


def test_consents_show_signed_and_withdrawn_with_the_version(history):
    titles = [entry.title for entry in timeline.entries(_scope(history), kind="consent")]
    assert any(title.startswith("Signed: Consent to treatment, version 1") for title in titles)
    assert any(title.startswith("Withdrawn: Consent to treatment, version 1") for title in titles)


def test_forms_show_their_scores_and_notes_their_trail(history):
    forms = timeline.entries(_scope(history), kind="form")
    assert forms[0].tags == ("Score 14 of 27 · Moderate",)
    (note,) = timeline.entries(_scope(history), kind="note")
    assert note.tags == ("SOAP", "Signed", "1 amendment")
    assert note.url == reverse("care:specialist-note", args=[history.held.public_id])
    assert SECRET not in f"{note.title} {note.body}"


def test_the_conversation_is_a_summary_without_any_message_text(history):
    (entry,) = timeline.entries(_scope(history), kind="conversation")
    assert entry.body == "1 message from the patient · 1 from you"
    assert "Hello" not in entry.title + entry.body


def test_anonymous_feedback_never_appears_on_the_record(history):
    assert len(timeline.entries(_scope(history), kind="feedback")) == 1
    FeedbackSettings.objects.create(organization=history.profile.organization, anonymous=True)
    assert timeline.entries(_scope(history), kind="feedback") == []


def test_another_specialists_data_stays_off_the_record(history):
    other = AppointmentFactory(patient=history.patient, status="completed")
    Feedback.objects.create(
        appointment=other,
        patient=history.patient,
        specialist=other.specialist,
        csat=1,
        editable_until=timezone.now() + timedelta(days=1),
    )
    urls = {entry.url for entry in timeline.entries(_scope(history))}
    assert reverse("booking:specialist-appointment", args=[other.public_id]) not in urls
    assert len(timeline.entries(_scope(history), kind="feedback")) == 1


def test_each_provider_reads_in_a_fixed_number_of_queries(history, django_assert_max_num_queries):
    for days in range(-60, -30, 3):  # ten more sessions, each with a payment row
        AppointmentFactory(
            patient=history.patient,
            offering=history.held.offering,
            status="completed",
            starts_at=timezone.now() + timedelta(days=days),
        )
    with django_assert_max_num_queries(16):
        entries = timeline.entries(_scope(history))
    assert len([entry for entry in entries if entry.kind == "session"]) == 14


# --- The page ------------------------------------------------------------------------


def test_the_treating_specialist_sees_the_record_with_one_audit_row(client, history, django_assert_max_num_queries):
    client.force_login(history.profile.user)
    with django_assert_max_num_queries(45):
        response = client.get(_url(history))
    assert response.status_code == 200
    page = response.content.decode()
    assert history.patient.display_name in page
    assert "PHQ-9 over time" in page and "Questionnaire scores" in page
    assert "Propose next session" in page and ">Message<" in page
    assert SECRET not in page  # the note's text stays on the note's own page
    rows = AuditLog.objects.filter(object_public_id=history.patient.public_id, action="read")
    assert rows.count() == 1 and rows.get().actor == history.profile.user


def test_the_kind_filter_narrows_the_timeline_and_htmx_gets_only_the_list(client, history):
    client.force_login(history.profile.user)
    response = client.get(_url(history, kind="consent"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "Withdrawn: Consent to treatment" in page and "Therapy session" not in page


def test_an_unknown_kind_shows_everything(client, history):
    client.force_login(history.profile.user)
    page = client.get(_url(history, kind="secrets")).content.decode()
    assert "Withdrawn: Consent" in page and "Therapy session" in page


def test_after_care_ended_the_past_record_opens_read_only(client, history):
    CareRelationship.objects.filter(pk=history.relationship.pk).update(status="ended", ended_at=timezone.now())
    client.force_login(history.profile.user)
    page = client.get(_url(history)).content.decode()
    assert "Care has ended: this record is read-only." in page
    assert "Propose next session" not in page and ">Message<" not in page
    assert "Therapy session" in page


def test_another_specialist_gets_404_and_a_denial_row(client, history, personas):
    other = personas["other_specialist"]
    specialist_profile_get_or_create(user=other)
    client.force_login(other)
    assert client.get(_url(history)).status_code == 404
    assert AuditLog.objects.filter(actor=other, action="denied", object_public_id=history.patient.public_id).exists()


def test_a_specialist_whose_patient_never_was_in_care_gets_404(client, personas, profile):
    stranger = personas["patient_b"]
    client.force_login(profile.user)
    assert client.get(reverse("care:specialist-patient", args=[stranger.public_id])).status_code == 404


@pytest.mark.parametrize("persona, status", [("patient_a", 403), ("org_admin", 403)])
def test_other_roles_are_turned_away(client, history, personas, persona, status):
    client.force_login(personas[persona])
    assert client.get(_url(history)).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, history):
    response = client.get(_url(history))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_pair_without_history_shows_an_empty_record(client, personas, profile):
    patient = personas["patient_b"]
    CareRelationshipFactory(patient=patient, specialist=profile)
    client.force_login(profile.user)
    page = client.get(reverse("care:specialist-patient", args=[patient.public_id])).content.decode()
    assert "Nothing on this record yet." in page and "Questionnaire scores" not in page


def test_propose_next_session_starts_on_the_last_sessions_service(client, history):
    Appointment.objects.filter(pk=history.upcoming.pk).update(status="cancelled")
    client.force_login(history.profile.user)
    page = client.get(_url(history)).content.decode()
    assert f"offering={history.held.offering.public_id}" in page
