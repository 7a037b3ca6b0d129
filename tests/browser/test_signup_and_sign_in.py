"""The main path, as a person walks it: sign up, verify, sign out, sign back in."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from organizations.models import TermsAcceptance, TermsDocument
from organizations.services import terms_accept, terms_publish
from tests.accounts.factories import UserFactory
from tests.browser.helpers import screenshot
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.browser

PASSWORD = "lantern-orchard-57"
CODE_LINE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", re.MULTILINE)
LINK = re.compile(r"https?://\S+/accounts/login/link/\S+/")


@pytest.fixture
def published_terms(transactional_db, org):
    """The organization's Terms of Service v2 and Privacy Notice v1."""
    terms_publish(organization=org, kind=TermsDocument.Kind.TERMS, title="Terms of Service", body="Be kind.")
    terms = terms_publish(
        organization=org, kind=TermsDocument.Kind.TERMS, title="Terms of Service", body="Be kind, always."
    )
    privacy = terms_publish(
        organization=org, kind=TermsDocument.Kind.PRIVACY, title="Privacy Notice", body="We keep your data safe."
    )
    return {"terms": terms, "privacy": privacy}


@pytest.fixture
def patient(transactional_db, org, published_terms):
    """A registered patient who has accepted the current documents."""
    user = UserFactory(email="ana@example.test", full_name="Ana Souza")
    MembershipFactory(user=user, organization=org)
    terms_accept(user=user, documents=list(published_terms.values()), ip_address="127.0.0.1", user_agent="test")
    return user


def last_email_to(address: str):
    sent = [message for message in mail.outbox if address in message.to]
    assert sent, f"no email was sent to {address}"
    return sent[-1]


def code_from(message) -> str:
    match = CODE_LINE.search(message.body)
    assert match, f"no code in: {message.body}"
    return match.group(1)


def link_from(message) -> str:
    match = LINK.search(message.body)
    assert match, f"no sign-in link in: {message.body}"
    return match.group(0)


def request_sign_in_code(page, email: str):
    """From the landing page to the code-entry page; returns the email that was sent."""
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    page.get_by_role("button", name="Email me a sign-in code or link").click()
    page.get_by_label("Email").fill(email)
    outbox_before = len(mail.outbox)
    page.get_by_role("button", name="Request code").click()
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    assert len(mail.outbox) == outbox_before + 1
    return last_email_to(email)


def test_sign_up_verify_sign_out_and_sign_in_with_a_code(new_page, live_server, published_terms):
    page = new_page(timezone_id="America/Sao_Paulo")
    email = "maria.silva@example.test"

    page.goto("/")
    page.get_by_role("main").get_by_role("button", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    expect(page.get_by_text("Times will be shown in America/Sao Paulo.")).to_be_visible()

    page.get_by_label("Your name").fill("Maria Silva")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("alert").filter(has_text="Please accept the Terms of Service")).to_be_visible()
    assert not User.objects.filter(email=email).exists()
    assert mail.outbox == []

    # A password field is never filled back in; the rest of the form is.
    expect(page.get_by_label("Your name")).to_have_value("Maria Silva")
    expect(page.get_by_label("Email")).to_have_value(email)
    if not page.get_by_label("Password").input_value():
        page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I have read and accept the Terms of Service and the Privacy Notice").check()
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    page.get_by_label("Code").fill(code_from(last_email_to(email)))
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(f"{live_server.url}/patient/")
    expect(page.get_by_role("heading", name="Welcome, Maria Silva")).to_be_visible()

    user = User.objects.get(email=email)
    assert user.full_name == "Maria Silva"
    assert user.timezone == "America/Sao_Paulo"
    assert user.emailaddress_set.get(email=email).verified
    accepted = {(row.document.kind, row.document.version): row for row in TermsAcceptance.objects.filter(user=user)}
    assert set(accepted) == {("terms", 2), ("privacy", 1)}
    assert all(row.ip_address == "127.0.0.1" for row in accepted.values())
    assert all("Chrome" in row.user_agent for row in accepted.values())

    # Sign out from the header menu.
    page.get_by_role("banner").get_by_text("Maria Silva").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("main").get_by_role("button", name="Create an account")).to_be_visible()
    page.goto("/patient/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # And back in, with a code from the email.
    message = request_sign_in_code(page, email)
    page.get_by_label("Code").fill(code_from(message))
    page.get_by_role("main").get_by_role("button", name="Sign in", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/patient/")
    expect(page.get_by_role("heading", name="Welcome, Maria Silva")).to_be_visible()


def test_magic_link_signs_in_only_in_the_browser_that_asked(new_page, live_server, patient):
    page = new_page()
    message = request_sign_in_code(page, patient.email)
    link = link_from(message)

    # Another browser (a phone, a colleague's laptop) gets nowhere with it.
    elsewhere = new_page()
    elsewhere.goto(link)
    expect(elsewhere.get_by_role("heading", name="Open the link where you asked for it")).to_be_visible()
    expect(elsewhere.get_by_role("button", name="Sign in", exact=True)).to_have_count(0)
    elsewhere.goto("/patient/")
    expect(elsewhere.get_by_role("heading", name="Sign in")).to_be_visible()

    # The browser that asked finishes with one click.
    page.goto(link)
    expect(page.get_by_role("heading", name="Finish signing in")).to_be_visible()
    page.get_by_role("main").get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/patient/")
    expect(page.get_by_role("heading", name="Welcome, Ana Souza")).to_be_visible()

    # The other browser is still signed out.
    elsewhere.goto("/patient/")
    expect(elsewhere.get_by_role("heading", name="Sign in")).to_be_visible()


def test_three_wrong_codes_end_the_attempt(new_page, live_server, patient):
    page = new_page()
    right_code = code_from(request_sign_in_code(page, patient.email))
    wrong_code = "ZZZZ99" if right_code != "ZZZZ99" else "YYYY88"

    for _attempt in range(2):
        page.get_by_label("Code").fill(wrong_code)
        page.get_by_role("main").get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_text("That code is not right. Please check it and try again.")).to_be_visible()

    page.get_by_label("Code").fill(wrong_code)
    page.get_by_role("main").get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_text("Too many tries in a row. Please wait a few minutes, then try again.")).to_be_visible()
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_have_count(0)

    # The code from the email is spent with the attempt: it no longer signs in.
    page.goto("/accounts/login/code/confirm/")
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_have_count(0)
    page.goto("/patient/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_new_code_asked_for_too_soon_says_how_long_to_wait_on_the_same_page(new_page, live_server, published_terms):
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    email = "rita@example.test"
    page.goto("/accounts/signup/")
    page.get_by_label("Your name").fill("Rita Souza")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I have read and accept the Terms of Service and the Privacy Notice").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()

    page.get_by_role("button", name="Send a new code").click()

    expect(
        page.get_by_role("alert").filter(has_text=re.compile(r"You can ask for a new code in \d+ seconds?\."))
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "sign-up", "new-code-too-soon-390")
    # The code already sent still works: nothing was lost by asking too soon.
    page.get_by_label("Code").fill(code_from(last_email_to(email)))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{live_server.url}/patient/")
