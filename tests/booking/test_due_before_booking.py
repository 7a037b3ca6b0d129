"""Booking when a consent or form is due first: the time picked is held,
the patient goes through the guided flow and comes back to confirm it (or,
if the hold ran out meanwhile, to the nearest free times). A request keeps
the picked time in its link instead. The confirmation itself refuses while
anything is still due."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from booking import services
from booking.models import Appointment
from booking.states import AppointmentStatus as S
from consents.models import ConsentSignature, FormResponse, RequiredBefore
from core.returns import with_return
from organizations.models import Membership
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory, BookingSettingsFactory
from tests.conftest import member
from tests.consents.factories_patient import ConsentSignatureFactory, published_document, published_form
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

# Friday noon. Berlin is UTC+1 and New York UTC-5 in November.
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
MONDAY_9 = datetime(2026, 11, 23, 8, tzinfo=UTC)  # 09:00 Berlin, 03:00 New York
MONDAY_10 = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def specialist(org):
    """Weekdays 09:00-12:00 in Berlin, hourly starts."""
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
def on_request(specialist):
    return OfferingFactory(specialist=specialist, name="Couples session", on_request=True, duration_minutes=50)


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, timezone="America/New_York", full_name="Alex Doe")


@pytest.fixture
def other_patient(org):
    return member(org, Membership.Role.PATIENT, timezone="Europe/London", full_name="Sam Other")


@pytest.fixture
def privacy(specialist):
    """A consent of Lena's own, due before booking with her: it applies to
    the patient only through the booking (no care context yet)."""
    return published_document(
        organization=specialist.organization,
        specialist=specialist,
        title="Privacy notice",
        required_before=RequiredBefore.BOOKING,
    )


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient)
    return client


def detail_url(appointment):
    return reverse("booking:patient-appointment", args=[appointment.public_id])


def flow_to(return_url):
    return with_return(reverse("consents:flow"), return_url)


def sign_data(patient):
    return {"typed_name": patient.full_name, "agreed": "on"}


def step_url(version, return_url=None):
    url = reverse("consents:step", kwargs={"kind": "consent", "public_id": version.public_id})
    return with_return(url, return_url) if return_url else url


# --- The services ----------------------------------------------------------------------------


def test_a_time_is_held_while_something_is_due_but_not_confirmed(patient, offering, privacy):
    hold = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9)
    with pytest.raises(ValidationError) as refused:
        services.appointment_hold_confirm(appointment=hold, by=patient)
    assert refused.value.code == "not_ready"
    assert refused.value.messages == ["Before booking with Lena Berg, please sign: Privacy notice."]
    hold.refresh_from_db()
    assert hold.status == S.HELD  # still the patient's, to confirm once signed
    ConsentSignatureFactory(patient=patient, version=privacy)
    assert services.appointment_hold_confirm(appointment=hold, by=patient).status == S.CONFIRMED


def test_a_request_is_refused_while_something_is_due_and_nothing_is_stored(patient, on_request, privacy):
    with pytest.raises(ValidationError) as refused:
        services.appointment_request(patient=patient, offering=on_request, starts_at=MONDAY_9)
    assert refused.value.code == "not_ready"
    assert not Appointment.objects.exists()


def test_a_hold_that_ran_out_does_not_stop_picking_the_same_time_again(patient, offering, frozen):
    first = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9)
    frozen.shift(timedelta(minutes=11))  # ran out; the sweep has not come yet
    again = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9)
    first.refresh_from_db()
    assert (first.status, again.status) == (S.CANCELLED, S.HELD)


def test_a_refused_pick_keeps_the_previous_hold(patient, offering):
    first = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9)
    with pytest.raises(ValidationError):
        services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9 - timedelta(days=3))
    first.refresh_from_db()
    assert first.status == S.HELD


# --- Booking from the book page: held, the flow, back to confirm -------------------------------


def test_picking_a_time_holds_it_and_goes_through_the_flow_coming_back(signed_in, patient, offering, privacy):
    response = signed_in.post(reverse("booking:book", args=[offering.public_id]), {"starts_at": MONDAY_9.isoformat()})
    hold = Appointment.objects.get()
    assert hold.status == S.HELD
    assert response.status_code == 303
    assert response["Location"] == flow_to(detail_url(hold))
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "Before booking with Lena Berg, please sign: Privacy notice."

    # The flow finds Lena's own consent (it applies through this booking) and says the time is held.
    response = signed_in.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == step_url(privacy, detail_url(hold))
    page = signed_in.get(response["Location"]).content.decode()
    assert "Your time is held until 07:10." in page
    assert f'href="{detail_url(hold)}"' in page and "Back to your booking" in page
    assert "Step 1 of 1" in page

    # Signed: straight back to the booking, which can now be confirmed.
    response = signed_in.post(step_url(privacy, detail_url(hold)), sign_data(patient))
    assert response.status_code == 303
    assert response["Location"] == flow_to(detail_url(hold))
    response = signed_in.get(response["Location"])
    assert response["Location"] == detail_url(hold)
    page = signed_in.get(detail_url(hold)).content.decode()
    assert "Confirm booking" in page and "Complete now" not in page
    response = signed_in.post(reverse("booking:hold-confirm", args=[hold.public_id]))
    assert response.status_code == 303
    hold.refresh_from_db()
    assert hold.status == S.CONFIRMED


def test_without_the_way_back_the_specialists_own_consent_was_not_in_the_flow(signed_in, privacy):
    """What used to happen: the flow, asked without the booking, found
    nothing to do and ended on "You're all set"."""
    response = signed_in.get(reverse("consents:flow"))
    assert response.status_code == 200
    assert "You're all set" in response.content.decode()


def test_a_form_due_before_booking_the_service_is_filled_in_on_the_way(signed_in, patient, org, offering):
    version = published_form(organization=org, title="Eligibility", required_before=RequiredBefore.BOOKING)
    version.form.offerings.add(offering)
    signed_in.post(reverse("booking:book", args=[offering.public_id]), {"starts_at": MONDAY_9.isoformat()})
    hold = Appointment.objects.get()
    step = signed_in.get(flow_to(detail_url(hold)))["Location"]
    assert step.startswith(reverse("consents:step", kwargs={"kind": "form", "public_id": version.public_id}))
    assert "Your time is held until 07:10." in signed_in.get(step).content.decode()
    answers = {"reason": "Sleep", "first": "yes", "action": "submit"}
    response = signed_in.post(step, answers)
    assert response.status_code == 303, response.content.decode()[:2000]
    assert FormResponse.objects.get().status == FormResponse.Status.SUBMITTED
    assert signed_in.get(response["Location"])["Location"] == detail_url(hold)


def test_the_hold_page_says_what_is_due_instead_of_confirm(signed_in, patient, offering, privacy):
    hold = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9)
    page = signed_in.get(detail_url(hold)).content.decode()
    assert "Before you can confirm, please complete:" in page and "Privacy notice" in page
    assert "Complete now" in page and flow_to(detail_url(hold)).replace("&", "&amp;") in page
    assert "Confirm booking" not in page
    # A stale page's "Confirm booking" is refused by the service; the hold stays.
    response = signed_in.post(reverse("booking:hold-confirm", args=[hold.public_id]))
    assert response.status_code == 409
    assert "Before booking with Lena Berg, please sign: Privacy notice." in response.content.decode()
    hold.refresh_from_db()
    assert hold.status == S.HELD


def test_the_hold_shows_on_the_appointments_list_with_continue(signed_in, patient, offering):
    hold = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9)
    page = signed_in.get(reverse("booking:patient-appointments")).content.decode()
    assert "Not booked yet: Mon 23 Nov, 03:00 with Lena Berg" in page
    assert "We are holding this time for you until 07:10." in page
    assert f'href="{detail_url(hold)}" role="button">Continue' in page


# --- The hold ran out meanwhile --------------------------------------------------------------


def test_back_after_the_hold_ran_out_shows_the_nearest_times_its_own_first(
    signed_in, patient, offering, privacy, frozen
):
    signed_in.post(reverse("booking:book", args=[offering.public_id]), {"starts_at": MONDAY_9.isoformat()})
    hold = Appointment.objects.get()
    frozen.shift(timedelta(minutes=11))
    signed_in.force_login(patient)
    # The flow says so on the way.
    page = signed_in.get(step_url(privacy, detail_url(hold))).content.decode()
    assert "The time you picked is no longer held: the hold ran out." in page
    signed_in.post(step_url(privacy, detail_url(hold)), sign_data(patient))
    assert signed_in.get(flow_to(detail_url(hold)))["Location"] == detail_url(hold)

    response = signed_in.get(detail_url(hold))
    page = response.content.decode()
    assert "This hold has run out" in page
    assert "Hold ran out" in page  # the badge, not "Held for you"
    nearest = [time.value for time in response.context["nearest"]]
    assert MONDAY_9.isoformat() in nearest  # nobody took it: it can be picked again
    assert f'action="{reverse("booking:book", args=[offering.public_id])}"' in page
    assert "Confirm booking" not in page

    response = signed_in.post(reverse("booking:book", args=[offering.public_id]), {"starts_at": MONDAY_9.isoformat()})
    assert response.status_code == 303
    again = Appointment.objects.get(status=S.HELD)
    assert again.starts_at == MONDAY_9 and again.pk != hold.pk


def test_confirming_a_hold_that_ran_out_offers_the_nearest_times(signed_in, patient, offering, frozen):
    hold = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9)
    AppointmentFactory(patient=member_elsewhere(offering), offering=offering, starts_at=MONDAY_10, confirmed=True)
    frozen.shift(timedelta(minutes=11))
    signed_in.force_login(patient)
    response = signed_in.post(reverse("booking:hold-confirm", args=[hold.public_id]))
    assert response.status_code == 409
    page = response.content.decode()
    assert "it has run out" in page
    values = [time.value for time in response.context["nearest"]]
    assert MONDAY_9.isoformat() in values and MONDAY_10.isoformat() not in values
    hold.refresh_from_db()
    assert hold.status == S.EXPIRED
    # The page of the expired hold offers them too.
    assert "This hold has run out" in signed_in.get(detail_url(hold)).content.decode()


def member_elsewhere(offering):
    return member(offering.specialist.organization, Membership.Role.PATIENT)


# --- Bad ways back -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "https://evil.example/",
        "//evil.example/patient/appointments/",
        "/patient/book/not-a-uuid/",
        "/patient/appointments/",  # a page, but no way back
    ],
)
def test_a_tampered_way_back_is_dropped(signed_in, patient, org, raw):
    clinic_wide = published_document(organization=org, title="Terms of care", required_before=RequiredBefore.BOOKING)
    response = signed_in.get(flow_to(raw))
    assert response["Location"] == step_url(clinic_wide)  # the flow as usual, without it
    page = signed_in.get(with_return(step_url(clinic_wide), raw)).content.decode()
    # No link or form goes there (the language switcher's own "come back here" may name this page).
    assert not [target for target in re.findall(r'(?:href|action)="([^"]*)"', page) if "evil" in target]
    assert "Back to your" not in page
    response = signed_in.post(with_return(step_url(clinic_wide), raw), sign_data(patient))
    assert response["Location"] == reverse("consents:flow")
    response = signed_in.get(flow_to(raw))
    assert response.status_code == 200  # all done: the overview, not a redirect


def test_someone_elses_hold_as_the_way_back_is_ignored_and_their_page_is_404(
    client, patient, other_patient, offering, privacy
):
    theirs = services.appointment_hold(patient=other_patient, offering=offering, starts_at=MONDAY_9)
    client.force_login(patient)
    response = client.get(flow_to(detail_url(theirs)))
    # No way back: the flow does not know Lena's booking, so it has nothing to ask.
    assert response.status_code == 200
    assert detail_url(theirs) not in response.content.decode()
    assert client.get(detail_url(theirs)).status_code == 404
    assert client.post(reverse("booking:hold-confirm", args=[theirs.public_id])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == S.HELD


def test_a_way_back_to_someone_elses_hold_cannot_reach_their_consents_step(
    client, patient, other_patient, offering, privacy
):
    theirs = services.appointment_hold(patient=other_patient, offering=offering, starts_at=MONDAY_9)
    client.force_login(patient)
    response = client.post(step_url(privacy, detail_url(theirs)), sign_data(patient))
    assert response.status_code == 404
    assert not ConsentSignature.objects.exists()


# --- A service on request: nothing held, the time kept in the link ---------------------------


def test_a_request_goes_through_the_flow_and_comes_back_to_send_the_picked_time(
    signed_in, patient, on_request, privacy
):
    book = reverse("booking:book", args=[on_request.public_id])
    response = signed_in.post(
        reverse("booking:request-time", args=[on_request.public_id]), {"starts_at": MONDAY_9.isoformat()}
    )
    assert not Appointment.objects.exists()
    back = f"{book}?at=2026-11-23T08%3A00%3A00%2B00%3A00"
    assert response.status_code == 303
    assert response["Location"] == flow_to(back)
    page = signed_in.get(step_url(privacy, back)).content.decode()
    assert "You picked Mon 23 Nov, 03:00. Nothing is sent to Lena Berg until you send your request." in page
    assert "Back to your request" in page
    signed_in.post(step_url(privacy, back), sign_data(patient))
    assert signed_in.get(flow_to(back))["Location"] == back

    page = signed_in.get(back).content.decode()
    assert "Your request: Mon 23 Nov, 03:00" in page
    assert f'name="starts_at" value="{MONDAY_9.isoformat()}">Send request' in page
    response = signed_in.post(
        reverse("booking:request-time", args=[on_request.public_id]), {"starts_at": MONDAY_9.isoformat()}
    )
    assert response.status_code == 303
    assert Appointment.objects.get().status == S.REQUESTED


def test_a_picked_time_taken_meanwhile_shows_the_nearest_free_ones(signed_in, patient, on_request, offering):
    AppointmentFactory(patient=member_elsewhere(offering), offering=offering, starts_at=MONDAY_9, confirmed=True)
    response = signed_in.get(reverse("booking:book", args=[on_request.public_id]), {"at": MONDAY_9.isoformat()})
    page = response.content.decode()
    assert "The time you picked is no longer free. Here are the nearest free times." in page
    assert "Send request" not in page
    assert MONDAY_10.isoformat() in [time.value for time in response.context["nearest"]]


def test_a_picked_time_that_cannot_be_read_is_left_out(signed_in, on_request):
    response = signed_in.get(reverse("booking:book", args=[on_request.public_id]), {"at": "soon"})
    assert response.status_code == 200
    assert "Your request:" not in response.content.decode()


def test_the_book_page_says_what_is_due_before_a_time_is_picked(signed_in, offering, privacy):
    page = signed_in.get(reverse("booking:book", args=[offering.public_id])).content.decode()
    assert "Before booking with Lena Berg, please sign: Privacy notice." in page
    assert "Pick a time: we hold it for you while you see to this" in page
    book = reverse("booking:book", args=[offering.public_id])
    assert flow_to(book).replace("&", "&amp;") in page


def test_the_flow_walks_only_what_is_due_before_booking_then_returns(signed_in, patient, org, offering, privacy):
    published_document(organization=org, title="Session recording", required_before=RequiredBefore.SESSION)
    hold = services.appointment_hold(patient=patient, offering=offering, starts_at=MONDAY_9)
    step = signed_in.get(flow_to(detail_url(hold)))["Location"]
    assert step == step_url(privacy, detail_url(hold))
    assert "Step 1 of 1" in signed_in.get(step).content.decode()
    signed_in.post(step, sign_data(patient))
    # What is due before the session waits: the booking does not.
    assert signed_in.get(flow_to(detail_url(hold)))["Location"] == detail_url(hold)


# --- Accepting a proposed time ------------------------------------------------------------


@pytest.fixture
def proposal(specialist, patient, offering):
    return services.proposal_create(
        specialist=specialist,
        patient=patient,
        offering=offering,
        starts_at=[MONDAY_9, MONDAY_10],
        expires_at=NOW + timedelta(days=1),
        by=specialist.user,
    )


def proposal_url(proposal):
    return reverse("booking:patient-proposal", args=[proposal.public_id])


def test_a_proposed_time_is_not_accepted_while_something_is_due(patient, proposal, privacy):
    option = proposal.appointments.order_by("starts_at").first()
    with pytest.raises(ValidationError) as refused:
        services.proposal_accept(proposal=proposal, appointment=option, by=patient)
    assert refused.value.code == "not_ready"
    assert sorted(proposal.appointments.values_list("status", flat=True)) == [S.PROPOSED, S.PROPOSED]
    ConsentSignatureFactory(patient=patient, version=privacy)
    assert services.proposal_accept(proposal=proposal, appointment=option, by=patient).status == S.CONFIRMED


def test_the_proposal_page_leads_through_the_flow_and_back(signed_in, patient, proposal, privacy):
    page = signed_in.get(proposal_url(proposal)).content.decode()
    assert "Before you can accept a time, Lena Berg asks you to complete:" in page
    assert f'href="{flow_to(proposal_url(proposal))}"' in page.replace("&amp;", "&")
    assert "Accept this time" not in page

    # The flow says the times stay reserved and leads back to them.
    response = signed_in.get(flow_to(proposal_url(proposal)))
    page = signed_in.get(response["Location"]).content.decode()
    assert "The proposed times stay reserved for you until" in page
    assert "Back to the proposed times" in page
    signed_in.post(step_url(privacy, proposal_url(proposal)), sign_data(patient))
    assert "Accept this time" in signed_in.get(proposal_url(proposal)).content.decode()


def test_accepting_while_something_is_due_is_409_and_changes_nothing(signed_in, proposal, privacy):
    option = proposal.appointments.order_by("starts_at").first()
    response = signed_in.post(
        reverse("booking:proposal-accept", args=[proposal.public_id]), {"appointment": option.public_id}
    )
    assert response.status_code == 409
    assert "please sign: Privacy notice" in response.content.decode()
    assert sorted(proposal.appointments.values_list("status", flat=True)) == [S.PROPOSED, S.PROPOSED]
