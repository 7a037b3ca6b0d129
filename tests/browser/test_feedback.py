"""Feedback after a session, as people do it: the session completes, the
patient gets the one email, taps "4" signed out, confirms on the page it
opens, and later, signed in, finds the answer editable and changes it; the
link is then used up. The organization makes its feedback anonymous, and
the specialist's page shows the answer without the patient's name. Pages
are photographed at 390 px and on a desktop into test-results/feedback/,
and each passes the phone-width and axe-core checks of the page sweeps."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from booking.services import appointment_transition
from booking.states import AppointmentStatus
from care.models import Feedback
from organizations.models import Membership
from tests.accounts.factories import enable_totp
from tests.booking.factories import AppointmentFactory
from tests.browser.helpers import check_phone_and_desktop, signed_in_page
from tests.messaging.factories_pages import patient_of, specialist_of
from tests.organizations.factories import MembershipFactory
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.browser

FOLDER = "feedback"


@pytest.fixture
def specialist(org):
    return specialist_of(org, display_name="Lena Berg")


@pytest.fixture
def patient(org):
    return patient_of(org, full_name="Alex Doe", timezone="Europe/Berlin")


@pytest.fixture
def completed(patient, specialist):
    """A session of this morning, completed by the specialist: the prompt goes out."""
    starts_at = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    appointment = AppointmentFactory(
        patient=patient,
        offering=OfferingFactory(specialist=specialist, name="Therapy session"),
        status=AppointmentStatus.CONFIRMED,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=50),
    )
    return appointment_transition(appointment=appointment, to=AppointmentStatus.COMPLETED, by=specialist.user)


def _emailed_link(csat: int) -> str:
    [message] = [m for m in mail.outbox if m.subject == "How was your session?"]
    assert "Therapy session" not in message.body
    url = re.search(rf"https?://\S+\?csat={csat}", message.body).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_a_patient_answers_from_the_email_then_changes_it_signed_in(new_page, live_server, patient, completed):
    link = _emailed_link(4)

    page = new_page(bypass_csp=True)  # signed out, as from a phone's mail app
    page.goto(link)
    expect(page.get_by_role("heading", name=re.compile(r"How was your session on .* with Lena Berg\?"))).to_be_visible()
    expect(page.get_by_role("radio", name="4")).to_be_checked()
    assert not Feedback.objects.exists()  # opening the link stores nothing
    check_phone_and_desktop(page, FOLDER, "1-confirm")

    page.get_by_text("Better", exact=True).click()
    page.get_by_label("Anything you would like to add?").fill("The breathing exercise helps.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    feedback = Feedback.objects.get()
    assert (feedback.patient, feedback.csat, feedback.progress) == (patient, 4, "better")
    check_phone_and_desktop(page, FOLDER, "2-thanks")

    page.goto(link)
    expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    expect(page.get_by_text("This link was already used.")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "3-used")

    page = signed_in_page(new_page, live_server, patient, bypass_csp=True)
    page.goto(f"/patient/appointments/{completed.public_id}/")
    page.get_by_role("button", name="Change your feedback").click()
    expect(page.get_by_text(re.compile("You can change your answer until"))).to_be_visible()
    expect(page.get_by_role("radio", name="4")).to_be_checked()
    expect(page.get_by_label("Anything you would like to add?")).to_have_value("The breathing exercise helps.")
    page.get_by_text("5", exact=True).click()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your feedback is updated.")).to_be_visible()
    expect(page.get_by_role("radio", name="5")).to_be_checked()
    feedback.refresh_from_db()
    assert feedback.csat == 5


def test_a_bad_answer_on_the_confirmation_page_is_explained(new_page, live_server, completed):
    page = new_page(bypass_csp=True)
    page.goto(_emailed_link(3))
    page.get_by_role("radio", name="3").evaluate("radio => { radio.checked = false; }")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("alert").filter(has_text="Answer at least one question.")).to_be_visible()
    assert not Feedback.objects.exists()


def test_the_patient_home_asks_and_the_form_answers(new_page, live_server, patient, completed):
    page = signed_in_page(new_page, live_server, patient, bypass_csp=True)
    page.goto("/patient/")
    page.get_by_role("link", name="Give feedback").or_(page.get_by_role("button", name="Give feedback")).first.click()
    expect(page.get_by_role("heading", name="How was your session with Lena Berg?")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "4-portal-form")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("Answer at least one question.")).to_be_visible()
    page.get_by_text("2", exact=True).click()
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("Thank you. You can change your answer for 7 days.")).to_be_visible()
    assert Feedback.objects.get().csat == 2


def test_anonymous_feedback_reaches_the_specialist_without_the_name(
    new_page, live_server, org, patient, specialist, completed
):
    admin = patient_of(org)  # then made an admin
    MembershipFactory(user=admin, organization=org, role=Membership.Role.ADMIN)
    enable_totp(admin)
    page = signed_in_page(new_page, live_server, admin, bypass_csp=True)
    page.goto(f"/org/{org.slug}/feedback/")
    expect(page.get_by_role("heading", name="Organization default")).to_be_visible()
    default = page.locator("#settings-default")
    default.get_by_label("Then asked again every (days)").fill("0")
    default.get_by_role("button", name="Save the default").click()
    expect(page.get_by_text("Ask again after at least 1 day.")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "5-settings-error")
    default = page.locator("#settings-default")
    default.get_by_label("Then asked again every (days)").fill("60")
    default.get_by_role("checkbox", name=re.compile("Anonymous")).check()
    default.get_by_role("button", name="Save the default").click()
    expect(page.get_by_text("Feedback settings saved.")).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "6-settings")

    answer = new_page(bypass_csp=True)
    answer.goto(_emailed_link(5))
    expect(answer.get_by_text("Your specialist reads your answers without your name.")).to_be_visible()
    answer.get_by_role("button", name="Send feedback").click()
    expect(answer.get_by_role("heading", name="Thank you")).to_be_visible()

    page = signed_in_page(new_page, live_server, specialist.user, bypass_csp=True)
    page.goto("/specialist/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback").click()
    row = page.locator("table.fb-answers tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Anonymous")
    expect(row).to_contain_text("Week of")
    expect(row).to_contain_text("5/5")
    expect(page.locator("main")).not_to_contain_text("Alex Doe")
    expect(page.locator(".fb-stats")).to_contain_text("<11 answers")
    check_phone_and_desktop(page, FOLDER, "7-specialist")


def test_the_recommendation_question_from_the_third_session(new_page, live_server, patient, specialist, completed):
    offering = completed.offering
    for days in (30, 15):
        AppointmentFactory(
            patient=patient,
            offering=offering,
            status=AppointmentStatus.COMPLETED,
            starts_at=completed.starts_at - timedelta(days=days),
            ends_at=completed.ends_at - timedelta(days=days),
        )
    page = signed_in_page(new_page, live_server, patient, bypass_csp=True)
    page.goto(f"/patient/appointments/{completed.public_id}/feedback/")
    expect(page.get_by_role("group", name=re.compile("How likely are you to recommend"))).to_be_visible()
    check_phone_and_desktop(page, FOLDER, "8-nps")
    page.get_by_text("9", exact=True).click()
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("Thank you. You can change your answer for 7 days.")).to_be_visible()
    assert Feedback.objects.get(appointment=completed).nps == 9
