"""The journey funnel against a hand-counted cohort.

The cohort (registered on day 1 of a range that closed long ago, window
90 days), step by step; "→" marks where each one stops:

  p1  registered → stops
  p2  intake → stops
  p3  intake, chose the specialist → stops
  p4  … booked (later cancelled) → stops
  p5  … attended its first session, gave feedback → stops
  p6  … attended, gave feedback, booked a second session
  p7  attended and booked a second session, but gave no feedback: leaves
      at the feedback step (the funnel is strict)
  p8  no intake, yet chose, booked and attended: leaves at the intake
  p9  intake only after the window (day 100): leaves at the intake
  p10 intake, chose, booked, first session after the window (day 95)
  p13 intake, but chose, booked and attended with another organization
  p14 intake, chose the colleague, booked and attended once (no feedback)
Not in the cohort: p11 (registered before the range), p12 (the other
organization's patient).
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from booking.states import AppointmentStatus
from insights.funnel import journey_funnel, specialist_funnel
from organizations.models import ProgramEnrolment
from tests.organizations.factories import ProgramFactory

from .journeys import choose, complete_intake, give_feedback, register, session

S = AppointmentStatus


def full_journey(clinic, specialist, at, *, day=1, second=True, feedback=True):
    patient = register(clinic, at(day))
    complete_intake(patient, at(day + 1))
    choose(patient, specialist, at(day + 2))
    first = session(patient, specialist, at(day + 10), confirmed_at=at(day + 3))
    if feedback:
        give_feedback(first, at(day + 11))
    if second:
        session(patient, specialist, at(day + 30), status=S.CONFIRMED, confirmed_at=at(day + 20))
    return patient


@pytest.fixture
def cohort(clinic, other_clinic, specialist, colleague, outsider, at):
    people = {}
    people["p1"] = register(clinic, at(1))
    people["p2"] = p = register(clinic, at(1))
    complete_intake(p, at(2))
    people["p3"] = p = register(clinic, at(1))
    complete_intake(p, at(2))
    choose(p, specialist, at(3))
    people["p4"] = p = register(clinic, at(1))
    complete_intake(p, at(2))
    choose(p, specialist, at(3))
    session(p, specialist, at(12, hour=9), status=S.CANCELLED, confirmed_at=at(4))
    people["p5"] = full_journey(clinic, specialist, at, second=False)
    people["p6"] = full_journey(clinic, specialist, at)
    # Other hours: one specialist cannot hold two sessions at once.
    people["p7"] = p = register(clinic, at(1))
    complete_intake(p, at(2))
    choose(p, specialist, at(3))
    session(p, specialist, at(11, hour=12), confirmed_at=at(4))
    session(p, specialist, at(31, hour=12), status=S.CONFIRMED, confirmed_at=at(21))
    people["p8"] = p = register(clinic, at(1))
    choose(p, specialist, at(3))
    session(p, specialist, at(11, hour=14), confirmed_at=at(4))
    people["p9"] = p = register(clinic, at(1))
    complete_intake(p, at(100))
    people["p10"] = p = register(clinic, at(1))
    complete_intake(p, at(2))
    choose(p, specialist, at(3))
    session(p, specialist, at(95), confirmed_at=at(4))
    people["p13"] = p = register(clinic, at(1))
    complete_intake(p, at(2))
    choose(p, outsider, at(3))
    session(p, outsider, at(10), confirmed_at=at(3))
    people["p14"] = full_journey(clinic, colleague, at, second=False, feedback=False)
    people["p11"] = full_journey(clinic, specialist, lambda d, hour=10: at(d - 6, hour=hour + 5))
    people["p12"] = full_journey(other_clinic, outsider, lambda d, hour=10: at(d, hour=hour + 6))
    return people


def counts(funnel):
    return {step.key: step.patients.value for step in funnel.steps}


def test_funnel_counts_each_step_against_the_hand_counted_cohort(clinic, cohort, base):
    funnel = journey_funnel(organization=clinic, start_on=base, end_on=base + timedelta(days=9))
    assert counts(funnel) == {
        "registered": 12,
        "intake_done": 9,
        "matched": 7,
        "first_booking": 6,
        "first_session": 4,
        "feedback": 2,
        "second_booking": 1,
    }
    assert [step.drop_off.value if step.drop_off else None for step in funnel.steps] == [
        None, 3, 2, 1, 2, 2, 1,
    ]  # fmt: skip
    assert funnel.window_days == 90
    assert funnel.is_window_open is False


def test_feedback_after_the_window_does_not_count(clinic, specialist, at, base):
    patient = register(clinic, at(1))
    complete_intake(patient, at(1))
    choose(patient, specialist, at(1))
    first = session(patient, specialist, at(3), confirmed_at=at(2))
    give_feedback(first, at(20))
    funnel = journey_funnel(organization=clinic, start_on=base, end_on=base + timedelta(days=9), window_days=10)
    assert counts(funnel)["first_session"] == 1
    assert counts(funnel)["feedback"] == 0


def test_funnel_for_one_specialist_follows_only_their_steps(clinic, cohort, base, specialist):
    funnel = journey_funnel(organization=clinic, start_on=base, end_on=base + timedelta(days=9), specialist=specialist)
    assert counts(funnel) == {
        "registered": 12,
        "intake_done": 9,
        "matched": 6,
        "first_booking": 5,
        "first_session": 3,
        "feedback": 2,
        "second_booking": 1,
    }


def test_funnel_for_a_program_counts_its_members_only(clinic, cohort, base):
    program = ProgramFactory(organization=clinic)
    for name in ("p1", "p5", "p6"):
        ProgramEnrolment.objects.create(program=program, patient=cohort[name], via=ProgramEnrolment.Via.CODE)
    funnel = journey_funnel(organization=clinic, start_on=base, end_on=base + timedelta(days=9), program=program)
    assert counts(funnel) == {
        "registered": 3,
        "intake_done": 2,
        "matched": 2,
        "first_booking": 2,
        "first_session": 2,
        "feedback": 2,
        "second_booking": 1,
    }


def test_a_shorter_window_loses_the_later_steps(clinic, cohort, base):
    funnel = journey_funnel(organization=clinic, start_on=base, end_on=base + timedelta(days=9), window_days=5)
    # Sessions on day 11 and later fall outside a 5-day window.
    assert counts(funnel)["first_booking"] == 6
    assert counts(funnel)["first_session"] == 0


def test_the_other_organization_sees_only_its_own_patient(other_clinic, cohort, base):
    funnel = journey_funnel(organization=other_clinic, start_on=base, end_on=base + timedelta(days=9))
    assert counts(funnel) == {
        "registered": 1,
        "intake_done": 1,
        "matched": 1,
        "first_booking": 1,
        "first_session": 1,
        "feedback": 1,
        "second_booking": 1,
    }


def test_small_counts_show_as_suppressed(clinic, cohort, base):
    steps = journey_funnel(organization=clinic, start_on=base, end_on=base + timedelta(days=9)).steps
    assert steps[0].patients.shown == "12"
    assert steps[0].rate_from_start == 1.0
    assert [step.patients.shown for step in steps[1:5]] == ["<11"] * 4
    assert all(step.rate_from_previous is None for step in steps[1:])
    # 12 - 9 = 3: with one side suppressed, the difference is withheld too.
    assert steps[1].drop_off.shown == "<11"


def test_a_specialist_or_program_of_another_organization_is_refused(clinic, outsider, base):
    with pytest.raises(ValidationError, match="not one of this organization"):
        journey_funnel(organization=clinic, start_on=base, end_on=base, specialist=outsider)
    with pytest.raises(ValidationError, match="not one of this organization"):
        journey_funnel(organization=clinic, start_on=base, end_on=base, program=ProgramFactory())


@pytest.mark.parametrize("window_days", [0, -3, 366])
def test_an_absurd_window_is_refused(clinic, base, window_days):
    with pytest.raises(ValidationError, match="between 1 and 365"):
        journey_funnel(organization=clinic, start_on=base, end_on=base, window_days=window_days)


def test_feedback_given_counts_patients_with_an_answer(clinic, cohort, base, at):
    third = cohort["p7"].appointments.get(status=S.COMPLETED)
    give_feedback(third, at(12), csat=None, progress="better")
    funnel = journey_funnel(organization=clinic, start_on=base, end_on=base + timedelta(days=9))
    assert counts(funnel)["feedback"] == 3
    # p7 booked again before answering: with the answer, they reach the last step.
    assert counts(funnel)["second_booking"] == 2


def test_a_specialists_funnel_starts_at_the_match(cohort, base, specialist, colleague):
    """p3 to p10 chose `specialist` on day 3 (p11 did too, but before the
    range); p9 has no relationship; the colleague's p14 is not theirs."""
    funnel = specialist_funnel(specialist=specialist, start_on=base, end_on=base + timedelta(days=9))
    assert [step.key for step in funnel.steps] == [
        "matched", "first_booking", "first_session", "feedback", "second_booking",
    ]  # fmt: skip
    assert counts(funnel) == {
        "matched": 7,  # p3, p4, p5, p6, p7, p8, p10
        "first_booking": 6,
        "first_session": 4,  # p5, p6, p7, p8 (p10's is after the window)
        "feedback": 2,
        "second_booking": 1,
    }
    assert funnel.steps[0].rate_from_start == 1.0 or funnel.steps[0].patients.is_suppressed
    colleague_funnel = specialist_funnel(specialist=colleague, start_on=base, end_on=base + timedelta(days=9))
    assert counts(colleague_funnel)["matched"] == 1


def test_a_specialists_returning_patient_is_not_a_new_match(specialist, at, base):
    patient = register(specialist.organization, at(-30))
    choose(patient, specialist, at(-30))
    ended = patient.care_relationships.get()
    ended.status = "ended"
    ended.save(update_fields=["status"])
    choose(patient, specialist, at(2))
    funnel = specialist_funnel(specialist=specialist, start_on=base, end_on=base + timedelta(days=9))
    assert counts(funnel)["matched"] == 0
