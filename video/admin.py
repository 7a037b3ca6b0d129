"""Django admin for video sessions: read-only, scoped to the organizations
the user administers. Sessions change only through `video.services`."""

from django.contrib import admin

from organizations.permissions import OrganizationScopedAdmin

from .models import VideoParticipation, VideoPolicy, VideoSession


class VideoParticipationInline(admin.TabularInline):
    model = VideoParticipation
    fields = ["role", "joined_at", "left_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VideoSession)
class VideoSessionAdmin(OrganizationScopedAdmin):
    organization_field = "appointment__specialist__organization"
    list_display = ["public_id", "appointment", "admitted_at", "started_at", "ended_at", "end_reason"]
    list_filter = ["end_reason"]
    list_select_related = ["appointment"]
    readonly_fields = ["public_id", "appointment", "admitted_at", "started_at", "ended_at", "ended_by", "end_reason"]
    fields = readonly_fields
    inlines = [VideoParticipationInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VideoPolicy)
class VideoPolicyAdmin(OrganizationScopedAdmin):
    """Changed in the organization portal (video settings)."""

    list_display = ["organization", "opens_minutes_before", "grace_minutes"]
    readonly_fields = ["organization", "opens_minutes_before", "grace_minutes"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
