"""Actions in the side panel of a thread, so arranging a session never
leaves the conversation: the specialist proposes times or accepts a
requested one; the patient books a follow-up (pick, then confirm the hold)
or answers a proposal.

Each action calls the same booking service as the booking pages. With htmx
the answer is the panel alone (its form again with the reason when refused:
422 bad input, 409 when the time or the proposal moved on); without it a
success redirects back to the thread and a refusal renders the thread with
the panel's form open. The notice the service causes reaches both sides
over the thread, and each side's panel reloads itself on a notice.

Every object named in a form must belong to this conversation's pair:
anything else is a 404, like any id that is not the user's.
Once care ended the conversation arranges nothing: every action answers
403 (`open_thread_required`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from booking.forms.patient import ProposalAcceptForm, ProposalDeclineForm, SlotForm
from booking.forms.specialist import ProposalForm
from booking.http import refusal_status
from booking.readiness import blockers_text, booking_blockers
from booking.selectors_patient import (
    SlotDay,
    appointment_events_for_patient,
    appointment_get_for_patient,
    bookable_offering_get,
    cancellation_policy_text,
    hold_has_lapsed,
    proposal_get_for_patient,
    slot_page_for_offering,
    times_after_lapsed_hold,
)
from booking.selectors_specialist import appointment_get_for_specialist, proposal_suggestions
from booking.services import (
    HOLD_MINUTES,
    SlotTaken,
    appointment_hold,
    appointment_hold_confirm,
    appointment_hold_release,
    appointment_request_accept,
    proposal_decline,
)
from booking.states import AppointmentStatus
from care.services import care_relationship_end
from core.portals import Portal, portal_required
from core.returns import ReturnTo, with_return

from .panel import complete_first_url, follow_up_default, follow_up_offerings, follow_up_url
from .selectors import conversation_get_for_user
from .views import THREAD_URL, open_thread_required, panel_context, render_thread, thread_conversation

PANEL_TEMPLATE = "messaging/_panel.html"
FOLLOW_UP_DAYS_SHOWN = 3
FOLLOW_UP_TIMES_PER_DAY = 6


def _answer(request, conversation, portal: Portal, *, status: int = 200, done: str = "", **state):
    """The panel (htmx), or after a plain post the thread: a redirect when
    it worked, so reloading does not post again; the page with the
    panel's form open when it did not."""
    if request.htmx:
        context = panel_context(request, conversation, portal, done=done, **state)
        return render(request, PANEL_TEMPLATE, context, status=status)
    if request.method == "POST" and status < 400:
        if done:
            messages.success(request, done)
        response = redirect(reverse(THREAD_URL[portal], args=[conversation.public_id]))
        response.status_code = 303
        return response
    return render_thread(request, conversation, portal, status=status, panel_state=state)


def _of_this_pair(obj, conversation):
    """`obj` (an appointment or proposal of the user's) if it is between this
    conversation's two people, else 404."""
    relationship = conversation.relationship
    if obj.patient_id != relationship.patient_id or obj.specialist_id != relationship.specialist_id:
        raise Http404
    return obj


@require_GET
@portal_required(Portal.PATIENT)
def patient_panel_view(request, public_id):
    """The panel again, after a notice (htmx)."""
    conversation = thread_conversation(request, public_id, Portal.PATIENT)
    return render(request, PANEL_TEMPLATE, panel_context(request, conversation, Portal.PATIENT))


@require_GET
@portal_required(Portal.SPECIALIST)
def specialist_panel_view(request, public_id):
    conversation = thread_conversation(request, public_id, Portal.SPECIALIST)
    return render(request, PANEL_TEMPLATE, panel_context(request, conversation, Portal.SPECIALIST))


# --- The specialist: propose times, accept a requested one ---------------------------------


def _proposal_form(request, conversation):
    """The proposal form for this patient (bound on a POST), and the service
    whose free times to suggest: the one chosen, else the first."""
    relationship = conversation.relationship
    offerings = relationship.specialist.offerings.filter(is_active=True).order_by("position", "price_minor", "pk")
    listed = list(offerings)
    key = request.POST.get("offering") or request.GET.get("offering", "")
    picked = next((o for o in listed if str(o.public_id) == key), listed[0] if listed else None)
    form = ProposalForm(
        request.POST if request.method == "POST" else None,
        patients=[],
        offerings=offerings,
        specialist=relationship.specialist,
        zone_name=request.user.timezone,
        now=timezone.now(),
        fixed_patient=relationship.patient,
        initial={"offering": picked.public_id if picked else None},
    )
    return form, picked


def _propose_state(request, form, picked) -> dict:
    """The form open in the panel, with free times to pick from."""
    suggestions = proposal_suggestions(picked, zone_name=request.user.timezone, now=form.now, days_shown=3, per_day=6)
    return {"mode": "propose", "propose_form": form, "suggestions": suggestions, "suggestion_offering": picked}


@require_http_methods(["GET", "POST"])
@portal_required(Portal.SPECIALIST)
@open_thread_required(Portal.SPECIALIST)
def propose_view(request, public_id):
    """Offer this patient one to five times from the thread."""
    conversation = thread_conversation(request, public_id, Portal.SPECIALIST)
    form, picked = _proposal_form(request, conversation)
    status = 200
    if request.method == "POST":
        proposal, status = form.save(specialist=conversation.relationship.specialist, by=request.user)
        if proposal is not None:
            done = _("Your times are sent. They stay reserved until %(name)s answers.") % {
                "name": conversation.relationship.patient.display_name
            }
            return _answer(request, conversation, Portal.SPECIALIST, done=done)
    return _answer(request, conversation, Portal.SPECIALIST, status=status, **_propose_state(request, form, picked))


@require_POST
@portal_required(Portal.SPECIALIST)
@open_thread_required(Portal.SPECIALIST)
def accept_request_view(request, public_id):
    """Accept the time the patient asked for."""
    conversation = thread_conversation(request, public_id, Portal.SPECIALIST)
    appointment = _of_this_pair(
        appointment_get_for_specialist(user=request.user, public_id=request.POST.get("appointment", "")),
        conversation,
    )
    try:
        appointment_request_accept(appointment=appointment, by=request.user)
    except SlotTaken:
        error = _("Another booking now holds this time, so it cannot be accepted. Propose other times instead.")
        return _answer(request, conversation, Portal.SPECIALIST, status=409, error=error)
    except ValidationError as error:
        return _answer(request, conversation, Portal.SPECIALIST, status=refusal_status(error), error=error.messages[0])
    return _answer(request, conversation, Portal.SPECIALIST, done=_("Accepted: the session is booked."))


@require_POST
@portal_required(Portal.SPECIALIST)
@open_thread_required(Portal.SPECIALIST)
def end_care_view(request, public_id):
    """End care with this conversation's patient: the thread turns
    read-only for both (refused while sessions are still ahead)."""
    conversation = thread_conversation(request, public_id, Portal.SPECIALIST)
    try:
        care_relationship_end(relationship=conversation.relationship, by=request.user)
    except ValidationError as error:
        return _answer(request, conversation, Portal.SPECIALIST, status=409, error=error.messages[0])
    messages.success(request, _("Care ended. You can both still read this conversation."))
    thread_url = reverse(THREAD_URL[Portal.SPECIALIST], args=[conversation.public_id])
    if request.htmx:
        return HttpResponseClientRedirect(thread_url)
    response = redirect(thread_url)
    response.status_code = 303
    return response


# --- The patient: book a follow-up, answer a proposal --------------------------------------


def _book_choice(request, conversation, chosen=None):
    """The specialist's services the patient can book straight away, and
    the one chosen (`chosen`, else named in the request, else the one
    `follow_up_default` picks)."""
    offerings = follow_up_offerings(conversation)
    if chosen is not None:
        return offerings, chosen
    key = request.POST.get("offering") or request.GET.get("offering", "")
    if not key:
        return offerings, follow_up_default(conversation, offerings)
    offering = bookable_offering_get(patient=request.user, public_id=key)
    if offering.specialist_id != conversation.relationship.specialist_id:
        raise Http404
    return offerings, offering


def _book_state(request, conversation, chosen=None) -> dict:
    """Free times of the chosen service over the first few days that have
    any, and what must be done before booking (a time picked is held
    while the patient sees to it)."""
    offerings, offering = _book_choice(request, conversation, chosen)
    state = {"mode": "book", "book_offerings": offerings, "book_offering": offering}
    if offering is None:
        return state
    blockers = booking_blockers(patient=request.user, offering=offering)
    if blockers:
        state.update(blockers=blockers, complete_url=complete_first_url(conversation, offering=offering))
    page = slot_page_for_offering(offering=offering, viewer_zone=request.user.timezone)
    days = [day for day in page.days if day.times][:FOLLOW_UP_DAYS_SHOWN]
    state.update(
        book_days=[SlotDay(on=day.on, times=day.times[:FOLLOW_UP_TIMES_PER_DAY]) for day in days],
        policy=cancellation_policy_text(offering.specialist),
        hold_minutes=HOLD_MINUTES,
    )
    return state


def _lapsed_state(request, conversation, hold) -> dict:
    """The times again after a hold ran out, the nearest to it first."""
    state = _book_state(request, conversation, chosen=hold.offering)
    state.update(
        error=_("The time you picked is no longer held: the hold ran out. Pick it again if it is still free."),
        book_nearest=times_after_lapsed_hold(hold=hold, viewer_zone=request.user.timezone),
    )
    return state


def _returned_state(request, conversation, key: str) -> dict:
    """Back at "Book a follow-up" with a hold (from the consents flow): the
    panel shows it to confirm, or the nearest times if it ran out."""
    hold = _of_this_pair(appointment_get_for_patient(patient=request.user, public_id=key), conversation)
    events = appointment_events_for_patient(appointment=hold)
    if hold_has_lapsed(hold, events, timezone.now()):
        return _lapsed_state(request, conversation, hold)
    return {}


@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
@open_thread_required(Portal.PATIENT)
def book_view(request, public_id):
    """Pick a time for a follow-up: it is held for a few minutes until the
    patient confirms it in the panel. With a consent or form due before
    booking, the patient goes through the guided flow while it is held, and
    comes back here to confirm. A refusal shows the times as they are now,
    with the reason."""
    conversation = thread_conversation(request, public_id, Portal.PATIENT)
    if request.method == "GET":
        key = request.GET.get("hold")
        state = _returned_state(request, conversation, key) if key else _book_state(request, conversation)
        return _answer(request, conversation, Portal.PATIENT, **state)
    _offerings, offering = _book_choice(request, conversation)
    if offering is None:
        raise Http404
    form = SlotForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["starts_at"][0], code="invalid")
        hold = appointment_hold(patient=request.user, offering=offering, starts_at=form.cleaned_data["starts_at"])
    except ValidationError as error:
        state = _book_state(request, conversation)
        return _answer(
            request, conversation, Portal.PATIENT, status=refusal_status(error), error=error.messages[0], **state
        )
    blockers = booking_blockers(patient=request.user, offering=offering)
    if blockers:
        return _complete_first(request, conversation, hold, blockers)
    return _answer(request, conversation, Portal.PATIENT)


def _complete_first(request, conversation, hold, blockers):
    """Into the guided flow, the time held (its page says until when), and
    back to confirm it here."""
    messages.info(request, blockers_text(hold.specialist, blockers))
    url = complete_first_url(conversation, hold=hold)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    response = redirect(url)
    response.status_code = 303
    return response


def _patient_hold(request, conversation):
    appointment = appointment_get_for_patient(patient=request.user, public_id=request.POST.get("appointment", ""))
    return _of_this_pair(appointment, conversation)


@require_POST
@portal_required(Portal.PATIENT)
@open_thread_required(Portal.PATIENT)
def hold_confirm_view(request, public_id):
    conversation = thread_conversation(request, public_id, Portal.PATIENT)
    appointment = _patient_hold(request, conversation)
    if appointment.status == AppointmentStatus.CONFIRMED:  # a second click
        return _answer(request, conversation, Portal.PATIENT)
    try:
        appointment_hold_confirm(appointment=appointment, by=request.user)
    except ValidationError as error:
        if getattr(error, "code", None) == "not_ready":  # still held: the panel says what to do first
            return _answer(request, conversation, Portal.PATIENT, status=409, error=error.messages[0])
        state = {**_lapsed_state(request, conversation, appointment), "error": error.messages[0]}
        return _answer(request, conversation, Portal.PATIENT, status=409, **state)
    return _answer(request, conversation, Portal.PATIENT, done=_("Booked. We will email you the details."))


@require_POST
@portal_required(Portal.PATIENT)
@open_thread_required(Portal.PATIENT)
def hold_release_view(request, public_id):
    conversation = thread_conversation(request, public_id, Portal.PATIENT)
    appointment = _patient_hold(request, conversation)
    try:
        appointment_hold_release(appointment=appointment, by=request.user)
    except ValidationError as error:
        return _answer(request, conversation, Portal.PATIENT, status=409, error=error.messages[0])
    return _answer(request, conversation, Portal.PATIENT, **_book_state(request, conversation))


def _patient_proposal(request, conversation):
    proposal = proposal_get_for_patient(patient=request.user, public_id=request.POST.get("proposal", ""))
    return _of_this_pair(proposal, conversation)


@require_POST
@portal_required(Portal.PATIENT)
@open_thread_required(Portal.PATIENT)
def proposal_accept_view(request, public_id):
    """Take one of the proposed times."""
    conversation = thread_conversation(request, public_id, Portal.PATIENT)
    proposal = _patient_proposal(request, conversation)
    form = ProposalAcceptForm(request.POST)
    if not form.is_valid():
        error = _("Please choose one of the proposed times.")
        return _answer(request, conversation, Portal.PATIENT, status=422, error=error)
    try:
        chosen = form.save(proposal=proposal, by=request.user)
    except ValidationError as error:
        state = {"error": error.messages[0]}
        if getattr(error, "code", None) == "not_ready":  # the flow, then back to the proposed times
            proposal_url = reverse("booking:patient-proposal", args=[proposal.public_id])
            state["error_action"] = (with_return(reverse("consents:flow"), proposal_url), _("Complete now"))
        return _answer(request, conversation, Portal.PATIENT, status=refusal_status(error), **state)
    done = form.done_text(chosen, request.user.timezone)
    return _answer(request, conversation, Portal.PATIENT, done=done)


@require_POST
@portal_required(Portal.PATIENT)
@open_thread_required(Portal.PATIENT)
def proposal_decline_view(request, public_id):
    """None of the proposed times suit: say so, with an optional word why."""
    conversation = thread_conversation(request, public_id, Portal.PATIENT)
    proposal = _patient_proposal(request, conversation)
    form = ProposalDeclineForm(request.POST)
    if not form.is_valid():
        return _answer(request, conversation, Portal.PATIENT, status=422, error=form.errors["reason"][0])
    try:
        proposal_decline(proposal=proposal, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        return _answer(request, conversation, Portal.PATIENT, status=refusal_status(error), error=error.messages[0])
    done = _("You declined the proposed times. %(name)s will see it here.") % {
        "name": conversation.relationship.specialist.display_name
    }
    return _answer(request, conversation, Portal.PATIENT, done=done)


# --- The way back from the consents flow (core.returns) ------------------------------------


def follow_up_return(user, kwargs, query) -> ReturnTo | None:
    """Back to "Book a follow-up" in the patient's own thread: to confirm
    the time held there, or to pick one (of the service they had chosen).

    The address lands on the part of the panel that answers, which on a
    phone sits below the conversation: the hold to confirm, else the times."""
    try:
        conversation = conversation_get_for_user(user=user, public_id=kwargs["public_id"])
        hold_key, offering_key = query.get("hold"), query.get("offering")
        hold = appointment_get_for_patient(patient=user, public_id=hold_key) if hold_key else None
        offering = bookable_offering_get(patient=user, public_id=offering_key) if offering_key and not hold else None
    except Http404:
        return None
    relationship = conversation.relationship
    named = hold or offering
    if relationship.patient_id != user.pk or (named is not None and named.specialist_id != relationship.specialist_id):
        return None
    facts = {
        "label": _("Back to your conversation with %(name)s") % {"name": relationship.specialist.display_name},
        "specialist": relationship.specialist,
    }
    if hold is None:
        return ReturnTo(url=follow_up_url(conversation, offering=offering) + "#panel-book", offering=offering, **facts)
    url = follow_up_url(conversation, hold=hold)
    if hold.status == AppointmentStatus.HELD and hold.expires_at > timezone.now():
        return ReturnTo(url=url + "#panel-hold", held_until=hold.expires_at, offering=hold.offering, **facts)
    note = _("The time you picked is no longer held: the hold ran out. The conversation shows the nearest free times.")
    # The panel then opens on why, above the nearest free times.
    return ReturnTo(url=url + "#thread-panel", note=note, offering=hold.offering, **facts)
