"""Django admin for appointments: read-only, scoped to the organizations the
user administers. Status changes go through `appointment_transition`, never
through a form here."""

from django.contrib import admin

from organizations.permissions import OrganizationScopedAdmin

from .models import Appointment, AppointmentEvent


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    fields = ["at", "from_status", "to_status", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(OrganizationScopedAdmin):
    organization_field = "specialist__organization"
    list_display = ["starts_at", "specialist", "offering", "status", "price_minor", "currency"]
    list_filter = ["status"]
    list_select_related = ["specialist", "offering"]
    # Reasons may hold health details: they stay out of the admin.
    readonly_fields = [
        "public_id",
        "patient",
        "specialist",
        "offering",
        "starts_at",
        "ends_at",
        "status",
        "price_minor",
        "currency",
        "patient_timezone",
        "specialist_timezone",
        "sequence",
        "cancelled_at",
        "cancelled_by",
        "is_late_cancellation",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields
    inlines = [AppointmentEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
