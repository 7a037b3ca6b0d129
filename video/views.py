"""The room's pages and the specialist's actions in it.

One address per room, keyed by the appointment's public id, for both
sides: its patient and its specialist (with an active care relationship)
get in; anyone else gets a 404 and an audit row. The specialist's actions
answer a plain form with a redirect and a `fetch` or htmx call with 204.
"""

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from booking.models import Appointment
from core.portals import Portal, is_staff_member, mfa_satisfied, portal_required
from core.selectors import NotYours
from core.services import audit_read
from organizations.selectors import organization_get_for_admin

from . import selectors, services
from .forms import PreferenceForm, VideoPolicyForm
from .models import VideoParticipation
from .turn import ice_servers


def _is_fetch(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or bool(getattr(request, "htmx", False))


def _session_or_404(request, public_id):
    """The room `public_id` if the signed-in user is in it, else 404 (an
    audit row when the appointment exists). Staff need their second factor
    here as in their portal."""
    session = selectors.session_for_user(public_id, request.user)
    if session is None:
        appointment = Appointment.objects.filter(public_id=public_id).first()
        raise NotYours(appointment) if appointment else Http404
    role = selectors.role_of(session, request.user)
    # The room's pages wear the navigation of the side the person is on.
    request.portal = Portal(role)
    return session, role


def _back_url(session, role) -> str:
    name = "booking:specialist-appointment" if role == "specialist" else "booking:patient-appointment"
    return reverse(name, args=[session.appointment.public_id])


def _staff_without_second_factor(request) -> bool:
    return is_staff_member(request.user) and not mfa_satisfied(request.user)


@require_GET
@login_required
@csp_update({"script-src": ["'wasm-unsafe-eval'"]})  # the background segmentation's WebAssembly
def room_view(request, public_id):
    """The room, while its window is open; otherwise when it opens or that
    it ended."""
    if _staff_without_second_factor(request):
        return redirect("core:mfa-required")
    session, role = _session_or_404(request, public_id)
    appointment = session.appointment
    audit_read(request, appointment)
    context = {
        "session": session,
        "appointment": appointment,
        "role": role,
        "window": selectors.window(session),
        "back_url": _back_url(session, role),
        "portal_base": f"portals/{role}/base.html",
    }
    if not context["window"].is_open:
        return render(request, "video/room_closed.html", context)
    return render(request, "video/room.html", context | _room_context(request, session, role))


def _room_context(request, session, role) -> dict:
    appointment = session.appointment
    patient_name = appointment.patient.display_name
    specialist_name = appointment.specialist.display_name
    is_specialist = role == VideoParticipation.Role.SPECIALIST
    key = [appointment.public_id]
    return {
        "me_name": specialist_name if is_specialist else patient_name,
        "peer_name": patient_name if is_specialist else specialist_name,
        "background": selectors.background_for(request.user),
        "ice_servers": ice_servers(request.user),
        "ws_path": f"/ws/video/{appointment.public_id}/",
        "admit_url": reverse("video:admit", args=key) if is_specialist else None,
        "end_url": reverse("video:end", args=key) if is_specialist else None,
        "no_show_url": reverse("video:no-show", args=key) if is_specialist else None,
        "preference_url": reverse("video:preference"),
        # The pair's conversation beside the call (messaging's compact thread).
        "chat_url": reverse("messaging:call-chat", args=key),
    }


def _specialist_action(request, public_id):
    """The room for a specialist's POST, or a response that stops it."""
    if _staff_without_second_factor(request):
        return None, redirect("core:mfa-required")
    session, role = _session_or_404(request, public_id)
    if role != VideoParticipation.Role.SPECIALIST:
        return None, HttpResponse(_("Only the specialist can do this."), status=403, content_type="text/plain")
    return session, None


def _refused(request, session, error: ValidationError, status: int = 409):
    message = " ".join(error.messages)
    if _is_fetch(request):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    context = {"session": session, "appointment": session.appointment, "message": message}
    context["back_url"] = _back_url(session, VideoParticipation.Role.SPECIALIST)
    return render(request, "video/refused.html", context, status=status)


@require_POST
@login_required
def admit_view(request, public_id):
    """Let the waiting patient in (from the room, the waiting list or the thread)."""
    session, stop = _specialist_action(request, public_id)
    if stop:
        return stop
    try:
        services.admit(session, request.user)
    except ValidationError as error:
        return _refused(request, session, error)
    if _is_fetch(request):
        return HttpResponse(status=204)
    return redirect("video:room", session.appointment.public_id)


@require_POST
@login_required
def end_view(request, public_id):
    """End the session: the appointment is completed."""
    session, stop = _specialist_action(request, public_id)
    if stop:
        return stop
    was_ended = session.ended_at is not None
    services.session_end(session, request.user)
    back_url = _back_url(session, VideoParticipation.Role.SPECIALIST)
    if _is_fetch(request):
        return HttpResponse(status=204, headers={"HX-Redirect": back_url})
    messages.success(request, _("This session had already ended.") if was_ended else _("The session has ended."))
    return redirect(back_url)


@require_POST
@login_required
def no_show_view(request, public_id):
    """Record that the patient did not come (refused with the reason while
    it is too early or once they joined)."""
    session, stop = _specialist_action(request, public_id)
    if stop:
        return stop
    try:
        services.mark_no_show(session, request.user)
    except ValidationError as error:
        return _refused(request, session, error)
    back_url = _back_url(session, VideoParticipation.Role.SPECIALIST)
    if _is_fetch(request):
        return HttpResponse(status=204, headers={"HX-Redirect": back_url})
    messages.success(request, _("The session is recorded as a no-show."))
    return redirect(back_url)


@require_POST
@login_required
def preference_view(request):
    """Remember the person's background (none, blur or colour)."""
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        return HttpResponse(" ".join(form.errors["background"]), status=422, content_type="text/plain; charset=utf-8")
    services.preference_set(user=request.user, background=form.cleaned_data["background"])
    if _is_fetch(request):
        return HttpResponse(status=204)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("core:home")
    return redirect(target)


@require_GET
@portal_required(Portal.SPECIALIST)
def waiting_view(request):
    """The patients waiting in the specialist's rooms now: a page, and the
    list alone for the live refresh."""
    context = {"sessions": selectors.waiting_list_for_specialist(user=request.user)}
    if request.htmx and not request.htmx.boosted:
        return render(request, "video/waiting.html#waiting-list", context)
    return render(request, "video/waiting.html", context)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def org_settings_view(request, org_slug):
    """When the organization's rooms open and how long they stay open."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    policy = selectors.policy_for(organization)
    form = VideoPolicyForm(
        request.POST if request.method == "POST" else None, initial=VideoPolicyForm.initial_for(policy)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.policy_update(organization=organization, by=request.user, **form.cleaned_data)
            messages.success(request, _("Video settings saved. They apply to every session from now on."))
            return redirect("video:org-settings", organization.slug)
        status = 422
    return render(request, "video/org_settings.html", {"organization": organization, "form": form}, status=status)
