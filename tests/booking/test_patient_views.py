"""The patient's booking pages (booking/views/patient.py): picking a time,
holds, the appointment list and page, cancelling, rescheduling, the
calendar file, proposals and asking for other times."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import services
from booking.models import Appointment, AppointmentEvent, AvailabilityRequest, Proposal
from booking.states import AppointmentStatus as S
from core.models import AuditLog
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory, BookingSettingsFactory
from tests.conftest import member
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

# Friday. Berlin is UTC+1 and New York UTC-5 in November: six hours apart.
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
MONDAY_9 = datetime(2026, 11, 23, 8, tzinfo=UTC)  # 09:00 Berlin, 03:00 New York
MONDAY_10 = datetime(2026, 11, 23, 9, tzinfo=UTC)
MONDAY_11 = datetime(2026, 11, 23, 10, tzinfo=UTC)
TUESDAY_9 = datetime(2026, 11, 24, 8, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def specialist(org):
    """Weekdays 09:00-12:00 in Berlin, hourly starts, 12 hours' notice, 60 days ahead."""
    profile = SpecialistProfileFactory(
        organization=org, display_name="Lena Berg", user__timezone="Europe/Berlin", user__full_name="Lena Berg"
    )
    BookingSettingsFactory(specialist=profile, slot_increment_minutes=60, minimum_notice_minutes=12 * 60)
    for weekday in range(5):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="09:00", end_time="12:00")
    return profile


@pytest.fixture
def offering(specialist):
    return OfferingFactory(specialist=specialist, name="Initial consultation", duration_minutes=50, price_minor=9000)


@pytest.fixture
def on_request_offering(specialist):
    return OfferingFactory(specialist=specialist, name="Couples session", on_request=True, price_minor=12000)


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, timezone="America/New_York", full_name="Alex Doe")


@pytest.fixture
def other_patient(org):
    return member(org, Membership.Role.PATIENT, timezone="Europe/London")


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient)
    return client


def travel(frozen, client, user, moment):
    """Move the clock far ahead; the idle session ends, so sign in again."""
    frozen.move_to(moment)
    client.force_login(user)


def book_url(offering):
    return reverse("booking:book", args=[offering.public_id])


def detail_url(appointment):
    return reverse("booking:patient-appointment", args=[appointment.public_id])


def counts():
    return (
        Appointment.objects.count(),
        AppointmentEvent.objects.count(),
        Proposal.objects.count(),
        AvailabilityRequest.objects.count(),
    )


def statuses(*appointments):
    return [Appointment.objects.get(pk=a.pk).status for a in appointments]


def held(patient, offering, starts_at=MONDAY_9):
    return services.appointment_hold(patient=patient, offering=offering, starts_at=starts_at)


def confirmed(patient, offering, starts_at=MONDAY_9):
    return services.appointment_hold_confirm(appointment=held(patient, offering, starts_at), by=patient)


# --- The book page ---------------------------------------------------------------------


def test_the_book_page_shows_the_offering_price_policy_and_the_first_week_with_free_times(patient_client, offering):
    response = patient_client.get(book_url(offering))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Initial consultation with Lena Berg" in html
    assert "€90.00" in html
    assert "50 minutes" in html
    assert "Free cancellation up to 24 hours before; later cancellations are flagged as late." in html
    assert "Times are shown in your time zone (America/New_York). Lena Berg works in Europe/Berlin." in html
    page = response.context["page"]
    # Saturday and Sunday have nothing: the page starts on Monday, the first free day.
    assert page.start_on.isoformat() == "2026-11-23"
    assert [day.on.isoformat() for day in page.days] == [f"2026-11-{n}" for n in range(23, 30)]
    monday = page.days[0]
    assert [t.at.strftime("%H:%M") for t in monday.times] == ["03:00", "04:00", "05:00"]
    assert 'value="2026-11-23T08:00:00+00:00"' in html
    assert f'action="{book_url(offering)}"' in html
    assert page.earlier_on is None
    assert page.later_on.isoformat() == "2026-11-30"
    ask = reverse("booking:availability-request", args=[offering.specialist.slug])
    assert f"{ask}?offering={offering.public_id}" in html


def test_days_can_be_paged_with_from_and_back(patient_client, offering):
    response = patient_client.get(book_url(offering), {"from": "2026-12-01"})
    page = response.context["page"]
    assert page.start_on.isoformat() == "2026-12-01"
    assert page.earlier_on is not None and page.earlier_on < page.start_on
    assert f"?from={page.later_on.isoformat()}" in response.content.decode()


@pytest.mark.parametrize("value", ["yesterday", "2026-13-40", ""])
def test_a_bad_from_date_shows_the_first_free_week(patient_client, offering, value):
    response = patient_client.get(book_url(offering), {"from": value})
    assert response.status_code == 200
    assert response.context["page"].start_on.isoformat() == "2026-11-23"


def test_a_from_date_in_the_past_starts_today(patient_client, offering):
    response = patient_client.get(book_url(offering), {"from": "2026-01-01"})
    assert response.context["page"].start_on.isoformat() == "2026-11-20"


def test_htmx_gets_only_the_days(patient_client, offering):
    response = patient_client.get(book_url(offering), {"from": "2026-11-30"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="slot-picker"' in html
    assert 'hx-get="' in html
    assert "Vary" in response and "HX-Request" in response["Vary"]


def test_nothing_free_says_so_and_offers_to_ask(patient_client, offering, specialist):
    specialist.availability_rules.all().delete()
    html = patient_client.get(book_url(offering)).content.decode()
    assert "No free times right now." in html
    assert "Ask for other times" in html


@pytest.mark.parametrize(
    "change",
    [
        lambda offering: setattr(offering, "is_active", False) or offering.save(),
        lambda offering: setattr(offering.specialist, "status", "draft") or offering.specialist.save(),
        lambda offering: setattr(offering.specialist, "accepting_new_patients", False) or offering.specialist.save(),
    ],
    ids=["archived offering", "profile not approved", "not taking new patients"],
)
def test_an_offering_that_cannot_be_booked_is_404(patient_client, offering, change):
    change(offering)
    assert patient_client.get(book_url(offering)).status_code == 404
    before = counts()
    response = patient_client.post(book_url(offering), {"starts_at": MONDAY_9.isoformat()})
    assert response.status_code == 404
    assert counts() == before


def test_a_specialist_not_taking_new_patients_still_takes_their_own(patient_client, patient, offering, specialist):
    AppointmentFactory(patient=patient, offering=offering, completed=True, starts_at=NOW - timedelta(days=7))
    specialist.accepting_new_patients = False
    specialist.save()
    assert patient_client.get(book_url(offering)).status_code == 200


def test_specialists_without_a_patient_role_are_turned_away(client, org, offering):
    client.force_login(member(org, Membership.Role.SPECIALIST, staff=True))
    assert client.get(book_url(offering)).status_code == 403


def test_picking_a_time_holds_it_and_shows_the_hold(patient_client, patient, offering):
    response = patient_client.post(book_url(offering), {"starts_at": "2026-11-23T08:00:00+00:00", "price_minor": 1})
    appointment = Appointment.objects.get(patient=patient)
    assert response.status_code == 303
    assert response["Location"] == detail_url(appointment)
    assert appointment.status == S.HELD
    assert appointment.starts_at == MONDAY_9
    assert appointment.expires_at == NOW + timedelta(minutes=10)
    assert appointment.price_minor == 9000  # from the offering, never the request
    html = patient_client.get(detail_url(appointment)).content.decode()
    assert "We are holding this time for you for 10 minutes" in html
    assert 'datetime="2026-11-20T12:10:00+00:00"' in html or "data-countdown" in html
    assert reverse("booking:hold-confirm", args=[appointment.public_id]) in html
    assert reverse("booking:hold-release", args=[appointment.public_id]) in html
    assert "Confirm booking" in html and "Choose another time" in html


def test_a_time_with_another_offset_is_the_same_instant(patient_client, patient, offering):
    patient_client.post(book_url(offering), {"starts_at": "2026-11-23T03:00:00-05:00"})
    assert Appointment.objects.get(patient=patient).starts_at == MONDAY_9


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Please pick one of the times shown."),
        ("next monday", "We could not read that time."),
        ("2026-11-23T08:00:00", "does not say which time zone"),
    ],
)
def test_an_unreadable_time_is_422_and_stores_nothing(patient_client, offering, value, message):
    before = counts()
    response = patient_client.post(book_url(offering), {"starts_at": value})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        (NOW - timedelta(hours=1), "That time has already passed."),
        (datetime(2026, 11, 20, 20, tzinfo=UTC), "needs at least 12 hours notice"),
        (datetime(2027, 3, 1, 8, tzinfo=UTC), "at most 60 days ahead"),
        (datetime(2026, 11, 23, 15, tzinfo=UTC), "outside Lena Berg&#x27;s available hours"),
        (datetime(2026, 11, 23, 8, 20, tzinfo=UTC), "outside Lena Berg&#x27;s available hours"),
    ],
    ids=["past", "inside notice", "beyond horizon", "outside hours", "off the grid"],
)
def test_a_time_that_cannot_be_booked_is_422_with_the_reason_and_the_times_again(
    patient_client, offering, starts_at, message
):
    before = counts()
    response = patient_client.post(book_url(offering), {"starts_at": starts_at.isoformat()})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert 'id="slot-picker"' in html
    assert "slot-time" in html
    assert counts() == before


def test_a_time_just_taken_is_409_with_the_nearest_free_times(patient_client, patient, offering, other_patient):
    AppointmentFactory(patient=other_patient, offering=offering, starts_at=MONDAY_10, confirmed=True)
    before = counts()
    response = patient_client.post(book_url(offering), {"starts_at": MONDAY_10.isoformat()})
    assert response.status_code == 409
    html = response.content.decode()
    assert "This time was just taken — here are the nearest free times" in html
    nearest = [t.value for t in response.context["nearest"]]
    assert MONDAY_9.isoformat() in nearest and MONDAY_11.isoformat() in nearest
    assert MONDAY_10.isoformat() not in nearest
    assert f'name="starts_at" value="{MONDAY_9.isoformat()}"' in html
    assert counts() == before


def test_picking_another_time_releases_the_first_hold(patient_client, patient, offering):
    patient_client.post(book_url(offering), {"starts_at": MONDAY_9.isoformat()})
    patient_client.post(book_url(offering), {"starts_at": MONDAY_10.isoformat()})
    assert sorted(Appointment.objects.filter(patient=patient).values_list("status", flat=True)) == [
        S.CANCELLED,
        S.HELD,
    ]


# --- On-request services ----------------------------------------------------------------


def test_an_on_request_service_posts_its_times_to_the_request_url(patient_client, on_request_offering):
    response = patient_client.get(book_url(on_request_offering))
    html = response.content.decode()
    assert f'action="{reverse("booking:request-time", args=[on_request_offering.public_id])}"' in html
    assert "will confirm it" in html


def test_requesting_a_time_creates_a_request_the_specialist_confirms(patient_client, patient, on_request_offering):
    url = reverse("booking:request-time", args=[on_request_offering.public_id])
    response = patient_client.post(url, {"starts_at": MONDAY_9.isoformat()}, follow=True)
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.status == S.REQUESTED
    assert response.redirect_chain == [(detail_url(appointment), 303)]
    html = response.content.decode()
    assert "Your request for Mon 23 Nov, 03:00 was sent. Lena Berg will confirm it" in html
    assert "Lena Berg will confirm this time." in html


def test_requesting_has_the_same_errors_as_booking(patient_client, on_request_offering, other_patient):
    url = reverse("booking:request-time", args=[on_request_offering.public_id])
    before = counts()
    assert patient_client.post(url, {"starts_at": "soon"}).status_code == 422
    assert patient_client.post(url, {"starts_at": (NOW - timedelta(hours=1)).isoformat()}).status_code == 422
    AppointmentFactory(patient=other_patient, offering=on_request_offering, starts_at=MONDAY_10, confirmed=True)
    before = counts()
    response = patient_client.post(url, {"starts_at": MONDAY_10.isoformat()})
    assert response.status_code == 409
    assert counts() == before


def test_an_on_request_service_cannot_be_held(patient_client, on_request_offering):
    before = counts()
    response = patient_client.post(book_url(on_request_offering), {"starts_at": MONDAY_9.isoformat()})
    assert response.status_code == 422
    assert "booked on request" in response.content.decode()
    assert counts() == before


def test_request_time_is_post_only(patient_client, on_request_offering):
    url = reverse("booking:request-time", args=[on_request_offering.public_id])
    assert patient_client.get(url).status_code == 405


# --- Confirming and releasing a hold ------------------------------------------------------


def test_confirming_a_hold_books_it(patient_client, patient, offering):
    appointment = held(patient, offering)
    response = patient_client.post(reverse("booking:hold-confirm", args=[appointment.public_id]), follow=True)
    assert response.redirect_chain == [(detail_url(appointment), 303)]
    assert statuses(appointment) == [S.CONFIRMED]
    html = response.content.decode()
    assert "Booked. We will email you the details." in html
    assert "Confirmed" in html
    assert "Add to calendar" in html


def test_a_second_click_on_confirm_just_shows_the_booking(patient_client, patient, offering):
    appointment = confirmed(patient, offering)
    events = AppointmentEvent.objects.count()
    response = patient_client.post(reverse("booking:hold-confirm", args=[appointment.public_id]))
    assert response.status_code == 303
    assert AppointmentEvent.objects.count() == events


def test_confirming_a_hold_that_ran_out_is_409_with_the_way_back(patient_client, patient, offering, frozen):
    appointment = held(patient, offering)
    frozen.shift(timedelta(minutes=11))
    response = patient_client.post(reverse("booking:hold-confirm", args=[appointment.public_id]))
    assert response.status_code == 409
    html = response.content.decode()
    assert "held this time for 10 minutes and it has run out" in html
    assert book_url(offering) in html
    assert statuses(appointment) == [S.EXPIRED]


def test_confirming_a_hold_already_swept_is_409(patient_client, patient, offering, frozen):
    appointment = held(patient, offering)
    frozen.shift(timedelta(minutes=11))
    services.appointments_expire_due()
    response = patient_client.post(reverse("booking:hold-confirm", args=[appointment.public_id]))
    assert response.status_code == 409
    assert "no longer held for you" in response.content.decode()


def test_releasing_a_hold_goes_back_to_the_times(patient_client, patient, offering):
    appointment = held(patient, offering)
    response = patient_client.post(reverse("booking:hold-release", args=[appointment.public_id]))
    assert response.status_code == 303
    assert response["Location"] == book_url(offering)
    assert statuses(appointment) == [S.CANCELLED]


def test_releasing_a_booked_session_is_409_and_keeps_it(patient_client, patient, offering):
    appointment = confirmed(patient, offering)
    response = patient_client.post(reverse("booking:hold-release", args=[appointment.public_id]))
    assert response.status_code == 409
    assert statuses(appointment) == [S.CONFIRMED]


@pytest.mark.parametrize("name", ["booking:hold-confirm", "booking:hold-release"])
def test_another_patients_hold_is_404_and_untouched(client, other_patient, patient, offering, name):
    appointment = held(patient, offering)
    client.force_login(other_patient)
    assert client.post(reverse(name, args=[appointment.public_id])).status_code == 404
    assert statuses(appointment) == [S.HELD]


@pytest.mark.parametrize("name", ["booking:hold-confirm", "booking:hold-release"])
def test_hold_actions_are_post_only(patient_client, patient, offering, name):
    appointment = held(patient, offering)
    assert patient_client.get(reverse(name, args=[appointment.public_id])).status_code == 405


# --- The appointment list -------------------------------------------------------------------


def test_with_nothing_booked_the_list_points_to_the_directory(patient_client):
    response = patient_client.get(reverse("booking:patient-appointments"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No appointments yet" in html
    assert reverse("discovery:directory") in html


def proposal_for(patient, offering, *, times=(TUESDAY_9,), payment_required=False, note="Mornings, as you asked."):
    return services.proposal_create(
        specialist=offering.specialist,
        patient=patient,
        offering=offering,
        starts_at=list(times),
        expires_at=NOW + timedelta(days=1),
        payment_required=payment_required,
        note=note,
        by=offering.specialist.user,
    )


def test_the_list_groups_what_waits_what_is_coming_and_what_is_past(patient_client, patient, offering):
    proposal = proposal_for(patient, offering, times=[TUESDAY_9, TUESDAY_9 + timedelta(hours=2)])
    upcoming = confirmed(patient, offering, MONDAY_9)
    due = AppointmentFactory(
        patient=patient,
        offering=offering,
        awaiting_payment=True,
        starts_at=MONDAY_11,
        expires_at=NOW + timedelta(hours=3),
    )
    past = AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=NOW - timedelta(days=3))
    AppointmentEvent.objects.create(appointment=past, from_status="", to_status=S.CONFIRMED)
    released = held(patient, offering, datetime(2026, 11, 25, 8, tzinfo=UTC))
    services.appointment_hold_release(appointment=released, by=patient)

    response = patient_client.get(reverse("booking:patient-appointments"))
    sections = response.context["sections"]
    assert sections.proposals == [proposal]
    assert [o.starts_at for o in sections.proposals[0].open_options] == [TUESDAY_9, TUESDAY_9 + timedelta(hours=2)]
    assert sections.payments_due == [due]
    assert sections.upcoming == [upcoming, due]
    assert sections.past == [past]  # a released hold is not history worth listing
    html = response.content.decode()
    assert "Waiting for you" in html
    assert "Lena Berg proposed 2 times" in html
    assert "Please answer by Sat 21 Nov, 07:00." in html  # noon UTC tomorrow, in New York
    # No payments yet: the booking awaiting one says so, with no way to pay promised.
    assert "Reserved, not confirmed yet: Mon 23 Nov, 05:00 with Lena Berg" in html
    assert (
        "Online payment is not available yet. The time is reserved until Fri 20 Nov, 10:00, then released on its own."
        in html
    )
    assert "Please message Lena Berg" not in html  # there may be no thread to write in yet
    assert "View and pay" not in html and "Payment due" not in html
    assert "Mon 23 Nov" in html and "03:00" in html  # in the patient's zone
    assert "Past and cancelled" in html


def test_the_list_costs_the_same_queries_for_one_or_many(client, org, offering):

    def queries_for(patient):
        client.force_login(patient)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("booking:patient-appointments")).status_code == 200
        return len(captured)

    few = member(org, Membership.Role.PATIENT, timezone="America/New_York")
    AppointmentFactory(patient=few, offering=offering, confirmed=True, starts_at=MONDAY_9)
    proposal_for(few, offering, times=[TUESDAY_9 + timedelta(days=14)])
    many = member(org, Membership.Role.PATIENT, timezone="America/New_York")
    other = OfferingFactory(specialist=SpecialistProfileFactory(organization=org))
    for day in range(5):
        AppointmentFactory(patient=many, offering=other, confirmed=True, starts_at=MONDAY_9 + timedelta(days=day))
        past = AppointmentFactory(patient=many, offering=other, cancelled=True, starts_at=NOW - timedelta(days=day + 1))
        AppointmentEvent.objects.create(appointment=past, from_status="", to_status=S.CONFIRMED)
    proposal_for(many, offering, times=[TUESDAY_9, TUESDAY_9 + timedelta(hours=2)])
    proposal_for(many, other, times=[TUESDAY_9 + timedelta(days=7)])
    assert queries_for(few) == queries_for(many)


# --- The appointment page ----------------------------------------------------------------------


def test_the_appointment_page_shows_both_zones_the_policy_and_the_history(patient_client, patient, offering):
    appointment = confirmed(patient, offering)
    services.appointment_reschedule(appointment=appointment, starts_at=MONDAY_11, by=patient, reason="Work moved.")
    response = patient_client.get(detail_url(appointment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mon 23 Nov, 05:00" in html  # New York
    assert "For Lena Berg: Mon 23 Nov, 11:00 (Europe/Berlin)" in html
    assert "€90.00" in html
    assert "Free cancellation up to 24 hours before" in html
    assert "Time picked and held" in html
    assert "Moved from Mon 23 Nov, 03:00 to Mon 23 Nov, 05:00" in html
    assert "Work moved." in html
    assert "by you" in html
    assert "no-store" in response["Cache-Control"]


def test_reading_an_appointment_is_audited(patient_client, patient, offering):
    appointment = confirmed(patient, offering)
    patient_client.get(detail_url(appointment))
    log = AuditLog.objects.get(action=AuditLog.Action.READ, object_public_id=appointment.public_id)
    assert log.actor == patient


@pytest.mark.parametrize(
    "name",
    [
        "booking:patient-appointment",
        "booking:patient-reschedule",
        "booking:appointment-ics",
    ],
)
def test_another_patients_appointment_pages_are_404_and_the_attempt_is_audited(
    client, other_patient, patient, offering, name
):
    appointment = confirmed(patient, offering)
    client.force_login(other_patient)
    assert client.get(reverse(name, args=[appointment.public_id])).status_code == 404
    denied = AuditLog.objects.get(action=AuditLog.Action.DENIED)
    assert (denied.actor, denied.object_public_id) == (other_patient, appointment.public_id)


def test_a_cancelled_late_session_shows_the_flag_and_reason(patient_client, patient, offering, frozen):
    appointment = confirmed(patient, offering)
    travel(frozen, patient_client, patient, MONDAY_9 - timedelta(hours=3))
    services.appointment_cancel(appointment=appointment, by=offering.specialist.user, reason="I am ill, sorry.")
    html = patient_client.get(detail_url(appointment)).content.decode()
    assert "Cancelled late" in html
    assert "Late cancellation" in html
    assert "I am ill, sorry." in html
    assert "by Lena Berg" in html
    assert "Cancel this session" not in html


# --- Cancelling -------------------------------------------------------------------------------------


def test_inside_the_window_the_page_warns_before_cancelling(patient_client, patient, offering, frozen):
    appointment = confirmed(patient, offering)
    html = patient_client.get(detail_url(appointment)).content.decode()
    assert "late cancellation" not in html
    travel(frozen, patient_client, patient, MONDAY_9 - timedelta(hours=5))
    html = patient_client.get(detail_url(appointment)).content.decode()
    assert "This is inside the 24-hour window; it will be recorded as a late cancellation" in html


def test_cancelling_needs_a_reason_and_changes_nothing_without_one(patient_client, patient, offering):
    appointment = confirmed(patient, offering)
    before = counts()
    response = patient_client.post(reverse("booking:patient-cancel", args=[appointment.public_id]), {"reason": " "})
    assert response.status_code == 422
    assert "Please give a reason." in response.content.decode()
    assert counts() == before
    assert statuses(appointment) == [S.CONFIRMED]


def test_cancelling_late_is_allowed_and_flagged(patient_client, patient, offering, frozen):
    appointment = confirmed(patient, offering)
    travel(frozen, patient_client, patient, MONDAY_9 - timedelta(hours=5))
    response = patient_client.post(
        reverse("booking:patient-cancel", args=[appointment.public_id]), {"reason": "Train strike."}, follow=True
    )
    assert response.redirect_chain == [(detail_url(appointment), 303)]
    appointment.refresh_from_db()
    assert appointment.status == S.CANCELLED
    assert appointment.is_late_cancellation
    assert appointment.cancellation_reason == "Train strike."
    assert "recorded as a late cancellation" in response.content.decode()


def test_cancelling_what_is_already_cancelled_is_409(patient_client, patient, offering):
    appointment = confirmed(patient, offering)
    services.appointment_cancel(appointment=appointment, by=patient, reason="Changed my mind.")
    before = counts()
    response = patient_client.post(reverse("booking:patient-cancel", args=[appointment.public_id]), {"reason": "x"})
    assert response.status_code == 409
    assert counts() == before


def test_another_patient_cannot_cancel(client, other_patient, patient, offering):
    appointment = confirmed(patient, offering)
    client.force_login(other_patient)
    response = client.post(reverse("booking:patient-cancel", args=[appointment.public_id]), {"reason": "Mine now."})
    assert response.status_code == 404
    assert statuses(appointment) == [S.CONFIRMED]


def test_cancel_is_post_only(patient_client, patient, offering):
    appointment = confirmed(patient, offering)
    assert patient_client.get(reverse("booking:patient-cancel", args=[appointment.public_id])).status_code == 405


# --- Rescheduling --------------------------------------------------------------------------------------


def reschedule_url(appointment):
    return reverse("booking:patient-reschedule", args=[appointment.public_id])


def test_the_reschedule_page_shows_the_times_with_the_current_one_marked(patient_client, patient, offering):
    appointment = confirmed(patient, offering)
    response = patient_client.get(reschedule_url(appointment))
    assert response.status_code == 200
    monday = response.context["page"].days[0]
    assert [(t.at.strftime("%H:%M"), t.is_current) for t in monday.times] == [
        ("03:00", True),
        ("04:00", False),
        ("05:00", False),
    ]
    html = response.content.decode()
    assert "(the current time)" in html
    assert 'name="reason"' in html


def test_rescheduling_moves_the_session_and_keeps_the_history(patient_client, patient, offering):
    appointment = confirmed(patient, offering)
    response = patient_client.post(
        reschedule_url(appointment), {"starts_at": MONDAY_11.isoformat(), "reason": "A meeting came up."}, follow=True
    )
    assert response.redirect_chain == [(detail_url(appointment), 303)]
    appointment.refresh_from_db()
    assert appointment.starts_at == MONDAY_11
    assert appointment.status == S.CONFIRMED
    assert "Moved to Mon 23 Nov, 05:00. We have let Lena Berg know." in response.content.decode()
    event = appointment.events.order_by("id").last()
    assert (event.previous_starts_at, event.starts_at, event.reason) == (MONDAY_9, MONDAY_11, "A meeting came up.")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"starts_at": MONDAY_11.isoformat(), "reason": ""}, "Please give a reason."),
        ({"starts_at": "later", "reason": "Busy."}, "We could not read that time."),
        ({"starts_at": MONDAY_9.isoformat(), "reason": "Busy."}, "That is the time it already has."),
        ({"starts_at": datetime(2026, 11, 23, 16, tzinfo=UTC).isoformat(), "reason": "Busy."}, "outside"),
    ],
    ids=["no reason", "unreadable", "same time", "outside hours"],
)
def test_a_bad_reschedule_is_422_and_changes_nothing(patient_client, patient, offering, data, message):
    appointment = confirmed(patient, offering)
    before = counts()
    response = patient_client.post(reschedule_url(appointment), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert counts() == before
    appointment.refresh_from_db()
    assert appointment.starts_at == MONDAY_9


def test_rescheduling_onto_a_taken_time_is_409_with_the_nearest(patient_client, patient, offering, other_patient):
    appointment = confirmed(patient, offering)
    AppointmentFactory(patient=other_patient, offering=offering, starts_at=MONDAY_11, confirmed=True)
    before = counts()
    response = patient_client.post(reschedule_url(appointment), {"starts_at": MONDAY_11.isoformat(), "reason": "x"})
    assert response.status_code == 409
    assert "This time was just taken" in response.content.decode()
    assert MONDAY_10.isoformat() in [t.value for t in response.context["nearest"]]
    assert counts() == before


def test_a_cancelled_session_cannot_be_rescheduled(patient_client, patient, offering):
    appointment = confirmed(patient, offering)
    services.appointment_cancel(appointment=appointment, by=patient, reason="No longer needed.")
    assert patient_client.get(reschedule_url(appointment)).status_code == 409
    response = patient_client.post(reschedule_url(appointment), {"starts_at": MONDAY_11.isoformat(), "reason": "x"})
    assert response.status_code == 409
    assert "can no longer be moved" in response.content.decode()


# --- Add to calendar ----------------------------------------------------------------------------------------


def test_add_to_calendar_downloads_an_invitation_with_a_stable_uid(patient_client, patient, offering):
    appointment = confirmed(patient, offering)
    response = patient_client.get(reverse("booking:appointment-ics", args=[appointment.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content.decode()
    assert "METHOD:REQUEST" in body
    assert f"UID:{appointment.public_id}@daraport" in body
    assert "DTSTART:20261123T080000Z" in body
    assert "Session with Lena Berg" in body
    assert AuditLog.objects.filter(action=AuditLog.Action.READ, object_public_id=appointment.public_id).exists()


def test_a_session_not_booked_has_no_calendar_file(patient_client, patient, offering):
    appointment = held(patient, offering)
    assert patient_client.get(reverse("booking:appointment-ics", args=[appointment.public_id])).status_code == 404


# --- Proposals ---------------------------------------------------------------------------------------------------


def proposal_url(proposal, name="booking:patient-proposal"):
    return reverse(name, args=[proposal.public_id])


def test_the_proposal_page_shows_the_note_times_deadline_and_payment(
    patient_client, patient, offering, payments_available
):
    proposal = proposal_for(patient, offering, times=[TUESDAY_9, TUESDAY_9 + timedelta(hours=2)], payment_required=True)
    response = patient_client.get(proposal_url(proposal))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mornings, as you asked." in html
    assert "Tue 24 Nov" in html and "03:00" in html and "05:00" in html  # New York
    assert "Payment will be required to confirm" in html
    assert "Please answer by Sat 21 Nov, 07:00." in html
    assert html.count("Accept this time") == 2
    assert "Decline all" in html
    assert AuditLog.objects.filter(action=AuditLog.Action.READ, object_public_id=proposal.public_id).exists()


def test_another_patients_proposal_is_404(client, other_patient, patient, offering):
    proposal = proposal_for(patient, offering)
    client.force_login(other_patient)
    assert client.get(proposal_url(proposal)).status_code == 404
    option = proposal.appointments.get()
    response = client.post(proposal_url(proposal, "booking:proposal-accept"), {"appointment": option.public_id})
    assert response.status_code == 404
    assert client.post(proposal_url(proposal, "booking:proposal-decline")).status_code == 404
    assert statuses(option) == [S.PROPOSED]


def test_accepting_a_time_books_it_and_releases_the_others(patient_client, patient, offering):
    proposal = proposal_for(patient, offering, times=[TUESDAY_9, TUESDAY_9 + timedelta(hours=2)])
    first, second = proposal.appointments.order_by("starts_at")
    response = patient_client.post(
        proposal_url(proposal, "booking:proposal-accept"), {"appointment": second.public_id}, follow=True
    )
    assert response.redirect_chain == [(detail_url(second), 303)]
    assert statuses(first, second) == [S.DECLINED, S.CONFIRMED]
    assert "Booked. We will email you the details." in response.content.decode()


def test_accepting_with_payment_required_waits_for_payment(patient_client, patient, offering, payments_available):
    proposal = proposal_for(patient, offering, payment_required=True)
    option = proposal.appointments.get()
    response = patient_client.post(
        proposal_url(proposal, "booking:proposal-accept"), {"appointment": option.public_id}, follow=True
    )
    assert statuses(option) == [S.AWAITING_PAYMENT]
    assert "Almost there: please pay by" in response.content.decode()


def test_accepting_an_expired_proposal_is_409_and_changes_nothing(patient_client, patient, offering, frozen):
    proposal = proposal_for(patient, offering)
    option = proposal.appointments.get()
    travel(frozen, patient_client, patient, NOW + timedelta(days=1, minutes=1))
    before = counts()
    response = patient_client.post(proposal_url(proposal, "booking:proposal-accept"), {"appointment": option.public_id})
    assert response.status_code == 409
    assert "has run out" in response.content.decode()
    assert counts() == before
    assert statuses(option) == [S.PROPOSED]


def test_accepting_twice_is_409(patient_client, patient, offering):
    proposal = proposal_for(patient, offering, times=[TUESDAY_9, TUESDAY_9 + timedelta(hours=2)])
    first, second = proposal.appointments.order_by("starts_at")
    url = proposal_url(proposal, "booking:proposal-accept")
    patient_client.post(url, {"appointment": first.public_id})
    before = counts()
    response = patient_client.post(url, {"appointment": second.public_id})
    assert response.status_code == 409
    assert "already been answered" in response.content.decode()
    assert counts() == before
    assert statuses(first, second) == [S.CONFIRMED, S.DECLINED]


def test_accepting_a_time_from_another_proposal_is_422(patient_client, patient, offering):
    proposal = proposal_for(patient, offering)
    elsewhere = proposal_for(patient, offering, times=[datetime(2026, 11, 25, 8, tzinfo=UTC)])
    stranger = elsewhere.appointments.get()
    before = counts()
    url = proposal_url(proposal, "booking:proposal-accept")
    response = patient_client.post(url, {"appointment": stranger.public_id})
    assert response.status_code == 422
    assert "Please choose one of the proposed times." in response.content.decode()
    assert patient_client.post(url, {"appointment": "not-a-uuid"}).status_code == 422
    assert patient_client.post(url, {}).status_code == 422
    assert counts() == before
    assert statuses(stranger, proposal.appointments.get()) == [S.PROPOSED, S.PROPOSED]


def test_declining_releases_every_time(patient_client, patient, offering):
    proposal = proposal_for(patient, offering, times=[TUESDAY_9, TUESDAY_9 + timedelta(hours=2)])
    response = patient_client.post(
        proposal_url(proposal, "booking:proposal-decline"), {"reason": "Evenings only."}, follow=True
    )
    assert response.redirect_chain == [(reverse("booking:patient-appointments"), 303)]
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED
    assert set(proposal.appointments.values_list("status", flat=True)) == {S.DECLINED}
    assert "You declined the proposed times." in response.content.decode()


def test_declining_an_answered_or_expired_proposal_is_409(patient_client, patient, offering, frozen):
    proposal = proposal_for(patient, offering)
    url = proposal_url(proposal, "booking:proposal-decline")
    patient_client.post(url, {"reason": ""})
    assert patient_client.post(url, {"reason": ""}).status_code == 409
    late = proposal_for(patient, offering, times=[datetime(2026, 11, 25, 8, tzinfo=UTC)])
    travel(frozen, patient_client, patient, NOW + timedelta(days=2))
    before = counts()
    assert patient_client.post(proposal_url(late, "booking:proposal-decline")).status_code == 409
    assert counts() == before


def test_a_decline_reason_that_is_too_long_is_422(patient_client, patient, offering):
    proposal = proposal_for(patient, offering)
    response = patient_client.post(proposal_url(proposal, "booking:proposal-decline"), {"reason": "x" * 501})
    assert response.status_code == 422
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN


def test_an_answered_proposal_says_so_without_buttons(patient_client, patient, offering):
    proposal = proposal_for(patient, offering)
    services.proposal_decline(proposal=proposal, by=patient)
    html = patient_client.get(proposal_url(proposal)).content.decode()
    assert "You declined these times." in html
    assert "Accept this time" not in html


# --- Asking for other times ------------------------------------------------------------------------------------------


def ask_url(specialist):
    return reverse("booking:availability-request", args=[specialist.slug])


def test_the_ask_page_preselects_the_offering_and_names_the_zone(patient_client, offering, specialist):
    response = patient_client.get(ask_url(specialist), {"offering": str(offering.public_id)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "in your time zone (America/New_York)" in html
    assert f'<option value="{offering.public_id}" selected>' in html


def test_asking_for_times_sends_a_request(patient_client, patient, offering, specialist):
    data = {
        "offering": str(offering.public_id),
        "date_1": "2026-11-25",
        "from_1": "17:00",
        "until_1": "19:00",
        "date_2": "2026-11-26",
        "from_2": "08:00",
        "until_2": "09:30",
        "note": "After work is easiest.",
    }
    response = patient_client.post(ask_url(specialist), data, follow=True)
    assert response.redirect_chain == [(reverse("booking:patient-appointments"), 303)]
    request = AvailabilityRequest.objects.get(patient=patient)
    assert request.specialist == specialist
    assert request.offering == offering
    assert request.patient_timezone == "America/New_York"
    assert request.windows == [
        {"date": "2026-11-25", "from": "17:00", "until": "19:00"},
        {"date": "2026-11-26", "from": "08:00", "until": "09:30"},
    ]
    assert request.note == "After work is easiest."
    html = response.content.decode()
    assert "Your request was sent to Lena Berg." in html
    assert "Your requests for other times" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Please give at least one time that suits you, or a note."),
        ({"date_1": "2026-11-25", "from_1": "19:00", "until_1": "17:00"}, "Please pick a time after the start."),
        ({"date_1": "2026-11-25", "from_1": "17:00"}, "Please fill in the date, from and until"),
        ({"date_1": "2026-11-01", "from_1": "17:00", "until_1": "18:00"}, "Please pick dates from today on."),
        ({"date_1": "25/11", "from_1": "17:00", "until_1": "18:00"}, "Enter a valid date."),
        ({"note": "x" * 2001}, "at most 2000 characters"),
        ({"note": "Hi", "offering": "00000000-0000-0000-0000-000000000000"}, "Select a valid choice."),
    ],
    ids=["empty", "ends before it starts", "half filled", "past date", "bad date", "long note", "other offering"],
)
def test_a_bad_request_is_422_and_stores_nothing(patient_client, specialist, offering, data, message):
    before = counts()
    response = patient_client.post(ask_url(specialist), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert counts() == before


def test_asking_a_hidden_specialist_is_404(patient_client, org):
    hidden = SpecialistProfileFactory(organization=org, draft=True)
    assert patient_client.get(ask_url(hidden)).status_code == 404
    before = counts()
    assert patient_client.post(ask_url(hidden), {"note": "Hello"}).status_code == 404
    assert counts() == before


def test_another_specialists_offering_cannot_be_asked_about(patient_client, specialist, org):
    elsewhere = OfferingFactory(specialist=SpecialistProfileFactory(organization=org))
    before = counts()
    response = patient_client.post(ask_url(specialist), {"note": "Hi", "offering": str(elsewhere.public_id)})
    assert response.status_code == 422
    assert counts() == before


# --- The entry points on the public profile ------------------------------------------------------------------


def profile_url(specialist):
    return reverse("discovery:profile", args=[specialist.slug])


def test_the_profile_offers_book_and_request_buttons(patient_client, offering, on_request_offering, specialist):
    html = patient_client.get(profile_url(specialist)).content.decode()
    assert f'href="{book_url(offering)}"' in html
    assert f'href="{book_url(on_request_offering)}"' in html
    assert "Request a time" in html


def test_anonymous_visitors_see_book_buttons_that_lead_to_sign_in(client, offering, specialist):
    html = client.get(profile_url(specialist)).content.decode()
    assert f'href="{book_url(offering)}"' in html
    response = client.get(book_url(offering))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_no_book_buttons_for_staff_or_when_not_taking_new_patients(client, org, offering, specialist):
    client.force_login(member(org, Membership.Role.SPECIALIST, staff=True))
    assert book_url(offering) not in client.get(profile_url(specialist)).content.decode()
    specialist.accepting_new_patients = False
    specialist.save()
    client.logout()
    assert book_url(offering) not in client.get(profile_url(specialist)).content.decode()
