"""Django admin for profiles and offerings: read-mostly, scoped to the
organizations the user administers. Approval goes through the service."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from organizations.permissions import OrganizationScopedAdmin

from .models import Offering, SpecialistProfile
from .services import specialist_profile_approve


class _ScopedReadOnlyAdmin(OrganizationScopedAdmin):
    """Profiles and offerings are written through the portals, never here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SpecialistProfile)
class SpecialistProfileAdmin(_ScopedReadOnlyAdmin):
    list_display = ["display_name", "organization", "status", "accepting_new_patients", "approved_at"]
    list_filter = ["status", "accepting_new_patients"]
    search_fields = ["display_name", "user__email", "slug"]
    list_select_related = ["organization"]
    readonly_fields = [
        "user",
        "organization",
        "slug",
        "display_name",
        "pronouns",
        "headline",
        "bio",
        "photo",
        "gender",
        "credentials",
        "accepting_new_patients",
        "status",
        "status_note",
        "approved_at",
    ]
    exclude = ["tags"]
    actions = ["approve"]

    @admin.action(description=_("Approve the selected profiles"))
    def approve(self, request, queryset):
        for profile in queryset.filter(status=SpecialistProfile.Status.PENDING):
            try:
                specialist_profile_approve(profile=profile, by=request.user)
            except ValidationError as error:
                self.message_user(request, error.messages[0], messages.ERROR)


@admin.register(Offering)
class OfferingAdmin(_ScopedReadOnlyAdmin):
    organization_field = "specialist__organization"
    list_display = ["name", "specialist", "duration_minutes", "price_minor", "currency", "booking_mode", "is_active"]
    list_filter = ["is_active", "booking_mode"]
    list_select_related = ["specialist"]
    readonly_fields = [
        "specialist",
        "name",
        "description",
        "duration_minutes",
        "price_minor",
        "currency",
        "booking_mode",
        "is_active",
        "position",
    ]
