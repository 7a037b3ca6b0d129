"""Who may see which organization's rows in Django admin.

Every app's admin builds on `OrganizationScopedAdmin`, so an organization
admin sees only their own organizations' rows, read-only unless a subclass
says otherwise, and superusers see everything.
"""

from django.contrib import admin

from .selectors import organization_list_for_admin


class OrganizationScopedAdmin(admin.ModelAdmin):
    """Rows of the organizations the user administers; superusers see all."""

    organization_field = "organization"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.organization_field}__in": organization_list_for_admin(user=request.user)})

    def has_module_permission(self, request):
        return True

    def has_view_permission(self, request, obj=None):
        return True

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False
