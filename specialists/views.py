from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.portals import Portal, portal_required
from organizations.selectors import organization_get_for_admin

from . import selectors, services
from .forms import OfferingForm, ProfileForm, ReviewForm
from .models import SpecialistProfile


def _posted(request):
    """The form data of a POST (even an empty one, which must fail
    validation), or None for a GET."""
    return request.POST if request.method == "POST" else None


# --- Specialist portal -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@portal_required(Portal.SPECIALIST)
def profile_edit_view(request):
    profile = services.specialist_profile_get_or_create(user=request.user)
    form = ProfileForm(_posted(request), request.FILES or None, initial=ProfileForm.initial_for(profile))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.specialist_profile_update(profile=profile, by=request.user, **form.service_kwargs())
            messages.success(request, _("Your profile was saved."))
            return redirect("specialists:profile-edit")
        status = 413 if form.too_large else 422
    context = {"profile": profile, "form": form}
    return render(request, "specialists/specialist/profile_edit.html", context, status=status)


def _render_preview(request, profile, *, submit_errors=(), status=200):
    profile = selectors.specialist_profile_for_display(profile=profile)
    context = {
        "profile": profile,
        "missing": selectors.specialist_profile_missing(profile=profile),
        "submit_errors": submit_errors,
    }
    return render(request, "specialists/specialist/profile_preview.html", context, status=status)


@require_GET
@portal_required(Portal.SPECIALIST)
def profile_preview_view(request):
    """The profile exactly as patients will see it, with the way to submit it."""
    return _render_preview(request, services.specialist_profile_get_or_create(user=request.user))


@require_POST
@portal_required(Portal.SPECIALIST)
def profile_submit_view(request):
    profile = services.specialist_profile_get_or_create(user=request.user)
    try:
        services.specialist_profile_submit(profile=profile, by=request.user)
    except ValidationError as error:
        return _render_preview(request, profile, submit_errors=error.messages, status=422)
    messages.success(
        request,
        _("Thank you. %(organization)s will review your profile; we will let you know here.")
        % {"organization": profile.organization.name},
    )
    return redirect("specialists:profile-preview")


@require_http_methods(["GET", "POST"])
@portal_required(Portal.SPECIALIST)
def offerings_view(request):
    """The specialist's offerings and a form to add one."""
    profile = services.specialist_profile_get_or_create(user=request.user)
    form = OfferingForm(_posted(request), currency=profile.organization.currency)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            offering = services.offering_create(profile=profile, by=request.user, **form.service_kwargs())
            messages.success(request, _("“%(name)s” was added.") % {"name": offering.name})
            return redirect("specialists:offerings")
        status = 422
    context = {
        "profile": profile,
        "form": form,
        "offerings": selectors.offering_list_for_specialist(profile=profile),
    }
    return render(request, "specialists/specialist/offering_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.SPECIALIST)
def offering_edit_view(request, public_id):
    offering = selectors.offering_get_for_user(user=request.user, public_id=public_id)
    form = OfferingForm(_posted(request), currency=offering.currency, initial=OfferingForm.initial_for(offering))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.offering_update(offering=offering, by=request.user, **form.service_kwargs())
            messages.success(request, _("“%(name)s” was saved.") % {"name": offering.name})
            return redirect("specialists:offerings")
        status = 422
    context = {"offering": offering, "form": form}
    return render(request, "specialists/specialist/offering_edit.html", context, status=status)


@require_POST
@portal_required(Portal.SPECIALIST)
def offering_archive_view(request, public_id):
    offering = selectors.offering_get_for_user(user=request.user, public_id=public_id)
    services.offering_archive(offering=offering, by=request.user)
    messages.success(
        request, _("“%(name)s” is no longer offered. Existing bookings stay as they are.") % {"name": offering.name}
    )
    return redirect("specialists:offerings")


# --- Organization portal -----------------------------------------------------------


@require_GET
@portal_required(Portal.ORGANIZATION)
def org_specialists_view(request, org_slug):
    """The organization's specialists, filtered by status."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    status = request.GET.get("status", "")
    if status not in SpecialistProfile.Status.values:
        status = ""
    context = {
        "organization": org,
        "status": status,
        "statuses": SpecialistProfile.Status.choices,
        "profiles": selectors.specialist_profile_list_for_organization(organization=org, status=status or None),
        "counts": selectors.specialist_profile_counts_for_organization(organization=org),
        "not_started": selectors.specialist_members_without_profile_count(organization=org),
    }
    return render(request, "specialists/organization/specialist_list.html", context)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def org_specialist_review_view(request, org_slug, public_id):
    """One specialist's profile as patients would see it; approve it or send it back."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    profile = selectors.specialist_profile_get_for_org_admin(organization=org, public_id=public_id)
    form = ReviewForm(_posted(request))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == ReviewForm.APPROVE:
                    services.specialist_profile_approve(profile=profile, by=request.user)
                    done = _("%(name)s is approved: their profile is now public.")
                else:
                    services.specialist_profile_request_changes(
                        profile=profile, by=request.user, note=form.cleaned_data["note"]
                    )
                    done = _("%(name)s will see your note and can resubmit.")
            except ValidationError as error:
                form.add_error(None, error)
                status = 409
            else:
                messages.success(request, done % {"name": profile.display_name})
                return redirect(reverse("specialists:org-specialists", args=[org.slug]))
    context = {"organization": org, "profile": profile, "form": form}
    return render(request, "specialists/organization/specialist_review.html", context, status=status)
