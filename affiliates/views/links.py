"""The affiliate's own links and payout details: the only things they change.

An affiliate may partner with several organizations; each `Affiliate` row
is one section. A posted `affiliate` id that is not theirs is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.models import AuditLog
from core.portals import Portal, portal_required
from core.services import audit_record

from .. import selectors, services
from ..forms import PayoutDetailsForm, ReferralLinkForm, add_service_error
from .organization import share_links


def _ids(affiliate) -> str:
    """Distinct field ids per section: several forms share one page."""
    return f"id_{affiliate.public_id.hex[:8]}_%s"


def _posted_affiliate(request):
    return selectors.affiliate_get_for_user(user=request.user, public_id=request.POST.get("affiliate", ""))


@require_http_methods(["GET", "POST"])
@portal_required(Portal.AFFILIATE)
def links_view(request):
    """Every link of the affiliate, with the address to share, and a form to
    add one where the organization allows it."""
    posted, posted_form, status = None, None, 200
    if request.method == "POST":
        posted = _posted_affiliate(request)
        posted_form = ReferralLinkForm(request.POST, organization=posted.organization, auto_id=_ids(posted))
        if posted_form.is_valid():
            try:
                link = services.referral_link_create_by_affiliate(
                    affiliate=posted, by=request.user, **posted_form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(posted_form, error)
            else:
                messages.success(request, _("Your link %(code)s is ready to share.") % {"code": link.code})
                return redirect("affiliates:links")
        status = 422
    sections = []
    for affiliate in selectors.affiliate_list_for_user(user=request.user):
        links = share_links(request, selectors.referral_link_list_for_affiliate(affiliate=affiliate))
        active = sum(link.is_active for link in links)
        sections.append(
            {
                "affiliate": affiliate,
                "links": links,
                "active": active,
                "can_create": affiliate.is_active and affiliate.may_create_links and active < affiliate.link_limit,
                "form": posted_form
                if posted and posted.pk == affiliate.pk
                else ReferralLinkForm(organization=affiliate.organization, auto_id=_ids(affiliate)),
            }
        )
    return render(request, "affiliates/affiliate/links.html", {"sections": sections}, status=status)


@require_http_methods(["GET", "POST"])
@portal_required(Portal.AFFILIATE)
def payout_view(request):
    """Where each organization sends the affiliate's commissions."""
    posted, posted_form, status = None, None, 200
    if request.method == "POST":
        posted = _posted_affiliate(request)
        posted_form = PayoutDetailsForm(request.POST, auto_id=_ids(posted))
        if posted_form.is_valid():
            services.affiliate_set_payout_details(affiliate=posted, by=request.user, **posted_form.cleaned_data)
            audit_record(request=request, action=AuditLog.Action.WRITE, obj=posted)
            messages.success(
                request, _("Your payout details for %(org)s were saved.") % {"org": posted.organization.name}
            )
            return redirect("affiliates:payout")
        status = 422
    sections = [
        {
            "affiliate": affiliate,
            "form": posted_form
            if posted and posted.pk == affiliate.pk
            else PayoutDetailsForm(initial={"payout_details": affiliate.payout_details}, auto_id=_ids(affiliate)),
        }
        for affiliate in selectors.affiliate_list_for_user(user=request.user)
    ]
    return render(request, "affiliates/affiliate/payout.html", {"sections": sections}, status=status)
