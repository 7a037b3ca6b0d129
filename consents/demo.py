"""Demo consents and intake forms of the demo clinic, and where the demo
patients stand with them: Priya is ready for her session, Alex still has a
consent to sign and a questionnaire half done. One specialist, Lena
Hoffmann, has her own agreement to sign before booking her, which Alex has
not signed: booking her shows the way through it.

Two seeders, around the demo bookings (booking/demo.py): the documents and
forms first, so each booking finds what is due before it (the demo patients
sign that while their time is held, as anyone does); where the patients
stand with the rest after, once their booked sessions decide which forms
apply. Made through the services, by the demo admin. Idempotent: the
clinic's documents are made once, Lena's once, the progress once.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from organizations.models import Organization, Program
from specialists.models import SpecialistProfile

from . import services
from .models import ConsentDocument, FormResponse, RequiredBefore
from .selectors import requirements_for

ORG_SLUG = "daraport-demo-clinic"
ADMIN = "admin@demo.daraport.test"
ALEX = "patient@demo.daraport.test"
PRIYA = "priya.natarajan@patients.demo.daraport.test"
SAM = "specialist@demo.daraport.test"
LENA = "lena.hoffmann@specialists.demo.daraport.test"

DOCUMENTS = [
    (
        # The title a thread's notice uses too: it names the kind, never a title.
        "Privacy acknowledgement",
        ConsentDocument.Kind.PRIVACY,
        RequiredBefore.BOOKING,
        "We keep what you tell us private. Only your specialist reads your answers and notes; our staff see "
        "what they need to run the service, and we never sell your data.",
        "## What we collect\n\nYour name, contact details, the answers you give in forms and what your "
        "specialist writes about your sessions.\n\n## Who sees it\n\n- **Your specialist**: everything about "
        "your care with them.\n- **Clinic staff**: bookings and payments, never your answers or notes.\n\n"
        "## Your rights\n\nYou can ask for a copy of your data, or for it to be corrected or deleted, at any "
        "time. *(Demo document.)*",
    ),
    (
        "Consent to treatment",
        ConsentDocument.Kind.TREATMENT,
        RequiredBefore.SESSION,
        "Sessions are voluntary: you can stop at any time. Your specialist explains what they suggest and why, "
        "and you decide together.",
        "## What sessions involve\n\nTalking through what brings you here, agreeing on goals, and trying "
        "practical steps between sessions.\n\n## Limits of confidentiality\n\nWhat you share stays between you "
        "and your specialist, **except** when someone is at serious risk of harm, or when the law requires it."
        "\n\n## Ending\n\nYou can end at any time; your specialist may suggest another kind of help if that "
        "would serve you better. *(Demo document.)*",
    ),
    (
        "Telehealth consent",
        ConsentDocument.Kind.TELEHEALTH,
        RequiredBefore.SESSION,
        "Part of your care happens at a distance: you book sessions, fill in forms and write to your specialist "
        "here. Messages are private, and they are not for emergencies.",
        "## Messages\n\nWrite to your specialist in Daraport's messages. They answer when they can, usually "
        "within a working day, so messages are **not** for emergencies: in an emergency, call your local "
        "emergency number.\n\n## Your device\n\n1. Use a device only you use, or sign out when you are done."
        "\n2. Keep your email address up to date: confirmations and reminders go there.\n\n## Your "
        "records\n\nWhat you write here is kept with your care records and seen only by you and your "
        "specialist. *(Demo document.)*",
    ),
]

LENAS_AGREEMENT = {
    "title": "Session agreement",
    "kind": ConsentDocument.Kind.OTHER,
    "required_before": RequiredBefore.BOOKING,
    "summary": "How Lena works with you: sessions start on time, you can cancel free of charge up to 24 hours "
    "before, and messages are answered within two working days.",
    "body": "## Sessions\n\nEach session starts at the booked time and lasts as long as the service you "
    "booked.\n\n## Cancelling\n\nCancel or move a session from your appointments page. Up to 24 hours "
    "before, it costs nothing; later, the session may be charged.\n\n## Between sessions\n\nWrite to me in "
    "Daraport's messages. I answer within two working days. Messages are **not** for emergencies: in an "
    "emergency, call your local emergency number. *(Demo document.)*",
}

WELCOME_FORM = {
    "sections": [
        {
            "title": "About you",
            "questions": [
                {
                    "id": "hopes",
                    "type": "long_text",
                    "label": "What would you like to get out of our sessions?",
                    "help": "A few sentences are plenty.",
                    "required": True,
                },
                {"id": "before", "type": "yes_no", "label": "Have you had counselling or therapy before?"},
                {
                    "id": "stress",
                    "type": "scale",
                    "label": "How stressed have you felt this week?",
                    "help": "0 is not at all, 10 is the most you can imagine.",
                    "required": True,
                    "min": 0,
                    "max": 10,
                },
                {
                    "id": "contact",
                    "type": "single_choice",
                    "label": "How should your specialist reach you between sessions?",
                    "options": ["Messages in Daraport", "Email", "Phone"],
                    "required": True,
                },
            ],
        }
    ]
}


def seed() -> list[str]:
    """The clinic's documents and forms, and Lena's agreement."""
    org = Organization.objects.filter(slug=ORG_SLUG).first()
    User = get_user_model()
    admin = User.objects.filter(email=ADMIN).first()
    if org is None or admin is None:
        return ["skipped: the demo organization is missing"]
    lines = _lenas_agreement(org, admin)
    if ConsentDocument.objects.filter(organization=org, specialist__isnull=True).exists():
        return lines or ["already there"]
    for title, kind, required_before, summary, body in DOCUMENTS:
        _published(org, admin, title=title, kind=kind, required_before=required_before, summary=summary, body=body)

    sam = SpecialistProfile.objects.get(user__email=SAM)
    phq9 = services.intake_form_create(
        organization=org, by=admin, template_key="phq9", offerings=sam.offerings.filter(name="Initial consultation")
    )
    welcome = services.intake_form_create(
        organization=org,
        by=admin,
        title="Getting to know you",
        description="Four short questions so your specialist can prepare for your first session.",
    )
    services.intake_form_draft_save(form=welcome, by=admin, schema=WELCOME_FORM)
    program = Program.objects.filter(organization=org).first()
    gad7 = services.intake_form_create(organization=org, by=admin, template_key="gad7", program=program)
    for form in (phq9, welcome, gad7):
        services.form_publish(form=form, by=admin)
    return [
        "3 consent documents and 3 intake forms (PHQ-9, GAD-7, a welcome form) at /org/daraport-demo-clinic/consents/",
        *lines,
    ]


def _published(org, admin, *, summary, body, **document):
    created = services.consent_document_create(organization=org, by=admin, **document)
    services.consent_draft_save(document=created, by=admin, summary=summary, body=body)
    services.consent_publish(document=created, by=admin)
    return created


def _lenas_agreement(org, admin) -> list[str]:
    """Lena's own agreement, due before booking her (made once)."""
    lena = SpecialistProfile.objects.filter(organization=org, user__email=LENA).first()
    if lena is None or ConsentDocument.objects.filter(specialist=lena).exists():
        return []
    _published(org, admin, specialist=lena, **LENAS_AGREEMENT)
    return [f"{lena.display_name} asks her new patients to sign her session agreement before booking"]


def seed_progress() -> list[str]:
    """Where the demo patients stand, once their sessions are booked:
    Priya has done everything, Alex has not (made once)."""
    User = get_user_model()
    sam = SpecialistProfile.objects.filter(user__email=SAM).first()
    patients = User.objects.filter(email__in=[PRIYA, ALEX])
    if sam is None or patients.count() < 2:
        return ["skipped: the demo patients or specialist are missing"]
    if FormResponse.objects.filter(patient__in=patients).exists():
        return ["already there"]
    _patients_progress(sam)
    return [f"{PRIYA} is ready for her session; {ALEX} still has a consent and a questionnaire to do"]


def _sign_all_but(patient, skip: set[str]) -> None:
    for item in requirements_for(patient).pending:
        if item.kind == "consent" and item.title not in skip:
            services.consent_sign(
                patient=patient,
                version=item.version,
                typed_name=patient.full_name,
                agreed=True,
                ip_address=None,
                user_agent="seed_demo",
            )


def _patients_progress(sam: SpecialistProfile) -> None:
    User = get_user_model()
    priya, alex = User.objects.get(email=PRIYA), User.objects.get(email=ALEX)
    _sign_all_but(priya, skip=set())
    _sign_all_but(alex, skip={"Consent to treatment"})
    answers = {
        "priya": {
            "hopes": "Handle pressure at work without lying awake at night.",
            "before": "no",
            "stress": "7",
            "contact": "Messages in Daraport",
        },
        "alex": {"hopes": "Sleep better and worry less.", "before": "yes", "stress": "6", "contact": "Email"},
    }
    phq9 = {f"phq{n}": answer for n, answer in enumerate(["Several days"] * 5 + ["More than half the days"] * 4, 1)}
    # Priya is in the employer program (payments/demo.py), which asks for GAD-7 too.
    gad7 = {f"gad{n}": answer for n, answer in enumerate(["Several days"] * 4 + ["Not at all"] * 3, 1)}
    for item in requirements_for(priya).pending:
        raw = {"Getting to know you": answers["priya"], "GAD-7 (anxiety screening)": gad7}.get(item.title, phq9)
        services.form_submit(patient=priya, version=item.version, specialist=item.specialist, raw_answers=raw)
    for item in requirements_for(alex).pending:
        if item.title == "Getting to know you" and item.specialist == sam:
            services.form_submit(patient=alex, version=item.version, specialist=sam, raw_answers=answers["alex"])
        elif item.kind == "form":
            # Half done: a draft, as if Alex paused after a few questions.
            services.form_draft_save(
                patient=alex,
                version=item.version,
                specialist=item.specialist,
                raw_answers=dict(list(phq9.items())[:4]),
            )
