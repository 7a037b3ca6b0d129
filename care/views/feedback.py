"""Feedback pages: the patient's answer (portal page, the appointment
page's panel, the emailed link's confirmation page), the organization's
settings and the specialist's results."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.models import AuditLog
from core.portals import Portal, no_store, portal_required
from core.services import audit_read, audit_reads, audit_record
from core.timeutils import format_date
from organizations.selectors import organization_get_for_admin
from specialists.selectors import specialist_profile_for_user

from .. import feedback as services
from ..feedback_selectors import (
    feedback_list_for_specialist,
    feedback_of,
    feedback_session_for_patient,
    feedback_settings_rows,
    feedback_summary_for_specialist,
)
from ..forms_feedback import FeedbackForm, FeedbackSettingsForm

PATIENT_TEMPLATE = "care/patient/feedback.html"
LINK_TEMPLATE = "care/patient/feedback_link.html"


# --- Patient portal ---------------------------------------------------------


def _asked(appointment, feedback) -> dict:
    """Which questions the form shows: those asked now, or, for an answer
    being changed, those it was asked (plus any it answered)."""
    if feedback is None:
        due = services.feedback_due_for(appointment)
        if due is None:
            return {}
        return {"ask_csat": due.ask_csat, "ask_progress": due.ask_progress, "ask_nps": due.ask_nps}
    rules = services.feedback_settings_for(appointment)
    return {
        "ask_csat": rules.ask_csat or feedback.csat is not None,
        "ask_progress": rules.ask_progress or bool(feedback.progress),
        "ask_nps": feedback.asked_nps,
    }


@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
def patient_feedback_view(request, public_id):
    """Give, change (for 7 days) or see one's feedback on a session."""
    appointment = feedback_session_for_patient(patient=request.user, public_id=public_id)
    feedback = feedback_of(appointment)
    if feedback is not None:
        audit_read(request, feedback)
    editable = feedback is not None and timezone.now() < feedback.editable_until
    asked = _asked(appointment, feedback) if feedback is None or editable else {}
    data = request.POST if request.method == "POST" else None
    initial = FeedbackForm.initial_for(feedback) if feedback else {}
    form = FeedbackForm(data, initial=initial, **asked) if asked else None
    anonymous = (
        services.feedback_is_anonymous(feedback) if feedback else services.feedback_settings_for(appointment).anonymous
    )
    context = {
        "appointment": appointment,
        "feedback": feedback,
        "editable": editable,
        "form": form,
        "anonymous": anonymous,
    }
    if request.method == "GET":
        return render(request, PATIENT_TEMPLATE, context)
    if form is None:
        context["error"] = (
            _("Feedback can be changed for 7 days after it is given.")
            if feedback
            else _("Feedback is for sessions that took place.")
        )
        return render(request, PATIENT_TEMPLATE, context, status=409 if feedback else 422)
    if feedback is not None and request.POST.get("mode") == "new":
        context["error"] = _("You already gave feedback on this session. You can change it below.")
        context["form"] = FeedbackForm(initial=initial, **asked)
        return render(request, PATIENT_TEMPLATE, context, status=409)
    if not form.is_valid():
        return render(request, PATIENT_TEMPLATE, context, status=422)
    try:
        if feedback is None:
            services.feedback_submit(patient=request.user, appointment=appointment, request=request, **form.answers())
            messages.success(request, _("Thank you. You can change your answer for 7 days."))
        else:
            services.feedback_edit(patient=request.user, feedback=feedback, request=request, **form.answers())
            messages.success(request, _("Your feedback is updated."))
    except ValidationError as error:
        context["error"] = error.messages[0]
        return render(request, PATIENT_TEMPLATE, context, status=409 if error.code == "already_given" else 422)
    return redirect("care:patient-feedback", appointment.public_id)


@require_GET
@portal_required(Portal.PATIENT)
def patient_feedback_panel_view(request, public_id):
    """The appointment page's feedback panel: a link to answer, or to one's
    answer; empty when the session did not take place."""
    appointment = feedback_session_for_patient(patient=request.user, public_id=public_id)
    feedback = feedback_of(appointment)
    due = services.feedback_due_for(appointment) if feedback is None else None
    context = {
        "appointment": appointment,
        "feedback": feedback,
        "due": due,
        "editable": feedback is not None and timezone.now() < feedback.editable_until,
    }
    return render(request, "care/patient/_feedback_panel.html", context)


# --- The emailed link ---------------------------------------------------------

# The link alone is enough to answer, signed in or not. It was sent to the
# patient's own address, names one session, is signed, expires and works
# once; all it can do is store the answer to this session, and the page
# shows nothing the email did not already say (the date and the
# specialist's name). Asking for a sign-in first would turn "one tap" into
# a password hunt on a phone and lose most answers. Seeing or changing the
# answer afterwards is the portal's and needs a sign-in.


def _link_refused(request, error: ValidationError):
    status = 404 if error.code == "invalid" else 410
    return no_store(render(request, LINK_TEMPLATE, {"refused": error.messages[0]}, status=status))


@require_http_methods(["GET", "POST"])
def feedback_link_view(request, token):
    """The confirmation page of an emailed link: GET shows the question with
    the tapped answer chosen and stores nothing; POST stores the answer."""
    try:
        appointment = services.feedback_link_resolve(token)
    except ValidationError as error:
        return _link_refused(request, error)
    due = services.feedback_due_for(appointment)
    asked = {"ask_csat": due.ask_csat, "ask_progress": due.ask_progress, "ask_nps": due.ask_nps}
    if request.method == "POST":
        form = FeedbackForm(request.POST, **asked)
    else:
        chosen = request.GET.get("csat", "")
        form = FeedbackForm(initial={"csat": int(chosen)} if chosen in {"1", "2", "3", "4", "5"} else {}, **asked)
    context = {
        "form": form,
        "appointment": appointment,
        "when": format_date(appointment.starts_at, "year", appointment.patient.timezone),
        "specialist_name": appointment.specialist.display_name,
        "anonymous": due.anonymous,
        # The page wears the organization's brand, signed in or not.
        "brand": appointment.specialist.organization,
    }
    if request.method == "POST":
        return _link_submit(request, appointment, form, context)
    return no_store(render(request, LINK_TEMPLATE, context))


def _link_submit(request, appointment, form, context):
    if not form.is_valid():
        return no_store(render(request, LINK_TEMPLATE, context, status=422))
    patient = appointment.patient
    try:
        services.feedback_submit(patient=patient, appointment=appointment, request=request, **form.answers())
    except ValidationError as error:
        if error.code == "already_given":
            return _link_refused(request, ValidationError(_("This link was already used."), code="used"))
        context["error"] = error.messages[0]
        return no_store(render(request, LINK_TEMPLATE, context, status=422))
    portal_url = reverse("care:patient-feedback", args=[appointment.public_id])
    if request.user.is_authenticated and request.user.pk == patient.pk:
        messages.success(request, _("Thank you. You can change your answer for 7 days."))
        return redirect(portal_url)
    context = {"thanks": True, "portal_url": portal_url, "brand": appointment.specialist.organization}
    return no_store(render(request, LINK_TEMPLATE, context))


# --- Organization portal ------------------------------------------------------


def _settings_forms(organization, data=None, scope=None) -> list[dict]:
    rows = []
    for row in feedback_settings_rows(organization=organization):
        key = str(row.program.public_id) if row.program else "default"
        initial = FeedbackSettingsForm.initial_for(
            row.rules, follow_default=row.program is not None and not row.has_own
        )
        bound = data if key == scope else None
        form = FeedbackSettingsForm(bound, initial=initial, prefix=key, for_program=row.program is not None)
        rows.append({"key": key, "row": row, "form": form})
    return rows


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def org_feedback_settings_view(request, org_slug):
    """What the organization asks after a session, by default and per program."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    scope = request.POST.get("scope") if request.method == "POST" else None
    rows = _settings_forms(organization, request.POST if scope else None, scope)
    context = {"organization": organization, "rows": rows}
    if request.method == "GET":
        return render(request, "care/organization/feedback_settings.html", context)
    current = next((entry for entry in rows if entry["key"] == scope), None)
    if current is None:
        context["error"] = _("Choose the settings to save.")
        return render(request, "care/organization/feedback_settings.html", context, status=422)
    form, program = current["form"], current["row"].program
    if not form.is_valid():
        return render(request, "care/organization/feedback_settings.html", context, status=422)
    if program is not None and form.cleaned_data["follow_default"]:
        services.feedback_settings_reset(organization=organization, program=program, by=request.user, request=request)
    else:
        services.feedback_settings_save(
            organization=organization, program=program, by=request.user, request=request, **form.settings()
        )
    messages.success(request, _("Feedback settings saved. They apply to sessions completed from now on."))
    return redirect("care:org-feedback-settings", organization.slug)


# --- Specialist portal ----------------------------------------------------------

PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}
DEFAULT_PERIOD = "90"


@require_GET
@portal_required(Portal.SPECIALIST)
def specialist_feedback_view(request):
    """The specialist's NPS, CSAT and response rate over a period, and the
    answers: anonymous ones without name, session or day."""
    period = request.GET.get("period", DEFAULT_PERIOD)
    status = 200
    if period not in PERIODS:
        period, status = DEFAULT_PERIOD, 400
    days = PERIODS[period]
    since = timezone.now() - timedelta(days=days) if days else None
    profile = specialist_profile_for_user(user=request.user)
    context = {"period": period, "periods": PERIODS, "profile": profile, "bad_period": status == 400}
    if profile is not None:
        rows = feedback_list_for_specialist(profile=profile, since=since, zone=request.user.timezone or "UTC")
        # A named answer is health data about that patient.
        audit_reads(request, [row.feedback for row in rows if not row.anonymous])
        if rows and all(row.anonymous for row in rows):
            # Still a read of the answers, though of no one by name.
            audit_record(request=request, action=AuditLog.Action.READ, obj=profile)
        summary = feedback_summary_for_specialist(profile=profile, since=since)
        context.update({"rows": rows, "summary": summary, "too_few": services.too_few(summary.responses)})
    return render(request, "care/specialist/feedback.html", context, status=status)
