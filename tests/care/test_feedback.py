from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from booking.models import Appointment
from care.feedback import (
    LINK_SALT,
    FeedbackRules,
    feedback_due_for,
    feedback_edit,
    feedback_is_anonymous,
    feedback_link_resolve,
    feedback_link_token,
    feedback_rules_for_pairs,
    feedback_settings_for,
    feedback_settings_reset,
    feedback_settings_save,
    feedback_submit,
    nps_csat_summary,
)
from care.models import Feedback, FeedbackSettings
from core.models import AuditLog, JourneyEvent
from organizations.models import ProgramEnrolment
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory
from tests.care.factories import CareRelationshipFactory
from tests.organizations.factories import OrganizationFactory, ProgramFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def _sessions(n, *, patient=None, status="completed", days_ago=30):
    """`n` sessions of one patient with one specialist, a week apart, oldest first."""
    patient = patient or UserFactory()
    offering = OfferingFactory()
    start = timezone.now() - timedelta(days=days_ago)
    return [
        AppointmentFactory(
            patient=patient,
            offering=offering,
            status=status,
            starts_at=start + timedelta(weeks=i),
            ends_at=start + timedelta(weeks=i, minutes=50),
        )
        for i in range(n)
    ]


def _submit(appointment, **answers):
    return feedback_submit(patient=appointment.patient, appointment=appointment, **({"csat": 5} | answers))


def test_a_completed_session_asks_satisfaction_but_not_yet_nps():
    (appointment,) = _sessions(1)
    due = feedback_due_for(appointment)
    assert due is not None and due.ask_nps is False


@pytest.mark.parametrize("status", ["confirmed", "cancelled", "no_show", "in_progress"])
def test_nothing_is_due_for_a_session_that_did_not_complete(status):
    (appointment,) = _sessions(1, status=status)
    assert feedback_due_for(appointment) is None


def test_nps_is_asked_from_the_third_completed_session():
    first, second, third = _sessions(3)
    assert [feedback_due_for(a).ask_nps for a in (first, second, third)] == [False, False, True]


def test_nps_is_asked_again_only_after_90_days():
    sessions = _sessions(5, days_ago=60)
    answer = _submit(sessions[2], nps=9)
    assert answer.asked_nps is True
    assert feedback_due_for(sessions[3]).ask_nps is False
    Feedback.objects.filter(pk=answer.pk).update(
        submitted_at=timezone.now() - timedelta(days=91), editable_until=timezone.now() - timedelta(days=84)
    )
    assert feedback_due_for(sessions[3]).ask_nps is True


def test_a_patient_answers_their_session_once():
    (appointment,) = _sessions(1)
    feedback = _submit(appointment, csat=4, progress="better", comment="  Helpful.  ")
    assert (feedback.csat, feedback.progress, feedback.nps, feedback.comment) == (4, "better", None, "Helpful.")
    assert feedback.specialist == appointment.specialist and feedback.patient == appointment.patient
    assert feedback.editable_until == feedback.submitted_at + timedelta(days=7)
    assert feedback_due_for(appointment) is None
    assert JourneyEvent.objects.filter(verb="feedback.given", object_public_id=feedback.public_id).count() == 1
    assert AuditLog.objects.filter(action="write", object_public_id=feedback.public_id).count() == 1
    with pytest.raises(ValidationError) as error:
        _submit(appointment, csat=1)
    assert error.value.code == "already_given"
    assert Feedback.objects.get().csat == 4


def test_feedback_on_someone_elses_session_is_refused():
    (appointment,) = _sessions(1)
    with pytest.raises(PermissionDenied):
        feedback_submit(patient=UserFactory(), appointment=appointment, csat=1)
    assert not Feedback.objects.exists()


def test_feedback_on_a_session_that_did_not_take_place_is_refused():
    (appointment,) = _sessions(1, status="cancelled")
    with pytest.raises(ValidationError) as error:
        _submit(appointment)
    assert error.value.code == "not_completed"


@pytest.mark.parametrize(
    "answers, code",
    [
        ({"csat": 0}, "csat"),
        ({"csat": 6}, "csat"),
        ({"progress": "fantastic"}, "progress"),
        ({"nps": 9}, "nps_not_asked"),
        ({"comment": "x" * 1001}, "comment_too_long"),
        ({"csat": None, "comment": "   "}, "empty"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(answers, code):
    (appointment,) = _sessions(1)
    with pytest.raises(ValidationError) as error:
        _submit(appointment, **answers)
    assert error.value.code == code
    assert not Feedback.objects.exists()


def test_nps_out_of_range_is_refused_when_asked():
    appointment = _sessions(3)[2]
    with pytest.raises(ValidationError) as error:
        _submit(appointment, nps=11)
    assert error.value.code == "nps"


def test_the_database_refuses_out_of_range_answers():
    (appointment,) = _sessions(1)
    feedback = _submit(appointment)
    for change in ({"csat": 6}, {"nps": 5}, {"progress": "great"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Feedback.objects.filter(pk=feedback.pk).update(**change)


def test_feedback_is_editable_for_seven_days_by_its_patient_only():
    (appointment,) = _sessions(1)
    feedback = _submit(appointment, csat=2)
    feedback = feedback_edit(patient=appointment.patient, feedback=feedback, csat=3, comment="Better on reflection")
    assert (feedback.csat, feedback.comment) == (3, "Better on reflection")
    with pytest.raises(PermissionDenied):
        feedback_edit(patient=UserFactory(), feedback=feedback, csat=1)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)), pytest.raises(ValidationError) as error:
        feedback_edit(patient=appointment.patient, feedback=feedback, csat=1)
    assert error.value.code == "closed"
    assert Feedback.objects.get().csat == 3


def test_the_comment_is_encrypted_at_rest():
    (appointment,) = _sessions(1)
    feedback = _submit(appointment, comment="My therapist helped with my divorce")
    with connection.cursor() as cursor:
        cursor.execute("SELECT comment FROM care_feedback WHERE id = %s", [feedback.pk])
        (stored,) = cursor.fetchone()
    stored = stored if isinstance(stored, str) else bytes(stored).decode("latin-1")
    assert "divorce" not in stored
    assert Feedback.objects.get().comment == "My therapist helped with my divorce"


def test_a_link_resolves_to_its_session_and_each_link_differs():
    (appointment,) = _sessions(1)
    token = feedback_link_token(appointment)
    assert token != feedback_link_token(appointment)
    assert feedback_link_resolve(token) == appointment


def test_a_used_link_is_refused():
    (appointment,) = _sessions(1)
    token = feedback_link_token(appointment)
    other_token = feedback_link_token(appointment)
    _submit(feedback_link_resolve(token))
    for used in (token, other_token):
        with pytest.raises(ValidationError) as error:
            feedback_link_resolve(used)
        assert error.value.code == "used"


def test_an_expired_link_is_refused():
    (appointment,) = _sessions(1)
    token = feedback_link_token(appointment)
    with time_machine.travel(timezone.now() + timedelta(days=31)), pytest.raises(ValidationError) as error:
        feedback_link_resolve(token)
    assert error.value.code == "expired"


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, appointment: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token, appointment: signing.dumps({"a": str(appointment.public_id), "n": "x"}, salt="other"),
        lambda token, appointment: signing.dumps({"a": str(appointment.public_id), "n": "x"}, key="not-our-key"),
        lambda token, appointment: signing.dumps(["not", "a", "dict"], salt=LINK_SALT),
        lambda token, appointment: signing.dumps({"a": "00000000-0000-0000-0000-000000000000"}, salt=LINK_SALT),
        lambda token, appointment: signing.dumps({"a": "not-a-uuid"}, salt=LINK_SALT),
        lambda token, appointment: "garbage",
    ],
)
def test_a_forged_link_is_refused(forge):
    (appointment,) = _sessions(1)
    with pytest.raises(ValidationError) as error:
        feedback_link_resolve(forge(feedback_link_token(appointment), appointment))
    assert error.value.code == "invalid"


def test_a_link_to_a_session_that_did_not_complete_is_refused():
    (appointment,) = _sessions(1, status="confirmed")
    with pytest.raises(ValidationError):
        feedback_link_resolve(feedback_link_token(appointment))


def test_nps_csat_and_response_rate_against_hand_computed_numbers():
    """Ten completed sessions (plus two that were not), eight answered.

    CSAT answers 5,5,4,4,3,2,1 (one skipped): 4 of 7 satisfied = 57.14…%.
    NPS answers 10,9,9,8,7,6,0 (one not asked): 3 promoters and 2 detractors
    of 7 = (3 - 2) / 7 = 14.28…%. Response rate 8 / 10 = 80%.
    """
    patient = UserFactory()
    completed = _sessions(10, patient=patient, days_ago=80)
    _sessions(2, patient=patient, status="cancelled")
    answers = [(5, 10), (5, 9), (4, 9), (4, 8), (3, 7), (2, 6), (1, 0), (None, None)]
    now = timezone.now()
    for appointment, (csat, nps) in zip(completed, answers, strict=False):
        Feedback.objects.create(
            appointment=appointment,
            patient=patient,
            specialist=appointment.specialist,
            csat=csat,
            nps=nps,
            asked_nps=nps is not None,
            comment="" if csat else "Only a comment",
            editable_until=now + timedelta(days=7),
        )
    summary = nps_csat_summary(Appointment.objects.filter(patient=patient))
    assert (summary.completed, summary.responses) == (10, 8)
    assert (summary.csat_answered, summary.satisfied) == (7, 4)
    assert (summary.nps_answered, summary.promoters, summary.detractors) == (7, 3, 2)
    assert summary.response_rate == 80
    assert summary.csat == pytest.approx(400 / 7)
    assert summary.nps == pytest.approx(100 / 7)


def test_all_detractors_give_minus_100_and_no_answers_give_none():
    sessions = _sessions(3)
    for appointment in sessions:
        Feedback.objects.create(
            appointment=appointment,
            patient=appointment.patient,
            specialist=appointment.specialist,
            nps=3,
            asked_nps=True,
            editable_until=timezone.now() + timedelta(days=7),
        )
    summary = nps_csat_summary(Appointment.objects.filter(pk__in=[a.pk for a in sessions]))
    assert summary.nps == -100 and summary.csat is None and summary.response_rate == 100
    empty = nps_csat_summary(Appointment.objects.none())
    assert (empty.nps, empty.csat, empty.response_rate) == (None, None, None)


def test_the_summary_takes_constant_queries(django_assert_num_queries):
    sessions = _sessions(4)
    for appointment in sessions[:2]:
        _submit(appointment)
    with django_assert_num_queries(2):
        nps_csat_summary(Appointment.objects.all())


# --- Settings: program row, else organization row, else defaults ---------------


def _settings(organization, program=None, **fields):
    return FeedbackSettings.objects.create(organization=organization, program=program, **fields)


def test_without_settings_the_defaults_apply():
    (appointment,) = _sessions(1)
    assert feedback_settings_for(appointment) == FeedbackRules()
    assert FeedbackRules().nps_from_session == 3 and FeedbackRules().nps_every_days == 90


def test_the_organization_row_applies_to_its_specialists_sessions():
    (appointment,) = _sessions(1)
    _settings(appointment.specialist.organization, ask_progress=False, anonymous=True)
    _settings(OrganizationFactory(), ask_csat=False)  # another organization's: ignored
    rules = feedback_settings_for(appointment)
    assert (rules.ask_csat, rules.ask_progress, rules.anonymous, rules.source) == (True, False, True, "organization")


def test_the_program_of_the_care_relationship_overrides_the_organization():
    (appointment,) = _sessions(1)
    organization = appointment.specialist.organization
    program = ProgramFactory(organization=organization)
    _settings(organization, anonymous=False)
    _settings(organization, program, anonymous=True, nps_from_session=0)
    CareRelationshipFactory(patient=appointment.patient, specialist=appointment.specialist, program=program)
    rules = feedback_settings_for(appointment)
    assert (rules.anonymous, rules.nps_from_session, rules.source) == (True, 0, "program")


def test_without_a_relationship_program_the_patients_enrolment_decides():
    (appointment,) = _sessions(1)
    organization = appointment.specialist.organization
    program = ProgramFactory(organization=organization)
    elsewhere = ProgramFactory()  # a program of another organization does not count
    _settings(organization, program, ask_csat=False)
    _settings(elsewhere.organization, elsewhere, ask_progress=False)
    ProgramEnrolment.objects.create(program=elsewhere, patient=appointment.patient, via="code")
    assert feedback_settings_for(appointment).source == "default"
    ProgramEnrolment.objects.create(program=program, patient=appointment.patient, via="code")
    assert feedback_settings_for(appointment).ask_csat is False


def test_a_program_without_its_own_row_follows_the_organization():
    (appointment,) = _sessions(1)
    organization = appointment.specialist.organization
    program = ProgramFactory(organization=organization)
    CareRelationshipFactory(patient=appointment.patient, specialist=appointment.specialist, program=program)
    _settings(organization, ask_csat=False)
    assert feedback_settings_for(appointment).source == "organization"


def test_nps_follows_the_organizations_cadence():
    sessions = _sessions(4, days_ago=40)
    _settings(sessions[0].specialist.organization, nps_from_session=2, nps_every_days=10)
    assert [feedback_due_for(a).ask_nps for a in sessions[:2]] == [False, True]
    answer = _submit(sessions[1], nps=8)
    assert feedback_due_for(sessions[2]).ask_nps is False
    Feedback.objects.filter(pk=answer.pk).update(
        submitted_at=timezone.now() - timedelta(days=11), editable_until=timezone.now() - timedelta(days=4)
    )
    assert feedback_due_for(sessions[2]).ask_nps is True


def test_nps_from_session_zero_never_asks_nps():
    sessions = _sessions(5)
    _settings(sessions[0].specialist.organization, nps_from_session=0)
    assert not any(feedback_due_for(a).ask_nps for a in sessions)
    with pytest.raises(ValidationError) as error:
        _submit(sessions[4], nps=9)
    assert error.value.code == "nps_not_asked"


def test_nps_counts_sessions_and_answers_within_the_organization_only():
    patient = UserFactory()
    elsewhere = _sessions(3, patient=patient, days_ago=60)
    _submit(elsewhere[2], nps=10)  # asked at another organization: does not count here
    first, second, third = _sessions(3, patient=patient, days_ago=30)
    assert [feedback_due_for(a).ask_nps for a in (first, second, third)] == [False, False, True]


def test_questions_the_organization_does_not_ask_are_refused():
    (appointment,) = _sessions(1)
    _settings(appointment.specialist.organization, ask_csat=False)
    due = feedback_due_for(appointment)
    assert (due.ask_csat, due.ask_progress) == (False, True)
    with pytest.raises(ValidationError) as error:
        _submit(appointment, csat=5)
    assert error.value.code == "csat_not_asked"
    assert not Feedback.objects.exists()
    assert _submit(appointment, csat=None, progress="better").progress == "better"


def test_nothing_is_due_when_the_organization_asks_nothing():
    (appointment,) = _sessions(1)
    _settings(appointment.specialist.organization, ask_csat=False, ask_progress=False, nps_from_session=0)
    assert feedback_due_for(appointment) is None


# --- Anonymity ------------------------------------------------------------------


def test_feedback_is_anonymous_when_the_organization_says_so():
    first, second = _sessions(2)
    named = _submit(first)
    assert feedback_is_anonymous(named) is False
    _settings(first.specialist.organization, anonymous=True)
    assert feedback_is_anonymous(named) is True
    assert feedback_is_anonymous(_submit(second)) is True


def test_an_answer_given_anonymously_stays_anonymous_when_the_organization_turns_it_off():
    (appointment,) = _sessions(1)
    row = _settings(appointment.specialist.organization, anonymous=True)
    feedback = _submit(appointment)
    assert feedback.anonymous is True
    row.anonymous = False
    row.save()
    assert feedback_is_anonymous(feedback) is True


def test_a_program_can_be_anonymous_while_the_organization_is_not():
    first, second = _sessions(2)
    organization = first.specialist.organization
    program = ProgramFactory(organization=organization)
    _settings(organization, program, anonymous=True)
    other_patient_session = AppointmentFactory(
        offering=first.offering, status="completed", starts_at=first.starts_at, ends_at=first.ends_at
    )
    CareRelationshipFactory(patient=first.patient, specialist=first.specialist, program=program)
    assert feedback_is_anonymous(_submit(second)) is True
    assert feedback_is_anonymous(_submit(other_patient_session)) is False


# --- Settings service -------------------------------------------------------------


def test_settings_are_saved_audited_and_recorded_as_a_journey_event():
    organization = OrganizationFactory()
    admin = UserFactory()
    row = feedback_settings_save(
        organization=organization,
        program=None,
        by=admin,
        ask_csat=True,
        ask_progress=False,
        nps_from_session=5,
        nps_every_days=30,
        anonymous=True,
    )
    again = feedback_settings_save(
        organization=organization,
        program=None,
        by=admin,
        ask_csat=True,
        ask_progress=True,
        nps_from_session=5,
        nps_every_days=30,
        anonymous=True,
    )
    assert again.pk == row.pk and FeedbackSettings.objects.count() == 1
    assert AuditLog.objects.filter(actor=admin, action=AuditLog.Action.WRITE).count() == 2
    assert JourneyEvent.objects.filter(verb="feedback.settings_changed").count() == 2


@pytest.mark.parametrize(
    ("fields", "code"), [({"nps_every_days": 0}, "every_days"), ({"nps_from_session": -1}, "from_session")]
)
def test_bad_settings_are_refused_and_nothing_is_stored(fields, code):
    values = {"ask_csat": True, "ask_progress": True, "nps_from_session": 3, "nps_every_days": 90, "anonymous": False}
    with pytest.raises(ValidationError) as error:
        feedback_settings_save(organization=OrganizationFactory(), program=None, by=UserFactory(), **(values | fields))
    assert error.value.code == code
    assert not FeedbackSettings.objects.exists()


def test_another_organizations_program_cannot_be_configured():
    values = {"ask_csat": True, "ask_progress": True, "nps_from_session": 3, "nps_every_days": 90, "anonymous": False}
    with pytest.raises(PermissionDenied):
        feedback_settings_save(organization=OrganizationFactory(), program=ProgramFactory(), by=UserFactory(), **values)
    assert not FeedbackSettings.objects.exists()


def test_resetting_a_program_makes_it_follow_the_organization_again():
    program = ProgramFactory()
    _settings(program.organization, program, anonymous=True)
    feedback_settings_reset(organization=program.organization, program=program, by=UserFactory())
    assert not FeedbackSettings.objects.exists()
    assert JourneyEvent.objects.filter(verb="feedback.settings_changed", data__reset=True).exists()


def test_the_bulk_rules_agree_with_the_rules_of_each_session(django_assert_num_queries):
    """Four patients of one specialist: via the relationship's program, via
    an enrolment, via the organization's row; and one of another
    organization with nothing configured."""
    (first,) = _sessions(1)
    specialist, organization = first.specialist, first.specialist.organization
    by_relationship, by_enrolment = ProgramFactory(organization=organization), ProgramFactory(organization=organization)
    _settings(organization, anonymous=True, ask_progress=False)
    _settings(organization, by_relationship, nps_from_session=0)
    _settings(organization, by_enrolment, ask_csat=False)
    CareRelationshipFactory(patient=first.patient, specialist=specialist, program=by_relationship)
    second = AppointmentFactory(offering=first.offering, status="completed")
    ProgramEnrolment.objects.create(program=by_enrolment, patient=second.patient, via="code")
    third = AppointmentFactory(offering=first.offering, status="completed")
    (elsewhere,) = _sessions(1)
    sessions = [first, second, third, elsewhere]
    with django_assert_num_queries(4):
        bulk = feedback_rules_for_pairs({(a.patient_id, a.specialist_id) for a in sessions})
    single = {(a.patient_id, a.specialist_id): feedback_settings_for(a) for a in sessions}
    assert bulk == single
    assert [single[(a.patient_id, a.specialist_id)].source for a in sessions] == [
        "program",
        "program",
        "organization",
        "default",
    ]
