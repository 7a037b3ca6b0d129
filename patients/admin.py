"""Intake progress for platform staff. The answers themselves are health
data and are not shown here: the admin writes no audit rows."""

from django.contrib import admin

from .models import Intake


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    """Read-only and superusers only: who started, where they stand."""

    list_display = ["user", "current_step", "completed_at", "created_at", "updated_at"]
    list_filter = ["current_step"]
    search_fields = ["user__email"]
    fields = ["user", "current_step", "skipped_steps", "completed_at", "created_at", "updated_at"]
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
