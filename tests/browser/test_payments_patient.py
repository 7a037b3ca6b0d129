"""Paying for a session as a patient does it, with the built-in offline
test provider: book a session paid at booking, land on the payment page,
pay with a test card (a declined one first), see the confirmation, open
the receipt and the history; the bank's extra step; the status page
following a payment still processing. The pages are photographed at 390 px
and on a desktop into test-results/payments-patient/, and each passes the
phone-width and axe-core checks of the page sweeps."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.states import AppointmentStatus as S
from organizations.models import ProgramEnrolment
from payments.models import Payment, Refund
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory, BookingSettingsFactory
from tests.browser.helpers import check_phone_and_desktop, signed_in_page
from tests.messaging.factories_pages import patient_of, specialist_of
from tests.organizations.factories import ProgramFactory
from tests.payments.factories import BillingSettingsFactory, PaymentFactory, ProgramBillingFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.browser

FOLDER = "payments-patient"


@pytest.fixture
def specialist(org):
    """Lena works every day from 08:00 to 18:00 in Berlin, at a clinic taking payments at booking."""
    BillingSettingsFactory(organization=org)
    profile = specialist_of(org, display_name="Lena Berg", user__timezone="Europe/Berlin")
    BookingSettingsFactory(specialist=profile, slot_increment_minutes=60, minimum_notice_minutes=60)
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="08:00", end_time="18:00")
    return profile


@pytest.fixture
def offering(specialist):
    return OfferingFactory(specialist=specialist, name="Therapy session", duration_minutes=50, price_minor=9000)


@pytest.fixture
def patient(org):
    return patient_of(org, full_name="Alex Doe", timezone="America/New_York")


@pytest.fixture
def tomorrow_10():
    return (timezone.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


def pay_with(page, card_number: str) -> None:
    page.get_by_label("Card number").fill(card_number)
    page.get_by_role("button", name="Pay €90.00").click()


def test_a_patient_books_pays_and_finds_the_receipt_and_the_history(new_page, live_server, patient, offering):
    page = signed_in_page(new_page, live_server, patient, bypass_csp=True)
    page.goto(f"/patient/book/{offering.public_id}/")
    page.locator("button.slot-time").first.click()
    page.get_by_role("button", name="Confirm booking").click()

    expect(page).to_have_url(re.compile(r"/pay/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", name="Pay for your session")).to_be_visible()
    expect(page.get_by_text("Test payment page")).to_be_visible()
    expect(page.locator(".pay-summary")).to_contain_text("Lena Berg")
    expect(page.locator(".pay-summary")).to_contain_text("(America/New_York)")
    check_phone_and_desktop(page, FOLDER, "1-pay")

    pay_with(page, "4000 0000 0000 0002")
    expect(page.get_by_role("heading", name="The payment did not go through")).to_be_visible()
    expect(page.get_by_text("Your card was declined.")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "2-declined")
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_text("Your last try did not go through: Your card was declined.")).to_be_visible()

    pay_with(page, "4242 4242 4242 4242")
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    expect(page.get_by_text("Your session is confirmed.")).to_be_visible()
    payment = Payment.objects.get(patient=patient)
    assert payment.status == Payment.Status.SUCCEEDED and payment.appointment.status == S.CONFIRMED
    expect(page.get_by_text(f"Your receipt number is {payment.receipt_number}.")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "3-paid")

    page.get_by_role("button", name="View receipt").click()
    expect(page.get_by_role("heading", name=payment.receipt_number)).to_be_visible()
    receipt = page.locator("article.receipt")
    expect(receipt).to_contain_text("Demo Clinic (demo)")
    expect(receipt).to_contain_text("Therapy session")
    expect(receipt).to_contain_text("(America/New York)")
    expect(receipt).to_contain_text("€90.00")
    expect(page.get_by_role("button", name="Download PDF")).to_have_attribute(
        "href", f"/patient/payments/{payment.public_id}/receipt.pdf"
    )
    check_phone_and_desktop(page, FOLDER, "4-receipt")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payments").click()
    expect(page.get_by_role("heading", name="Your payments")).to_be_visible()
    line = page.locator("li.pay-line-charge")
    expect(line).to_contain_text("Card payment")
    expect(line).to_contain_text("Paid")
    expect(line.get_by_role("link", name=re.compile("^Receipt"))).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "5-history")

    page.goto(f"/patient/appointments/{payment.appointment.public_id}/")
    expect(page.locator(".pay-fact")).to_contain_text("Paid · receipt")


def test_the_banks_extra_step_then_the_payment_goes_through(new_page, live_server, patient, offering, tomorrow_10):
    due = AppointmentFactory(
        patient=patient,
        offering=offering,
        awaiting_payment=True,
        starts_at=tomorrow_10,
        expires_at=timezone.now() + timedelta(minutes=15),
    )
    page = signed_in_page(new_page, live_server, patient, bypass_csp=True)
    page.goto(f"/patient/appointments/{due.public_id}/")
    check_phone_and_desktop(page, FOLDER, "0-appointment-pay-now")
    page.get_by_role("button", name="Pay now").click()
    pay_with(page, "4000 0027 6000 3184")
    expect(page.get_by_role("heading", name="Your bank asks you to confirm")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "6-bank-step")
    page.get_by_role("button", name="Confirm payment").click()
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    due.refresh_from_db()
    assert due.status == S.CONFIRMED


def test_the_status_page_follows_a_payment_until_it_settles(new_page, live_server, patient, offering, tomorrow_10):
    payment = PaymentFactory(
        appointment=AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=tomorrow_10),
        status=Payment.Status.PROCESSING,
        paid_at=None,
        receipt_number=None,
    )
    page = signed_in_page(new_page, live_server, patient, bypass_csp=True)
    page.goto(f"/pay/{payment.appointment.public_id}/status/")
    expect(page.get_by_role("heading", name="Processing…")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "7-processing")
    page.evaluate("window.stillTheSamePage = true")
    Payment.objects.filter(pk=payment.pk).update(
        status=Payment.Status.SUCCEEDED, paid_at=timezone.now(), receipt_number="DEMO-000042"
    )
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible(timeout=5000)
    expect(page.get_by_text("Your receipt number is DEMO-000042.")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True, "the page reloaded instead of swapping in the news"


def test_the_history_shows_what_a_program_covers_and_refunds(
    new_page, live_server, org, patient, offering, tomorrow_10
):
    program = ProgramFactory(organization=org, name="Employee Wellbeing")
    ProgramBillingFactory(program=program, covered_sessions=8)
    ProgramEnrolment.objects.create(program=program, patient=patient, via="code")
    refunded = PaymentFactory(
        appointment=AppointmentFactory(patient=patient, offering=offering, cancelled=True, starts_at=tomorrow_10),
        paid_at=timezone.now() - timedelta(days=2),
        refunded_minor=9000,
    )
    Refund.objects.create(
        payment=refunded,
        amount_minor=9000,
        cause=Refund.Cause.POLICY,
        status=Refund.Status.SUCCEEDED,
        succeeded_at=timezone.now() - timedelta(days=1),
    )
    covered = PaymentFactory(
        appointment=AppointmentFactory(
            patient=patient, offering=offering, confirmed=True, starts_at=tomorrow_10 + timedelta(hours=2)
        ),
        program=program,
        kind=Payment.Kind.COVERAGE,
        intent_id=None,
        receipt_number=None,
    )
    page = signed_in_page(new_page, live_server, patient, bypass_csp=True)
    page.goto("/patient/payments/")
    expect(page.locator(".pay-coverage")).to_contain_text("1 of 8 covered sessions used")
    expect(page.locator("li.pay-line-coverage")).to_contain_text("Covered by Employee Wellbeing (1 of 8 used)")
    expect(page.locator("li.pay-line-refund")).to_contain_text("Refunded")
    expect(page.locator("li.pay-line-refund")).to_contain_text("\u2212€90.00")
    check_phone_and_desktop(page, FOLDER, "8-history-program-refund")
    page.goto(f"/patient/appointments/{covered.appointment.public_id}/")
    expect(page.locator(".pay-fact")).to_contain_text("Covered by Employee Wellbeing (1 of 8 used)")
    page.goto(f"/patient/appointments/{refunded.appointment.public_id}/")
    expect(page.locator(".pay-fact")).to_contain_text("Refunded in full (€90.00)")
    check_phone_and_desktop(page, FOLDER, "9-appointment-refunded")
