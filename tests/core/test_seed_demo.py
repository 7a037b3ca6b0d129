import re
from datetime import time, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from booking.models import Appointment, AppointmentEvent, AvailabilityRule, Proposal
from booking.readiness import booking_blockers
from booking.services import appointment_cancel
from booking.states import AppointmentStatus
from consents.models import ConsentDocument, ConsentSignature, ConsentVersion, RequiredBefore
from core import demo as core_demo
from core.timeutils import to_zone
from messaging.models import Conversation, Message
from organizations.models import Membership, Organization, TermsDocument
from organizations.selectors import terms_pending_for_user
from specialists.models import SpecialistProfile
from video import demo as video_demo
from video.models import VideoSession

pytestmark = pytest.mark.django_db

SAM = "specialist@demo.daraport.test"
ALEX = "patient@demo.daraport.test"
PRIYA = "priya.natarajan@patients.demo.daraport.test"
LENA = "lena.hoffmann@specialists.demo.daraport.test"
# What the product does not do yet: nothing seeded may promise it.
VIDEO_TALK = re.compile(r"video|camera|microphone|join from|wherever you are", re.IGNORECASE)


def test_seed_demo_is_idempotent_and_makes_the_four_logins(settings, tmp_path):
    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo")
    call_command("seed_demo")
    org = Organization.objects.get(slug="daraport-demo-clinic")
    assert org.name == "Daraport Demo Clinic" and org.logo
    assert TermsDocument.objects.filter(organization=org).count() == 2
    roles = dict(
        Membership.objects.filter(user__email__endswith="@demo.daraport.test").values_list("user__email", "role")
    )
    assert roles == {
        "patient@demo.daraport.test": "patient",
        "specialist@demo.daraport.test": "specialist",
        "admin@demo.daraport.test": "admin",
        "affiliate@demo.daraport.test": "affiliate",
    }
    assert User.objects.get(email="patient@demo.daraport.test").check_password("daraport-demo")
    # The demo thread of the two has follow-up times to take from its side panel, once.
    proposed = Proposal.objects.get(
        patient__email="patient@demo.daraport.test",
        specialist__user__email="specialist@demo.daraport.test",
        status=Proposal.Status.OPEN,
    )
    assert proposed.appointments.count() == 2


def test_seed_demo_refuses_outside_the_demo():
    with pytest.raises(CommandError):
        call_command("seed_demo")


# --- The demo tells one consistent story --------------------------------------------------------
#
# Seeded as `make run` seeds it: each seeder in its own committed
# transaction, so the receivers (care relationships, thread notices) and the
# conversations' dating run as they do for real.

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SESSION_TALK = re.compile(r"session|booked|see you|appointment|\b(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = str(tmp_path)
    return settings


def seed_in_order(before_each=None):
    """Run every seeder as the seed command does; `before_each(name)` first."""
    for name, seeder in core_demo.seeders():
        if before_each:
            before_each(name)
        with transaction.atomic():
            seeder()


def text_messages():
    return Message.objects.filter(kind=Message.Kind.TEXT).select_related(
        "author", "conversation__relationship__patient", "conversation__relationship__specialist"
    )


def test_every_demo_specialist_has_weekly_hours_those_awaiting_approval_too(demo_settings):
    call_command("seed_demo")
    demo_profiles = SpecialistProfile.objects.filter(user__email__endswith="demo.daraport.test")
    assert demo_profiles.count() == 27
    assert demo_profiles.filter(status=SpecialistProfile.Status.PENDING).count() == 2
    without_hours = demo_profiles.exclude(pk__in=AvailabilityRule.objects.values("specialist_id"))
    assert list(without_hours.values_list("display_name", flat=True)) == []


def test_no_demo_person_is_stopped_by_terms_they_already_accepted(demo_settings):
    call_command("seed_demo")
    people = User.objects.filter(email__endswith="demo.daraport.test")
    assert people.count() > 30
    assert {user.email: terms_pending_for_user(user=user) for user in people if terms_pending_for_user(user=user)} == {}
    # Signing in as a demo patient of the booking seed lands on the portal, not the terms page.
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": "priya.natarajan@patients.demo.daraport.test", "password": "daraport-demo"}
    )
    assert response.status_code == 302
    assert response["Location"] != reverse("organizations:terms-accept")
    landing = client.get(response["Location"], follow=True)
    assert [url for url, _status in landing.redirect_chain if "terms" in url] == []
    assert landing.status_code == 200


def test_demo_dates_are_relative_to_the_moment_of_seeding(demo_settings):
    call_command("seed_demo")
    now = timezone.now()
    alex = Appointment.objects.filter(patient__email="patient@demo.daraport.test", specialist__user__email=SAM)
    past = alex.get(status=AppointmentStatus.COMPLETED)
    assert now - timedelta(days=25) < past.starts_at < now - timedelta(days=20)
    local = to_zone(past.starts_at, past.specialist.user.timezone)
    assert local.weekday() < 5 and 9 <= local.hour < 17  # within Sam's working hours
    # One session starting as the demo starts, its video room open already.
    [starting] = alex.filter(status=AppointmentStatus.CONFIRMED, starts_at__lte=now + timedelta(hours=1))
    assert now < starting.starts_at <= now + timedelta(minutes=10)
    [booked] = alex.filter(status=AppointmentStatus.CONFIRMED, starts_at__gt=now + timedelta(hours=1))
    assert now < booked.starts_at < now + timedelta(days=14)
    # On a day and at a time of day his intake asks for: Tuesday or Thursday evenings, in Lisbon.
    local = to_zone(booked.starts_at, "Europe/Lisbon")
    assert local.strftime("%a") in {"Tue", "Thu"} and local.hour >= 18


def test_every_seeding_leaves_the_demo_patient_a_session_about_to_start(demo_settings):
    """`make run` seeds on every start: whenever it is, Alex's session with
    Sam starts within minutes (its video room already open), and one only."""
    call_command("seed_demo")
    call_command("seed_demo")

    def starting():
        now = timezone.now()
        return list(
            Appointment.objects.filter(
                patient__email="patient@demo.daraport.test",
                specialist__user__email=SAM,
                status=AppointmentStatus.CONFIRMED,
                starts_at__gt=now,
                starts_at__lte=now + timedelta(hours=1),
            )
        )

    [now_session] = starting()
    # Its room is open: the demo patient's home leads straight into it.
    client = Client()
    client.force_login(User.objects.get(email="patient@demo.daraport.test"))
    home = client.get(reverse("core:patient-home")).content.decode()
    assert f'href="{reverse("video:room", args=[now_session.public_id])}"' in home and "Join session" in home
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        call_command("seed_demo")
        # Five minutes ahead, or the next free quarter hour in Sam's day.
        [fresh] = starting()
        assert fresh.starts_at <= timezone.now() + timedelta(minutes=5 + 45)


def test_the_demo_patients_past_session_took_place_in_the_video_room(demo_settings):
    """video/demo.py: Alex's past session with Sam has its room's history,
    48 minutes long, the patient in first; seeding again changes nothing."""
    call_command("seed_demo")
    video_demo.seed()
    past = Appointment.objects.get(
        patient__email="patient@demo.daraport.test", specialist__user__email=SAM, status=AppointmentStatus.COMPLETED
    )
    session = VideoSession.objects.get(appointment=past)
    assert session.ended_at - session.started_at == timedelta(minutes=48)
    assert session.end_reason == VideoSession.EndReason.COMPLETED_BY_SPECIALIST
    assert session.ended_by.email == SAM
    stays = list(session.participations.order_by("joined_at").values_list("role", "left_at"))
    assert stays == [("patient", session.ended_at), ("specialist", session.ended_at)]
    assert video_demo.seed() == []
    assert session.participations.count() == 2


def test_the_demo_shows_the_consents_first_detour_and_says_only_what_exists(demo_settings):
    """Booking Lena as the demo patient asks for her own agreement first
    (the time held meanwhile), while Sam can be booked straight away; the
    documents are titled as the thread's notices name them; and no seeded
    text speaks of video sessions, which do not exist yet."""
    call_command("seed_demo")
    alex = User.objects.get(email=ALEX)
    lena = SpecialistProfile.objects.get(user__email=LENA)
    [agreement] = ConsentDocument.objects.filter(specialist=lena)
    assert (agreement.required_before, agreement.title) == (RequiredBefore.BOOKING, "Session agreement")
    assert not ConsentSignature.objects.filter(patient=alex, version__document=agreement).exists()
    for offering in lena.offerings.filter(is_active=True):
        assert [item.title for item in booking_blockers(patient=alex, offering=offering)] == ["Session agreement"]
    sam = SpecialistProfile.objects.get(user__email=SAM)
    assert all(not booking_blockers(patient=alex, offering=offering) for offering in sam.offerings.all())

    named = ConsentDocument.objects.exclude(kind=ConsentDocument.Kind.OTHER)
    assert named.exists()
    assert {document.title: document.get_kind_display() for document in named} == {
        document.title: document.title for document in named
    }

    texts = [message.text for message in Message.objects.all()]
    texts += [f"{version.summary} {version.body}" for version in ConsentVersion.objects.all()]
    texts += [document.body for document in TermsDocument.objects.all()]
    texts += [proposal.note for proposal in Proposal.objects.all()]
    texts += [organization.tagline for organization in Organization.objects.all()]
    texts += [f"{profile.headline} {profile.bio}" for profile in SpecialistProfile.objects.all()]
    assert [text for text in texts if VIDEO_TALK.search(text)] == []


def test_the_demo_patients_specialist_fits_his_answers(demo_settings, client):
    """Alex lives in Lisbon and sees Sam: Sam is licensed there, so he heads
    Alex's shortlist, and every other match says what it does not meet."""
    call_command("seed_demo")
    client.force_login(User.objects.get(email="patient@demo.daraport.test"))
    shortlist = client.get(reverse("discovery:match-results")).context["shortlist"]
    assert shortlist.matches[0].candidate.name == "Dr. Sam Okafor"
    assert not shortlist.is_short
    assert all(match.shortfalls for match in shortlist.matches[1:])


@pytest.mark.django_db(transaction=True)
def test_seeded_messages_agree_with_the_bookings_and_are_written_at_waking_hours(demo_settings):
    """One seeding, two checks (seeding is the slow part): a day a message
    names is that patient's booked session's, in their zone; and everyone
    writes at an hour they are awake in their own zone, the specialist on
    weekdays in working hours."""
    seed_in_order()
    assert_written_at_waking_hours()
    assert_days_named_are_booked_days()
    assert_the_moved_session_was_confirmed_at_its_first_time()
    assert_what_is_due_before_booking_was_signed_before_it()


def assert_the_moved_session_was_confirmed_at_its_first_time():
    thread = Conversation.objects.get(relationship__patient__email=PRIYA)
    confirmed = thread.messages.get(verb="appointment.confirmed").text.removeprefix("Session confirmed: ")
    moved = thread.messages.get(verb="appointment.rescheduled").text.removeprefix("Session moved to ")
    assert confirmed != moved
    [move] = AppointmentEvent.objects.filter(appointment__patient__email=PRIYA, previous_starts_at__isnull=False)
    assert move.previous_starts_at != move.starts_at


def assert_what_is_due_before_booking_was_signed_before_it():
    """In the records and in the threads: a consent due before booking is
    signed before the bookings it gates are confirmed (or requested)."""
    gating = ConsentSignature.objects.filter(
        version__document__required_before__in=[RequiredBefore.SIGNUP, RequiredBefore.BOOKING]
    ).select_related("version__document")
    assert gating.count() >= 3  # Alex, Priya and Tomás signed the clinic's
    for signature in gating:
        document = signature.version.document
        booked = AppointmentEvent.objects.filter(
            appointment__patient=signature.patient,
            appointment__starts_at__gt=timezone.now(),
            to_status__in=[AppointmentStatus.CONFIRMED, AppointmentStatus.REQUESTED],
        )
        if document.specialist_id is not None:
            booked = booked.filter(appointment__specialist_id=document.specialist_id)
        assert booked.exists()
        assert all(signature.signed_at < event.at for event in booked), document.title
    for conversation in Conversation.objects.all():
        verbs = [
            "booked" if m.verb == "appointment.confirmed" else m.text
            for m in conversation.messages.order_by("created_at", "id")
            if m.verb in {"appointment.confirmed", "consent.signed"}
        ]
        if "Consent signed: Privacy acknowledgement" in verbs and "booked" in verbs:
            assert verbs.index("Consent signed: Privacy acknowledgement") < verbs.index("booked")


def assert_days_named_are_booked_days():
    texts = list(text_messages())
    assert len(texts) == 9  # Noor's thread (two lines of welcome) among them
    named = 0
    for message in texts:
        relationship = message.conversation.relationship
        patient = relationship.patient
        booked = [
            to_zone(a.starts_at, patient.timezone)
            for a in Appointment.objects.filter(
                patient=patient, specialist=relationship.specialist, status=AppointmentStatus.CONFIRMED
            )
        ]
        for weekday in re.findall(r"\b(" + "|".join(WEEKDAYS) + r")\b", message.text):
            named += 1
            assert weekday in [f"{day:%A}" for day in booked], message.text
        for day_named in re.findall(r"\b(" + "|".join(WEEKDAYS) + r") (\d+) (\w+)", message.text):
            assert " ".join(day_named) in [f"{day:%A} {day.day} {day:%B}" for day in booked], message.text
        if named:
            assert all(day > to_zone(message.created_at, patient.timezone) for day in booked)
    assert named == 2  # Alex's follow-up and Priya's moved session


def assert_written_at_waking_hours():
    now = timezone.now()
    messages = list(Message.objects.select_related("author", "conversation__relationship__patient"))
    assert len(messages) > 10
    for message in messages:
        writer = message.author or message.conversation.relationship.patient
        local = to_zone(message.created_at, writer.timezone)
        assert message.created_at < now
        if writer.email == SAM:
            assert local.weekday() < 5 and time(8, 30) <= local.time() < time(19), (message.text, local)
        else:
            assert time(8) <= local.time() < time(22), (message.text, local)
    # Threads still read in the order they were written.
    for conversation in Conversation.objects.all():
        ordered = list(conversation.messages.order_by("id"))
        assert [m.created_at for m in ordered] == sorted(m.created_at for m in ordered)


@pytest.mark.django_db(transaction=True)
def test_threads_of_people_without_a_booked_session_do_not_talk_about_sessions(demo_settings):
    def cancel_priyas_session(name):
        if name == "Demo conversations":
            session = Appointment.objects.get(
                patient__email=PRIYA, status=AppointmentStatus.CONFIRMED, specialist__user__email=SAM
            )
            appointment_cancel(appointment=session, by=session.patient, reason="Changed plans.")

    seed_in_order(before_each=cancel_priyas_session)
    priya = [m.text for m in text_messages() if m.conversation.relationship.patient.email == PRIYA]
    alex = [
        m.text for m in text_messages() if m.conversation.relationship.patient.email == "patient@demo.daraport.test"
    ]
    assert priya and alex
    assert [text for text in priya if SESSION_TALK.search(text)] == []
    assert any(SESSION_TALK.search(text) for text in alex)  # Alex still has his follow-up booked
