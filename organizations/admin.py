"""Django admin, scoped: an organization admin sees only their organizations.

Writes go through the same services as the organization portal.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Membership, Organization, TermsAcceptance, TermsDocument
from .permissions import OrganizationScopedAdmin
from .selectors import organization_list_for_admin
from .services import membership_revoke, organization_update_brand


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    organization_field = "pk"
    list_display = ["name", "slug", "kind", "primary_color"]
    search_fields = ["name", "slug"]
    fields = ["name", "slug", "kind", "tagline", "primary_color", "logo", "record_retention_years"]

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["slug", "kind", "logo"]

    def has_change_permission(self, request, obj=None):
        return True

    def get_queryset(self, request):
        if request.user.is_superuser:
            return Organization.objects.all()
        return organization_list_for_admin(user=request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        organization_update_brand(
            organization=obj,
            by=request.user,
            name=obj.name,
            tagline=obj.tagline,
            primary_color=obj.primary_color,
            logo=None,
            remove_logo=False,
        )


@admin.register(Membership)
class MembershipAdmin(OrganizationScopedAdmin):
    list_display = ["user", "organization", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "user__full_name"]
    readonly_fields = ["user", "organization", "role", "is_active", "granted_by", "created_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser and obj is None else self.readonly_fields

    @admin.action(description=_("Remove the selected roles"))
    def revoke(self, request, queryset):
        for membership in queryset.filter(is_active=True):
            try:
                membership_revoke(membership=membership, by=request.user)
            except ValidationError as error:
                self.message_user(request, error.messages[0], messages.ERROR)

    def has_change_permission(self, request, obj=None):
        # The revoke action needs change permission; fields stay read-only.
        return True


@admin.register(TermsDocument)
class TermsDocumentAdmin(OrganizationScopedAdmin):
    """Published versions are immutable: view only. Publish from the portal."""

    list_display = ["organization", "kind", "version", "title", "published_at"]
    list_filter = ["kind"]
    readonly_fields = ["organization", "kind", "version", "title", "summary", "body", "published_at", "published_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(OrganizationScopedAdmin):
    organization_field = "document__organization"
    list_display = ["user", "document", "accepted_at", "ip_address"]
    readonly_fields = ["user", "document", "accepted_at", "ip_address", "user_agent"]

    def has_add_permission(self, request):
        return False
