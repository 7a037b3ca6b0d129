"""Patient-side discovery: the matching questionnaire, its shortlist,
choosing a specialist, and joining a program."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from care.models import CareRelationship
from care.selectors import care_relationship_list_for_patient
from core.portals import Portal, portal_required
from core.ratelimit import allow
from organizations.models import Program, ProgramEnrolment
from organizations.selectors import program_get_open_by_code
from organizations.services import program_enrol, program_enrol_by_code
from patients.selectors import intake_get_for_user
from patients.services import intake_record_answers

from .. import services
from ..forms import EnrolmentCodeForm
from ..matching import Shortlist, shortlist_for_patient
from ..questionnaire import (
    MatchingForm,
    answers_summary,
    context_for_patient,
    criteria_from_intake,
    initial_from_intake,
)
from ..selectors import specialist_list_by_slugs
from .directory import times_in_utc, visible_profile


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
            criteria = criteria_from_intake(intake, currency=context.currency, keys=context.question_keys)
            matches = shortlist_for_patient(user=request.user, criteria=criteria, limit=None).matches
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
    """The ranked shortlist as directory cards, each with the reasons it
    fits and what it does not meet, under the answers it was made from. A
    short one says which answers cut it; `?widen=` relaxes one of them."""
    intake = intake_get_for_user(user=request.user)
    if intake is None:
        return redirect("discovery:match")
    context = context_for_patient(user=request.user)
    criteria = criteria_from_intake(intake, currency=context.currency, keys=context.question_keys)
    shortlist = shortlist_for_patient(
        user=request.user, criteria=criteria, widen=frozenset(request.GET.getlist("widen"))
    )
    return render(
        request,
        "discovery/patient/match_results.html",
        {
            "shortlist": shortlist,
            "cards": _cards(request, shortlist),
            "answers": answers_summary(criteria, keys=context.question_keys, names=shortlist.names),
            "widen_offers": _widen_offers(shortlist),
            "times_in_utc": times_in_utc(request),
        },
    )


def _cards(request, shortlist: Shortlist) -> list[tuple]:
    """(match, profile, in care) for each match: what its directory card
    shows, and whether the patient already sees them (no "Choose" then)."""
    slugs = [match.candidate.slug for match in shortlist.matches]
    profiles = {profile.slug: profile for profile in specialist_list_by_slugs(viewer=request.user, slugs=slugs)}
    in_care = set(care_relationship_list_for_patient(user=request.user).values_list("specialist_id", flat=True))
    return [
        (match, profiles[match.candidate.slug], match.candidate.id in in_care)
        for match in shortlist.matches
        if match.candidate.slug in profiles
    ]


def _widen_offers(shortlist: Shortlist) -> list[dict]:
    """One link per constraint that would let more people in, each keeping
    what is already widened."""
    results = reverse("discovery:match-results")
    return [
        {
            "label": shortlist.widen_label(constraint),
            "count": count,
            "url": f"{results}?{urlencode([('widen', c) for c in sorted(shortlist.widen | {constraint})])}",
        }
        for constraint, count in shortlist.more_if_widened.items()
    ]


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
