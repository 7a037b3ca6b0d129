"""The guided intake in the patient portal.

A patient reads and writes only their own intake, so there is no id in the
URLs and no audit row for these self-reads (see patients.selectors).
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.portals import Portal, portal_required

from . import selectors, services
from .forms import intake_step_form
from .selectors import STEP_TITLES, STEPS

TEMPLATE = "patients/patient/intake_step.html"


def _step_or_404(step: str) -> str:
    if step not in STEPS:
        raise Http404
    return step


def _after(intake, step: str) -> str:
    """Where Save or Skip leads: the next step, or the summary at the end."""
    index = STEPS.index(step)
    if intake.completed_at or index == len(STEPS) - 1:
        return reverse("patients:intake")
    return reverse("patients:intake-step", args=[STEPS[index + 1]])


def _context(intake, step: str, form, *, saved: bool = False) -> dict:
    index = STEPS.index(step)
    skipped = intake.skipped_steps if intake else []
    reached = len(STEPS) if intake and intake.completed_at else STEPS.index(intake.current_step) if intake else 0
    return {
        "intake": intake,
        "step": step,
        "number": index + 1,
        "total": len(STEPS),
        "title": STEP_TITLES[step],
        "steps": [
            {
                "slug": slug,
                "number": number,
                "title": STEP_TITLES[slug],
                "url": reverse("patients:intake-step", args=[slug]),
                "is_current": slug == step,
                "is_done": number - 1 < reached and slug != step and slug not in skipped,
                "is_skipped": slug in skipped and slug != step,
            }
            for number, slug in enumerate(STEPS, start=1)
        ],
        "previous_url": reverse("patients:intake-step", args=[STEPS[index - 1]]) if index else "",
        "is_complete": bool(intake and intake.completed_at),
        "form": form,
        "saved": saved,
    }


@require_GET
@portal_required(Portal.PATIENT)
def intake_view(request):
    """Resume where the patient stopped, or show every answer once complete."""
    intake = selectors.intake_get_for_user(request.user)
    if intake is None or not intake.completed_at:
        return redirect("patients:intake-step", intake.current_step if intake else STEPS[0])
    context = {"intake": intake, "sections": selectors.intake_summary(intake)}
    return render(request, "patients/patient/intake_summary.html", context)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
def intake_step_view(request, step):
    """One step. A plain POST (the Save button) saves and moves on; an htmx
    POST (a change in the form) saves as the patient goes and stays."""
    step = _step_or_404(step)
    intake = selectors.intake_get_for_user(request.user)
    currency = selectors.intake_currency_for_user(request.user)
    form = intake_step_form(
        step,
        intake=intake,
        user=request.user,
        currency=currency,
        data=request.POST if request.method == "POST" else None,
    )
    partial = request.htmx and not request.htmx.boosted
    template = f"{TEMPLATE}#intake-form" if partial else TEMPLATE
    if request.method == "GET":
        return render(request, template, _context(intake, step, form))
    if not form.is_valid():
        return render(request, template, _context(intake, step, form), status=422)
    intake = services.intake_save_step(user=request.user, step=step, data=form.answers(), advance=not partial)
    if not partial:
        return redirect(_after(intake, step))
    # The form swaps in only the "Saved" note and, out of band, each field's
    # messages: what the patient is ticking or typing is never overwritten.
    return render(request, template, _context(intake, step, form, saved=True))


@require_POST
@portal_required(Portal.PATIENT)
def intake_skip_view(request, step):
    step = _step_or_404(step)
    intake = services.intake_skip_step(user=request.user, step=step)
    return redirect(_after(intake, step))
