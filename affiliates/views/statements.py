"""Monthly commission statements: the affiliate reads theirs (page, PDF,
CSV); the organization reads all of its affiliates' and approves and pays
them. Another affiliate's or organization's statement is a 404.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.models import AuditLog
from core.portals import Portal, portal_required
from core.services import audit_record
from organizations.selectors import organization_get_for_admin

from ..commissions import StatementStatusError, month_start, statement_status_set
from ..models import CommissionStatement
from ..selectors import affiliate_list_for_user
from ..statements import statement_csv, statement_filename, statement_pdf, statement_rows, statement_summary

# The organization's list covers the last two years of statements.
ORG_LIST_DAYS = 730


def _statements():
    return CommissionStatement.objects.select_related("affiliate__organization").order_by("-month", "affiliate__name")


def _statement_for_affiliate(user, public_id) -> CommissionStatement:
    statement = _statements().filter(public_id=public_id, affiliate__in=affiliate_list_for_user(user=user)).first()
    if statement is None:
        raise Http404
    return statement


def _statement_for_organization(organization, public_id) -> CommissionStatement:
    statement = _statements().filter(public_id=public_id, affiliate__organization=organization).first()
    if statement is None:
        raise Http404
    return statement


@require_GET
@portal_required(Portal.AFFILIATE)
def statement_list_view(request):
    statements = _statements().filter(affiliate__in=affiliate_list_for_user(user=request.user))
    return render(request, "affiliates/affiliate/statements.html", {"rows": statement_rows(statements)})


@require_GET
@portal_required(Portal.AFFILIATE)
def statement_view(request, public_id):
    statement = _statement_for_affiliate(request.user, public_id)
    return render(request, "affiliates/affiliate/statement.html", {"summary": statement_summary(statement)})


@require_GET
@portal_required(Portal.AFFILIATE)
def statement_pdf_view(request, public_id):
    statement = _statement_for_affiliate(request.user, public_id)
    pdf = statement_pdf(statement_summary(statement))
    audit_record(request=request, action=AuditLog.Action.EXPORT, obj=statement)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement_filename(statement, "pdf")}"'
    return response


@require_GET
@portal_required(Portal.AFFILIATE)
def statement_csv_view(request, public_id):
    statement = _statement_for_affiliate(request.user, public_id)
    lines = statement_csv(statement_summary(statement))
    audit_record(request=request, action=AuditLog.Action.EXPORT, obj=statement)
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{statement_filename(statement, "csv")}"'
    return response


@require_GET
@portal_required(Portal.ORGANIZATION)
def org_statement_list_view(request, org_slug):
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    since = month_start(timezone.now() - timedelta(days=ORG_LIST_DAYS))
    statements = _statements().filter(affiliate__organization=organization, month__gte=since)
    context = {"organization": organization, "rows": statement_rows(statements), "since": since}
    return render(request, "affiliates/organization/statements.html", context)


def _org_statement_page(request, organization, statement, status=200):
    context = {"organization": organization, "summary": statement_summary(statement)}
    return render(request, "affiliates/organization/statement.html", context, status=status)


@require_GET
@portal_required(Portal.ORGANIZATION)
def org_statement_view(request, org_slug, public_id):
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    return _org_statement_page(request, organization, _statement_for_organization(organization, public_id))


@require_POST
@portal_required(Portal.ORGANIZATION)
def org_statement_status_view(request, org_slug, public_id):
    """Approve a statement, or mark an approved one paid: 422 for a status
    that is not one of these, 409 for a move out of order or too early."""
    organization = organization_get_for_admin(user=request.user, slug=org_slug)
    statement = _statement_for_organization(organization, public_id)
    try:
        statement = statement_status_set(statement=statement, to=request.POST.get("status", ""), by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _org_statement_page(request, organization, statement, status=422)
    except StatementStatusError as error:
        messages.error(request, str(error))
        return _org_statement_page(request, organization, statement, status=409)
    audit_record(request=request, action=AuditLog.Action.WRITE, obj=statement)
    done = {
        CommissionStatement.Status.APPROVED: _("The statement for %(month)s is approved."),
        CommissionStatement.Status.PAID: _("The statement for %(month)s is marked paid."),
    }
    messages.success(request, done[statement.status] % {"month": date_format(statement.month, "F Y")})
    return redirect("affiliates:org-statement", org_slug=organization.slug, public_id=statement.public_id)
