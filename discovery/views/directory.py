"""The public directory: list, profile and comparison pages.

Anyone may browse; what they see is narrowed by `discovery.selectors`. No
health data is shown here, so reads are not audited; a hidden profile's URL
is (as a denial), since guessing one is worth knowing about.
"""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.models import AuditLog
from core.portals import Portal, has_portal
from core.services import audit_record
from organizations.selectors import organization_for_brand

from ..forms import DirectoryFilterForm
from ..selectors import (
    COMPARE_MAX,
    ProfileHidden,
    directory_tag_list,
    specialist_directory,
    specialist_is_in_care_with,
    specialist_list_by_slugs,
    specialist_profile_get_for_viewer,
)

DIRECTORY_TEMPLATE = "discovery/public/directory.html"


def _currency(request) -> str:
    brand = organization_for_brand(user=request.user, org_slug=None)
    return brand.currency if brand else "EUR"


@require_GET
@vary_on_headers("HX-Request")
def directory_view(request):
    form = DirectoryFilterForm(request.GET or None, tags=directory_tag_list(), currency=_currency(request))
    filters = form.filters
    page = specialist_directory(viewer=request.user, filters=filters, page_number=request.GET.get("page"))
    template = DIRECTORY_TEMPLATE
    if request.htmx and not request.htmx.boosted:
        template += "#directory-results"
    context = {
        "form": form,
        "filters": filters,
        "notices": form.notices,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "times_in_utc": times_in_utc(request),
        "can_book": not request.user.is_authenticated or has_portal(request.user, Portal.PATIENT),
    }
    return render(request, template, context)


def times_in_utc(request) -> bool:
    """Whether times render in UTC (and must say so): the time zone
    middleware shows a signed-in person's own zone; for anyone else the
    server knows none (the directory's script, static/js/directory.js,
    rewrites them in the browser's own)."""
    return not (request.user.is_authenticated and request.user.timezone)


def visible_profile(request, slug: str):
    """The profile `slug` if this visitor may see it; a hidden one is a 404
    and an audited denial."""
    try:
        return specialist_profile_get_for_viewer(viewer=request.user, slug=slug)
    except ProfileHidden as hidden:
        audit_record(request=request, action=AuditLog.Action.DENIED, obj=hidden.profile)
        raise


@require_GET
def profile_view(request, slug):
    profile = visible_profile(request, slug)
    is_patient = has_portal(request.user, Portal.PATIENT)
    context = {
        "profile": profile,
        "is_patient": is_patient,
        "in_care": is_patient and specialist_is_in_care_with(patient=request.user, profile=profile),
        # With `profile.next_available_at` (discovery.selectors): say "UTC" after it when set.
        "times_in_utc": times_in_utc(request),
    }
    return render(request, "discovery/public/profile.html", context)


@require_GET
def compare_view(request):
    slugs = list(dict.fromkeys(slug for slug in request.GET.getlist("s") if slug))
    notices = []
    if len(slugs) > COMPARE_MAX:
        notices.append(_("You can compare up to three specialists; we kept the first three."))
        slugs = slugs[:COMPARE_MAX]
    profiles = specialist_list_by_slugs(viewer=request.user, slugs=slugs)
    if len(profiles) < len(slugs):
        notices.append(_("We could not find one of the specialists you picked; they may have left the directory."))
    compare_url = reverse("discovery:compare")
    columns = [
        {
            "profile": profile,
            "without_url": f"{compare_url}?{urlencode([('s', other.slug) for other in profiles if other != profile])}",
        }
        for profile in profiles
    ]
    context = {"columns": columns, "profiles": profiles, "notices": notices, "compare_max": COMPARE_MAX}
    return render(request, "discovery/public/compare.html", context)
