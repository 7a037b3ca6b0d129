"""Django admin for payments: read-only, scoped to the organizations the
user administers. Payments change only through `payments.services`
(webhooks, the people's own actions); settings in the organization portal."""

from django.contrib import admin

from organizations.permissions import OrganizationScopedAdmin

from .models import BillingSettings, Payment, Refund, WebhookEvent


class ReadOnly:
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, OrganizationScopedAdmin):
    pass


class RefundInline(admin.TabularInline):
    model = Refund
    fields = ["amount_minor", "cause", "status", "by", "created_at", "succeeded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    organization_field = "organization"
    list_display = ["receipt_number", "kind", "status", "amount_minor", "currency", "refunded_minor", "paid_at"]
    list_filter = ["kind", "status", "billing_model"]
    readonly_fields = [
        "public_id", "appointment", "kind", "status", "amount_minor", "currency", "billing_model",
        "application_fee_minor", "connected_account", "provider", "intent_id", "refunded_minor", "paid_at",
        "receipt_number", "program",
    ]  # fmt: skip
    fields = readonly_fields
    inlines = [RefundInline]


@admin.register(BillingSettings)
class BillingSettingsAdmin(ReadOnlyAdmin):
    """Changed in the organization portal (billing)."""

    organization_field = "organization"
    list_display = ["organization", "enabled", "model", "default_timing"]
    readonly_fields = ["organization", "enabled", "model", "default_timing", "fee_basis_points", "fee_fixed_minor"]
    fields = readonly_fields


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnly, admin.ModelAdmin):
    """The provider's events: for the platform's own staff only."""

    list_display = ["event_id", "type", "outcome", "received_at", "processed_at"]
    list_filter = ["outcome", "type"]
    readonly_fields = ["event_id", "type", "account", "payload", "received_at", "processed_at", "outcome"]
    fields = readonly_fields

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser
