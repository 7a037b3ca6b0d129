"""The specialist's calendar (week view, weekly hours, overrides, booking
settings, the private feed) and the organization's booking policy."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from core.portals import Portal, portal_required
from core.timeutils import format_date
from organizations.selectors import organization_get_for_admin
from specialists.services import specialist_profile_get_or_create

from .. import calendar, ics, services
from ..forms.availability import BookingPolicyForm, BookingSettingsForm, OverrideForm, WeeklyHoursForm
from ..models import AvailabilityRule
from ..selectors import booking_policy_for


def _posted(request):
    """The POST data (even empty, which must fail validation), or None."""
    return request.POST if request.method == "POST" else None


def _week_url(week_start) -> str:
    return f"{reverse('booking:calendar')}?week={week_start.isoformat()}"


def _render_calendar(request, profile, week_value, *, override_form=None, status=200):
    today = calendar.specialist_today(profile)
    week_start = calendar.week_start_from(week_value, today=today)
    context = calendar.calendar_page(profile, week_start)
    feed = context["feed"]
    context.update(
        profile=profile,
        override_form=override_form or OverrideForm(initial={"week": week_start.isoformat()}),
        feed_url=request.build_absolute_uri(reverse("booking:feed", args=[feed.token])) if feed else "",
    )
    return render(request, "booking/specialist/calendar.html", context, status=status)


@require_GET
@portal_required(Portal.SPECIALIST)
def calendar_view(request):
    """The week: working hours, days off and appointments, and beside it
    the weekly hours, upcoming overrides, settings and the feed."""
    profile = specialist_profile_get_or_create(user=request.user)
    return _render_calendar(request, profile, request.GET.get("week"))


@require_http_methods(["GET", "POST"])
@portal_required(Portal.SPECIALIST)
def hours_view(request):
    profile = specialist_profile_get_or_create(user=request.user)
    rules = AvailabilityRule.objects.filter(specialist=profile)
    form = WeeklyHoursForm(_posted(request), initial=WeeklyHoursForm.initial_for(rules))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.availability_rules_replace(specialist=profile, rules=form.rules(), by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your weekly hours were saved. Patients see the new times now."))
                return redirect("booking:calendar")
        status = 422
    context = {"profile": profile, "form": form, "max_ranges": services.MAX_RANGES_PER_DAY}
    return render(request, "booking/specialist/hours.html", context, status=status)


@require_POST
@portal_required(Portal.SPECIALIST)
def override_create_view(request):
    """Add a day off or extra hours; an invalid form re-renders the
    calendar with its errors."""
    profile = specialist_profile_get_or_create(user=request.user)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            override = services.availability_override_add(specialist=profile, by=request.user, **form.service_kwargs())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(kind)s on %(date)s added.")
                % {"kind": override.get_kind_display(), "date": format_date(override.date_on)},
            )
            return redirect(_week_url(calendar.monday_of(override.date_on)))
    return _render_calendar(request, profile, request.POST.get("week"), override_form=form, status=422)


@require_POST
@portal_required(Portal.SPECIALIST)
def override_delete_view(request, public_id):
    profile = specialist_profile_get_or_create(user=request.user)
    override = calendar.override_get_for_specialist(specialist=profile, public_id=public_id)
    services.availability_override_delete(override=override, by=request.user)
    messages.success(
        request,
        _("%(kind)s on %(date)s removed.")
        % {"kind": override.get_kind_display(), "date": format_date(override.date_on)},
    )
    return redirect(_week_url(calendar.monday_of(override.date_on)))


@require_http_methods(["GET", "POST"])
@portal_required(Portal.SPECIALIST)
def settings_view(request):
    profile = specialist_profile_get_or_create(user=request.user)
    summary = calendar.settings_summary(profile)
    form = BookingSettingsForm(
        _posted(request),
        initial=BookingSettingsForm.initial_for(summary.settings),
        organization_window_hours=summary.organization_window_hours,
        organization_name=profile.organization.name,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.booking_settings_update(specialist=profile, by=request.user, **form.service_kwargs())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your booking settings were saved."))
                return redirect("booking:calendar")
        status = 422
    context = {"profile": profile, "form": form, "booking": summary}
    return render(request, "booking/specialist/settings.html", context, status=status)


@require_POST
@portal_required(Portal.SPECIALIST)
def feed_create_view(request):
    """Turn the feed on, or give it a new address (the old one stops)."""
    profile = specialist_profile_get_or_create(user=request.user)
    had_feed = calendar.calendar_feed_for(profile) is not None
    services.calendar_feed_create(specialist=profile, by=request.user)
    if had_feed:
        messages.success(request, _("Your calendar feed has a new address. The old one no longer works."))
    else:
        messages.success(request, _("Your calendar feed is ready. Copy its address into your calendar app."))
    return redirect(f"{reverse('booking:calendar')}#calendar-feed")


@require_POST
@portal_required(Portal.SPECIALIST)
def feed_revoke_view(request):
    profile = specialist_profile_get_or_create(user=request.user)
    if services.calendar_feed_revoke(specialist=profile, by=request.user):
        messages.success(request, _("Your calendar feed is turned off. Calendars subscribed to it get nothing more."))
    return redirect(f"{reverse('booking:calendar')}#calendar-feed")


@require_safe
def feed_view(request, token):
    """The private ICS feed: public by design (calendar servers fetch it
    without signing in), readable only with the long random token, and
    gone the moment it is revoked or replaced."""
    feed = calendar.calendar_feed_get_by_token(token)
    specialist = feed.specialist
    events = [
        ics.appointment_event(
            appointment,
            summary=calendar.feed_summary(appointment),
            description=_("Details in Daraport: %(url)s") % {"url": url},
            url=url,
            status=status,
        )
        for appointment, status in calendar.feed_appointments(specialist)
        for url in [request.build_absolute_uri(calendar.feed_appointment_url(appointment))]
    ]
    body = ics.calendar(events, name=_("Daraport sessions"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="daraport-sessions.ics"'
    # Patients' initials inside: never in a shared cache; calendar servers poll.
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def org_policy_view(request, org_slug):
    """The organization's cancellation window and reminder times."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    policy = booking_policy_for(organization)
    form = BookingPolicyForm(_posted(request), initial=BookingPolicyForm.initial_for(policy))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.booking_policy_update(organization=organization, by=request.user, **form.service_kwargs())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The booking policy was saved. It applies to bookings from now on."))
                return redirect("booking:org-policy", organization.slug)
        status = 422
    context = {"organization": organization, "form": form, "policy": policy}
    return render(request, "booking/organization/policy.html", context, status=status)
