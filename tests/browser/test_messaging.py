"""Messaging live, in two browsers: a patient and their specialist chat over
WebSockets, the specialist's navigation badge counts the unread message
before they open the thread and drops after, "Seen" and "typing…" show.
Sessions are arranged from the thread's side panel: the specialist accepts
the patient's requested time, proposes times, the patient takes one, and
each "Session confirmed" notice and the panels of both sides change, all
without a reload or leaving the thread. The patient also books a follow-up
from the panel. Pages are photographed into test-results/messaging/.

pytest-django's live server speaks HTTP only, so this module serves the
project's ASGI application (HTTP and WebSockets, as in production's `ws`
service) under uvicorn in a thread instead.
"""

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test.utils import modify_settings
from playwright.sync_api import expect

from booking.models import Appointment
from booking.states import AppointmentStatus
from messaging.models import Message
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory
from tests.browser.helpers import screenshot, signed_in_page
from tests.messaging.factories_pages import conversation_between, patient_of, specialist_of
from tests.specialists.factories import OfferingFactory

pytestmark = pytest.mark.browser

QUESTION = "Hello, is Tuesday still fine?"
ANSWER = "Yes, Tuesday at 10 works. See https://example.org/directions"


@dataclass
class AsgiLiveServer:
    url: str
    # What pytest-django's own live-server helper switches on and off.
    _live_server_modified_settings: object = field(
        default_factory=lambda: modify_settings(ALLOWED_HOSTS={"append": "127.0.0.1"})
    )


@pytest.fixture
def live_server(transactional_db):
    """The ASGI application (HTTP + WebSockets, static files from the
    finders) on a free port of 127.0.0.1, for the length of one test."""
    import uvicorn
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from daraport.asgi import application

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        ASGIStaticFilesHandler(application), lifespan="off", log_level="warning", ws="websockets-sansio", loop="asyncio"
    )
    server = uvicorn.Server(config)
    # The test database is a file or PostgreSQL (never shared memory): the
    # server's threads open their own connections and see committed data.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the ASGI live server did not start"
        time.sleep(0.05)
    yield AsgiLiveServer(url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def shoot(page, name):
    screenshot(page, "messaging", name)


def test_a_patient_and_a_specialist_chat_live_and_see_the_session_confirmed(new_page, live_server, org):
    profile = specialist_of(org, display_name="Dr Ana Souza")
    profile.user.timezone = "Europe/Berlin"
    profile.user.save(update_fields=["timezone"])
    patient = patient_of(org, full_name="Maya Lindqvist", timezone="America/New_York")
    conversation = conversation_between(patient, profile)
    offering = OfferingFactory(specialist=profile, name="Follow-up session", duration_minutes=50)
    requested = AppointmentFactory(patient=patient, offering=offering)  # asked for, not answered yet
    thread_path = f"/patient/messages/{conversation.public_id}/"

    # The specialist is elsewhere in their portal: no unread messages yet.
    specialist_page = signed_in_page(new_page, live_server, profile.user)
    specialist_page.goto("/specialist/")
    nav_badge = specialist_page.locator("#nav-unread")
    expect(nav_badge).to_be_hidden()
    expect(nav_badge).to_have_attribute("data-live", "true")  # its unread socket is open

    # The patient opens the thread and writes.
    patient_page = signed_in_page(new_page, live_server, patient)
    patient_page.goto(thread_path)
    patient_thread = patient_page.locator("#thread")
    expect(patient_thread).to_have_attribute("data-live", "true")
    expect(patient_page.locator("#panel-appointment")).to_contain_text("Requested")
    patient_page.get_by_role("textbox", name="Write a message").fill(QUESTION)
    patient_page.get_by_role("button", name="Send").click()
    own = patient_page.locator(
        ".msg-own[data-id]", has_text=QUESTION
    )  # stored: the server's copy replaced the pending one
    expect(own).to_have_count(1)
    assert own.get_attribute("data-id") == str(Message.objects.get().public_id)

    # The specialist's badge counts it live, on a page that is not the thread.
    expect(nav_badge).to_be_visible()
    expect(nav_badge).to_contain_text("1")
    shoot(specialist_page, "1-specialist-unread-badge")

    # The inbox shows it too; opening the thread reads it and the badge drops.
    specialist_page.get_by_role("link", name="Messages").click()
    item = specialist_page.locator(".inbox-item", has_text="Maya Lindqvist")
    expect(item.locator("[data-unread-badge]")).to_contain_text("1")
    shoot(specialist_page, "2-specialist-inbox")
    item.get_by_role("link").click()
    expect(specialist_page.locator(".msg-other", has_text=QUESTION)).to_be_visible()
    expect(specialist_page.locator("#nav-unread")).to_be_hidden()
    specialist_thread = specialist_page.locator("#thread")
    expect(specialist_thread).to_have_attribute("data-live", "true")
    expect(specialist_page.locator("#panel-patient")).to_contain_text("America/New_York")

    # The patient sees that it was read.
    expect(own.locator(".msg-seen")).to_have_text("Seen")

    # Typing shows on the other side; the reply arrives without a reload.
    specialist_page.get_by_role("textbox", name="Write a message").press_sequentially("Yes", delay=20)
    expect(patient_page.locator("#typing")).to_have_text("Dr Ana Souza is typing…")
    specialist_page.get_by_role("textbox", name="Write a message").fill(ANSWER)
    specialist_page.get_by_role("button", name="Send").click()
    reply = patient_page.locator(".msg-other", has_text="Tuesday at 10 works")
    expect(reply).to_be_visible()
    expect(reply.locator(".msg-author")).to_have_text("Dr Ana Souza")
    expect(reply.get_by_role("link", name="https://example.org/directions")).to_have_attribute("target", "_blank")
    expect(patient_page.locator("#typing")).to_be_hidden()
    # The patient's page was open and visible: the specialist sees "Seen".
    expect(specialist_page.locator(".msg-own", has_text="Tuesday at 10 works").locator(".msg-seen")).to_be_visible()
    expect(patient_page.locator("#nav-unread")).to_be_hidden()  # read as it arrived
    shoot(patient_page, "3-patient-thread")

    # The specialist accepts the requested time in the thread's panel; the
    # patient's open thread shows the notice and its panel follows.
    specialist_page.locator("#panel-appointment").get_by_role("button", name="Accept this time").click()
    expect(specialist_page.locator(".panel-done")).to_have_text("Accepted: the session is booked.")
    notice = patient_page.locator(".msg-notice[data-verb='appointment.confirmed']")
    expect(notice).to_contain_text("Session confirmed")
    expect(patient_page.locator("#panel-appointment")).to_contain_text("Confirmed")
    requested.refresh_from_db()
    assert requested.status == AppointmentStatus.CONFIRMED
    shoot(patient_page, "4-patient-thread-confirmed")

    # The specialist proposes two more times from the panel, without leaving:
    # two weeks ahead, clear of the session a week ahead.
    berlin = ZoneInfo("Europe/Berlin")
    first_day = datetime.now(berlin).date() + timedelta(days=14)
    days = [first_day + timedelta(days=n) for n in range(3)]
    specialist_page.get_by_role("button", name="Propose times").click()
    form = specialist_page.locator("[data-proposal-form]")
    for number, (day, at) in enumerate([(days[0], "10:00"), (days[1], "15:00")], start=1):
        form.get_by_label(f"Date {number}").fill(day.isoformat())
        form.get_by_label(f"Start {number}").fill(at)
    shoot(specialist_page, "5-specialist-proposing")
    form.get_by_role("button", name="Send the times").click()
    expect(specialist_page.locator(".panel-done")).to_contain_text("Your times are sent.")
    assert specialist_page.url.endswith(f"/specialist/messages/{conversation.public_id}/")

    # The specialist starts another proposal; a notice arriving meanwhile must not throw it away.
    specialist_page.get_by_role("button", name="Propose times").click()
    specialist_page.locator("[data-proposal-form]").get_by_label("Date 1").fill(days[2].isoformat())

    # The patient's panel shows them (in New York time) as soon as the notice arrives.
    first = datetime.fromisoformat(f"{days[0]}T10:00").replace(tzinfo=berlin)
    in_new_york = first.astimezone(ZoneInfo("America/New_York"))
    take = f"Take {in_new_york:%a} {in_new_york.day} {in_new_york:%b, %H:%M}"  # "Take Tue 1 Dec, 04:00"
    proposed = patient_page.locator(".panel-proposal")
    expect(proposed.get_by_role("button", name=take)).to_be_visible()
    shoot(patient_page, "6-patient-proposal-in-panel")
    proposed.get_by_role("button", name=take).click()
    expect(patient_page.locator(".panel-done")).to_have_text("Booked. We will email you the details.")

    # The specialist sees the proposal confirmed in the thread and the panel, live.
    confirmed = specialist_page.locator(".msg-notice[data-verb='appointment.confirmed']")
    expect(confirmed).to_have_count(2)
    expect(confirmed.last).to_contain_text(f"{first:%a} {first.day} {first:%b %Y}")
    specialist_page.wait_for_load_state("networkidle")  # a refresh of the panel would have landed by now
    expect(specialist_page.locator("[data-proposal-form]").get_by_label("Date 1")).to_have_value(days[2].isoformat())
    # Closing the form brings the panel up to date.
    specialist_page.locator("#panel-propose").get_by_role("link", name="Cancel").click()
    expect(specialist_page.locator("[data-proposal-form]")).to_have_count(0)
    expect(specialist_page.locator(".panel-proposal")).to_have_count(0)
    shoot(specialist_page, "7-specialist-thread")
    assert Message.objects.filter(kind=Message.Kind.TEXT).count() == 2
    statuses = sorted(Appointment.objects.values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "declined"]  # the time not taken is released


def test_a_patient_books_a_follow_up_from_the_thread(new_page, live_server, org):
    profile = specialist_of(org, display_name="Dr Ana Souza")
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="08:00", end_time="20:00")
    patient = patient_of(org, full_name="Maya Lindqvist", timezone="America/New_York")
    conversation = conversation_between(patient, profile)
    offering = OfferingFactory(specialist=profile, name="Follow-up session", duration_minutes=50, price_minor=8000)

    page = signed_in_page(new_page, live_server, patient)
    page.goto(f"/patient/messages/{conversation.public_id}/")
    expect(page.locator("#thread")).to_have_attribute("data-live", "true")
    page.get_by_role("button", name="Book a follow-up").click()
    panel = page.locator("#panel-book")
    expect(panel).to_contain_text("Follow-up session · 50 min · €80.00")
    shoot(page, "8-patient-follow-up-times")
    # Someone else books the first time meanwhile: the panel says so and shows the times as they are now.
    first = panel.locator(".slot-chip").first
    taken = datetime.fromisoformat(first.get_attribute("value"))
    AppointmentFactory(offering=offering, starts_at=taken, confirmed=True)
    first.click()
    expect(page.locator(".panel-error")).to_contain_text("This time was just taken")
    expect(panel.locator(f".slot-chip[value='{taken.isoformat()}']")).to_have_count(0)
    first = panel.locator(".slot-chip").first
    picked = first.get_attribute("aria-label")
    first.click()
    hold = page.locator("#panel-hold")
    expect(hold).to_contain_text("Confirm your booking")
    hold.get_by_role("button", name="Confirm booking").click()
    expect(page.locator(".panel-done")).to_have_text("Booked. We will email you the details.")
    expect(page.locator(".msg-notice[data-verb='appointment.confirmed']")).to_contain_text("Session confirmed")
    expect(page.locator("#panel-appointment")).to_contain_text("Confirmed")
    shoot(page, "9-patient-follow-up-booked")
    booked = Appointment.objects.get(patient=patient)
    assert booked.status == AppointmentStatus.CONFIRMED
    assert picked.endswith(booked.starts_at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M"))
    assert page.url.endswith(f"/patient/messages/{conversation.public_id}/")

    # Signing out in another tab stops the open thread and says how to go on.
    other_tab = page.context.new_page()
    other_tab.goto("/accounts/logout/")
    other_tab.get_by_role("main").get_by_role("button", name="Sign out").click()
    expect(page.locator(".thread-closed")).to_contain_text("You were signed out")
    expect(page.locator(".thread-closed").get_by_role("link", name="Sign in again")).to_have_attribute(
        "href", f"/accounts/login/?next=%2Fpatient%2Fmessages%2F{conversation.public_id}%2F"
    )
    expect(page.locator("#thread")).to_have_attribute("data-live", "false")


def test_without_websockets_the_form_posts_and_the_thread_refreshes_every_10_seconds(new_page, live_server, org):
    profile = specialist_of(org, display_name="Dr Ana Souza")
    patient = patient_of(org, full_name="Maya Lindqvist")
    conversation = conversation_between(patient, profile)

    pages = []
    for user, path in [
        (profile.user, f"/specialist/messages/{conversation.public_id}/"),
        (patient, f"/patient/messages/{conversation.public_id}/"),
    ]:
        page = signed_in_page(new_page, live_server, user)
        page.context.route_web_socket("**/ws/**", lambda ws: ws.close())  # a proxy that drops WebSockets
        page.goto(path)
        expect(page.locator("#thread")).to_have_attribute("data-live", "false")
        pages.append(page)
    specialist_page, patient_page = pages

    patient_page.get_by_role("textbox", name="Write a message").fill("<b>Plain</b> text, posted the old way")
    patient_page.get_by_role("button", name="Send").click()
    expect(patient_page.locator(".msg-own")).to_contain_text("<b>Plain</b> text, posted the old way")
    assert Message.objects.get().text == "<b>Plain</b> text, posted the old way"

    # No reload: the 10-second poll brings it in.
    incoming = specialist_page.locator(".msg-other", has_text="<b>Plain</b> text")
    expect(incoming).to_be_visible(timeout=15_000)
    expect(incoming.locator("b")).to_have_count(0)
    assert specialist_page.locator(".msg[data-id]").count() == 1


def test_a_refused_file_is_forgotten_once_a_message_goes_through_and_an_empty_send_says_why(
    new_page, live_server, org, tmp_path
):
    profile = specialist_of(org, display_name="Dr Ana Souza")
    patient = patient_of(org, full_name="Maya Lindqvist")
    conversation = conversation_between(patient, profile)
    page = signed_in_page(new_page, live_server, patient)
    page.goto(f"/patient/messages/{conversation.public_id}/")
    thread = page.locator("#thread")
    expect(thread).to_have_attribute("data-live", "true")
    send_error = page.locator("[data-send-error]")

    # Send with nothing in it: said at once, nothing posted.
    page.get_by_role("button", name="Send").click()
    expect(send_error).to_have_text("Write a message or attach a file.")
    expect(page.get_by_role("textbox", name="Write a message")).to_be_focused()
    shoot(page, "10-patient-empty-send")
    page.get_by_role("textbox", name="Write a message").fill("H")
    expect(send_error).to_be_hidden()  # typing answers it
    page.get_by_role("textbox", name="Write a message").fill("")

    # A file that is not an image or a PDF is refused by the server...
    bad = tmp_path / "notes.exe"
    bad.write_bytes(b"MZ\x90\x00 not a document")
    page.get_by_label("Attach an image or PDF").set_input_files(str(bad))
    page.get_by_role("button", name="Send").click()
    refused = page.locator("#message-form .error")
    expect(refused).to_have_text("Only images and PDF files can be attached.")
    expect(thread).to_have_attribute("data-live", "true")
    # ...and forgotten once the next message goes through.
    page.get_by_role("textbox", name="Write a message").fill("Sorry, wrong file. I will bring it along.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".msg-own[data-id]", has_text="Sorry, wrong file")).to_have_count(1)
    expect(refused).to_have_count(0)
    expect(page.locator("#message-form .has-error")).to_have_count(0)
    expect(send_error).to_be_hidden()
    shoot(page, "11-patient-error-cleared")
    assert [message.text for message in Message.objects.all()] == ["Sorry, wrong file. I will bring it along."]
