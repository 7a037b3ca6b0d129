"""A demo population for the demo clinic's insights: 300 made-up patients
who joined over the last six months and went as far along the journey as
people do, so the funnel, attendance, time to first session, retention and
feedback trends show figures above the small-count threshold ("<11").

Each patient registers; most finish the intake; most of those choose one of
the demo specialists (never the demo specialist, Sam, whose calendar and
caseload tell their own story in booking/, messaging/ and care/demo.py);
most of those book, and the journey goes on session by session, weekly or
fortnightly: attended, cancelled in time or late, or missed, with feedback
given after some sessions (the recommendation question from the third
session on, at most every 90 days). Every session is in the past, within
its specialist's weekly hours, never overlapping another of theirs: a
patient whose next session would still be ahead stops there, so nobody's
calendar of this week or later fills up. About a third joined through the
demo employer program, so its filter has figures too. One specialist,
Lena Hoffmann, sees many of them, so the figures narrowed to her (the
organization's specialist filter, her own insights page) show numbers as
well; everyone else's stay small and show as "<11", as the suppression
demands.

The people are clearly demo ("Ana M. (demo)", addresses under
cohort.demo.daraport.test) and cannot sign in (no usable password); they
have accepted the clinic's current terms. Their sessions have no payments
and no threads: only the tables the insights read are written, in bulk,
with the times of then. A fixed random seed: the figures move only as
the dates do (they are relative to the moment of seeding). Idempotent: skipped
once the population exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import F
from django.utils import timezone

from booking.models import Appointment, AppointmentEvent, AvailabilityRule
from booking.states import AppointmentStatus
from care.feedback import EDITABLE_FOR
from care.models import CareRelationship, Feedback
from organizations.models import Membership, Organization, Program, ProgramEnrolment, TermsAcceptance
from organizations.selectors import terms_current_for_organization
from patients.models import Intake
from specialists.models import SpecialistProfile

ORG_SLUG = "daraport-demo-clinic"
SAM = "specialist@demo.daraport.test"
EMAIL_DOMAIN = "cohort.demo.daraport.test"
PROGRAM_CODE = "WELLBEING2026"
# The demo specialist most of them see, so figures narrowed to her have numbers too.
BUSIEST = "lena.hoffmann@specialists.demo.daraport.test"
BUSIEST_WEIGHT = 9.0
PATIENTS = 300
# Registrations over this many days back (within the insights' default 180-day view).
DAYS = 175
RANDOM_SEED = 14
S = AppointmentStatus

FIRST_NAMES = [
    "Ana", "Ben", "Carla", "David", "Elena", "Felix", "Grace", "Hugo", "Ines", "Jonah", "Kira", "Luis", "Mara",
    "Nico", "Olga", "Pablo", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wim", "Yara", "Zoe",
]  # fmt: skip
ZONES = ["Europe/Berlin", "Europe/Lisbon", "Europe/London", "Europe/Madrid", "Europe/Amsterdam", "America/Sao_Paulo"]
CANCEL_REASONS = ["Work came up.", "Feeling unwell.", "A family matter.", "Travelling that week."]
COMMENTS = [
    "Helpful, thank you.",
    "I felt listened to.",
    "Practical ideas I can use this week.",
    "A bit rushed at the end.",
    "Good session; the exercises make sense.",
]

# How likely each step is for one patient (the rest stop there).
P_INTAKE = 0.82
P_INTAKE_STARTED = 0.5  # of those who did not finish it: started it
P_CARE_AFTER_INTAKE = 0.82
P_CARE_WITHOUT_INTAKE = 0.35
P_BOOKING = 0.84
# Outcome of a booked session: attended, cancelled in time, cancelled late, missed.
OUTCOMES = [(S.COMPLETED, 0.86), (S.CANCELLED, 0.06), ("late", 0.03), (S.NO_SHOW, 0.05)]
P_REBOOK_AFTER_MISSED = 0.55
P_FEEDBACK_FIRST = 0.7
P_FEEDBACK_LATER = 0.45
# How many sessions a patient who books means to have.
PLANNED = [(1, 0.2), (2, 0.08), (4, 0.1), (6, 0.1), (10, 0.2), (16, 0.32)]
CSAT = [(5, 0.45), (4, 0.35), (3, 0.12), (2, 0.05), (1, 0.03)]
NPS = [(10, 0.3), (9, 0.28), (8, 0.2), (7, 0.1), (6, 0.06), (5, 0.04), (3, 0.02)]
NPS_FROM_SESSION = 3
NPS_EVERY = timedelta(days=90)
# Fixed sessions are no closer to the moment of seeding than this.
MARGIN = timedelta(hours=2)
# Weekly hours of a specialist without any (Monday to Friday, 9 to 17).
DEFAULT_HOURS = {day: [(time(9), time(17))] for day in range(5)}


def _pick(rng: random.Random, weighted):
    return rng.choices([value for value, _w in weighted], weights=[w for _value, w in weighted])[0]


@dataclass
class _Calendar:
    """One specialist's weekly hours and the sessions given out so far."""

    profile: SpecialistProfile
    hours: dict[int, list[tuple[time, time]]]
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)

    def free_start(self, after: datetime, minutes: int, rng: random.Random) -> datetime:
        """A free whole-hour start within the weekly hours, the first or
        second such on a day from `after` on."""
        zone = ZoneInfo(self.profile.user.timezone or "UTC")
        day = after.astimezone(zone).date()
        for offset in range(60):
            on = day + timedelta(days=offset)
            starts = []
            for start, end in self.hours.get(on.weekday(), []):
                hour = start.hour + (1 if start.minute else 0)
                while True:
                    begins = datetime.combine(on, time(hour), tzinfo=zone)
                    if begins + timedelta(minutes=minutes) > datetime.combine(on, end, tzinfo=zone):
                        break
                    if begins >= after and self._free(begins, minutes):
                        starts.append(begins)
                    hour += 1
            if starts:
                return starts[min(len(starts) - 1, rng.randrange(2))]
        return after  # never reached with any weekly hours; kept total

    def _free(self, begins: datetime, minutes: int) -> bool:
        ends = begins + timedelta(minutes=minutes)
        return all(ends <= other_start or begins >= other_end for other_start, other_end in self.busy)

    def take(self, begins: datetime, minutes: int) -> None:
        self.busy.append((begins, begins + timedelta(minutes=minutes)))


def seed() -> list[str]:
    org = Organization.objects.filter(slug=ORG_SLUG).first()
    if org is None:
        return ["skipped: the demo organization is missing"]
    User = get_user_model()
    if User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").exists():
        return ["already there"]
    calendars = _calendars(org)
    if not calendars:
        return ["skipped: no demo specialists to see"]
    program = Program.objects.filter(organization=org, enrolment_code=PROGRAM_CODE, is_active=True).first()
    counts = _Population(org, calendars, program).build()
    return [
        f"{counts['patients']} demo patients over the last {DAYS} days, {counts['sessions']} past sessions with "
        f"{len(calendars)} specialists: the insights at /org/{ORG_SLUG}/insights/",
    ]


def _calendars(org: Organization) -> list[_Calendar]:
    profiles = list(
        SpecialistProfile.objects.filter(
            organization=org,
            status=SpecialistProfile.Status.APPROVED,
            user__email__endswith="demo.daraport.test",
        )
        .exclude(user__email=SAM)
        .select_related("user")
        .prefetch_related("offerings")
        .order_by("slug")
    )
    hours: dict[int, dict[int, list]] = {}
    for rule in AvailabilityRule.objects.filter(specialist__in=profiles).order_by("start_time"):
        hours.setdefault(rule.specialist_id, {}).setdefault(rule.weekday, []).append((rule.start_time, rule.end_time))
    calendars = []
    for profile in profiles:
        if not [o for o in profile.offerings.all() if o.is_active]:
            continue
        calendar = _Calendar(profile, hours.get(profile.pk) or DEFAULT_HOURS)
        for begins, ends in Appointment.objects.filter(specialist=profile).values_list("starts_at", "ends_at"):
            calendar.busy.append((begins, ends))
        calendars.append(calendar)
    return calendars


class _Population:
    def __init__(self, org: Organization, calendars: list[_Calendar], program: Program | None):
        self.org = org
        self.calendars = calendars
        self.program = program
        self.rng = random.Random(RANDOM_SEED)  # noqa: S311 (made-up demo data, not a secret)
        self.now = timezone.now()
        # Some specialists are in more demand than others, Lena most.
        self.weights = [
            BUSIEST_WEIGHT if c.profile.user.email == BUSIEST else self.rng.uniform(0.5, 2.0) for c in calendars
        ]
        self.rows: dict[str, list] = {
            name: [] for name in ("membership", "terms", "intake", "care", "enrolment", "appointment")
        }
        # Per appointment (same order as rows["appointment"]): its events and feedback, made once it has a pk.
        self.events: list[list[AppointmentEvent]] = []
        self.feedback: list[Feedback | None] = []

    def build(self) -> dict[str, int]:
        User = get_user_model()
        password = make_password(None)
        documents = terms_current_for_organization(organization=self.org)
        people = []
        for n in range(1, PATIENTS + 1):
            first = FIRST_NAMES[(n - 1) % len(FIRST_NAMES)]
            initial = chr(ord("A") + (n * 7) % 26)
            registered_at = self.now - timedelta(days=self.rng.uniform(0.5, DAYS), minutes=self.rng.randrange(600))
            people.append(
                User(
                    email=f"patient{n:03d}@{EMAIL_DOMAIN}",
                    full_name=f"{first} {initial}. (demo)",
                    timezone=self.rng.choice(ZONES),
                    password=password,
                    created_at=registered_at,
                )
            )
        User.objects.bulk_create(people)
        people = list(User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").order_by("email"))
        for patient in people:
            self._journey(patient, documents)
        for name, model in [
            ("membership", Membership),
            ("terms", TermsAcceptance),
            ("intake", Intake),
            ("enrolment", ProgramEnrolment),
        ]:
            model.objects.bulk_create(self.rows[name])
        CareRelationship.objects.bulk_create(self.rows["care"])
        # `started_at` is stamped on insert: move it to the moment of the story.
        CareRelationship.objects.filter(patient__email__endswith=f"@{EMAIL_DOMAIN}").update(started_at=F("created_at"))
        appointments = Appointment.objects.bulk_create(self.rows["appointment"])
        if any(a.pk is None for a in appointments):  # backends that do not return ids
            by_key = {
                (a.patient_id, a.starts_at): a
                for a in Appointment.objects.filter(patient__email__endswith=f"@{EMAIL_DOMAIN}")
            }
            appointments = [by_key[(a.patient_id, a.starts_at)] for a in appointments]
        events, feedback = [], []
        for appointment, its_events, its_feedback in zip(appointments, self.events, self.feedback, strict=True):
            for event in its_events:
                event.appointment = appointment
                events.append(event)
            if its_feedback is not None:
                its_feedback.appointment = appointment
                feedback.append(its_feedback)
        AppointmentEvent.objects.bulk_create(events)
        Feedback.objects.bulk_create(feedback)
        return {"patients": len(people), "sessions": len(appointments)}

    def _journey(self, patient, documents) -> None:
        rng, registered_at = self.rng, patient.created_at
        self.rows["membership"].append(
            Membership(user=patient, organization=self.org, role=Membership.Role.PATIENT, created_at=registered_at)
        )
        self.rows["terms"] += [
            TermsAcceptance(user=patient, document=document, accepted_at=registered_at, user_agent="seed_demo")
            for document in documents
        ]
        if self.program is not None and rng.random() < 0.3:
            self.rows["enrolment"].append(
                ProgramEnrolment(
                    program=self.program, patient=patient, via=ProgramEnrolment.Via.CODE, created_at=registered_at
                )
            )
        moment = registered_at
        if rng.random() < P_INTAKE:
            moment = self._before_now(registered_at + timedelta(minutes=rng.uniform(5, 2 * 24 * 60)))
            if moment is None:
                return
            self.rows["intake"].append(
                Intake(user=patient, current_step="constraints", completed_at=moment, created_at=registered_at)
            )
            p_care = P_CARE_AFTER_INTAKE
        else:
            if rng.random() < P_INTAKE_STARTED:
                self.rows["intake"].append(Intake(user=patient, current_step="preferences", created_at=registered_at))
            p_care = P_CARE_WITHOUT_INTAKE
        if rng.random() >= p_care:
            return
        moment = self._before_now(moment + timedelta(hours=rng.uniform(1, 5 * 24)))
        if moment is None:
            return
        calendar = rng.choices(self.calendars, weights=self.weights)[0]
        source = rng.choice([CareRelationship.Source.CHOSEN, CareRelationship.Source.MATCHED])
        self.rows["care"].append(
            CareRelationship(patient=patient, specialist=calendar.profile, source=source, created_at=moment)
        )
        if rng.random() < P_BOOKING:
            self._sessions(patient, calendar, booked_at=moment + timedelta(minutes=rng.uniform(10, 3 * 24 * 60)))

    def _before_now(self, moment: datetime) -> datetime | None:
        return moment if moment < self.now - MARGIN else None

    def _sessions(self, patient, calendar: _Calendar, *, booked_at: datetime) -> None:
        rng = self.rng
        offerings = sorted((o for o in calendar.profile.offerings.all() if o.is_active), key=lambda o: o.position)
        initial = offerings[0]
        follow_up = next((o for o in offerings[1:] if o.duration_minutes <= 60), initial)
        planned = _pick(rng, PLANNED)
        attended, last_nps_at, held = 0, None, 0
        gap = timedelta(days=rng.choice([7, 7, 14]))
        after = booked_at + timedelta(days=rng.uniform(1.5, 9))
        while held < planned:
            offering = initial if attended == 0 else follow_up
            starts_at = calendar.free_start(after, offering.duration_minutes, rng)
            ends_at = starts_at + timedelta(minutes=offering.duration_minutes)
            if booked_at >= self.now - MARGIN or ends_at >= self.now - MARGIN:
                return  # the next session would still be ahead: none of those here
            calendar.take(starts_at, offering.duration_minutes)
            outcome = _pick(rng, OUTCOMES)
            appointment = Appointment(
                patient=patient,
                specialist=calendar.profile,
                offering=offering,
                starts_at=starts_at,
                ends_at=ends_at,
                status=S.CANCELLED if outcome == "late" else outcome,
                price_minor=offering.price_minor,
                currency=offering.currency,
                patient_timezone=patient.timezone,
                specialist_timezone=calendar.profile.user.timezone,
                created_at=booked_at,
            )
            events = [
                AppointmentEvent(to_status=S.HELD, actor=patient, at=booked_at, starts_at=starts_at),
                AppointmentEvent(
                    from_status=S.HELD,
                    to_status=S.CONFIRMED,
                    actor=patient,
                    at=booked_at + timedelta(minutes=1),
                    starts_at=starts_at,
                ),
            ]
            feedback = None
            if outcome == S.COMPLETED:
                attended += 1
                events.append(
                    AppointmentEvent(
                        from_status=S.CONFIRMED, to_status=S.COMPLETED, actor=calendar.profile.user, at=ends_at
                    )
                )
                ask_nps = attended >= NPS_FROM_SESSION and (last_nps_at is None or ends_at - last_nps_at > NPS_EVERY)
                feedback = self._feedback(patient, calendar, ends_at, attended, ask_nps)
                if feedback is not None and ask_nps:
                    last_nps_at = feedback.submitted_at
            elif outcome == S.NO_SHOW:
                events.append(
                    AppointmentEvent(
                        from_status=S.CONFIRMED,
                        to_status=S.NO_SHOW,
                        actor=calendar.profile.user,
                        at=starts_at + timedelta(minutes=15),
                    )
                )
            else:
                late = outcome == "late"
                ahead = timedelta(hours=rng.uniform(2, 20)) if late else timedelta(days=rng.uniform(1.5, 4))
                cancelled_at = max(starts_at - ahead, booked_at + timedelta(hours=1))
                reason = rng.choice(CANCEL_REASONS)
                appointment.cancelled_at, appointment.cancelled_by = cancelled_at, patient
                appointment.cancellation_reason, appointment.is_late_cancellation = reason, late
                events.append(
                    AppointmentEvent(
                        from_status=S.CONFIRMED, to_status=S.CANCELLED, actor=patient, reason=reason, at=cancelled_at
                    )
                )
            self.rows["appointment"].append(appointment)
            self.events.append(events)
            self.feedback.append(feedback)
            held += 1
            if outcome != S.COMPLETED and attended == 0 and rng.random() >= P_REBOOK_AFTER_MISSED:
                return
            # The next one is booked after this one (or after calling it off), for a week or two later.
            booked_at = (appointment.cancelled_at or ends_at) + timedelta(hours=rng.uniform(0.5, 30))
            after = max(starts_at + gap, booked_at + timedelta(days=1))

    def _feedback(self, patient, calendar: _Calendar, ends_at: datetime, attended: int, ask_nps: bool):
        rng = self.rng
        if rng.random() >= (P_FEEDBACK_FIRST if attended == 1 else P_FEEDBACK_LATER):
            return None
        submitted_at = self._before_now(ends_at + timedelta(minutes=rng.uniform(10, 30 * 60)))
        if submitted_at is None:
            return None
        better = min(0.25 + 0.12 * attended, 0.85)
        progress = rng.choices(
            ["worse", "same", "better", "much_better"], weights=[0.06, 0.94 - better, better * 0.7, better * 0.3]
        )[0]
        return Feedback(
            patient=patient,
            specialist=calendar.profile,
            csat=_pick(rng, CSAT),
            progress=progress,
            asked_nps=ask_nps,
            nps=_pick(rng, NPS) if ask_nps and rng.random() < 0.85 else None,
            comment=rng.choice(COMMENTS) if rng.random() < 0.15 else "",
            submitted_at=submitted_at,
            editable_until=submitted_at + EDITABLE_FOR,
            created_at=submitted_at,
        )
