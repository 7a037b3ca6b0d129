"""Demo calendars and bookings, so every booking page has something real to show.

Every demo specialist gets weekly hours (those waiting for approval too, so
approving one makes them bookable at once); the demo specialist (Sam) gets a
booked week, a request waiting for an answer and a patient asking for other
times; the demo patient (Alex) has a booked session, a past one, and times
proposed by a second specialist. The two extra demo patients have accepted
the clinic's current terms, as the four demo logins have. Every seeding
also makes sure Alex has a session with Sam starting within minutes (unless
one is under way or about to start), so the video room is open for whoever
has just started the demo. Made through the
services wherever the times are in the future, so the history, emails and
notifications are the ones a visitor would cause: a consent due before
booking (consents/demo.py, seeded first) is signed while the time is held,
and Priya's session is moved once its booking is done. All dates are
relative to the moment of seeding. Idempotent: bookings are skipped once
Sam has some.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consents.services import consent_sign
from core.timeutils import to_zone
from organizations.models import Membership, Organization
from organizations.selectors import terms_current_for_organization
from organizations.services import membership_grant, terms_accept
from specialists.models import Offering, SpecialistProfile

from . import selectors, services
from .models import Appointment, AvailabilityOverride, AvailabilityRule, BookingPolicy, BookingSettings
from .readiness import booking_blockers
from .states import AppointmentStatus

ORG_SLUG = "daraport-demo-clinic"
PASSWORD = "daraport-demo"
SAM = "specialist@demo.daraport.test"
ALEX = "patient@demo.daraport.test"
# The demo specialists other than Sam (specialists/demo.py); visitors' own
# accounts are never given hours.
SPECIALISTS_DOMAIN = "@specialists.demo.daraport.test"
# Two more demo patients, so the specialist's side has people in it.
PATIENTS = [
    ("priya.natarajan@patients.demo.daraport.test", "Priya Natarajan", "Europe/London"),
    ("tomas.ferreira@patients.demo.daraport.test", "Tomás Ferreira", "America/Sao_Paulo"),
]

# A patient back after a first session, with nothing booked since.
RETURNING_PATIENT = ("noor.haddad@patients.demo.daraport.test", "Noor Haddad", "Europe/Amsterdam")
# Weekly patterns (weekday, from, until), spread over the demo specialists.
MORNINGS = [(day, time(9), time(13)) for day in range(5)]
OFFICE = [(day, start, end) for day in range(5) for start, end in ((time(9), time(12, 30)), (time(13, 30), time(17)))]
EVENINGS = [*((day, time(16), time(20, 30)) for day in (0, 1, 2, 3)), (5, time(10), time(14))]
LONG_DAYS = [(day, time(8), time(18)) for day in (1, 2, 3)]
PATTERNS = [OFFICE, MORNINGS, EVENINGS, LONG_DAYS]
SAM_HOURS = [*OFFICE, (1, time(18), time(20)), (3, time(18), time(20))]
# Alex's session about to start: this many minutes after seeding, inside
# the time its video room opens ahead (10 minutes by default).
STARTS_IN_MINUTES = 5


def seed() -> list[str]:
    org = Organization.objects.filter(slug=ORG_SLUG).first()
    User = get_user_model()
    sam = User.objects.filter(email=SAM).first()
    if org is None or sam is None or not hasattr(sam, "specialist_profile"):
        return ["skipped: the demo organization or specialist is missing"]
    BookingPolicy.objects.get_or_create(organization=org)
    profiles = SpecialistProfile.objects.filter(
        Q(user=sam) | Q(user__email__endswith=SPECIALISTS_DOMAIN), organization=org
    )
    without_hours = profiles.exclude(pk__in=AvailabilityRule.objects.values("specialist_id")).order_by("slug")
    for index, profile in enumerate(without_hours):
        _hours(profile, SAM_HOURS if profile.user_id == sam.pk else PATTERNS[index % len(PATTERNS)])

    lines = [f"weekly hours for {profiles.count()} specialists"]
    if not sam.specialist_profile.appointments.exists():
        lines += _bookings(org, sam.specialist_profile)
    lines += _session_starting_now(sam.specialist_profile)
    _accept_current_terms(org)
    services.next_available_refresh(specialist_ids=list(profiles.values_list("pk", flat=True)))
    return lines


def _accept_current_terms(org: Organization) -> None:
    """The extra demo patients are not stopped at the terms page: they have
    accepted the versions in force (organizations/demo.py does the same for
    the four demo logins)."""
    documents = terms_current_for_organization(organization=org)
    emails = [email for email, _name, _zone in [*PATIENTS, RETURNING_PATIENT]]
    for user in get_user_model().objects.filter(email__in=emails):
        terms_accept(user=user, documents=documents, ip_address=None, user_agent="seed_demo")


def _hours(profile: SpecialistProfile, pattern) -> None:
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(specialist=profile, weekday=day, start_time=start, end_time=end) for day, start, end in pattern
    )
    BookingSettings.objects.get_or_create(
        specialist=profile, defaults={"minimum_notice_minutes": 12 * 60, "slot_increment_minutes": 30}
    )


def _demo_patient(org, email, name, zone):
    User = get_user_model()
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": name, "timezone": zone})
    if created:
        user.password = make_password(PASSWORD)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        membership_grant(organization=org, user=user, role=Membership.Role.PATIENT)
    return user


def _free(offering, *, after_days: int, nth: int = 0, from_hour: int = 0):
    """The `nth` free start at least `after_days` days from now, at or after
    `from_hour` o'clock in the specialist's zone."""
    today = timezone.now().date()
    zone = offering.specialist.user.timezone
    free = [
        start
        for start in selectors.free_slots_for_offering(
            offering=offering,
            start_on=today + timedelta(days=after_days),
            end_on=today + timedelta(days=after_days + 21),
        )
        if to_zone(start, zone).hour >= from_hour
    ]
    return free[nth]


def _two_days(offering, *, after_days: int, from_hour: int = 0):
    """Free starts on two different days, for a proposal."""
    first = _free(offering, after_days=after_days, from_hour=from_hour)
    later = (first - timezone.now()).days + 1
    return [first, _free(offering, after_days=later + 1, from_hour=from_hour)]


def _sign_what_is_due(patient, offering) -> None:
    """What the guided flow asks before booking `offering`: the demo's are
    consents, signed as the patient would."""
    for item in booking_blockers(patient=patient, offering=offering):
        if item.kind == "consent":
            consent_sign(
                patient=patient,
                version=item.version,
                typed_name=patient.full_name,
                agreed=True,
                ip_address=None,
                user_agent="seed_demo",
            )


def _booked(patient, offering, starts_at):
    """Booked as a patient books: the time held, then what is due before
    booking signed, then confirmed."""
    held = services.appointment_hold(patient=patient, offering=offering, starts_at=starts_at)
    _sign_what_is_due(patient, offering)
    return services.appointment_hold_confirm(appointment=held, by=patient)


def _move(appointment, *, patient, offering) -> None:
    services.appointment_reschedule(
        appointment=appointment,
        starts_at=_free(offering, after_days=3, nth=2),
        by=patient,
        reason="A work trip came up.",
    )


@transaction.atomic
def _bookings(org: Organization, sam: SpecialistProfile) -> list[str]:
    User = get_user_model()
    alex = User.objects.get(email=ALEX)
    priya, tomas = (_demo_patient(org, *patient) for patient in PATIENTS)
    initial, follow_up, check_in = sam.offerings.order_by("position", "price_minor")[:3]

    # Alex: a session held three weeks ago within Sam's hours (a weekday
    # morning in his zone).
    past_day = timezone.now().date() - timedelta(days=21)
    past_day -= timedelta(days=max(0, past_day.weekday() - 4))
    past_start = datetime.combine(past_day, time(10), tzinfo=ZoneInfo(sam.user.timezone))
    past = services.appointment_create(
        patient=alex, offering=initial, starts_at=past_start, status=AppointmentStatus.CONFIRMED, by=alex
    )
    services.appointment_transition(appointment=past, to=AppointmentStatus.COMPLETED, by=sam.user)
    # The follow-up on a Tuesday or Thursday evening, as his intake asks
    # (discovery/demo.py): Sam works those evenings until 20:00 his time.
    _booked(alex, follow_up, _free(follow_up, after_days=2, from_hour=19))

    # Noor: one session ten days ago and nothing booked since, so her pages
    # offer "Book your next session" and Sam's "Propose next session".
    noor = _demo_patient(org, *RETURNING_PATIENT)
    noor_day = timezone.now().date() - timedelta(days=10)
    noor_day -= timedelta(days=max(0, noor_day.weekday() - 4))
    noor_start = datetime.combine(noor_day, time(11), tzinfo=ZoneInfo(sam.user.timezone))
    noor_past = services.appointment_create(
        patient=noor, offering=initial, starts_at=noor_start, status=AppointmentStatus.CONFIRMED, by=noor
    )
    services.appointment_transition(appointment=noor_past, to=AppointmentStatus.COMPLETED, by=sam.user)

    # Priya: booked this week, and moved once (the history shows the move).
    # The move waits for the booking's commit, as it would a day later: the
    # thread's "Session confirmed" notice, posted then, reads the original time.
    priya_session = _booked(priya, initial, _free(initial, after_days=1))
    transaction.on_commit(lambda: _move(priya_session, patient=priya, offering=initial))
    # Tomás asks for evenings Sam does not offer yet; and sends a request for a check-in time.
    today = timezone.now().astimezone(timezone.get_default_timezone()).date()
    services.availability_request_create(
        patient=tomas,
        specialist=sam,
        offering=initial,
        windows=[
            {"date": today + timedelta(days=4), "from": time(19), "until": time(21)},
            {"date": today + timedelta(days=6), "from": time(18), "until": time(20)},
        ],
        note="I work shifts until six; evenings after 19:00 my time would be easiest.",
    )
    check_in.booking_mode = Offering.BookingMode.ON_REQUEST
    check_in.save(update_fields=["booking_mode"])
    _sign_what_is_due(tomas, check_in)
    services.appointment_request(
        patient=tomas, offering=check_in, starts_at=_free(check_in, after_days=5, from_hour=18)
    )
    # Sam offers Priya two follow-up times.
    services.proposal_create(
        specialist=sam,
        patient=priya,
        offering=follow_up,
        starts_at=_two_days(follow_up, after_days=8),
        expires_at=timezone.now() + timedelta(days=3),
        note="Two options for our next session; let me know if neither works.",
        by=sam.user,
    )

    # A conference day off for Sam next week.
    AvailabilityOverride.objects.create(
        specialist=sam,
        date_on=_next_weekday(today, 4) + timedelta(days=7),
        kind=AvailabilityOverride.Kind.DAY_OFF,
        note="Conference",
    )

    # A second specialist proposes two times to Alex.
    other = (
        SpecialistProfile.objects.filter(organization=org, status=SpecialistProfile.Status.APPROVED)
        .exclude(pk=sam.pk)
        .order_by("slug")
        .first()
    )
    offering = other.offerings.filter(is_active=True).first()
    services.proposal_create(
        specialist=other,
        patient=alex,
        offering=offering,
        starts_at=_two_days(offering, after_days=4),
        expires_at=timezone.now() + timedelta(days=2),
        note="Here are two times I can offer for a first conversation. Pick whichever suits you.",
        by=other.user,
    )
    return [
        f"{RETURNING_PATIENT[0]}: a session ten days ago and none booked since: her home offers the next one",
        f"{SAM}: booked sessions, a time request and an availability request waiting at /specialist/appointments/",
        f"{ALEX}: a booked session and times proposed by {other.display_name} at /patient/appointments/",
    ]


def _session_starting_now(sam: SpecialistProfile) -> list[str]:
    """Alex's session with Sam, starting a few minutes from now, unless one
    is under way or starts within the hour. Confirmed directly, as a
    session booked earlier would be (it is inside Sam's minimum notice)."""
    alex = get_user_model().objects.filter(email=ALEX).first()
    offering = (
        sam.offerings.filter(is_active=True, booking_mode=Offering.BookingMode.DIRECT).order_by("position").first()
    )
    if alex is None or offering is None:
        return []
    now = timezone.now()
    near = Appointment.objects.filter(
        patient=alex,
        specialist=sam,
        status__in=[AppointmentStatus.CONFIRMED, AppointmentStatus.IN_PROGRESS],
        ends_at__gt=now,
        starts_at__lte=now + timedelta(hours=1),
    )
    if near.exists():
        return []
    starts_at = (now + timedelta(minutes=STARTS_IN_MINUTES)).replace(second=0, microsecond=0)
    # A later run may find Sam booked then: the next free quarter hours.
    for delay in range(0, 4 * 15, 15):
        try:
            services.appointment_create(
                patient=alex,
                offering=offering,
                starts_at=starts_at + timedelta(minutes=delay),
                status=AppointmentStatus.CONFIRMED,
                by=alex,
            )
        except services.SlotTaken:
            continue
        return [f"{ALEX}: a session with {sam.display_name} starting in {STARTS_IN_MINUTES + delay} minutes"]
    return []


def _next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)
