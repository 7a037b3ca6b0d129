"""The account pages speak the product's voice and keep the portal's
navigation; the sign-in pages explain themselves (templates/account/…,
templates/allauth/…, templates/mfa/…, accounts/devices.py)."""

import re
from pathlib import Path

import allauth
import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core import mail
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from accounts.devices import device_name
from organizations.models import Membership
from tests.accounts.factories import PASSWORD
from tests.conftest import member
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

ACCOUNT_PAGES = [
    "accounts:settings",
    "account_email",
    "account_change_password",
    "mfa_index",
    "mfa_list_webauthn",
    "usersessions_list",
    "socialaccount_connections",
]
# A heading or button in Title Case ("Email Addresses", "Sign Out") or the old spelling.
TITLE_CASE = re.compile(r">\s*(?:[A-Z][a-z]+[- ]){1,3}[A-Z][a-z]+\s*<|E-mail")


def page(client, user, name):
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200, name
    return response.content.decode()


# --- Inside the portal, in sentence case -------------------------------------------


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
@pytest.mark.parametrize(
    ("persona", "portal_link"),
    [
        ("patient_a", "/patient/appointments/"),
        ("specialist", "/specialist/calendar/"),
        ("org_admin", "/org/{slug}/patients/"),
    ],
)
def test_account_pages_keep_the_portal_navigation(client, personas, org, name, persona, portal_link):
    html = page(client, personas[persona], name)
    assert 'class="portal-nav"' in html
    assert f'href="{portal_link.format(slug=org.slug)}"' in html
    assert 'aria-label="Account settings"' in html


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_account_pages_are_in_sentence_case(client, personas, name):
    main = page(client, personas["patient_a"], name).split("<main", 1)[1].split("</main>", 1)[0]
    assert not TITLE_CASE.search(main), TITLE_CASE.search(main).group(0)


def test_the_shell_is_the_portal_last_visited(client, personas, org):
    """Someone with two roles sees the account pages in the portal they came from."""
    user = personas["specialist"]
    Membership.objects.create(user=user, organization=org, role=Membership.Role.PATIENT)
    client.force_login(user)
    client.get(reverse("core:patient-home"))
    assert 'href="/patient/appointments/"' in client.get(reverse("account_email")).content.decode()
    client.get(reverse("core:specialist-home"))
    assert 'href="/specialist/calendar/"' in client.get(reverse("account_email")).content.decode()


def test_the_email_page_names_the_addresses_in_the_product_voice(client, personas):
    html = page(client, personas["patient_a"], "account_email")
    assert "<h1>Email addresses</h1>" in re.sub(r"\s+", " ", html).replace("<h1> ", "<h1>").replace(" </h1>", "</h1>")


# --- Connected sign-ins only where there is something to connect ---------------------


def test_no_connected_sign_ins_without_a_provider(client, personas):
    html = page(client, personas["patient_a"], "account_email")
    assert "Connected sign-ins" not in html
    assert "Third-Party" not in page(client, personas["patient_a"], "socialaccount_connections")


def test_the_organizations_own_single_sign_on_can_be_connected(client, personas, org, other_org):
    org.sso_app = SocialApp.objects.create(provider="openid_connect", provider_id="org-demo", name="Demo Clinic SSO")
    org.save()
    other_org.sso_app = SocialApp.objects.create(provider="openid_connect", provider_id="org-other", name="Other SSO")
    other_org.save()
    html = page(client, personas["patient_a"], "account_email")
    assert "Connected sign-ins" in html
    connections = page(client, personas["patient_a"], "socialaccount_connections")
    assert "Connect Demo Clinic SSO" in connections
    assert "Other SSO" not in connections


# --- Devices by name -----------------------------------------------------------------

CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (CHROME_LINUX, "Chrome on Linux"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        ("curl/8.5.0", "Unknown device"),
        ("", "Unknown device"),
    ],
)
def test_devices_are_named_as_their_owner_would(user_agent, name):
    assert device_name(user_agent) == name


def test_the_sessions_page_names_devices_instead_of_user_agents(client, personas):
    user = personas["patient_a"]
    laptop = Client(HTTP_USER_AGENT=CHROME_LINUX)
    laptop.force_login(user)
    laptop.get(reverse("core:patient-home"))  # the session is recorded on its first request
    html = page(client, user, "usersessions_list")
    assert "Chrome on Linux" in html
    assert "AppleWebKit" not in html
    assert UserSession.objects.filter(user=user).count() == 2


# --- Signing in -------------------------------------------------------------------------


def test_the_sign_in_page_offers_one_way_to_reset_a_password(client, org):
    html = client.get(reverse("account_login")).content.decode()
    assert html.count("Forgot your password?") == 1
    assert "to book with" not in html


def test_coming_from_book_says_why_and_offers_sign_up_with_the_same_weight(client, org):
    profile = SpecialistProfileFactory(organization=org, display_name="Lena Berg")
    offering = OfferingFactory(specialist=profile)
    book = reverse("booking:book", args=[offering.public_id])
    response = client.get(book)
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()

    assert "Sign in or create an account to book with Lena Berg." in html
    sign_up = re.search(r'<a href="([^"]+)" role="button" class="full">Create an account</a>', html)
    assert sign_up, "sign-up is a full button, as heavy as Sign in"
    assert sign_up.group(1) == f"{reverse('account_signup')}?next={book.replace('/', '%2F')}"
    signup = client.get(sign_up.group(1)).content.decode()
    assert "Create an account to book with Lena Berg." in signup
    assert f'name="next" value="{book}"' in signup


def test_an_unknown_or_hidden_booking_address_names_nobody(client, org):
    draft = SpecialistProfileFactory(organization=org, display_name="Hidden Draft", draft=True)
    offering = OfferingFactory(specialist=draft)
    for next_url in (reverse("booking:book", args=[offering.public_id]), "/patient/", "https://example.org/x"):
        html = client.get(reverse("account_login"), {"next": next_url}).content.decode()
        assert "to book with" not in html
        assert "Hidden Draft" not in html


def test_the_code_page_names_the_address_and_sends_a_new_code(client, org):
    user = member(org, Membership.Role.PATIENT, email="ana@example.test")
    client.post(reverse("account_request_login_code"), {"email": user.email})
    html = client.get(reverse("account_confirm_login_code")).content.decode()
    assert "ana@example.test" in html
    assert "Send a new code" in html

    before = len(mail.outbox)
    response = client.post(reverse("account_confirm_login_code"), {"action": "resend"})
    assert response.status_code == 302
    assert len(mail.outbox) == before + 1
    assert mail.outbox[-1].to == ["ana@example.test"]


def test_setting_up_an_authenticator_reads_in_sentence_case(client, org):
    user = member(org, Membership.Role.PATIENT)
    client.force_login(user)
    confirm = client.get(reverse("mfa_activate_totp"), follow=True).content.decode()
    assert "Confirm it\u2019s you" in confirm
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    html = client.get(reverse("mfa_activate_totp")).content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Set up an authenticator app" in main
    assert not TITLE_CASE.search(main)
    assert 'href="/patient/appointments/"' in html


@pytest.mark.parametrize(
    "name", ["account_reset_password", "account_reset_password_done", "account_request_login_code"]
)
def test_the_signed_out_account_pages_read_in_sentence_case(client, org, name):
    html = client.get(reverse(name)).content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert not TITLE_CASE.search(main), TITLE_CASE.search(main).group(0)


# --- Forms, messages and emails in the product's voice ------------------------------

ALLAUTH_TEMPLATES = Path(allauth.__file__).parent / "templates"
# What people read from allauth outside its pages: flash messages and email subjects.
WORDING = sorted(
    str(path.relative_to(ALLAUTH_TEMPLATES))
    for pattern in ("*/messages/*.txt", "*/email/*_subject.txt")
    for path in ALLAUTH_TEMPLATES.glob(pattern)
    if "phone" not in path.name  # no sign-in by phone here
)


@pytest.mark.parametrize("name", [*ACCOUNT_PAGES, "account_reauthenticate"])
def test_account_forms_label_fields_in_sentence_case_without_colons(client, personas, name):
    main = page(client, personas["patient_a"], name).split("<main", 1)[1].split("</main>", 1)[0]
    labels = re.findall(r"<label[^>]*>(.*?)</label>", main, re.S)
    assert not [label for label in labels if re.search(r":\s*$|:\s*<", label.strip())], labels
    assert not TITLE_CASE.search(main)


def test_the_password_page_names_its_fields_plainly(client, personas):
    html = page(client, personas["patient_a"], "account_change_password")
    for label in ("Current password", "New password", "New password again"):
        assert f">{label}</label>" in html
    assert "Current Password" not in html and "(again)" not in html and "placeholder=" not in html


def test_a_sole_confirmed_main_address_offers_nothing_to_do(client, personas):
    html = page(client, personas["patient_a"], "account_email")
    assert "The following email addresses" not in html
    for action in ("action_primary", "action_send", "action_remove"):
        assert f'name="{action}"' not in html
    assert "Main address" in html


def test_each_address_offers_only_what_it_can_do(client, personas):
    user = personas["patient_a"]
    EmailAddress.objects.create(user=user, email="work@example.test", verified=False)
    EmailAddress.objects.create(user=user, email="old@example.test", verified=True)
    html = page(client, user, "account_email")
    emails = (user.email, "work@example.test", "old@example.test")
    rows = {email: html.split(email, 1)[1].split("</li>", 1)[0] for email in emails}
    unconfirmed, confirmed = rows["work@example.test"], rows["old@example.test"]
    assert "<form" not in rows[user.email]
    assert 'name="action_send"' in unconfirmed and 'name="action_primary"' not in unconfirmed
    assert 'name="action_primary"' in confirmed and 'name="action_send"' not in confirmed
    assert 'name="action_remove"' in unconfirmed and 'name="action_remove"' in confirmed


def test_signing_in_shows_no_flash_and_a_wrong_password_is_said_plainly(client, org):
    user = member(org, Membership.Role.PATIENT)
    wrong = client.post(reverse("account_login"), {"login": user.email, "password": "not-it-at-all"})
    assert "The email or password is not right." in wrong.content.decode()
    assert "and/or" not in wrong.content.decode()
    home = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True)
    assert home.redirect_chain[-1][0] == "/patient/"
    assert "signed in as" not in home.content.decode().lower()


@pytest.mark.parametrize("name", WORDING)
def test_every_allauth_message_and_email_subject_is_written_by_us(name):
    """allauth's own wording ("Please Confirm Your Email Address",
    "Successfully signed in as …") never reaches anyone."""
    assert Path(get_template(name).origin.name).is_relative_to(settings.BASE_DIR / "templates"), name


def test_account_emails_have_sentence_case_subjects_after_the_brand(client, org):
    user = member(org, Membership.Role.PATIENT)
    client.post(reverse("account_reset_password"), {"email": user.email})
    client.post(reverse("account_request_login_code"), {"email": user.email})
    client.logout()
    client.post(
        reverse("account_signup"),
        {"full_name": "Ana", "email": "ana@example.test", "password1": "an-unusual-passphrase", "timezone": "UTC"},
    )
    assert [message.subject for message in mail.outbox] == [
        "Daraport · Choose a new password",
        "Daraport · Your sign-in code",
        "Daraport · Confirm your email address",
    ]
    assert "Hello from Daraport," in mail.outbox[0].body and "You're receiving this" not in mail.outbox[0].body
