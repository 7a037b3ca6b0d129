"""The specialist's side of scheduling: their appointments, the requests
waiting for an answer, and proposals of times.

Every object is looked up among the signed-in specialist's own (anyone
else's is 404). Every change is a POST that calls one service; a refused
change re-renders the page with the reason: 422 for bad input, 409 when the
object has moved on (answered already, or the time was just taken).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.portals import Portal, portal_required
from core.services import audit_read
from specialists.selectors import specialist_profile_for_user

from ..followup import follow_up_for_appointment
from ..forms.specialist import CancelForm, DeclineForm, ProposalForm, RescheduleForm
from ..http import refusal_status
from ..models import AppointmentEvent
from ..readiness import appointment_items, readiness_annotate
from ..selectors import patients_of_specialist
from ..selectors_specialist import (
    appointment_get_for_specialist,
    appointment_overview_for_specialist,
    availability_request_get_for_specialist,
    proposal_get_for_specialist,
    proposal_suggestions,
    request_windows,
)
from ..services import (
    SlotTaken,
    appointment_cancel,
    appointment_request_accept,
    appointment_request_decline,
    appointment_reschedule,
    availability_request_close,
    is_late_cancellation,
    proposal_withdraw,
)
from ..states import AppointmentStatus

S = AppointmentStatus

# The appointments whose page lists the consents and forms due before them.
BEFORE_SESSION_SHOWN = frozenset({S.REQUESTED, S.AWAITING_PAYMENT, S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED})


# --- Helpers -----------------------------------------------------------------------


def _see_other(url: str):
    response = redirect(url)
    response.status_code = 303
    return response


def _set_up_profile_first(request):
    """A specialist without a profile has no appointments yet: send them to
    write it (opening it creates it), saying why."""
    messages.info(request, _("Set up your profile first: appointments and proposals belong to it."))
    return redirect("specialists:profile-edit")


# --- Appointments list -------------------------------------------------------------


@require_GET
@portal_required(Portal.SPECIALIST)
def appointment_list_view(request):
    profile = specialist_profile_for_user(user=request.user)
    if profile is None:
        return _set_up_profile_first(request)
    now = timezone.now()
    context = {
        "now": now,
        "zone": request.user.timezone,
        **appointment_overview_for_specialist(profile=profile, now=now),
    }
    readiness_annotate([*context["awaiting_payment"], *context["upcoming"]], now=now)
    return render(request, "booking/specialist/appointments.html", context)


# --- One appointment ------------------------------------------------------------------


def _render_detail(request, appointment, *, status=200, error=None, panel="", **bound):
    """The appointment page; `panel` names the action form to show open
    (after a GET of the reschedule page, or a refused POST)."""
    audit_read(request, appointment)
    now = timezone.now()
    local_start = timezone.localtime(appointment.starts_at)
    readiness_annotate([appointment], now=now)
    before_session = appointment_items(appointment) if appointment.status in BEFORE_SESSION_SHOWN else []
    for item in before_session:
        if item.response is not None:  # its status and score are read from the answers
            audit_read(request, item.response)
    context = {
        "appointment": appointment,
        "events": AppointmentEvent.objects.filter(appointment=appointment).select_related("actor"),
        "now": now,
        "is_future": appointment.starts_at > now,
        "would_be_late": appointment.status == S.CONFIRMED and is_late_cancellation(appointment, now),
        "error": error,
        "panel": panel,
        "before_session": before_session,
        "shows_before_session": appointment.status in BEFORE_SESSION_SHOWN,
        "follow_up": follow_up_for_appointment(appointment=appointment, to_patient=False, now=now),
        "decline_form": bound.get("decline_form") or DeclineForm(),
        "cancel_form": bound.get("cancel_form") or CancelForm(),
        "reschedule_form": bound.get("reschedule_form")
        or RescheduleForm(
            zone_name=request.user.timezone, initial={"date": local_start.date(), "time": local_start.time()}
        ),
    }
    return render(request, "booking/specialist/appointment_detail.html", context, status=status)


@require_GET
@portal_required(Portal.SPECIALIST)
def appointment_detail_view(request, public_id):
    return _render_detail(request, appointment_get_for_specialist(user=request.user, public_id=public_id))


@require_POST
@portal_required(Portal.SPECIALIST)
def accept_view(request, public_id):
    appointment = appointment_get_for_specialist(user=request.user, public_id=public_id)
    try:
        appointment_request_accept(appointment=appointment, by=request.user)
    except SlotTaken:
        message = _("Another booking now holds this time, so it cannot be accepted. Decline it or propose other times.")
        return _render_detail(request, appointment, status=409, error=message)
    except ValidationError as error:
        return _render_detail(request, appointment, status=refusal_status(error), error=" ".join(error.messages))
    messages.success(request, _("Accepted: the session is booked."))
    return _see_other(reverse("booking:specialist-appointment", args=[appointment.public_id]))


def _reason_action(request, public_id, *, form_class, service, panel, done):
    """Decline and cancel: a reason, one service call, back to the page."""
    appointment = appointment_get_for_specialist(user=request.user, public_id=public_id)
    form = form_class(request.POST)
    if not form.is_valid():
        return _render_detail(request, appointment, status=422, panel=panel, **{f"{panel}_form": form})
    try:
        service(appointment=appointment, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        message = " ".join(error.messages)
        return _render_detail(request, appointment, status=refusal_status(error), error=message, panel=panel)
    messages.success(request, done)
    return _see_other(reverse("booking:specialist-appointment", args=[appointment.public_id]))


@require_POST
@portal_required(Portal.SPECIALIST)
def decline_view(request, public_id):
    return _reason_action(
        request,
        public_id,
        form_class=DeclineForm,
        service=appointment_request_decline,
        panel="decline",
        done=_("Declined. The patient sees your reason."),
    )


@require_POST
@portal_required(Portal.SPECIALIST)
def cancel_view(request, public_id):
    return _reason_action(
        request,
        public_id,
        form_class=CancelForm,
        service=appointment_cancel,
        panel="cancel",
        done=_("The session is cancelled."),
    )


@require_http_methods(["GET", "POST"])
@portal_required(Portal.SPECIALIST)
def reschedule_view(request, public_id):
    """GET: the appointment page with the move form open. POST: move it to
    the date and time typed in the specialist's zone."""
    appointment = appointment_get_for_specialist(user=request.user, public_id=public_id)
    if request.method == "GET":
        return _render_detail(request, appointment, panel="reschedule")
    form = RescheduleForm(request.POST, zone_name=request.user.timezone)
    if not form.is_valid():
        return _render_detail(request, appointment, status=422, panel="reschedule", reschedule_form=form)
    data = form.cleaned_data
    try:
        appointment_reschedule(
            appointment=appointment, starts_at=data["starts_at"], by=request.user, reason=data["reason"]
        )
    except SlotTaken:
        form.add_error(None, _("That time overlaps another booking. Please pick another time."))
        return _render_detail(request, appointment, status=409, panel="reschedule", reschedule_form=form)
    except ValidationError as error:
        if refusal_status(error) == 409:  # no longer movable: the form may not even show
            return _render_detail(request, appointment, status=409, error=" ".join(error.messages))
        form.add_error(None, error)
        return _render_detail(request, appointment, status=422, panel="reschedule", reschedule_form=form)
    messages.success(request, _("The session is moved."))
    return _see_other(reverse("booking:specialist-appointment", args=[appointment.public_id]))


# --- Availability requests -----------------------------------------------------------


def _render_request(request, availability_request, *, status=200, error=None):
    audit_read(request, availability_request)  # the note may hold health details
    context = {"req": availability_request, "windows": request_windows(availability_request), "error": error}
    return render(request, "booking/specialist/request_detail.html", context, status=status)


@require_GET
@portal_required(Portal.SPECIALIST)
def request_detail_view(request, public_id):
    return _render_request(request, availability_request_get_for_specialist(user=request.user, public_id=public_id))


@require_POST
@portal_required(Portal.SPECIALIST)
def request_close_view(request, public_id):
    availability_request = availability_request_get_for_specialist(user=request.user, public_id=public_id)
    try:
        availability_request_close(request=availability_request, by=request.user)
    except ValidationError as error:
        return _render_request(request, availability_request, status=409, error=" ".join(error.messages))
    messages.success(request, _("The request is closed without a proposal."))
    return _see_other(reverse("booking:specialist-appointments"))


# --- Proposals ---------------------------------------------------------------------------


def _proposal_form(request, profile, answering, now):
    """The proposal form, and the offering whose free times to suggest: the
    one chosen, else the request's, else the first."""
    offerings = profile.offerings.filter(is_active=True).order_by("position", "price_minor", "pk")
    listed = list(offerings)
    key = request.POST.get("offering") or request.GET.get("offering", "")
    picked = next((o for o in listed if str(o.public_id) == key), None)
    if picked is None and answering is not None and answering.offering in listed:
        picked = answering.offering
    form = ProposalForm(
        request.POST if request.method == "POST" else None,
        patients=[] if answering else patients_of_specialist(profile),
        offerings=offerings,
        specialist=profile,
        zone_name=request.user.timezone,
        now=now,
        fixed_patient=answering.patient if answering else None,
        initial={"patient": request.GET.get("patient", ""), "offering": picked.public_id if picked else None},
    )
    return form, picked or (listed[0] if listed else None)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.SPECIALIST)
def proposal_create_view(request):
    """Offer a patient one to five times. `?request=` answers an
    availability request (its patient is fixed); `?patient=` preselects."""
    profile = specialist_profile_for_user(user=request.user)
    if profile is None:
        return _set_up_profile_first(request)
    answering = (
        availability_request_get_for_specialist(user=request.user, public_id=request.GET["request"])
        if request.GET.get("request")
        else None
    )
    now = timezone.now()
    form, offering = _proposal_form(request, profile, answering, now)
    status = 200
    if request.method == "POST":
        proposal, status = form.save(specialist=profile, by=request.user, answering=answering)
        if proposal is not None:
            messages.success(request, _("Your times are sent. They stay reserved until the patient answers."))
            return _see_other(reverse("booking:specialist-proposal", args=[proposal.public_id]))
    context = {
        "form": form,
        "answering": answering,
        "windows": request_windows(answering) if answering else [],
        "suggestion_offering": offering,
        "suggestions": proposal_suggestions(offering, zone_name=request.user.timezone, now=now),
        "zone": request.user.timezone,
    }
    if request.htmx and not request.htmx.boosted and request.method == "GET":
        return render(request, "booking/specialist/proposal_create.html#proposal-suggestions", context)
    return render(request, "booking/specialist/proposal_create.html", context, status=status)


def _render_proposal(request, proposal, *, status=200, error=None):
    audit_read(request, proposal)  # the note may hold health details
    context = {
        "proposal": proposal,
        "options": sorted(proposal.appointments.all(), key=lambda option: option.starts_at),
        "now": timezone.now(),
        "error": error,
    }
    return render(request, "booking/specialist/proposal_detail.html", context, status=status)


@require_GET
@portal_required(Portal.SPECIALIST)
def proposal_detail_view(request, public_id):
    return _render_proposal(request, proposal_get_for_specialist(user=request.user, public_id=public_id))


@require_POST
@portal_required(Portal.SPECIALIST)
def proposal_withdraw_view(request, public_id):
    proposal = proposal_get_for_specialist(user=request.user, public_id=public_id)
    try:
        proposal_withdraw(proposal=proposal, by=request.user)
    except ValidationError as error:
        proposal = proposal_get_for_specialist(user=request.user, public_id=public_id)  # as it is now
        return _render_proposal(request, proposal, status=409, error=" ".join(error.messages))
    messages.success(request, _("The proposal is withdrawn and its times are free again."))
    return _see_other(reverse("booking:specialist-proposal", args=[proposal.public_id]))
