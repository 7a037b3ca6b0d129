from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import nextsteps
from .health import health_report
from .portals import Portal, mfa_satisfied, portal_accesses, portal_required
from .selectors import notification_get_for_user, notifications_for
from .services import notifications_mark_read


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
    """The practice at a glance: the next steps, then what is going on (the
    agenda, requests, unread messages, sessions not ready yet)."""
    context = {
        **nextsteps.home_cards(Portal.SPECIALIST, user=request.user),
        "sections": nextsteps.home_sections(Portal.SPECIALIST, user=request.user),
    }
    return render(request, "portals/specialist/home.html", context)


# --- Notifications: one inbox per portal -------------------------------------


def _notifications(request, portal: Portal):
    context = {
        "notifications": notifications_for(request.user, portal),
        "base_template": f"portals/{portal}/base.html",
        "read_url": reverse(f"core:{portal}-notifications-read"),
        "open_url_name": f"core:{portal}-notification-open",
    }
    return render(request, "core/notifications.html", context)


def _notifications_read(request, portal: Portal):
    notifications_mark_read(user=request.user, portal=portal)
    return redirect(f"core:{portal}-notifications")


def _notification_open(request, portal: Portal, public_id):
    """Mark one notification read and follow its link, if it stays on this site."""
    notification = notification_get_for_user(user=request.user, portal=portal, public_id=public_id)
    notifications_mark_read(user=request.user, portal=portal, public_ids=[notification.public_id])
    url = notification.url
    safe = url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(url if safe else f"core:{portal}-notifications")


@require_GET
@portal_required(Portal.PATIENT)
def patient_notifications_view(request):
    return _notifications(request, Portal.PATIENT)


@require_POST
@portal_required(Portal.PATIENT)
def patient_notifications_read_view(request):
    return _notifications_read(request, Portal.PATIENT)


@require_POST
@portal_required(Portal.PATIENT)
def patient_notification_open_view(request, public_id):
    return _notification_open(request, Portal.PATIENT, public_id)


@require_GET
@portal_required(Portal.SPECIALIST)
def specialist_notifications_view(request):
    return _notifications(request, Portal.SPECIALIST)


@require_POST
@portal_required(Portal.SPECIALIST)
def specialist_notifications_read_view(request):
    return _notifications_read(request, Portal.SPECIALIST)


@require_POST
@portal_required(Portal.SPECIALIST)
def specialist_notification_open_view(request, public_id):
    return _notification_open(request, Portal.SPECIALIST, public_id)
