"""The specialist's scheduling pages (booking/views/specialist.py): the
appointments list, one appointment and its actions, availability requests,
proposing times and withdrawing them.

The clock stands still on Monday 16 March 2026, 09:00 in Berlin (the
specialist's zone); the patient lives in New York. Berlin moves its clocks
forward on Sunday 29 March at 02:00.
"""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.models import Appointment, AppointmentEvent, AvailabilityRequest, Proposal
from booking.services import availability_request_create, proposal_create
from booking.states import AppointmentStatus
from care.models import CareRelationship
from care.services import care_relationship_start
from core.models import AuditLog
from specialists.services import specialist_profile_get_or_create
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory
from tests.specialists.factories import OfferingFactory

DASH = "\u2013"  # the en dash between two times

pytestmark = pytest.mark.django_db

S = AppointmentStatus
NOW = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day, hour, minute=0, month=3):
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def specialist(personas):
    return personas["specialist"]  # Europe/Berlin, with a second factor


@pytest.fixture
def profile(specialist):
    return specialist_profile_get_or_create(user=specialist)


@pytest.fixture
def offering(profile):
    return OfferingFactory(
        specialist=profile, name="Initial consultation", duration_minutes=50, price_minor=9000, currency="EUR"
    )


@pytest.fixture
def patient(personas, profile):
    """Patient A, in New York and in care with the specialist."""
    person = personas["patient_a"]
    person.full_name, person.timezone = "Maya Lindqvist", "America/New_York"
    person.save()
    care_relationship_start(patient=person, specialist=profile, source=CareRelationship.Source.CHOSEN)
    return person


@pytest.fixture
def stranger(personas):
    """Patient B: never booked or asked this specialist."""
    return personas["patient_b"]


@pytest.fixture
def specialist_client(client, specialist):
    client.force_login(specialist)
    return client


@pytest.fixture
def other_client(client, personas):
    other = personas["other_specialist"]
    specialist_profile_get_or_create(user=other)
    client.force_login(other)
    return client


def requested(patient, offering, starts_at=None, **fields):
    return AppointmentFactory(patient=patient, offering=offering, starts_at=starts_at or berlin(18, 10), **fields)


def confirmed(patient, offering, starts_at, **fields):
    return AppointmentFactory(patient=patient, offering=offering, starts_at=starts_at, confirmed=True, **fields)


def a_proposal(profile, patient, offering, *starts, **fields):
    fields.setdefault("expires_at", NOW + timedelta(days=1))
    return proposal_create(
        specialist=profile,
        patient=patient,
        offering=offering,
        starts_at=list(starts or [berlin(19, 10), berlin(19, 14)]),
        by=profile.user,
        **fields,
    )


def counts():
    return (
        Proposal.objects.count(),
        Appointment.objects.count(),
        AppointmentEvent.objects.count(),
        AvailabilityRequest.objects.filter(status=AvailabilityRequest.Status.OPEN).count(),
    )


def was_audited(obj) -> bool:
    return AuditLog.objects.filter(action=AuditLog.Action.READ, object_public_id=obj.public_id).exists()


def url(name, obj=None):
    return reverse(f"booking:{name}", args=[obj.public_id] if obj is not None else [])


# --- The appointments list ------------------------------------------------------------


def test_the_list_sorts_everything_into_its_section(specialist_client, profile, offering, patient, stranger):
    asked = requested(patient, offering)
    open_request = availability_request_create(
        patient=stranger, specialist=profile, offering=offering, windows=[], note="Evenings"
    )
    proposal = a_proposal(profile, patient, offering)
    unpaid = AppointmentFactory(
        patient=patient, offering=offering, starts_at=berlin(20, 9), awaiting_payment=True, expires_at=berlin(19, 9)
    )
    booked = confirmed(patient, offering, berlin(17, 9))
    cancelled = AppointmentFactory(
        patient=patient, offering=offering, starts_at=berlin(17, 15), cancelled=True, is_late_cancellation=True
    )
    done = AppointmentFactory(patient=patient, offering=offering, starts_at=berlin(9, 9), completed=True)

    response = specialist_client.get(url("specialist-appointments"))

    assert response.status_code == 200
    context = response.context
    assert context["requested"] == [asked]
    assert context["open_requests"] == [open_request]
    assert context["open_proposals"] == [proposal]
    assert context["awaiting_payment"] == [unpaid]
    assert context["upcoming"] == [booked]
    assert context["past"] == [cancelled, done]
    html = response.content.decode()
    for text in ["Needs your answer", "Waiting for the patient", "Upcoming", "Past and cancelled", "Late cancellation"]:
        assert text in html
    assert reverse("booking:proposal-create") in html


def test_the_list_shows_times_in_the_specialists_zone_and_notes_the_patients(specialist_client, offering, patient):
    confirmed(patient, offering, berlin(17, 8))
    html = specialist_client.get(url("specialist-appointments")).content.decode()
    assert "Europe/Berlin" in html
    assert f"08:00{DASH}08:50" in html  # Berlin
    assert "Tue 17 Mar, 03:00 for them (America/New_York)" in html
    assert "Maya Lindqvist" in html
    assert "Inside the cancellation window" in html  # tomorrow morning, 24-hour window


def test_proposal_options_that_never_became_bookings_stay_out_of_the_past(
    specialist_client, profile, offering, patient
):
    withdrawn = a_proposal(profile, patient, offering, berlin(19, 10))
    specialist_client.post(url("proposal-withdraw", withdrawn))
    response = specialist_client.get(url("specialist-appointments"))
    assert response.context["past"] == []
    assert response.context["open_proposals"] == []


def test_the_list_takes_the_same_number_of_queries_however_much_it_shows(
    specialist_client, profile, offering, patient, django_assert_num_queries
):
    def one_of_each(day):
        someone = UserFactory()
        requested(someone, offering, berlin(day, 8))
        availability_request_create(patient=someone, specialist=profile, offering=None, windows=[], note="Any")
        a_proposal(profile, someone, offering, berlin(day, 10), berlin(day, 12))
        AppointmentFactory(patient=someone, offering=offering, starts_at=berlin(day, 14), awaiting_payment=True)
        confirmed(someone, offering, berlin(day, 16))
        AppointmentFactory(patient=someone, offering=offering, starts_at=berlin(day - 10, 16), cancelled=True)

    one_of_each(20)
    specialist_client.get(url("specialist-appointments"))  # the session's first write is behind us
    with CaptureQueriesContext(connection) as first:
        specialist_client.get(url("specialist-appointments"))
    for day in (21, 23, 24, 25):
        one_of_each(day)
    with django_assert_num_queries(len(first)):
        response = specialist_client.get(url("specialist-appointments"))
    assert len(response.context["upcoming"]) == 5


def test_a_specialist_without_a_profile_is_sent_to_set_it_up(client, personas):
    client.force_login(personas["specialist"])
    for name in ("specialist-appointments", "proposal-create"):
        response = client.get(url(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("specialists:profile-edit")
    response = client.get(url("specialist-appointments"), follow=True)
    assert "Set up your profile first" in response.content.decode()


def test_patients_and_anonymous_people_cannot_open_the_specialist_list(client, personas):
    assert client.get(url("specialist-appointments")).status_code == 302
    client.force_login(personas["patient_a"])
    assert client.get(url("specialist-appointments")).status_code == 403


# --- One appointment --------------------------------------------------------------------


def test_the_appointment_page_shows_both_zones_price_history_and_is_audited(specialist_client, offering, patient):
    appointment = confirmed(patient, offering, berlin(20, 9))
    AppointmentEvent.objects.create(
        appointment=appointment, from_status="", to_status=S.CONFIRMED, actor=patient, starts_at=appointment.starts_at
    )
    response = specialist_client.get(url("specialist-appointment", appointment))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Fri 20 Mar, 09:00{DASH}09:50" in html
    assert "For the patient: Fri 20 Mar, 04:00 (America/New_York)" in html
    assert "90.00" in html
    assert "Created as “Confirmed”" in html
    assert "Move to another time" in html and "Cancel the session" in html
    assert was_audited(appointment)
    assert "no-store" in response["Cache-Control"]


def test_another_specialists_appointment_does_not_exist_for_them(other_client, offering, patient):
    appointment = confirmed(patient, offering, berlin(20, 9))
    for name in ("specialist-appointment", "specialist-reschedule"):
        assert other_client.get(url(name, appointment)).status_code == 404
    before = counts()
    for name, data in [
        ("specialist-accept", {}),
        ("specialist-cancel", {"cancel-reason": "x"}),
        ("specialist-decline", {"decline-reason": "x"}),
        ("specialist-reschedule", {"date": "2026-03-20", "time": "11:00", "reason": "x"}),
    ]:
        assert other_client.post(url(name, appointment), data).status_code == 404
    assert counts() == before
    assert not was_audited(appointment)


def test_a_made_up_id_is_404(specialist_client):
    assert specialist_client.get(f"/specialist/appointments/{uuid.uuid4()}/").status_code == 404


def test_accepting_a_request_books_it(specialist_client, offering, patient):
    appointment = requested(patient, offering)
    response = specialist_client.post(url("specialist-accept", appointment))
    assert response.status_code == 303
    assert response["Location"] == url("specialist-appointment", appointment)
    appointment.refresh_from_db()
    assert appointment.status == S.CONFIRMED


def test_accepting_a_time_another_booking_took_meanwhile_is_409_and_changes_nothing(
    specialist_client, offering, patient, stranger
):
    appointment = requested(patient, offering)
    confirmed(stranger, offering, appointment.starts_at + timedelta(minutes=20))
    before = counts()
    response = specialist_client.post(url("specialist-accept", appointment))
    assert response.status_code == 409
    assert "Another booking now holds this time" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == S.REQUESTED
    assert counts() == before


def test_accepting_an_answered_request_is_409(specialist_client, offering, patient):
    appointment = requested(patient, offering, status=S.DECLINED)
    response = specialist_client.post(url("specialist-accept", appointment))
    assert response.status_code == 409
    assert "already been answered" in response.content.decode()


def test_declining_needs_a_reason(specialist_client, offering, patient):
    appointment = requested(patient, offering)
    before = counts()
    response = specialist_client.post(url("specialist-decline", appointment), {"decline-reason": "  "})
    assert response.status_code == 422
    assert "Please give a reason." in response.content.decode()
    assert counts() == before

    response = specialist_client.post(
        url("specialist-decline", appointment), {"decline-reason": "I am away that week."}
    )
    assert response.status_code == 303
    appointment.refresh_from_db()
    assert appointment.status == S.DECLINED
    assert appointment.events.last().reason == "I am away that week."


def test_cancelling_inside_the_window_is_allowed_and_flagged_late(specialist_client, offering, patient):
    appointment = confirmed(patient, offering, NOW + timedelta(hours=5))
    page = specialist_client.get(url("specialist-appointment", appointment)).content.decode()
    assert "will be flagged as late" in page
    response = specialist_client.post(url("specialist-cancel", appointment), {"cancel-reason": "I am ill."})
    assert response.status_code == 303
    appointment.refresh_from_db()
    assert (appointment.status, appointment.is_late_cancellation) == (S.CANCELLED, True)
    assert appointment.cancellation_reason == "I am ill."
    page = specialist_client.get(url("specialist-appointment", appointment)).content.decode()
    assert "Late: inside the free-cancellation window" in page


def test_cancelling_without_a_reason_is_422_and_changes_nothing(specialist_client, offering, patient):
    appointment = confirmed(patient, offering, berlin(20, 9))
    before = counts()
    response = specialist_client.post(url("specialist-cancel", appointment), {"cancel-reason": ""})
    assert response.status_code == 422
    assert counts() == before
    appointment.refresh_from_db()
    assert appointment.status == S.CONFIRMED


def test_cancelling_a_finished_session_is_409(specialist_client, offering, patient):
    appointment = AppointmentFactory(patient=patient, offering=offering, starts_at=berlin(9, 9), completed=True)
    response = specialist_client.post(url("specialist-cancel", appointment), {"cancel-reason": "Oops"})
    assert response.status_code == 409
    assert "can no longer be cancelled" in response.content.decode()


def test_the_reschedule_page_opens_the_form_at_the_current_time(specialist_client, offering, patient):
    appointment = confirmed(patient, offering, berlin(20, 9))
    response = specialist_client.get(url("specialist-reschedule", appointment))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="reschedule" open' in html
    assert 'value="2026-03-20"' in html and 'value="09:00"' in html


def test_rescheduling_moves_the_session_and_records_why(specialist_client, offering, patient):
    appointment = confirmed(patient, offering, berlin(20, 9))
    response = specialist_client.post(
        url("specialist-reschedule", appointment),
        {"date": "2026-03-20", "time": "19:30", "reason": "A clash in my diary."},
    )
    assert response.status_code == 303
    appointment.refresh_from_db()
    assert appointment.starts_at == berlin(20, 19, 30)  # outside the hours: the specialist may
    page = specialist_client.get(url("specialist-appointment", appointment)).content.decode()
    assert "Moved from Fri 20 Mar, 09:00 to Fri 20 Mar, 19:30" in page
    assert "A clash in my diary." in page


@pytest.mark.parametrize(
    ("day", "at", "status", "message"),
    [
        ("2026-03-29", "02:30", 422, "does not exist in Europe/Berlin"),
        ("2026-10-25", "02:30", 422, "happens twice in Europe/Berlin"),
        ("2026-03-15", "10:00", 422, "already passed"),
        ("2026-03-20", "", 422, "This field is required."),
    ],
)
def test_rescheduling_to_an_impossible_time_is_refused_and_changes_nothing(
    specialist_client, offering, patient, day, at, status, message
):
    appointment = confirmed(patient, offering, berlin(20, 9))
    before = counts()
    response = specialist_client.post(
        url("specialist-reschedule", appointment), {"date": day, "time": at, "reason": "Moving"}
    )
    assert response.status_code == status
    assert message in response.content.decode()
    assert counts() == before
    appointment.refresh_from_db()
    assert appointment.starts_at == berlin(20, 9)


def test_rescheduling_onto_another_booking_is_409(specialist_client, offering, patient, stranger):
    appointment = confirmed(patient, offering, berlin(20, 9))
    confirmed(stranger, offering, berlin(20, 11))
    response = specialist_client.post(
        url("specialist-reschedule", appointment), {"date": "2026-03-20", "time": "11:30", "reason": "Moving"}
    )
    assert response.status_code == 409
    assert "overlaps another booking" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.starts_at == berlin(20, 9)


def test_extra_fields_in_a_post_are_ignored(specialist_client, offering, patient):
    appointment = confirmed(patient, offering, berlin(20, 9))
    specialist_client.post(
        url("specialist-reschedule", appointment),
        {"date": "2026-03-20", "time": "12:00", "reason": "Moving", "price_minor": "1", "patient": "x"},
    )
    appointment.refresh_from_db()
    assert (appointment.price_minor, appointment.patient) == (9000, patient)


def test_changes_are_post_only(specialist_client, offering, patient):
    appointment = requested(patient, offering)
    for name in ("specialist-accept", "specialist-decline", "specialist-cancel"):
        assert specialist_client.get(url(name, appointment)).status_code == 405
    appointment.refresh_from_db()
    assert appointment.status == S.REQUESTED


# --- Availability requests -------------------------------------------------------------


@pytest.fixture
def open_request(profile, offering, stranger):
    stranger.timezone = "America/New_York"
    stranger.save()
    with time_machine.travel(NOW, tick=False):
        return availability_request_create(
            patient=stranger,
            specialist=profile,
            offering=offering,
            windows=[
                {
                    "date": datetime(2026, 3, 19).date(),
                    "from": datetime(2026, 1, 1, 17).time(),
                    "until": datetime(2026, 1, 1, 19).time(),
                }
            ],
            note="After work, please; I have a bad knee so no stairs.",
        )


def test_the_request_page_shows_the_windows_in_both_zones_and_is_audited(specialist_client, open_request):
    response = specialist_client.get(url("specialist-request", open_request))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Thu 19 Mar, 17:00{DASH}19:00" in html  # New York
    assert f"Thu 19 Mar, 22:00{DASH}00:00" not in html
    assert f"Thu 19 Mar, 22:00{DASH}Fri 20 Mar, 00:00" in html  # Berlin, past midnight
    assert "bad knee" in html
    assert f"{reverse('booking:proposal-create')}?request={open_request.public_id}" in html
    assert was_audited(open_request)


def test_closing_a_request_without_proposing(specialist_client, open_request):
    response = specialist_client.post(url("request-close", open_request))
    assert response.status_code == 303
    assert response["Location"] == url("specialist-appointments")
    open_request.refresh_from_db()
    assert open_request.status == AvailabilityRequest.Status.CLOSED
    again = specialist_client.post(url("request-close", open_request))
    assert again.status_code == 409
    assert "no longer open" in again.content.decode()


def test_another_specialists_request_does_not_exist_for_them(other_client, open_request):
    assert other_client.get(url("specialist-request", open_request)).status_code == 404
    assert other_client.post(url("request-close", open_request)).status_code == 404
    assert other_client.get(f"{url('proposal-create')}?request={open_request.public_id}").status_code == 404
    open_request.refresh_from_db()
    assert open_request.status == AvailabilityRequest.Status.OPEN
    assert not was_audited(open_request)


# --- Proposing times --------------------------------------------------------------------


def proposal_data(who, service, **overrides):
    data = {
        "patient": str(who.public_id),
        "offering": str(service.public_id),
        "date_1": "2026-03-19",
        "time_1": "10:00",
        "date_2": "2026-03-19",
        "time_2": "14:00",
        "answer_by_date": "2026-03-18",
        "answer_by_time": "12:00",
        "payment_required": "on",
        "note": "Either works for me.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_form_lists_the_specialists_patients_and_preselects_one(specialist_client, offering, patient, stranger):
    response = specialist_client.get(f"{url('proposal-create')}?patient={patient.public_id}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{patient.public_id}" selected>Maya Lindqvist · {patient.email}</option>' in html
    assert str(stranger.public_id) not in html
    assert "Initial consultation (50 min)" in html


def test_proposing_two_times_holds_both_until_the_patient_answers(
    specialist_client, offering, patient, payments_available
):
    response = specialist_client.post(url("proposal-create"), proposal_data(patient, offering))
    proposal = Proposal.objects.get()
    assert response.status_code == 303
    assert response["Location"] == url("specialist-proposal", proposal)
    assert (proposal.patient, proposal.offering, proposal.payment_required) == (patient, offering, True)
    assert proposal.expires_at == berlin(18, 12)
    assert proposal.note == "Either works for me."
    options = list(proposal.appointments.order_by("starts_at"))
    assert [(o.starts_at, o.status) for o in options] == [(berlin(19, 10), S.PROPOSED), (berlin(19, 14), S.PROPOSED)]


def test_without_an_answer_by_time_the_patient_gets_48_hours_or_until_an_hour_before(
    specialist_client, offering, patient
):
    specialist_client.post(
        url("proposal-create"), proposal_data(patient, offering, answer_by_date="", answer_by_time="")
    )
    assert Proposal.objects.get().expires_at == NOW + timedelta(hours=48)
    Proposal.objects.get().appointments.update(status=S.CANCELLED)
    specialist_client.post(
        url("proposal-create"),
        proposal_data(
            patient,
            offering,
            date_1="2026-03-17",
            time_1="10:00",
            date_2=None,
            time_2=None,
            answer_by_date="",
            answer_by_time="",
        ),
    )
    assert Proposal.objects.latest("pk").expires_at == berlin(17, 9)


def test_answering_a_request_fixes_the_patient_and_marks_it_answered(specialist_client, offering, open_request):
    page = specialist_client.get(f"{url('proposal-create')}?request={open_request.public_id}")
    html = page.content.decode()
    assert 'name="patient"' not in html
    assert open_request.patient.display_name in html
    assert f"Thu 19 Mar, 17:00{DASH}19:00" in html
    data = proposal_data(open_request.patient, offering, patient=str(uuid.uuid4()))  # ignored
    response = specialist_client.post(f"{url('proposal-create')}?request={open_request.public_id}", data)
    assert response.status_code == 303
    proposal = Proposal.objects.get()
    assert (proposal.patient, proposal.request) == (open_request.patient, open_request)
    open_request.refresh_from_db()
    assert open_request.status == AvailabilityRequest.Status.ANSWERED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date_1": "", "time_1": "", "date_2": "", "time_2": ""}, "Please propose at least one time."),
        ({"time_2": "10:00"}, "This is the same time as another one above."),
        ({"time_2": "10:30"}, "Two of the times overlap for a 50-minute session."),
        ({"date_1": "2026-03-16", "time_1": "08:00"}, "This time has already passed."),
        ({"answer_by_date": "2026-03-19", "answer_by_time": "11:00"}, "must be before the first proposed time"),
        ({"answer_by_date": "2026-03-16", "answer_by_time": "08:00"}, "The answer-by time must be in the future."),
        ({"date_2": "2026-03-29", "time_2": "02:30"}, "does not exist in Europe/Berlin"),
        ({"date_2": "2026-10-25", "time_2": "02:30"}, "happens twice in Europe/Berlin"),
        ({"time_2": ""}, "Please give both a date and a start time."),
        ({"answer_by_time": ""}, "Please give both a date and a time, or leave both empty."),
        ({"date_1": "not a date"}, "Enter a valid date."),
        ({"note": "x" * 2001}, "at most 2000 characters"),
        ({"offering": str(uuid.uuid4())}, "Choose one of your services."),
    ],
)
def test_a_bad_proposal_is_422_with_a_clear_message_and_stores_nothing(
    specialist_client, offering, patient, overrides, message
):
    before = counts()
    response = specialist_client.post(url("proposal-create"), proposal_data(patient, offering, **overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert counts() == before


def test_a_patient_who_is_not_theirs_is_refused_without_saying_whether_they_exist(
    specialist_client, offering, patient, stranger
):
    before = counts()
    known = specialist_client.post(url("proposal-create"), proposal_data(stranger, offering))
    made_up = specialist_client.post(
        url("proposal-create"), proposal_data(patient, offering, patient=str(uuid.uuid4()))
    )
    assert known.status_code == made_up.status_code == 422
    assert "Choose one of your patients." in known.content.decode()
    assert known.context["form"].errors == made_up.context["form"].errors
    assert counts() == before


def test_another_specialists_service_is_refused(specialist_client, offering, patient):
    foreign = OfferingFactory()
    response = specialist_client.post(
        url("proposal-create"), proposal_data(patient, offering, offering=str(foreign.public_id))
    )
    assert response.status_code == 422
    assert "Choose one of your services." in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_time_another_booking_holds_is_409_naming_it_and_nothing_is_stored(
    specialist_client, offering, patient, stranger
):
    confirmed(stranger, offering, berlin(19, 14, 30))
    before = counts()
    response = specialist_client.post(url("proposal-create"), proposal_data(patient, offering))
    assert response.status_code == 409
    assert "Another booking already holds Thu 19 Mar, 14:00" in response.content.decode()
    assert counts() == before
    assert not Proposal.objects.exists()


def test_free_times_are_suggested_for_the_chosen_service(specialist_client, profile, offering, patient):
    AvailabilityRuleFactory(specialist=profile, weekday=3, start_time="09:00", end_time="11:00")  # Thursdays
    longer = OfferingFactory(specialist=profile, name="Long session", duration_minutes=110, position=5)
    html = specialist_client.get(url("proposal-create")).content.decode()
    assert "Thu 19 Mar" in html
    assert 'data-pick-date="2026-03-19" data-pick-time="09:00"' in html
    assert 'data-pick-time="10:00"' in html

    fragment = specialist_client.get(
        url("proposal-create"), {"offering": str(longer.public_id)}, HTTP_HX_REQUEST="true"
    )
    text = fragment.content.decode()
    assert "<html" not in text
    assert 'id="proposal-suggestions"' in text
    assert "Long session" in text
    assert 'data-pick-time="09:00"' in text and 'data-pick-time="10:00"' not in text


# --- One proposal -------------------------------------------------------------------------


def test_the_proposal_page_shows_its_times_and_is_audited(specialist_client, profile, offering, patient):
    proposal = a_proposal(profile, patient, offering, note="Bring your notes from last time.")
    response = specialist_client.get(url("specialist-proposal", proposal))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Times offered to Maya Lindqvist" in html
    assert "Thu 19 Mar" in html and f"10:00{DASH}10:50" in html and f"14:00{DASH}14:50" in html
    assert "Bring your notes from last time." in html
    assert "Withdraw these times" in html
    assert was_audited(proposal)


def test_withdrawing_frees_the_times_and_a_second_withdrawal_is_409(specialist_client, profile, offering, patient):
    proposal = a_proposal(profile, patient, offering)
    response = specialist_client.post(url("proposal-withdraw", proposal))
    assert response.status_code == 303
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.WITHDRAWN
    assert set(proposal.appointments.values_list("status", flat=True)) == {S.CANCELLED}
    again = specialist_client.post(url("proposal-withdraw", proposal))
    assert again.status_code == 409
    assert "already been answered" in again.content.decode()


def test_another_specialists_proposal_does_not_exist_for_them(other_client, profile, offering, patient):
    proposal = a_proposal(profile, patient, offering)
    assert other_client.get(url("specialist-proposal", proposal)).status_code == 404
    assert other_client.post(url("proposal-withdraw", proposal)).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN


def test_withdrawing_a_proposal_the_patient_already_answered_is_409(specialist_client, profile, offering, patient):
    from booking.services import proposal_accept

    proposal = a_proposal(profile, patient, offering)
    option = proposal.appointments.order_by("starts_at").first()
    proposal_accept(proposal=proposal, appointment=option, by=patient)
    response = specialist_client.post(url("proposal-withdraw", proposal))
    assert response.status_code == 409
    assert "already been answered" in response.content.decode()
    option.refresh_from_db()
    assert option.status == S.CONFIRMED


def test_moving_a_finished_session_is_409_with_the_reason_shown(specialist_client, offering, patient):
    appointment = AppointmentFactory(patient=patient, offering=offering, starts_at=berlin(9, 9), completed=True)
    response = specialist_client.post(
        url("specialist-reschedule", appointment), {"date": "2026-03-20", "time": "11:00", "reason": "Moving"}
    )
    assert response.status_code == 409
    assert "can no longer be moved" in response.content.decode()


def test_a_malformed_request_id_is_404(specialist_client, profile):
    assert specialist_client.get(f"{url('proposal-create')}?request=not-a-uuid").status_code == 404
