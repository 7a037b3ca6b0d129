"""Demo organization and the four demo logins (clearly marked as demo)."""

import io

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from .models import Membership, Organization, TermsDocument
from .services import membership_grant, organization_create, organization_update_brand, terms_accept, terms_publish

DEMO_PASSWORD = "daraport-demo"
ORG_SLUG = "daraport-demo-clinic"
PEOPLE = [
    ("patient@demo.daraport.test", "Alex Morgan", "Europe/Lisbon", [Membership.Role.PATIENT]),
    ("specialist@demo.daraport.test", "Dr. Sam Okafor", "Europe/Berlin", [Membership.Role.SPECIALIST]),
    ("admin@demo.daraport.test", "Jordan Lee", "Europe/London", [Membership.Role.ADMIN]),
    ("affiliate@demo.daraport.test", "Riley Chen", "America/New_York", [Membership.Role.AFFILIATE]),
]

TERMS = """These are demonstration Terms of Service for the Daraport Demo Clinic, a made-up organization.

1. The service. The clinic connects you with independent specialists: you book sessions with them and write to them in secure messages. It is not an emergency service: in an emergency, call your local emergency number.

2. Your account. Keep your sign-in details to yourself. You can close your account at any time.

3. Appointments. Cancel at least 24 hours ahead; later cancellations may be charged as set out when you book.

4. Payments. Prices are shown before you book, including any taxes.

5. Changes. When these terms change we ask you to accept the new version before you continue."""

PRIVACY = """This is the demonstration Privacy Notice of the Daraport Demo Clinic, a made-up organization.

What we keep: your name, email address, time zone, the answers you choose to give, your appointments, messages and payments.

Why: to provide your care, to let your specialist prepare, and to meet legal duties.

Who sees it: only you, the specialists you work with and, for operations, the clinic's administrators. Every access to health information is logged.

Your rights: you can ask for a copy of your data, correct it, or ask us to delete it where the law allows. Contact the clinic's privacy team from your account settings."""


def _logo() -> SimpleUploadedFile:
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 248, 248), fill=(47, 111, 106, 255))
    draw.ellipse((78, 78, 178, 178), fill=(252, 253, 252, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def seed() -> list[str]:
    org = Organization.objects.filter(slug=ORG_SLUG).first() or organization_create(
        name="Daraport Demo Clinic", slug=ORG_SLUG, kind=Organization.Kind.CLINIC
    )
    if not org.logo:
        organization_update_brand(
            organization=org,
            by=None,
            name=org.name,
            primary_color="#2F6F6A",
            logo=_logo(),
            logo_extension=".png",
            # No tagline of its own: the landing page's default, in the visitor's language.
            tagline="",
        )
    for kind, title, body, summary in [
        (
            TermsDocument.Kind.TERMS,
            "Terms of Service",
            TERMS,
            "How the clinic works, cancelling, paying, and what happens when these terms change.",
        ),
        (
            TermsDocument.Kind.PRIVACY,
            "Privacy Notice",
            PRIVACY,
            "What we keep about you, why, who can see it, and your rights.",
        ),
    ]:
        if not TermsDocument.objects.filter(organization=org, kind=kind).exists():
            terms_publish(organization=org, kind=kind, title=title, body=body, summary=summary)
    documents = list(TermsDocument.objects.filter(organization=org))
    User = get_user_model()
    for email, name, zone, roles in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name, timezone=zone)
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        for role in roles:
            membership_grant(organization=org, user=user, role=role)
        terms_accept(user=user, documents=documents, ip_address=None, user_agent="seed_demo")
    return [
        f"{email}  ({', '.join(str(Membership.Role(r).label) for r in roles)})" for email, _, _, roles in PEOPLE
    ] + [f"password for all: {DEMO_PASSWORD}"]
