"""Sweeps over every main page of every portal, once per role.

`seed_world()` fills the database once for a whole module: the demo data
(`manage.py seed_demo`: clinic, specialists, bookings, consents, threads)
plus what makes small screens hard (a patient with a very long name booked
in the coming days, long unbroken words in messages, a long specialist
name). `PAGES` names
each page by role and a path computed from that world; adding a page to both
sweeps is one line there. `phone_overflow()` and `axe_violations()` are the
two checks the sweeps run on an open page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from affiliates.models import Affiliate
from booking import selectors as booking_selectors
from booking import services as booking_services
from booking.models import Appointment, AvailabilityRequest, Proposal
from booking.states import AppointmentStatus
from care.feedback import feedback_link_token
from care.models import ClinicalNote
from consents.models import ConsentDocument, FormResponse, IntakeForm, RequiredBefore
from consents.nextsteps import step_url
from consents.selectors import requirements_for
from consents.services.authoring import consent_settings_update
from consents.services.patient import consent_sign
from core import demo
from core.timeutils import to_zone
from messaging.models import Conversation
from messaging.services import conversation_open, message_post
from organizations.models import Membership, Organization, Program, TermsDocument
from organizations.services import membership_grant
from payments import services as payment_services
from payments.models import Payment
from payments.providers.offline import SUCCEEDS
from specialists.models import Offering, SpecialistProfile
from tests.accounts.factories import enable_totp
from tests.browser.conftest import DEFAULT_TIMEOUT_MS
from tests.conftest import seed_taxonomy

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
AXE_JS = Path(__file__).resolve().parents[3] / "static" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

ANON, PATIENT, SPECIALIST, ORG, AFFILIATE = "anonymous", "patient", "specialist", "organization", "affiliate"
# The demo's logins, one per role (organizations/demo.py).
DEMO_EMAILS = {
    PATIENT: "patient@demo.daraport.test",
    SPECIALIST: "specialist@demo.daraport.test",
    ORG: "admin@demo.daraport.test",
    AFFILIATE: "affiliate@demo.daraport.test",
}
LONG_PATIENT_NAME = "Maximiliana Konstantina Wolfeschlegelsteinhausen-Bergdorff"
LONG_SPECIALIST_NAME = "Dr. Maria-Fernanda Albuquerque de Vasconcelos-Montenegro"
LONG_MESSAGE = (
    "Here is the article I mentioned: https://example.org/articles/"
    "sleep-hygiene-and-worry-at-night-a-practical-guide-for-people-with-demanding-jobs-and-families "
    "and the word that never ends: Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft."
)


@dataclass
class World:
    """The seeded objects the page paths point at."""

    org: Organization
    users: dict[str, User]
    sam: SpecialistProfile
    long_named: User
    patient_appointment: Appointment
    patient_proposal: Proposal
    patient_conversation: Conversation
    patient_payment: Payment
    specialist_payment: Payment
    consent_step: str
    form_step: str
    direct_offering: Offering
    specialist_appointment: Appointment
    specialist_request: AvailabilityRequest
    specialist_proposal: Proposal
    specialist_conversation: Conversation
    form_response: FormResponse
    pending_profile: SpecialistProfile
    program: Program
    document: ConsentDocument
    form: IntakeForm
    terms: TermsDocument
    compare_query: str
    booked_day: date  # a day of Sam's with sessions, in his zone
    affiliate: Affiliate
    # Alex's completed session the demo leaves unanswered (care/demo.py).
    feedback_session: Appointment | None = None


@dataclass(frozen=True)
class SweepPage:
    role: str  # ANON or a key of World.users
    name: str
    path: str | Callable[[World], str]

    @property
    def id(self) -> str:
        return f"{self.role}:{self.name}"

    def url(self, world: World) -> str:
        return self.path if isinstance(self.path, str) else self.path(world)


def _org(name: str, *args) -> Callable[[World], str]:
    """An organization portal page of the demo clinic."""
    return lambda w: reverse(name, args=[w.org.slug, *(arg(w) if callable(arg) else arg for arg in args)])


def _url(name: str, arg: Callable[[World], object]) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[arg(w)])


def _sams_note(w: World, status: str = "signed") -> ClinicalNote:
    """A demo note of Sam's (care/demo.py): the amended signed one, or the draft."""
    notes = ClinicalNote.objects.filter(relationship__specialist=w.sam, status=status)
    return notes.select_related("appointment", "relationship__patient").order_by("-amendments__id", "-pk").first()


# Every main page, by role; the id ("patient:thread") names the test.
PAGES = [
    SweepPage(ANON, "landing", "/"),
    SweepPage(ANON, "directory", "/specialists/"),
    SweepPage(ANON, "directory-filtered", "/specialists/?language=pt&sort=availability"),
    SweepPage(ANON, "directory-empty", "/specialists/?q=nobody-is-called-this"),
    SweepPage(ANON, "profile", lambda w: reverse("discovery:profile", args=[w.sam.slug])),
    SweepPage(ANON, "compare", lambda w: f"/specialists/compare/?{w.compare_query}"),
    SweepPage(ANON, "terms", _url("organizations:terms-document", lambda w: w.terms.public_id)),
    SweepPage(ANON, "sign-in", "/accounts/login/"),
    SweepPage(ANON, "sign-in-code", "/accounts/login/code/"),
    SweepPage(ANON, "sign-up", "/accounts/signup/"),
    SweepPage(ANON, "password-reset", "/accounts/password/reset/"),
    SweepPage(PATIENT, "home", "/patient/"),
    SweepPage(PATIENT, "directory", "/specialists/"),
    SweepPage(PATIENT, "intake", "/patient/intake/goals/"),
    SweepPage(PATIENT, "intake-summary", "/patient/intake/"),
    SweepPage(PATIENT, "match", "/patient/match/"),
    SweepPage(PATIENT, "match-results", "/patient/match/results/"),
    SweepPage(PATIENT, "program-join", "/patient/programs/join/"),
    SweepPage(PATIENT, "book", _url("booking:book", lambda w: w.direct_offering.public_id)),
    SweepPage(PATIENT, "ask-for-times", _url("booking:availability-request", lambda w: w.sam.slug)),
    SweepPage(PATIENT, "appointments", "/patient/appointments/"),
    SweepPage(PATIENT, "appointment", _url("booking:patient-appointment", lambda w: w.patient_appointment.public_id)),
    # Its session room before it opens (the open room has browser tests of its own).
    SweepPage(PATIENT, "session-room-closed", _url("video:room", lambda w: w.patient_appointment.public_id)),
    SweepPage(PATIENT, "proposal", _url("booking:patient-proposal", lambda w: w.patient_proposal.public_id)),
    SweepPage(PATIENT, "consent-step", lambda w: w.consent_step),
    SweepPage(PATIENT, "form-step", lambda w: w.form_step),
    SweepPage(PATIENT, "consents", "/patient/consents/all/"),
    SweepPage(PATIENT, "inbox", "/patient/messages/"),
    SweepPage(PATIENT, "thread", _url("messaging:patient-thread", lambda w: w.patient_conversation.public_id)),
    SweepPage(PATIENT, "thread-book", _url("messaging:patient-book", lambda w: w.patient_conversation.public_id)),
    SweepPage(PATIENT, "notifications", "/patient/notifications/"),
    SweepPage(PATIENT, "payments", "/patient/payments/"),
    SweepPage(PATIENT, "receipt", _url("payments:receipt", lambda w: w.patient_payment.public_id)),
    SweepPage(PATIENT, "account-settings", "/accounts/settings/"),
    SweepPage(PATIENT, "your-data", "/account/data/"),
    SweepPage(PATIENT, "two-factor", "/accounts/2fa/"),
    SweepPage(PATIENT, "emails", "/accounts/email/"),
    SweepPage(PATIENT, "password-change", "/accounts/password/change/"),
    SweepPage(PATIENT, "sessions", "/accounts/sessions/"),
    SweepPage(SPECIALIST, "home", "/specialist/"),
    SweepPage(SPECIALIST, "calendar", "/specialist/calendar/"),
    SweepPage(SPECIALIST, "calendar-booked-week", lambda w: f"/specialist/calendar/?week={w.booked_day.isoformat()}"),
    SweepPage(SPECIALIST, "hours", "/specialist/calendar/hours/"),
    SweepPage(SPECIALIST, "booking-settings", "/specialist/calendar/settings/"),
    SweepPage(SPECIALIST, "appointments", "/specialist/appointments/"),
    SweepPage(
        SPECIALIST, "appointment", _url("booking:specialist-appointment", lambda w: w.specialist_appointment.public_id)
    ),
    SweepPage(SPECIALIST, "request", _url("booking:specialist-request", lambda w: w.specialist_request.public_id)),
    SweepPage(SPECIALIST, "proposal", _url("booking:specialist-proposal", lambda w: w.specialist_proposal.public_id)),
    SweepPage(SPECIALIST, "propose", "/specialist/proposals/new/"),
    SweepPage(SPECIALIST, "patient-readiness", _url("consents:specialist-patient", lambda w: w.long_named.public_id)),
    SweepPage(SPECIALIST, "form-response", _url("consents:specialist-response", lambda w: w.form_response.public_id)),
    SweepPage(SPECIALIST, "profile", "/specialist/profile/"),
    SweepPage(SPECIALIST, "profile-preview", "/specialist/profile/preview/"),
    SweepPage(SPECIALIST, "offerings", "/specialist/offerings/"),
    SweepPage(SPECIALIST, "offering", _url("specialists:offering-edit", lambda w: w.direct_offering.public_id)),
    SweepPage(SPECIALIST, "forms", "/specialist/forms/"),
    SweepPage(SPECIALIST, "form-new", "/specialist/forms/forms/new/"),
    SweepPage(SPECIALIST, "inbox", "/specialist/messages/"),
    SweepPage(SPECIALIST, "thread", _url("messaging:specialist-thread", lambda w: w.specialist_conversation.public_id)),
    SweepPage(
        SPECIALIST,
        "thread-propose",
        _url("messaging:specialist-propose", lambda w: w.specialist_conversation.public_id),
    ),
    SweepPage(SPECIALIST, "notifications", "/specialist/notifications/"),
    SweepPage(SPECIALIST, "waiting-room", "/specialist/waiting/"),
    SweepPage(SPECIALIST, "revenue", "/specialist/payments/"),
    SweepPage(SPECIALIST, "feedback", "/specialist/feedback/"),
    SweepPage(PATIENT, "feedback", _url("care:patient-feedback", lambda w: w.feedback_session.public_id)),
    SweepPage(
        ANON,
        "feedback-link",
        lambda w: reverse("care:feedback-link", args=[feedback_link_token(w.feedback_session)]) + "?csat=4",
    ),
    SweepPage(ORG, "feedback-settings", _org("care:org-feedback-settings")),
    SweepPage(SPECIALIST, "refund", _url("payments:refund", lambda w: w.specialist_payment.public_id)),
    SweepPage(SPECIALIST, "caseload", "/specialist/patients/"),
    SweepPage(
        SPECIALIST,
        "patient-record",
        _url("care:specialist-patient", lambda w: _sams_note(w).relationship.patient.public_id),
    ),
    SweepPage(SPECIALIST, "note-signed", _url("care:specialist-note", lambda w: _sams_note(w).appointment.public_id)),
    SweepPage(
        SPECIALIST, "note-draft", _url("care:specialist-note", lambda w: _sams_note(w, "draft").appointment.public_id)
    ),
    SweepPage(ORG, "clinical-access", _org("care:org-clinical-access")),
    SweepPage(ORG, "home", _org("organizations:home")),
    SweepPage(ORG, "specialists", _org("specialists:org-specialists")),
    SweepPage(
        ORG, "specialist-review", _org("specialists:org-specialist-review", lambda w: w.pending_profile.public_id)
    ),
    SweepPage(ORG, "programs", _org("organizations:programs")),
    SweepPage(ORG, "program", _org("organizations:program", lambda w: w.program.public_id)),
    SweepPage(ORG, "booking-policy", _org("booking:org-policy")),
    SweepPage(ORG, "video-settings", _org("video:org-settings")),
    SweepPage(ORG, "financials", _org("payments:org-financials")),
    SweepPage(ORG, "insights", _org("insights:org-insights")),
    SweepPage(SPECIALIST, "insights", "/specialist/insights/"),
    SweepPage(ORG, "billing", _org("payments:org-billing")),
    SweepPage(ORG, "readiness", _org("booking:org-readiness")),
    SweepPage(ORG, "consents", _org("consents:org-author-home")),
    SweepPage(ORG, "document-new", _org("consents:org-author-document-create")),
    SweepPage(ORG, "document", _org("consents:org-author-document", lambda w: w.document.public_id)),
    SweepPage(ORG, "form-builder", _org("consents:org-author-form", lambda w: w.form.public_id)),
    SweepPage(ORG, "members", _org("organizations:members")),
    SweepPage(ORG, "brand", _org("organizations:brand")),
    SweepPage(ORG, "terms", _org("organizations:terms")),
    SweepPage(ORG, "sign-on", _org("organizations:sso")),
    SweepPage(ORG, "retention", _org("organizations:retention")),
    SweepPage(ORG, "api-tokens", _org("records:org-api-tokens")),
    SweepPage(ORG, "data-export", _org("records:org-export")),
    SweepPage(ORG, "overview", _org("insights:org-overview")),
    SweepPage(ORG, "patients", _org("care:org-patients")),
    SweepPage(ORG, "patient", _org("care:org-patient", lambda w: w.long_named.public_id)),
    SweepPage(ORG, "bookings", _org("booking:org-bookings")),
    SweepPage(ORG, "specialist-activity", _org("insights:org-specialists")),
    SweepPage(ORG, "audit-log", _org("organizations:audit")),
    SweepPage(ORG, "affiliates", _org("affiliates:org-list")),
    SweepPage(ORG, "affiliate", _org("affiliates:org-affiliate", lambda w: w.affiliate.public_id)),
    SweepPage(ORG, "affiliate-settings", _org("affiliates:org-settings")),
    SweepPage(ORG, "affiliate-statements", _org("affiliates:org-statements")),
    SweepPage(AFFILIATE, "home", "/affiliate/"),
    SweepPage(AFFILIATE, "links", "/affiliate/links/"),
    SweepPage(AFFILIATE, "payout", "/affiliate/payout/"),
    SweepPage(AFFILIATE, "statements", "/affiliate/statements/"),
]
PORTAL_HOMES = [page for page in PAGES if page.role != ANON and page.name == "home"]


def page_by_id(page_id: str) -> SweepPage:
    return next(page for page in PAGES if page.id == page_id)


def seed_world() -> World:
    """The demo, plus long names and long words where pages are narrow."""
    seed_taxonomy()
    for _name, seeder in demo.seeders():
        with transaction.atomic():
            seeder()
    users = {role: User.objects.get(email=email) for role, email in DEMO_EMAILS.items()}
    for role in (SPECIALIST, ORG):
        enable_totp(users[role])  # staff see patient data only with a second factor
    org = Organization.objects.get(slug=settings.DEFAULT_ORGANIZATION_SLUG)
    consent_settings_update(organization=org, by=users[ORG], specialists_may_write=True)
    sam = users[SPECIALIST].specialist_profile
    alex = users[PATIENT]

    # A long-named specialist in the directory, and a long-named patient in
    # Sam's week, appointments, inbox and the readiness board.
    approved = SpecialistProfile.objects.filter(organization=org, status=SpecialistProfile.Status.APPROVED)
    first = approved.exclude(pk=sam.pk).order_by("slug").first()
    SpecialistProfile.objects.filter(pk=first.pk).update(display_name=LONG_SPECIALIST_NAME)
    long_named = User.objects.create_user(
        email="maximiliana@patients.example.org", full_name=LONG_PATIENT_NAME, timezone="Pacific/Auckland"
    )
    membership_grant(organization=org, user=long_named, role=Membership.Role.PATIENT)
    for item in requirements_for(long_named).pending:
        if item.kind == "consent" and item.required_before == RequiredBefore.BOOKING:
            consent_sign(
                patient=long_named,
                version=item.version,
                typed_name=LONG_PATIENT_NAME,
                agreed=True,
                ip_address=None,
                user_agent="sweep",
            )
    direct = sam.offerings.filter(booking_mode=Offering.BookingMode.DIRECT, is_active=True).order_by("position").first()
    today = timezone.now().date()
    starts = booking_selectors.free_slots_for_offering(
        offering=direct, start_on=today + timedelta(days=1), end_on=today + timedelta(days=8)
    )
    with transaction.atomic():
        held = booking_services.appointment_hold(patient=long_named, offering=direct, starts_at=starts[0])
        booked = booking_services.appointment_hold_confirm(appointment=held, by=long_named)
    # The demo clinic takes payment at booking: paid as a patient pays, with a test card.
    payment_services.offline_card_submit(
        payment=payment_services.payment_start(appointment=booked), card_number=SUCCEEDS
    )
    long_conversation = conversation_open(relationship=long_named.care_relationships.get(specialist=sam))
    message_post(conversation=long_conversation, author=long_named, text=LONG_MESSAGE)

    alex_conversation = Conversation.objects.get(relationship__patient=alex, relationship__specialist=sam)
    message_post(conversation=alex_conversation, author=alex, text=LONG_MESSAGE)
    pending = requirements_for(alex).pending
    return World(
        org=org,
        users=users,
        sam=sam,
        long_named=long_named,
        patient_appointment=alex.appointments.filter(status=AppointmentStatus.CONFIRMED).order_by("-starts_at").first(),
        patient_proposal=Proposal.objects.filter(patient=alex, status=Proposal.Status.OPEN).first(),
        patient_conversation=alex_conversation,
        patient_payment=Payment.objects.filter(patient=alex, receipt_number__isnull=False).first(),
        specialist_payment=Payment.objects.filter(
            specialist=sam, receipt_number__isnull=False, refunded_minor=0
        ).first(),
        consent_step=step_url(next(item for item in pending if item.kind == "consent")),
        form_step=step_url(next(item for item in pending if item.kind == "form")),
        direct_offering=direct,
        specialist_appointment=sam.appointments.filter(patient__email__startswith="priya").first(),
        specialist_request=AvailabilityRequest.objects.filter(specialist=sam).first(),
        specialist_proposal=Proposal.objects.filter(specialist=sam, status=Proposal.Status.OPEN).first(),
        specialist_conversation=long_conversation,
        form_response=FormResponse.objects.filter(specialist=sam, submitted_at__isnull=False).first(),
        pending_profile=SpecialistProfile.objects.filter(
            organization=org, status=SpecialistProfile.Status.PENDING
        ).first(),
        program=Program.objects.filter(organization=org).first(),
        document=ConsentDocument.objects.filter(organization=org).first(),
        form=IntakeForm.objects.filter(organization=org).first(),
        terms=TermsDocument.objects.filter(organization=org).first(),
        affiliate=Affiliate.objects.get(user=users[AFFILIATE], organization=org),
        booked_day=to_zone(starts[0], sam.user.timezone).date(),
        feedback_session=alex.appointments.filter(status=AppointmentStatus.COMPLETED, feedback__isnull=True)
        .order_by("-starts_at")
        .first(),
        compare_query="&".join(
            f"s={slug}"
            for slug in SpecialistProfile.objects.filter(status=SpecialistProfile.Status.APPROVED)
            .order_by("slug")
            .values_list("slug", flat=True)[:3]
        ),
    )


# What sticks out past the right edge of the viewport, outermost first;
# boxes inside a scrolling or clipping container are that container's
# business (a wide table in its own scroll box is fine).
_OVERFLOW_JS = """
() => {
  const width = window.innerWidth;
  // Whether an ancestor clips the box: for an absolutely positioned box only
  // from its containing block (the first positioned ancestor) up.
  const clips = (el) => {
    const position = getComputedStyle(el).position;
    if (position === "fixed") return false;
    let escapes = position === "absolute";
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (escapes && style.position === "static") continue;
      escapes = false;
      if (style.overflowX !== "visible") return true;
    }
    return false;
  };
  const describe = (el) => {
    const id = el.id ? "#" + el.id : "";
    const classes = [...el.classList].slice(0, 3).map((name) => "." + name).join("");
    return el.tagName.toLowerCase() + id + classes;
  };
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1 || clips(el)) continue;
    const parent = el.parentElement.getBoundingClientRect();
    if (el.parentElement !== document.body && parent.right > width + 1) continue;
    culprits.push(describe(el) + " reaches " + Math.round(box.right) + "px");
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits: culprits.slice(0, 8)};
}
"""


def phone_overflow(page) -> str | None:
    """Why the page scrolls sideways, or None when it fits its width."""
    result = page.evaluate(_OVERFLOW_JS)
    if result["scrollWidth"] <= result["innerWidth"]:
        return None
    return f"{page.url} is {result['scrollWidth']}px wide in a {result['innerWidth']}px window: " + "; ".join(
        result["culprits"] or ["(no single element found)"]
    )


# Controls a finger must hit: every link, button, summary, select and
# input, measured by its clickable box. A checkbox or radio counts through
# its label (the label's row is what a finger taps), or alone without one.
# Links in running text are exempt, as in WCAG's target size criteria: a
# link is in running text when the text directly around it (its parent's
# own text nodes) is longer than its own text, as in "Only 2 fit your
# answers. <a>Browse everyone</a>"; a link alone in a list item, cell,
# paragraph or menu is a target. Boxes of a pixel or less are visually
# hidden (the skip link, until it is focused). Sessions in the calendar's
# week grid are as tall as they are long (WCAG's "essential" exception);
# each also has its own page from the appointment list.
_SMALL_TARGETS_JS = r"""
(minimum) => {
  const selector = "a[href], button, [role=button], select, summary, input:not([type=hidden])";
  const exempt = ".cal-appt";
  const name = (el) => {
    const id = el.id ? "#" + el.id : "";
    const classes = [...el.classList].slice(0, 2).map((word) => "." + word).join("");
    return el.tagName.toLowerCase() + id + classes;
  };
  const describe = (el) => name(el.parentElement) + " > " + name(el);
  const ownText = (el) => [...el.childNodes]
    .filter((node) => node.nodeType === Node.TEXT_NODE)
    .map((node) => node.textContent).join("").replace(/\s+/g, " ").trim();
  const inRunningText = (link) => {
    const text = link.textContent.replace(/\s+/g, " ").trim();
    return ownText(link.parentElement).length > text.length;
  };
  const found = new Map();
  for (const el of document.querySelectorAll(selector)) {
    let target = el;
    if (el.matches("input[type=checkbox], input[type=radio]") && el.labels && el.labels.length) target = el.labels[0];
    if (el.matches(exempt) || (el.matches("a") && inRunningText(el))) continue;
    // Not shown: in a folded <details>, hidden, or visually hidden.
    if (!el.checkVisibility({visibilityProperty: true}) || !target.checkVisibility({visibilityProperty: true})) continue;
    const box = target.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    if (Math.round(box.height) >= minimum && Math.round(box.width) >= minimum) continue;
    const text = (target.innerText || el.value || el.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim().slice(0, 30);
    const key = `${describe(target)}${target === el ? "" : " (" + el.type + ")"} "${text}" ${Math.round(box.width)}x${Math.round(box.height)}`;
    found.set(key, (found.get(key) || 0) + 1);
  }
  return [...found].map(([key, count]) => count > 1 ? `${key} \u00d7${count}` : key);
}
"""


def small_touch_targets(page, minimum: int) -> list[str]:
    """Visible controls smaller than `minimum` CSS pixels either way, one
    line per kind: `parent > element "text" WxH`, and a count when several are alike."""
    return page.evaluate(_SMALL_TARGETS_JS, minimum)


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each
    with the elements concerned. Needs a context opened with bypass_csp.

    axe leaves text at a 1:1 contrast "to review" (it may be hidden on
    purpose); on these pages it never is, so it counts as a violation."""
    page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(_AXE_JS)
    return [
        f"{v['impact']} {v['id']} ({v['help']}): {', '.join(v['targets'][:6])}"
        + (f" and {len(v['targets']) - 6} more" if len(v["targets"]) > 6 else "")
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS and v["targets"]
    ]


_AXE_JS = """
async () => {
  const results = await axe.run(document, {resultTypes: ["violations", "incomplete"]});
  const invisible = results.incomplete
    .filter((v) => v.id === "color-contrast")
    .map((v) => ({...v, help: "text invisible against its background", nodes: v.nodes.filter(
      (n) => n.any.some((check) => check.data && check.data.contrastRatio === 1))}));
  return [...results.violations, ...invisible].map((v) => (
    {id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" "))}));
}
"""


class RolePages:
    """One browser page per role, signed in once and reused for every page
    of the sweep (a GET leaves the session as it was)."""

    def __init__(self, browser, server, **context_options):
        self.browser = browser
        self.server = server
        self.context_options = context_options
        self.pages = {}

    def page(self, role: str):
        if role not in self.pages:
            context = self.browser.new_context(base_url=self.server.url, **self.context_options)
            context.set_default_timeout(DEFAULT_TIMEOUT_MS)
            if role != ANON:
                client = Client()
                client.force_login(self.server.world.users[role])
                cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
                context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.server.url}])
            self.pages[role] = context.new_page()
        return self.pages[role]

    def open(self, sweep_page: SweepPage):
        """The page, loaded and settled; it must answer 200."""
        page = self.page(sweep_page.role)
        response = page.goto(sweep_page.url(self.server.world))
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200, (
            f"{sweep_page.id} answered {response and response.status} at {page.url}"
        )
        return page

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()
