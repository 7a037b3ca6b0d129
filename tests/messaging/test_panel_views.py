"""Arranging sessions from a thread's side panel (messaging/panel_views.py):
the specialist proposes times and accepts a requested one; the patient books
a follow-up (pick, then confirm) and answers a proposal. With htmx each
answer is the panel; without it a success returns to the thread. Bad input
is a 422, a time or proposal that moved on a 409, someone else's object a
404, and nothing is written."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from booking.models import Appointment, Proposal
from booking.services import proposal_create
from booking.states import AppointmentStatus as S
from consents.models import RequiredBefore
from core.models import AuditLog
from core.returns import return_target, with_return
from messaging.models import Conversation, Message
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory, BookingSettingsFactory
from tests.consents.factories_patient import published_document
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.patients.factories import IntakeFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.django_db

# Friday noon. Berlin is UTC+1 and New York UTC-5 in November.
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
MONDAY_9 = datetime(2026, 11, 23, 8, tzinfo=UTC)  # 09:00 Berlin, 03:00 New York
MONDAY_10 = datetime(2026, 11, 23, 9, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A block whose changes are committed as a request's are: notices are
    posted by on-commit callbacks."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def specialist(org):
    """Weekdays 09:00-12:00 in Berlin, hourly starts."""
    profile = specialist_of(org, display_name="Dr Lena Berg", user__timezone="Europe/Berlin")
    BookingSettingsFactory(specialist=profile, slot_increment_minutes=60, minimum_notice_minutes=12 * 60)
    for weekday in range(5):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="09:00", end_time="12:00")
    return profile


@pytest.fixture
def offering(specialist):
    return OfferingFactory(specialist=specialist, name="Follow-up session", duration_minutes=50, price_minor=9000)


@pytest.fixture
def patient(org):
    return patient_of(org, full_name="Alex Doe", timezone="America/New_York")


@pytest.fixture
def conversation(patient, specialist):
    return conversation_between(patient, specialist)


@pytest.fixture
def other_patient(org, specialist):
    """Another patient of the same specialist, with their own conversation."""
    other = patient_of(org, full_name="Sam Other")
    conversation_between(other, specialist)
    return other


def url(name, conversation):
    return reverse(f"messaging:{name}", args=[conversation.public_id])


def thread(conversation, portal="patient"):
    return url(f"{portal}-thread", conversation)


def notices(conversation) -> list[str]:
    return [m.verb for m in conversation.messages.filter(kind=Message.Kind.NOTICE).order_by("created_at")]


def propose_data(service, **overrides):
    data = {"offering": str(service.public_id), "date_1": "2026-11-23", "time_1": "09:00", "note": ""}
    data.update(overrides)
    return data


def proposal_for(patient, offering, *starts):
    return proposal_create(
        specialist=offering.specialist,
        patient=patient,
        offering=offering,
        starts_at=list(starts),
        expires_at=NOW + timedelta(days=1),
        by=offering.specialist.user,
    )


# --- The specialist proposes times ----------------------------------------------------------------


def test_propose_opens_a_form_in_the_panel_with_free_times(client, specialist, offering, conversation):
    client.force_login(specialist.user)
    response = client.get(url("specialist-propose", conversation), **HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "messaging/_panel.html"
    page = response.content.decode()
    assert "Propose times to Alex Doe" in page
    assert 'data-pick-date="2026-11-23" data-pick-time="09:00"' in page  # Monday 09:00 in Berlin is free
    # Without htmx the same form opens in the panel of the whole thread.
    response = client.get(url("specialist-propose", conversation))
    assert response.templates[0].name == "messaging/thread.html"
    assert "Propose times to Alex Doe" in response.content.decode()


def test_proposing_from_the_thread_sends_the_times_and_posts_a_notice(
    client, committed, specialist, offering, patient, other_patient, conversation
):
    client.force_login(specialist.user)
    data = propose_data(offering, date_2="2026-11-23", time_2="11:00", patient=str(other_patient.public_id))
    with committed():
        response = client.post(url("specialist-propose", conversation), data, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your times are sent. They stay reserved until Alex Doe answers." in page
    proposal = Proposal.objects.get()
    assert proposal.patient == patient  # the conversation's patient; a posted `patient` is ignored
    assert sorted(a.starts_at for a in proposal.appointments.all()) == [MONDAY_9, MONDAY_9 + timedelta(hours=2)]
    assert "Proposed times" in page
    assert notices(conversation) == ["appointment.proposed"]


def test_proposing_without_htmx_returns_to_the_thread(client, specialist, offering, conversation):
    client.force_login(specialist.user)
    response = client.post(url("specialist-propose", conversation), propose_data(offering))
    assert response.status_code == 303
    assert response["Location"] == thread(conversation, "specialist")
    assert Proposal.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date_1": "", "time_1": ""}, "Please propose at least one time."),
        ({"time_1": ""}, "Please give both a date and a start time."),
        ({"date_1": "2026-11-19"}, "This time has already passed."),
        ({"offering": "00000000-0000-0000-0000-000000000000"}, "Choose one of your services."),
        ({"note": "x" * 2001}, "Ensure this value has at most 2000 characters"),
    ],
)
def test_a_bad_proposal_is_refused_in_the_panel_and_nothing_is_stored(
    client, specialist, offering, conversation, overrides, message
):
    client.force_login(specialist.user)
    response = client.post(url("specialist-propose", conversation), propose_data(offering, **overrides), **HTMX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Proposal.objects.exists()
    assert not Appointment.objects.exists()
    # Without htmx: the thread, with the form open and the reason.
    response = client.post(url("specialist-propose", conversation), propose_data(offering, **overrides))
    assert response.status_code == 422
    assert message in response.content.decode()


def test_proposing_a_time_already_taken_is_a_conflict(client, specialist, offering, other_patient, conversation):
    AppointmentFactory(patient=other_patient, offering=offering, starts_at=MONDAY_9, confirmed=True)
    client.force_login(specialist.user)
    response = client.post(url("specialist-propose", conversation), propose_data(offering), **HTMX)
    assert response.status_code == 409
    assert "Another booking already holds Mon 23 Nov, 09:00" in response.content.decode()
    assert not Proposal.objects.exists()


def test_another_specialist_cannot_propose_in_the_conversation(client, org, offering, conversation):
    stranger = specialist_of(org, display_name="Dr Stranger")
    client.force_login(stranger.user)
    response = client.post(url("specialist-propose", conversation), propose_data(offering))
    assert response.status_code == 404
    assert not Proposal.objects.exists()


# --- The specialist accepts a requested time ------------------------------------------------------


def test_the_specialist_accepts_a_requested_time_from_the_panel(
    client, committed, specialist, offering, patient, conversation
):
    requested = AppointmentFactory(patient=patient, offering=offering, starts_at=MONDAY_9)
    client.force_login(specialist.user)
    page = client.get(thread(conversation, "specialist")).content.decode()
    assert "Accept this time" in page
    with committed():
        response = client.post(url("specialist-accept", conversation), {"appointment": requested.public_id}, **HTMX)
    assert response.status_code == 200
    assert "Accepted: the session is booked." in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == S.CONFIRMED
    assert notices(conversation) == ["appointment.confirmed"]
    # A second click: it is not a request any more.
    response = client.post(url("specialist-accept", conversation), {"appointment": requested.public_id}, **HTMX)
    assert response.status_code == 409


def test_accepting_another_patients_request_from_this_thread_is_a_404(
    client, specialist, offering, other_patient, conversation
):
    theirs = AppointmentFactory(patient=other_patient, offering=offering, starts_at=MONDAY_9)
    client.force_login(specialist.user)
    response = client.post(url("specialist-accept", conversation), {"appointment": theirs.public_id})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == S.REQUESTED
    assert client.post(url("specialist-accept", conversation), {"appointment": "not-an-id"}).status_code == 404


# --- The patient books a follow-up ----------------------------------------------------------------


def test_book_a_follow_up_shows_free_times_of_the_shortest_service(client, specialist, offering, patient, conversation):
    OfferingFactory(specialist=specialist, name="Long session", duration_minutes=90)
    client.force_login(patient)
    response = client.get(url("patient-book", conversation), **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Follow-up session · 50 min" in page
    assert 'value="2026-11-23T08:00:00+00:00"' in page  # Monday 09:00 Berlin
    assert "Times in your time zone, America/New_York." in page
    assert "Long session (90 min)" in page  # the other service is one choice away


def booked_service(client, conversation):
    """The service "Book a follow-up" starts on."""
    return client.get(url("patient-book", conversation), **HTMX).context["book_offering"]


def test_book_a_follow_up_starts_on_the_service_of_the_pairs_most_recent_session(
    client, specialist, offering, patient, conversation
):
    check_in = OfferingFactory(specialist=specialist, name="Short check-in", duration_minutes=25)
    long = OfferingFactory(specialist=specialist, name="Long session", duration_minutes=90)
    client.force_login(patient)
    assert booked_service(client, conversation) == check_in  # no session yet: the shortest
    AppointmentFactory(patient=patient, offering=offering, starts_at=NOW - timedelta(days=30), completed=True)
    AppointmentFactory(patient=patient, offering=long, starts_at=NOW - timedelta(days=9), completed=True)
    AppointmentFactory(patient=patient, offering=check_in, starts_at=NOW + timedelta(days=3), cancelled=True)
    assert booked_service(client, conversation) == long
    AppointmentFactory(patient=patient, offering=offering, starts_at=NOW + timedelta(days=4), confirmed=True)
    assert booked_service(client, conversation) == offering  # the latest booked, even one ahead


def test_after_a_first_session_the_follow_up_of_its_length_comes_first(
    client, specialist, offering, patient, conversation
):
    """An "Initial consultation" is followed by a "Follow-up session", not
    by another introduction."""
    initial = OfferingFactory(specialist=specialist, name="Initial consultation", duration_minutes=50, position=0)
    OfferingFactory(specialist=specialist, name="Short check-in", duration_minutes=25)
    AppointmentFactory(patient=patient, offering=initial, starts_at=NOW + timedelta(days=3), confirmed=True)
    client.force_login(patient)
    assert booked_service(client, conversation) == offering
    page = client.get(url("patient-book", conversation), **HTMX).content.decode()
    assert f'<option value="{offering.public_id}" selected>Follow-up session (50 min)</option>' in page
    assert "Follow-up session · 50 min" in page


def test_picking_a_time_holds_it_and_confirming_books_it(client, committed, offering, patient, conversation):
    client.force_login(patient)
    response = client.post(url("patient-book", conversation), {"starts_at": MONDAY_9.isoformat()}, **HTMX)
    assert response.status_code == 200
    hold = Appointment.objects.get()
    assert hold.status == S.HELD and hold.offering == offering
    assert "Confirm your booking" in response.content.decode()
    with committed():
        response = client.post(url("patient-hold-confirm", conversation), {"appointment": hold.public_id}, **HTMX)
    assert response.status_code == 200
    assert "Booked. We will email you the details." in response.content.decode()
    hold.refresh_from_db()
    assert hold.status == S.CONFIRMED
    assert "appointment.confirmed" in notices(conversation)


def test_booking_without_htmx_returns_to_the_thread(client, offering, patient, conversation):
    client.force_login(patient)
    response = client.post(url("patient-book", conversation), {"starts_at": MONDAY_9.isoformat()})
    assert response.status_code == 303
    assert response["Location"] == thread(conversation)
    hold = Appointment.objects.get()
    response = client.post(url("patient-hold-confirm", conversation), {"appointment": hold.public_id})
    assert response.status_code == 303


def test_releasing_the_hold_shows_the_times_again(client, offering, patient, conversation):
    client.force_login(patient)
    client.post(url("patient-book", conversation), {"starts_at": MONDAY_9.isoformat()})
    hold = Appointment.objects.get()
    response = client.post(url("patient-hold-release", conversation), {"appointment": hold.public_id}, **HTMX)
    assert response.status_code == 200
    assert 'value="2026-11-23T08:00:00+00:00"' in response.content.decode()
    hold.refresh_from_db()
    assert hold.status != S.HELD


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("", "Please pick one of the times shown."),
        ("tomorrow", "We could not read that time."),
        ("2026-11-23T08:00:00", "That time does not say which time zone it is in."),
        ("2026-11-21T08:00:00+00:00", ""),  # a Saturday: not a free time
    ],
)
def test_a_bad_time_is_refused_and_nothing_is_held(client, offering, patient, conversation, starts_at, message):
    client.force_login(patient)
    response = client.post(url("patient-book", conversation), {"starts_at": starts_at}, **HTMX)
    assert response.status_code in (409, 422)
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_time_taken_meanwhile_is_a_conflict_with_the_times_as_they_are_now(
    client, offering, patient, other_patient, conversation
):
    AppointmentFactory(patient=other_patient, offering=offering, starts_at=MONDAY_9, confirmed=True)
    client.force_login(patient)
    response = client.post(url("patient-book", conversation), {"starts_at": MONDAY_9.isoformat()}, **HTMX)
    assert response.status_code == 409
    page = response.content.decode()
    assert 'value="2026-11-23T08:00:00+00:00"' not in page
    assert 'value="2026-11-23T09:00:00+00:00"' in page
    assert Appointment.objects.count() == 1


def privacy_notice(specialist):
    return published_document(
        organization=specialist.organization,
        specialist=specialist,
        title="Privacy notice",
        required_before=RequiredBefore.BOOKING,
    )


def flow_to(back):
    return with_return(reverse("consents:flow"), back)


def test_a_consent_due_before_booking_is_named_and_times_can_still_be_picked(
    client, specialist, offering, patient, conversation
):
    privacy_notice(specialist)
    client.force_login(patient)
    page = client.get(url("patient-book", conversation), **HTMX).content.decode()
    assert "Before booking, please complete:" in page and "Privacy notice" in page
    assert 'value="2026-11-23T08:00:00+00:00"' in page  # the times are there
    first = flow_to(f"{url('patient-book', conversation)}?offering={offering.public_id}")
    assert first.replace("&", "&amp;") in page  # "Or complete them first", and back here


def test_picking_a_time_holds_it_and_goes_through_the_flow_back_to_the_thread(
    client, committed, specialist, offering, patient, conversation
):
    version = privacy_notice(specialist)
    client.force_login(patient)
    response = client.post(url("patient-book", conversation), {"starts_at": MONDAY_9.isoformat()}, **HTMX)
    hold = Appointment.objects.get()
    assert hold.status == S.HELD
    back = f"{url('patient-book', conversation)}?hold={hold.public_id}"
    assert response["HX-Redirect"] == flow_to(back)

    step = client.get(flow_to(back))["Location"]
    page = client.get(step).content.decode()
    assert "Your time is held until 07:10." in page
    assert "Back to your conversation with Dr Lena Berg" in page
    response = client.post(step, {"typed_name": "Alex Doe", "agreed": "on"})
    assert response.status_code == 303
    # Back on the hold to confirm, which a phone shows below the messages.
    assert client.get(response["Location"])["Location"] == back + "#panel-hold"
    assert version.signatures.count() == 1

    page = client.get(back).content.decode()  # the thread, its panel on the confirm step
    assert "Confirm your booking" in page and "Complete now" not in page
    assert '<section class="panel-box panel-hold" id="panel-hold" tabindex="-1"' in page
    with committed():
        response = client.post(url("patient-hold-confirm", conversation), {"appointment": hold.public_id}, **HTMX)
    assert response.status_code == 200
    hold.refresh_from_db()
    assert hold.status == S.CONFIRMED


def test_without_htmx_picking_goes_to_the_flow_too(client, specialist, offering, patient, conversation):
    privacy_notice(specialist)
    client.force_login(patient)
    response = client.post(url("patient-book", conversation), {"starts_at": MONDAY_9.isoformat()})
    hold = Appointment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == flow_to(f"{url('patient-book', conversation)}?hold={hold.public_id}")


def test_the_panels_hold_says_what_is_due_and_confirm_is_refused(client, specialist, offering, patient, conversation):
    privacy_notice(specialist)
    client.force_login(patient)
    client.post(url("patient-book", conversation), {"starts_at": MONDAY_9.isoformat()}, **HTMX)
    hold = Appointment.objects.get()
    page = client.get(url("patient-panel", conversation), **HTMX).content.decode()
    assert "Before you can confirm, please complete:" in page and "Complete now" in page
    assert 'name="appointment" value="' not in page.split("panel-hold")[1].split("</section>")[0]
    response = client.post(url("patient-hold-confirm", conversation), {"appointment": hold.public_id}, **HTMX)
    assert response.status_code == 409
    assert "Before booking with Dr Lena Berg, please sign: Privacy notice." in response.content.decode()
    hold.refresh_from_db()
    assert hold.status == S.HELD


def test_back_after_the_hold_ran_out_the_panel_offers_the_nearest_times(
    client, frozen, specialist, offering, patient, conversation
):
    privacy_notice(specialist)
    client.force_login(patient)
    client.post(url("patient-book", conversation), {"starts_at": MONDAY_9.isoformat()}, **HTMX)
    hold = Appointment.objects.get()
    frozen.shift(timedelta(minutes=11))
    client.force_login(patient)
    response = client.get(f"{url('patient-book', conversation)}?hold={hold.public_id}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The time you picked is no longer held: the hold ran out." in page
    assert "The nearest free times" in page
    assert MONDAY_9.isoformat() in [time.value for time in response.context["book_nearest"]]


def test_the_way_back_lands_on_the_part_of_the_panel_that_answers(
    client, frozen, specialist, offering, patient, conversation
):
    privacy_notice(specialist)
    other = OfferingFactory(specialist=specialist, name="Long session", duration_minutes=90)
    client.force_login(patient)
    book = url("patient-book", conversation)
    # "Or complete them first", with another service chosen: back to its times.
    assert client.get(flow_to(f"{book}?offering={other.public_id}"))["Location"].startswith("/patient/consents/")
    back = return_target(patient, f"{book}?offering={other.public_id}")
    assert back.url == f"{book}?offering={other.public_id}#panel-book"
    assert back.offering == other
    # A hold that ran out meanwhile: the panel, whose top says so.
    client.post(book, {"starts_at": MONDAY_9.isoformat()}, **HTMX)
    hold = Appointment.objects.get()
    assert return_target(patient, f"{book}?hold={hold.public_id}").url.endswith("#panel-hold")
    frozen.shift(timedelta(minutes=11))
    assert return_target(patient, f"{book}?hold={hold.public_id}").url == f"{book}?hold={hold.public_id}#thread-panel"


def test_someone_elses_hold_named_in_the_thread_is_a_404(client, offering, patient, other_patient, conversation):
    theirs = AppointmentFactory(
        patient=other_patient, offering=offering, status=S.HELD, expires_at=NOW + timedelta(minutes=5)
    )
    client.force_login(patient)
    assert client.get(f"{url('patient-book', conversation)}?hold={theirs.public_id}").status_code == 404
    assert client.get(f"{url('patient-book', conversation)}?hold=not-an-id").status_code == 404


def test_a_way_back_to_someone_elses_thread_is_dropped(client, specialist, offering, patient, other_patient):
    privacy_notice(specialist)
    theirs = Conversation.objects.get(relationship__patient=other_patient)
    client.force_login(patient)
    response = client.get(flow_to(url("patient-book", theirs)))
    assert response.status_code == 200  # the flow without it: nothing known to be due
    assert url("patient-book", theirs) not in response.content.decode()


def test_another_specialists_service_cannot_be_booked_from_this_thread(client, org, patient, conversation):
    elsewhere = OfferingFactory(specialist=specialist_of(org, display_name="Dr Elsewhere"))
    client.force_login(patient)
    response = client.get(f"{url('patient-book', conversation)}?offering={elsewhere.public_id}")
    assert response.status_code == 404
    response = client.post(
        url("patient-book", conversation), {"offering": elsewhere.public_id, "starts_at": MONDAY_9.isoformat()}
    )
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_confirming_someone_elses_hold_is_a_404(client, offering, patient, other_patient, conversation):
    theirs = AppointmentFactory(
        patient=other_patient, offering=offering, status=S.HELD, expires_at=NOW + timedelta(minutes=5)
    )
    client.force_login(patient)
    response = client.post(url("patient-hold-confirm", conversation), {"appointment": theirs.public_id})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == S.HELD


def test_a_hold_that_ran_out_cannot_be_confirmed(client, frozen, offering, patient, conversation):
    client.force_login(patient)
    client.post(url("patient-book", conversation), {"starts_at": MONDAY_9.isoformat()})
    hold = Appointment.objects.get()
    frozen.shift(timedelta(minutes=11))
    response = client.post(url("patient-hold-confirm", conversation), {"appointment": hold.public_id}, **HTMX)
    assert response.status_code == 409
    hold.refresh_from_db()
    assert hold.status == S.EXPIRED


# --- The patient answers a proposal ---------------------------------------------------------------


def test_the_patient_takes_a_proposed_time_from_the_panel(client, committed, offering, patient, conversation):
    proposal = proposal_for(patient, offering, MONDAY_9, MONDAY_10)
    client.force_login(patient)
    page = client.get(thread(conversation)).content.decode()
    assert "Proposed times" in page and "Take Mon 23 Nov, 03:00" in page  # in New York
    later = proposal.appointments.get(starts_at=MONDAY_10)
    data = {"proposal": proposal.public_id, "appointment": later.public_id}
    with committed():
        response = client.post(url("patient-proposal-accept", conversation), data, **HTMX)
    assert response.status_code == 200
    assert "Booked. We will email you the details." in response.content.decode()
    later.refresh_from_db()
    assert later.status == S.CONFIRMED
    assert notices(conversation)[-1] == "appointment.confirmed"
    # Answered: a second answer is a conflict.
    response = client.post(url("patient-proposal-accept", conversation), data, **HTMX)
    assert response.status_code == 409


def test_a_proposed_time_waits_for_what_is_due_and_the_panel_leads_there(
    client, offering, patient, specialist, conversation
):
    privacy_notice(specialist)
    proposal = proposal_for(patient, offering, MONDAY_9)
    client.force_login(patient)
    data = {"proposal": proposal.public_id, "appointment": proposal.appointments.get().public_id}
    response = client.post(url("patient-proposal-accept", conversation), data, **HTMX)
    assert response.status_code == 409
    page = response.content.decode().replace("&amp;", "&")
    assert "please sign: Privacy notice" in page
    back = reverse("booking:patient-proposal", args=[proposal.public_id])
    assert f'href="{flow_to(back)}">Complete now</a>' in page
    assert proposal.appointments.get().status == S.PROPOSED


def test_a_time_that_is_not_one_of_the_proposal_is_refused(client, offering, patient, conversation):
    proposal = proposal_for(patient, offering, MONDAY_9)
    other = proposal_for(patient, offering, MONDAY_10)
    client.force_login(patient)
    data = {"proposal": proposal.public_id, "appointment": other.appointments.get().public_id}
    response = client.post(url("patient-proposal-accept", conversation), data, **HTMX)
    assert response.status_code == 422
    assert "Please choose one of the proposed times." in response.content.decode()
    response = client.post(url("patient-proposal-accept", conversation), {"proposal": proposal.public_id}, **HTMX)
    assert response.status_code == 422
    assert not Appointment.objects.filter(status=S.CONFIRMED).exists()


def test_someone_elses_proposal_is_a_404(client, offering, patient, other_patient, conversation):
    theirs = proposal_for(other_patient, offering, MONDAY_9)
    client.force_login(patient)
    data = {"proposal": theirs.public_id, "appointment": theirs.appointments.get().public_id}
    assert client.post(url("patient-proposal-accept", conversation), data).status_code == 404
    assert client.post(url("patient-proposal-decline", conversation), data).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Proposal.Status.OPEN


def test_the_patient_declines_a_proposal_with_a_word_why(client, offering, patient, conversation):
    proposal = proposal_for(patient, offering, MONDAY_9)
    client.force_login(patient)
    data = {"proposal": proposal.public_id, "reason": "Mornings are hard for me."}
    response = client.post(url("patient-proposal-decline", conversation), data, **HTMX)
    assert response.status_code == 200
    assert "You declined the proposed times. Dr Lena Berg will see it here." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED


def test_a_too_long_reason_is_refused_and_the_proposal_stays_open(client, offering, patient, conversation):
    proposal = proposal_for(patient, offering, MONDAY_9)
    client.force_login(patient)
    data = {"proposal": proposal.public_id, "reason": "x" * 501}
    response = client.post(url("patient-proposal-decline", conversation), data, **HTMX)
    assert response.status_code == 422
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN


# --- Who may act, the panel refresh ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "patient-book",
        "patient-hold-confirm",
        "patient-hold-release",
        "patient-proposal-accept",
        "patient-proposal-decline",
    ],
)
def test_another_patient_posting_to_the_conversation_gets_a_404(
    client, offering, patient, other_patient, conversation, name
):
    proposal = proposal_for(patient, offering, MONDAY_9)
    client.force_login(other_patient)
    data = {"proposal": proposal.public_id, "starts_at": MONDAY_10.isoformat()}
    assert client.post(url(name, conversation), data).status_code == 404
    assert Appointment.objects.count() == 1
    assert AuditLog.objects.filter(actor=other_patient, action=AuditLog.Action.DENIED).exists()


@pytest.mark.parametrize("name", ["patient-book", "patient-proposal-accept", "specialist-propose", "specialist-accept"])
def test_signed_out_posts_go_to_sign_in(client, conversation, name):
    response = client.post(url(name, conversation), {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_panel_reloads_as_a_fragment_and_the_specialists_read_of_the_intake_is_audited(
    client, specialist, patient, conversation
):
    intake = IntakeFactory(user=patient, completed=True)
    client.force_login(specialist.user)
    response = client.get(url("specialist-panel", conversation), **HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "messaging/_panel.html"
    assert AuditLog.objects.filter(actor=specialist.user, object_public_id=intake.public_id).exists()


def test_a_poll_that_brings_a_notice_asks_the_panel_to_reload(
    client, frozen, committed, offering, patient, conversation
):
    client.force_login(patient)
    last = Message.objects.create(conversation=conversation, author=patient, text="Hello")
    response = client.get(f"{thread(conversation)}?after={last.public_id}", **HTMX)
    assert "HX-Trigger" not in response
    frozen.shift(timedelta(seconds=5))
    with committed():
        proposal_for(patient, offering, MONDAY_9)  # posts a notice
    response = client.get(f"{thread(conversation)}?after={last.public_id}", **HTMX)
    assert response["HX-Trigger"] == "panel-refresh"
