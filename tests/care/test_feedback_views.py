"""The feedback pages: the patient's (portal, panel, emailed link), the
organization's settings and the specialist's results."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.states import AppointmentStatus
from care.feedback import feedback_link_token, feedback_submit
from care.models import Feedback, FeedbackSettings
from core.models import AuditLog, JourneyEvent
from specialists.services import specialist_profile_get_or_create
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory
from tests.care.factories import CareRelationshipFactory
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(personas):
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    profile.display_name = "Dr. Rowan Vale"
    profile.save()
    return profile


@pytest.fixture
def offering(profile):
    return OfferingFactory(specialist=profile, name="Trauma therapy")


def _session(patient, offering, *, days_ago=1, status=AppointmentStatus.COMPLETED):
    starts_at = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    return AppointmentFactory(
        patient=patient,
        offering=offering,
        status=status,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
    )


@pytest.fixture
def session(personas, offering):
    return _session(personas["patient_a"], offering)


def _checked(response, name) -> list[str]:
    """The values of the radio buttons `name` that are checked."""
    pattern = rf'<input type="radio" name="{name}" value="([^"]+)"[^>]* checked>'
    return re.findall(pattern, response.content.decode())


def _page(appointment):
    return reverse("care:patient-feedback", args=[appointment.public_id])


def _link(appointment, token=None):
    return reverse("care:feedback-link", args=[token or feedback_link_token(appointment)])


# --- The patient's feedback page ------------------------------------------------


def test_the_patient_answers_their_session_and_can_change_it(client, personas, session):
    client.force_login(personas["patient_a"])
    page = client.get(_page(session))
    assert page.status_code == 200
    assert b'name="csat"' in page.content and b'name="progress"' in page.content
    assert b'name="nps"' not in page.content  # the first session: no NPS yet

    response = client.post(_page(session), {"mode": "new", "csat": "4", "progress": "better", "comment": "Calm."})
    assert response.status_code == 302 and response["Location"] == _page(session)
    feedback = Feedback.objects.get(appointment=session)
    assert (feedback.csat, feedback.progress, feedback.comment) == (4, "better", "Calm.")
    assert AuditLog.objects.filter(object_public_id=feedback.public_id, action=AuditLog.Action.WRITE).exists()

    page = client.get(_page(session))
    assert b"You can change your answer until" in page.content
    assert (_checked(page, "csat"), _checked(page, "progress")) == (["4"], ["better"])
    assert AuditLog.objects.filter(object_public_id=feedback.public_id, action=AuditLog.Action.READ).exists()
    response = client.post(_page(session), {"mode": "edit", "csat": "5", "progress": "better", "comment": ""})
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert (feedback.csat, feedback.comment or "") == (5, "")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, b"Answer at least one question."),
        ({"csat": "9"}, b"Choose a number from 1 to 5."),
        ({"progress": "fantastic"}, b"Choose how things are going from the list."),
        ({"csat": "3", "comment": "x" * 1001}, b"at most 1000 characters"),
    ],
)
def test_bad_answers_are_refused_with_a_message_and_nothing_is_stored(client, personas, session, data, message):
    client.force_login(personas["patient_a"])
    response = client.post(_page(session), {"mode": "new", **data})
    assert response.status_code == 422
    assert message in response.content
    assert not Feedback.objects.exists()


def test_answering_twice_says_so_and_keeps_the_first_answer(client, personas, session):
    feedback_submit(patient=personas["patient_a"], appointment=session, csat=2)
    client.force_login(personas["patient_a"])
    response = client.post(_page(session), {"mode": "new", "csat": "5"})
    assert response.status_code == 409
    assert b"You already gave feedback on this session" in response.content
    assert Feedback.objects.get().csat == 2


def test_after_seven_days_the_answer_is_read_only(client, personas, session):
    feedback = feedback_submit(patient=personas["patient_a"], appointment=session, csat=2)
    Feedback.objects.filter(pk=feedback.pk).update(
        submitted_at=timezone.now() - timedelta(days=8), editable_until=timezone.now() - timedelta(days=1)
    )
    client.force_login(personas["patient_a"])
    page = client.get(_page(session))
    assert page.status_code == 200 and b'name="csat"' not in page.content and b"2 out of 5" in page.content
    response = client.post(_page(session), {"mode": "edit", "csat": "5"})
    assert response.status_code == 409 and b"7 days" in response.content
    assert Feedback.objects.get().csat == 2


def test_a_session_that_did_not_take_place_has_nothing_to_answer(client, personas, offering):
    upcoming = _session(personas["patient_a"], offering, days_ago=-2, status=AppointmentStatus.CONFIRMED)
    client.force_login(personas["patient_a"])
    page = client.get(_page(upcoming))
    assert page.status_code == 200 and b"once the session has taken place" in page.content
    assert client.post(_page(upcoming), {"mode": "new", "csat": "5"}).status_code == 422
    assert not Feedback.objects.exists()


def test_someone_elses_session_is_404_and_nothing_is_stored(client, personas, session):
    client.force_login(personas["patient_b"])
    assert client.get(_page(session)).status_code == 404
    assert client.post(_page(session), {"mode": "new", "csat": "5"}).status_code == 404
    assert not Feedback.objects.exists()


def test_other_roles_and_signed_out_people_are_turned_away(client, personas, session):
    client.force_login(personas["specialist"])
    assert client.get(_page(session)).status_code == 403
    client.logout()
    response = client.get(_page(session))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_the_nps_question_appears_from_the_third_session(client, personas, offering):
    patient = personas["patient_a"]
    _session(patient, offering, days_ago=20)
    _session(patient, offering, days_ago=10)
    third = _session(patient, offering, days_ago=1)
    client.force_login(patient)
    assert b'name="nps"' in client.get(_page(third)).content
    assert client.post(_page(third), {"mode": "new", "nps": "11"}).status_code == 422
    assert client.post(_page(third), {"mode": "new", "nps": "9"}).status_code == 302
    assert Feedback.objects.get(appointment=third).nps == 9


def test_the_appointment_page_panel_links_to_the_feedback(client, personas, session, offering):
    panel = reverse("care:patient-feedback-panel", args=[session.public_id])
    client.force_login(personas["patient_a"])
    response = client.get(panel, HTTP_HX_REQUEST="true")
    assert b"Give feedback" in response.content and b"<html" not in response.content
    feedback_submit(patient=personas["patient_a"], appointment=session, csat=4)
    assert b"Change your feedback" in client.get(panel).content
    upcoming = _session(personas["patient_a"], offering, days_ago=-2, status=AppointmentStatus.CONFIRMED)
    response = client.get(reverse("care:patient-feedback-panel", args=[upcoming.public_id]))
    assert response.status_code == 200 and b"feedback" not in response.content.lower()
    client.force_login(personas["patient_b"])
    assert client.get(panel).status_code == 404


def test_the_patient_home_asks_about_the_latest_recent_session(client, personas, offering):
    patient = personas["patient_a"]
    old = _session(patient, offering, days_ago=20)
    client.force_login(patient)
    home = reverse("core:patient-home")
    assert b"How was your session with" not in client.get(home).content  # older than 14 days
    recent = _session(patient, offering, days_ago=2)
    content = client.get(home).content.decode()
    assert "How was your session with Dr. Rowan Vale?" in content and _page(recent) in content
    assert _page(old) not in content
    feedback_submit(patient=patient, appointment=recent, csat=5)
    assert b"How was your session with" not in client.get(home).content


# --- The emailed link -------------------------------------------------------------


def test_the_link_opens_a_confirmation_page_that_stores_nothing(client, session):
    response = client.get(_link(session) + "?csat=4")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert _checked(response, "csat") == ["4"]
    assert b"Dr. Rowan Vale" in response.content and b"Trauma therapy" not in response.content
    assert not Feedback.objects.exists()


def test_a_signed_out_patient_answers_from_the_link_once(client, personas, session):
    link = _link(session)
    response = client.post(link, {"mode": "new", "csat": "4", "comment": "Good."})
    assert response.status_code == 200 and b"Thank you" in response.content
    feedback = Feedback.objects.get()
    assert (feedback.patient, feedback.csat, feedback.comment) == (personas["patient_a"], 4, "Good.")
    assert AuditLog.objects.filter(
        actor=personas["patient_a"], action=AuditLog.Action.WRITE, object_public_id=feedback.public_id
    ).exists()
    again = client.get(link + "?csat=1")
    assert again.status_code == 410 and b"already used" in again.content
    assert client.post(link, {"mode": "new", "csat": "1"}).status_code == 410
    assert Feedback.objects.get().csat == 4


def test_a_signed_in_patient_lands_on_their_editable_answer(client, personas, session):
    client.force_login(personas["patient_a"])
    response = client.post(_link(session), {"mode": "new", "csat": "5"})
    assert response.status_code == 302 and response["Location"] == _page(session)
    assert b"Save changes" in client.get(_page(session)).content


def test_a_forged_link_is_refused_and_stores_nothing(client, session):
    token = feedback_link_token(session)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for response in (client.get(_link(session, forged)), client.post(_link(session, forged), {"csat": "5"})):
        assert response.status_code == 404 and b"This link is not valid." in response.content
    assert not Feedback.objects.exists()


def test_an_expired_link_is_refused(client, session, time_machine):
    link = _link(session)
    time_machine.move_to(timezone.now() + timedelta(days=31))
    response = client.post(link, {"mode": "new", "csat": "5"})
    assert response.status_code == 410 and b"expired" in response.content
    assert not Feedback.objects.exists()


def test_a_bad_answer_from_the_link_is_refused(client, session):
    response = client.post(_link(session), {"mode": "new", "csat": "7"})
    assert response.status_code == 422 and b"Choose a number from 1 to 5." in response.content
    assert not Feedback.objects.exists()


# --- The organization's settings ------------------------------------------------------


def _settings_post(**fields):
    values = {
        "scope": "default",
        "default-ask_csat": "on",
        "default-ask_progress": "on",
        "default-ask_nps": "on",
        "default-nps_from_session": "3",
        "default-nps_every_days": "90",
    }
    return values | fields


def test_an_admin_sets_the_default_and_a_programs_own_settings(client, personas, org):
    program = ProgramFactory(organization=org, name="Staff wellbeing")
    url = reverse("care:org-feedback-settings", args=[org.slug])
    client.force_login(personas["org_admin"])
    page = client.get(url)
    assert page.status_code == 200 and b"Organization default" in page.content and b"Staff wellbeing" in page.content

    response = client.post(url, _settings_post(**{"default-nps_every_days": "30", "default-anonymous": "on"}))
    assert response.status_code == 302
    row = FeedbackSettings.objects.get(program=None)
    assert (row.nps_every_days, row.anonymous, row.nps_from_session) == (30, True, 3)
    assert JourneyEvent.objects.filter(verb="feedback.settings_changed", actor=personas["org_admin"]).exists()
    assert AuditLog.objects.filter(actor=personas["org_admin"], object_public_id=row.public_id).exists()

    key = str(program.public_id)
    response = client.post(
        url, {"scope": key, f"{key}-ask_csat": "on", f"{key}-nps_from_session": "1", f"{key}-nps_every_days": "7"}
    )
    assert response.status_code == 302
    own = FeedbackSettings.objects.get(program=program)
    assert (own.ask_csat, own.ask_progress, own.nps_from_session) == (True, False, 0)  # NPS box unticked: never

    client.post(url, {"scope": key, f"{key}-follow_default": "on"})
    assert not FeedbackSettings.objects.filter(program=program).exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"default-nps_every_days": "0"}, b"Ask again after at least 1 day."),
        ({"default-nps_from_session": "abc"}, b"Enter a whole number."),
        (
            {"default-ask_csat": "", "default-ask_progress": "", "default-ask_nps": ""},
            b"Ask at least one question",
        ),
    ],
)
def test_bad_settings_are_shown_and_nothing_is_stored(client, personas, org, fields, message):
    client.force_login(personas["org_admin"])
    data = {key: value for key, value in _settings_post(**fields).items() if value != ""}
    response = client.post(reverse("care:org-feedback-settings", args=[org.slug]), data)
    assert response.status_code == 422 and message in response.content
    assert not FeedbackSettings.objects.exists()


def test_another_organizations_program_cannot_be_set(client, personas, org, other_org):
    program = ProgramFactory(organization=other_org)
    client.force_login(personas["org_admin"])
    key = str(program.public_id)
    data = {"scope": key, f"{key}-ask_csat": "on", f"{key}-nps_from_session": "1", f"{key}-nps_every_days": "7"}
    response = client.post(reverse("care:org-feedback-settings", args=[org.slug]), data)
    assert response.status_code == 422
    assert not FeedbackSettings.objects.exists()


def test_the_settings_page_is_for_the_organizations_admins_only(client, personas, org):
    url = reverse("care:org-feedback-settings", args=[org.slug])
    client.force_login(personas["other_org_admin"])
    assert client.post(url, _settings_post()).status_code == 404
    client.force_login(personas["specialist"])
    assert client.post(url, _settings_post()).status_code == 403
    assert not FeedbackSettings.objects.exists()


# --- The specialist's results --------------------------------------------------------


def _answer(appointment, **answers):
    return feedback_submit(patient=appointment.patient, appointment=appointment, **answers)


def test_the_specialist_sees_named_answers_and_each_read_is_audited(client, personas, session):
    feedback = _answer(session, csat=5, comment="Very helpful.")
    client.force_login(personas["specialist"])
    response = client.get(reverse("care:specialist-feedback"))
    content = response.content.decode()
    assert response.status_code == 200
    assert personas["patient_a"].display_name in content and "Very helpful." in content
    assert reverse("booking:specialist-appointment", args=[session.public_id]) in content
    assert "&lt;11" in content  # one answer: no percentages
    assert AuditLog.objects.filter(
        actor=personas["specialist"], action=AuditLog.Action.READ, object_public_id=feedback.public_id
    ).exists()


def test_anonymous_answers_show_no_name_no_session_and_only_the_week(client, personas, org, session, profile):
    FeedbackSettings.objects.create(organization=org, anonymous=True)
    feedback = _answer(session, csat=2, comment="Too rushed.")
    client.force_login(personas["specialist"])
    content = client.get(reverse("care:specialist-feedback")).content.decode()
    assert "Too rushed." in content and "Anonymous" in content and "Week of" in content
    assert personas["patient_a"].display_name not in content
    assert str(session.public_id) not in content
    assert not AuditLog.objects.filter(object_public_id=feedback.public_id, action=AuditLog.Action.READ).exists()
    assert AuditLog.objects.filter(object_public_id=profile.public_id, action=AuditLog.Action.READ).exists()


def test_an_anonymous_program_hides_names_while_the_rest_stay_named(client, personas, org, offering, profile):
    program = ProgramFactory(organization=org)
    FeedbackSettings.objects.create(organization=org, program=program, anonymous=True)
    CareRelationshipFactory(patient=personas["patient_b"], specialist=profile, program=program)
    _answer(_session(personas["patient_a"], offering), csat=5)
    _answer(_session(personas["patient_b"], offering), csat=1)
    client.force_login(personas["specialist"])
    content = client.get(reverse("care:specialist-feedback")).content.decode()
    assert personas["patient_a"].display_name in content
    assert personas["patient_b"].display_name not in content


def test_scores_appear_from_eleven_answers_and_match_hand_computed_numbers(client, personas, offering):
    """12 completed sessions, 11 answered. CSAT 5,5,5,5,4,4,3,3,2,1,1: 6 of 11
    satisfied = 54.5…% → "55%". No NPS asked (one patient each). Response rate
    11 / 12 = 91.6…% → "92%"."""
    csats = [5, 5, 5, 5, 4, 4, 3, 3, 2, 1, 1]
    sessions = [_session(UserFactory(), offering, days_ago=day + 1) for day in range(12)]
    for appointment, csat in zip(sessions, csats, strict=False):
        _answer(appointment, csat=csat)
    client.force_login(personas["specialist"])
    content = client.get(reverse("care:specialist-feedback")).content.decode()
    assert "55%" in content and "92%" in content and "&lt;11" not in content


def test_the_period_narrows_the_answers_and_a_bad_period_is_refused(client, personas, offering):
    _answer(_session(personas["patient_a"], offering, days_ago=60), comment="Older answer.")
    client.force_login(personas["specialist"])
    url = reverse("care:specialist-feedback")
    assert "Older answer." in client.get(url, {"period": "90"}).content.decode()
    assert "Older answer." not in client.get(url, {"period": "30"}).content.decode()
    response = client.get(url, {"period": "forever"})
    assert response.status_code == 400 and b"Choose one of the periods" in response.content


def test_a_specialist_never_sees_another_specialists_answers(client, personas, session):
    _answer(session, comment="For the persona specialist only.")
    specialist_profile_get_or_create(user=personas["other_specialist"])
    client.force_login(personas["other_specialist"])
    assert b"For the persona specialist only." not in client.get(reverse("care:specialist-feedback")).content


def test_anonymous_rows_carry_the_monday_of_their_week_only(personas, org, profile, offering):
    from care.feedback_selectors import feedback_list_for_specialist

    FeedbackSettings.objects.create(organization=org, anonymous=True)
    appointment = _session(personas["patient_a"], offering, days_ago=3)
    _answer(appointment, csat=4)
    [row] = feedback_list_for_specialist(profile=profile, since=None, zone="UTC")
    day = appointment.starts_at.date()
    assert row.anonymous and row.week_of == day - timedelta(days=day.weekday()) and row.week_of.weekday() == 0
    assert (row.starts_at, row.appointment, row.patient_name) == (None, None, "")


def test_the_specialist_page_takes_a_bounded_number_of_queries(
    client, personas, offering, django_assert_max_num_queries
):
    for _ in range(8):
        _answer(_session(UserFactory(), offering), csat=4)
    client.force_login(personas["specialist"])
    url = reverse("care:specialist-feedback")
    client.get(url)
    with django_assert_max_num_queries(60):
        assert client.get(url).status_code == 200
