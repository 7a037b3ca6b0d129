"""The organization's affiliates, their links and its attribution rules (admins only)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.models import AuditLog
from core.portals import Portal, portal_required
from core.services import audit_record
from organizations.selectors import organization_get_for_admin

from .. import selectors, services
from ..dashboard import figures_for_affiliate
from ..forms import AffiliateCreateForm, AffiliateEditForm, AttributionSettingsForm, ReferralLinkForm, add_service_error


def share_links(request, links) -> list:
    """The links, each with the full address to hand out (`share_url`)."""
    links = list(links)
    for link in links:
        link.share_url = request.build_absolute_uri(reverse("affiliates:follow", args=[link.code]))
    return links


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def affiliate_list_view(request, org_slug):
    """The affiliates and a form to add one."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    form = AffiliateCreateForm(request.POST or None, currency=org.currency)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                affiliate = services.affiliate_create(
                    organization=org,
                    by=request.user,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    sign_in_url=request.build_absolute_uri(reverse("account_request_login_code")),
                    **form.rule(),
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is an affiliate now. Give them a link below; they can sign in to see their figures.")
                    % {"name": affiliate.name},
                )
                return redirect("affiliates:org-affiliate", org.slug, affiliate.public_id)
        status = 422
    context = {
        "organization": org,
        "form": form,
        "affiliates": selectors.affiliate_list_for_organization(organization=org),
        "rules": selectors.attribution_settings_get(organization=org),
    }
    return render(request, "affiliates/organization/list.html", context, status=status)


def _affiliate_page(request, org, affiliate, *, form=None, link_form=None, status=200):
    context = {
        "organization": org,
        "affiliate": affiliate,
        "form": form
        or AffiliateEditForm(currency=affiliate.currency, initial=AffiliateEditForm.initial_for(affiliate)),
        "link_form": link_form or ReferralLinkForm(organization=org),
        "links": share_links(request, selectors.referral_link_list_for_affiliate(affiliate=affiliate)),
        "figures": figures_for_affiliate(affiliate=affiliate),
    }
    return render(request, "affiliates/organization/affiliate.html", context, status=status)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def affiliate_view(request, org_slug, public_id):
    """One affiliate: their rule and permissions, and their links."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    affiliate = selectors.affiliate_get_for_admin(organization=org, public_id=public_id)
    if request.method == "GET":
        # The page shows the affiliate's payout details: who read them is kept.
        audit_record(request=request, action=AuditLog.Action.READ, obj=affiliate)
        return _affiliate_page(request, org, affiliate)
    form = AffiliateEditForm(request.POST, currency=affiliate.currency)
    if form.is_valid():
        try:
            services.affiliate_update(
                affiliate=affiliate,
                by=request.user,
                name=form.cleaned_data["name"],
                is_active=form.cleaned_data["is_active"],
                **form.rule(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The affiliate was saved."))
            return redirect("affiliates:org-affiliate", org.slug, affiliate.public_id)
    return _affiliate_page(request, org, affiliate, form=form, status=422)


@require_POST
@portal_required(Portal.ORGANIZATION)
def link_create_view(request, org_slug, public_id):
    """A new link for the affiliate, landing inside this organization."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    affiliate = selectors.affiliate_get_for_admin(organization=org, public_id=public_id)
    link_form = ReferralLinkForm(request.POST, organization=org)
    if link_form.is_valid():
        try:
            link = services.referral_link_create(affiliate=affiliate, by=request.user, **link_form.cleaned_data)
        except ValidationError as error:
            add_service_error(link_form, error)
        else:
            messages.success(request, _("The link %(code)s is ready to share.") % {"code": link.code})
            return redirect("affiliates:org-affiliate", org.slug, affiliate.public_id)
    return _affiliate_page(request, org, affiliate, link_form=link_form, status=422)


@require_POST
@portal_required(Portal.ORGANIZATION)
def link_deactivate_view(request, org_slug, public_id, link_id):
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    affiliate = selectors.affiliate_get_for_admin(organization=org, public_id=public_id)
    link = selectors.referral_link_get_for_admin(affiliate=affiliate, public_id=link_id)
    if not link.is_active:
        messages.info(request, _("The link %(code)s was already off.") % {"code": link.code})
    else:
        services.referral_link_deactivate(link=link, by=request.user)
        messages.success(
            request,
            _("The link %(code)s is off: it now opens your home page and credits nobody.") % {"code": link.code},
        )
    return redirect("affiliates:org-affiliate", org.slug, affiliate.public_id)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.ORGANIZATION)
def attribution_settings_view(request, org_slug):
    """How long a click counts and which link gets the credit."""
    org = organization_get_for_admin(user=request.user, slug=org_slug)
    rules = selectors.attribution_settings_get(organization=org)
    form = AttributionSettingsForm(
        request.POST or None, initial={"window_days": rules.window_days, "touch": rules.touch}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.attribution_settings_update(organization=org, by=request.user, **form.cleaned_data)
            messages.success(request, _("The attribution rules were saved. They apply to sign-ups from now on."))
            return redirect("affiliates:org-settings", org.slug)
        status = 422
    context = {"organization": org, "form": form, "rules": rules}
    return render(request, "affiliates/organization/settings.html", context, status=status)
