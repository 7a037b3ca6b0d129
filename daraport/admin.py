"""The Django admin site, open to superusers and to organization admins.

Organization admins see only their own organizations' rows: each ModelAdmin
registered for them scopes its queryset (organizations.admin).
"""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from core.portals import Portal, has_portal, mfa_satisfied


class DaraportAdminSite(admin.AdminSite):
    site_header = _("Daraport administration")
    site_title = _("Daraport admin")
    index_title = _("Manage your organization")

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        if not (user.is_superuser or has_portal(user, Portal.ORGANIZATION)):
            return False
        return mfa_satisfied(user)

    def login(self, request, extra_context=None):
        """Sign-in happens on the one sign-in page, with its rate limits and
        second factor; the admin only decides who may enter."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or request.get_full_path())
        if self.has_permission(request):
            return redirect("admin:index")
        user = request.user
        if (user.is_superuser or has_portal(user, Portal.ORGANIZATION)) and not mfa_satisfied(user):
            return redirect("core:mfa-required")
        return render(request, "portals/no_access.html", {"wanted": Portal.ORGANIZATION}, status=403)
