"""Patient-side discovery: the matching questionnaire, its shortlist,
choosing a specialist, and joining a program."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from care.models import CareRelationship
from core.portals import Portal, portal_required
from core.ratelimit import allow
from organizations.models import Program, ProgramEnrolment
from organizations.selectors import program_get_open_by_code
from organizations.services import program_enrol, program_enrol_by_code
from patients.selectors import intake_get_for_user
from patients.services import intake_record_answers

from .. import services
from ..forms import EnrolmentCodeForm
from ..matching import shortlist_for_patient
from ..questionnaire import MatchingForm, context_for_patient, criteria_from_intake, initial_from_intake
from .directory import visible_profile


@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
def match_view(request):
    """The questionnaire, prefilled from the intake; answers go back into it."""
    context = context_for_patient(user=request.user)
    form = MatchingForm(
        request.POST or None,
        keys=context.question_keys,
        currency=context.currency,
        initial=initial_from_intake(intake_get_for_user(user=request.user)),
    )
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "discovery/patient/match.html", {"form": form}, status=422)
        intake = intake_record_answers(user=request.user, answers=form.answers(), currency=context.currency)
        allocating = [p for p in context.programs if p.assignment_rule == Program.AssignmentRule.BEST_MATCH]
        if allocating:
            matches = shortlist_for_patient(
                user=request.user, criteria=criteria_from_intake(intake, currency=context.currency), limit=None
            )
            return _after_assignment(
                request,
                allocating[0],
                services.program_assign(patient=request.user, program=allocating[0], matches=matches),
            )
        return redirect("discovery:match-results")
    return render(request, "discovery/patient/match.html", {"form": form})


@require_GET
@portal_required(Portal.PATIENT)
def match_results_view(request):
    """The ranked shortlist, each with the reasons it fits."""
    intake = intake_get_for_user(user=request.user)
    if intake is None:
        return redirect("discovery:match")
    context = context_for_patient(user=request.user)
    shortlist = shortlist_for_patient(
        user=request.user, criteria=criteria_from_intake(intake, currency=context.currency)
    )
    return render(request, "discovery/patient/match_results.html", {"shortlist": shortlist})


@require_POST
@portal_required(Portal.PATIENT)
def choose_view(request, slug):
    profile = visible_profile(request, slug)
    source = CareRelationship.Source.MATCHED if request.POST.get("from") == "match" else CareRelationship.Source.CHOSEN
    try:
        relationship = services.specialist_choose(patient=request.user, profile=profile, source=source)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("discovery:profile", slug)
    messages.success(
        request,
        _("You chose %(name)s. Next: book your first session.") % {"name": relationship.specialist.display_name},
    )
    return redirect("core:patient-home")


@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
def program_join_view(request):
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST":
        # Codes are short and guessable: ten tries per quarter of an hour.
        if not allow(f"program-join:{request.user.pk}", limit=10, window_seconds=15 * 60):
            form.add_error(None, _("Too many codes tried. Please wait a few minutes and try again."))
            return render(request, "discovery/patient/program_join.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                enrolment = program_enrol_by_code(code=form.cleaned_data["code"], patient=request.user)
            except ValidationError as error:
                form.add_error("code", error)
            else:
                return _after_joining(request, enrolment.program)
        return render(request, "discovery/patient/program_join.html", {"form": form}, status=422)
    return render(request, "discovery/patient/program_join.html", {"form": form})


@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
def program_join_link_view(request, code):
    """An enrolment link: shows the program; joining takes a click, never a GET."""
    program = program_get_open_by_code(code=code)
    if request.method == "POST":
        program_enrol(program=program, patient=request.user, via=ProgramEnrolment.Via.LINK)
        return _after_joining(request, program)
    return render(request, "discovery/patient/program_join_link.html", {"program": program})


def _after_joining(request, program: Program):
    if program.assignment_rule in (Program.AssignmentRule.ROUND_ROBIN, Program.AssignmentRule.LEAST_LOADED):
        return _after_assignment(request, program, services.program_assign(patient=request.user, program=program))
    messages.success(
        request,
        _("Welcome to %(program)s. A few questions help us find the right specialist for you.")
        % {"program": program.name},
    )
    return redirect("discovery:match")


def _after_assignment(request, program: Program, relationship):
    if relationship is None:
        messages.info(
            request,
            _(
                "Every specialist of %(program)s is fully booked right now. Choose from the "
                "shortlist below; we will tell your program."
            )
            % {"program": program.name},
        )
        return redirect("discovery:match-results")
    messages.success(
        request,
        _("Welcome to %(program)s. You have been matched with %(name)s.")
        % {"program": program.name, "name": relationship.specialist.display_name},
    )
    return redirect("core:patient-home")
