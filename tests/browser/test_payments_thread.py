"""Paying from the thread, and a program paying instead: a specialist in
Berlin proposes two times from the thread's panel with payment required
first; the patient in New York takes one there and pays from the panel's
"Pay now"; the session is confirmed, the other time released, and the
thread says "Payment received". A patient whose employer program covers
their sessions books one and pays nothing; it counts against the program.
Photographed into test-results/payments-thread/."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from booking.models import Appointment
from booking.states import AppointmentStatus as S
from organizations.models import ProgramEnrolment, ProgramRosterEntry
from payments.models import Payment
from tests.booking.factories import AvailabilityRuleFactory, BookingSettingsFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.organizations.factories import ProgramFactory
from tests.payments.factories import BillingSettingsFactory, ProgramBillingFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.browser

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def offering(org):
    BillingSettingsFactory(organization=org)
    profile = specialist_of(org, display_name="Lena Berg", user__timezone="Europe/Berlin")
    BookingSettingsFactory(specialist=profile, slot_increment_minutes=60, minimum_notice_minutes=60)
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="08:00", end_time="18:00")
    return OfferingFactory(specialist=profile, name="Follow-up session", duration_minutes=50, price_minor=9000)


def shoot(page, name):
    screenshot(page, "payments-thread", name)


def test_a_proposed_time_is_paid_from_the_thread_panel_and_confirmed(new_page, live_server, org, offering):
    patient = patient_of(org, full_name="Maya Lindqvist", timezone="America/New_York")
    conversation = conversation_between(patient, offering.specialist)
    thread = f"/specialist/messages/{conversation.public_id}/"

    specialist_page = signed_in_page(new_page, live_server, offering.specialist.user)
    specialist_page.goto(thread)
    specialist_page.get_by_role("button", name="Propose times").click()
    form = specialist_page.locator("[data-proposal-form]")
    # Paid before the session by the clinic's rule: payment first is ticked already.
    expect(form.get_by_label("Payment required before confirmation")).to_be_checked()
    days = [datetime.now(BERLIN).date() + timedelta(days=n) for n in (3, 4)]
    for number, day in enumerate(days, start=1):
        form.get_by_label(f"Date {number}").fill(day.isoformat())
        form.get_by_label(f"Start {number}").fill("10:00")
    form.get_by_role("button", name="Send the times").click()
    expect(specialist_page.locator(".panel-done")).to_contain_text("Your times are sent.")

    patient_page = signed_in_page(new_page, live_server, patient)
    patient_page.goto(f"/patient/messages/{conversation.public_id}/")
    proposed = patient_page.locator(".panel-proposal")
    expect(proposed).to_contain_text("payment first")
    chosen = datetime.fromisoformat(f"{days[0]}T10:00").replace(tzinfo=BERLIN).astimezone(NEW_YORK)
    proposed.get_by_role("button", name=f"Take {chosen:%a} {chosen.day} {chosen:%b, %H:%M}").click()

    panel = patient_page.locator("#panel-appointment")
    expect(panel).to_contain_text("Awaiting payment")
    shoot(patient_page, "1-patient-panel-pay-now")
    panel.get_by_role("button", name="Pay now").click()
    expect(patient_page).to_have_url(re.compile(r"/pay/[0-9a-f-]{36}/$"))
    patient_page.get_by_label("Card number").fill("4242 4242 4242 4242")
    patient_page.get_by_role("button", name="Pay €90.00").click()
    expect(patient_page.get_by_role("heading", name="Payment received")).to_be_visible()
    shoot(patient_page, "2-paid")

    appointments = dict(Appointment.objects.values_list("starts_at", "status"))
    assert sorted(appointments.values()) == [S.CONFIRMED, S.DECLINED]  # the other time is released
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED

    patient_page.goto(f"/patient/messages/{conversation.public_id}/")
    expect(patient_page.locator(".msg-notice[data-verb='payment.received']")).to_have_count(1)
    expect(patient_page.locator("#panel-appointment")).to_contain_text("Confirmed")
    shoot(patient_page, "3-thread-payment-received")
    specialist_page.goto(thread)
    expect(specialist_page.locator(".msg-notice[data-verb='payment.received']")).to_have_count(1)


def test_a_session_the_program_covers_costs_nothing_and_counts(new_page, live_server, org, offering):
    patient = patient_of(org, full_name="Sam Rivera", timezone="America/New_York")
    program = ProgramFactory(organization=org, name="Employee Wellbeing")
    ProgramBillingFactory(program=program, covered_sessions=8)
    ProgramRosterEntry.objects.create(program=program, specialist=offering.specialist.user)
    ProgramEnrolment.objects.create(program=program, patient=patient, via="code")

    page = signed_in_page(new_page, live_server, patient)
    page.goto(f"/patient/book/{offering.public_id}/")
    page.locator("button.slot-time").first.click()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("Booked. We will email you the details.")).to_be_visible()
    expect(page.locator(".pay-fact")).to_contain_text("Covered by Employee Wellbeing (1 of 8 used)")
    shoot(page, "4-covered-appointment")

    payment = Payment.objects.get()
    assert (payment.kind, payment.program, payment.appointment.status) == (Payment.Kind.COVERAGE, program, S.CONFIRMED)
    page.goto("/patient/payments/")
    expect(page.locator("li.pay-line-coverage")).to_contain_text("Covered by Employee Wellbeing (1 of 8 used)")
    shoot(page, "5-history-covered")
