from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import nextsteps
from .health import health_report
from .portals import Portal, mfa_satisfied, portal_accesses, portal_required


@require_GET
def landing_view(request):
    return render(request, "core/landing.html")


@never_cache
@require_GET
def healthz_view(request):
    healthy, report = health_report()
    return JsonResponse({"status": "ok" if healthy else "degraded", **report}, status=200 if healthy else 503)


@login_required
@require_GET
def home_view(request):
    """Send a signed-in user to their first portal."""
    accesses = portal_accesses(request.user)
    if not accesses:
        return render(request, "portals/no_access.html", {"wanted": None}, status=403)
    return redirect(accesses[0].url)


@login_required
@require_GET
def mfa_required_view(request):
    if mfa_satisfied(request.user):
        return redirect("core:home")
    return render(request, "core/mfa_required.html")


def _portal_home(request, portal: Portal, template: str):
    return render(request, template, nextsteps.home_cards(portal, user=request.user))


@require_GET
@portal_required(Portal.PATIENT)
def patient_home_view(request):
    return _portal_home(request, Portal.PATIENT, "portals/patient/home.html")


@require_GET
@portal_required(Portal.SPECIALIST)
def specialist_home_view(request):
    return _portal_home(request, Portal.SPECIALIST, "portals/specialist/home.html")


@require_GET
@portal_required(Portal.AFFILIATE)
def affiliate_home_view(request):
    return _portal_home(request, Portal.AFFILIATE, "portals/affiliate/home.html")
