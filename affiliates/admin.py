"""Django admin for affiliates: read-only, scoped to the organizations the
user administers. Affiliates, links and statements change in the
organization portal, through `affiliates.services` and
`affiliates.commissions`; payout details are never shown here."""

from django.contrib import admin

from organizations.permissions import OrganizationScopedAdmin

from .models import Affiliate, CommissionStatement


class ReadOnlyAdmin(OrganizationScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Affiliate)
class AffiliateAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "is_active", "commission_kind", "currency"]
    list_filter = ["is_active", "commission_kind"]
    fields = [
        "public_id", "organization", "user", "name", "is_active", "commission_kind", "commission_flat_minor",
        "commission_basis_points", "commission_payments", "currency", "may_create_links", "link_limit",
    ]  # fmt: skip
    readonly_fields = fields


@admin.register(CommissionStatement)
class CommissionStatementAdmin(ReadOnlyAdmin):
    organization_field = "affiliate__organization"
    list_display = ["affiliate", "month", "status", "approved_at", "paid_at"]
    list_filter = ["status"]
    fields = ["public_id", "affiliate", "month", "status", "approved_at", "paid_at", "decided_by"]
    readonly_fields = fields
