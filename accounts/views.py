from allauth.account.internal.stagekit import get_pending_stage
from allauth.account.views import ConfirmEmailVerificationCodeView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.portals import no_store

from .adapter import magic_link_code
from .forms import LanguageForm, ProfileForm
from .languages import set_language_cookie
from .ratelimits import seconds_until_allowed
from .services import user_set_locale, user_sign_out_everywhere, user_update_profile


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "accounts/settings.html", {"form": form}, status=422)
        user_update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})


@login_required
@require_POST
def sign_out_everywhere_view(request):
    user_sign_out_everywhere(request=request, user=request.user)
    messages.info(request, _("You were signed out on every device."))
    return redirect("account_login")


@require_POST
def language_view(request):
    """The language switcher: the choice goes in the language cookie (read
    by LocaleMiddleware) and, for a signed-in user, on their account
    (applied on every request by accounts.middleware and to their emails)."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        reason = _("Please choose one of the languages offered.")
        return render(request, "400.html", {"reason": reason}, status=400)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        user_set_locale(user=request.user, locale=language)
    # Never `redirect()`: it would take a path-less "next" for a view name.
    response = HttpResponseRedirect(_back_to(request, form.cleaned_data["next"]))
    set_language_cookie(response, language)
    return response


def _back_to(request, target: str) -> str:
    """The page the switcher was on, if it is one of ours; else the start."""
    target = target or request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@require_GET
def magic_link_view(request, token):
    """Finish a sign-in by code from the emailed link.

    The page asks for one click (a POST to the code form), so a mail scanner
    that opens links cannot spend the code. It only works in the browser
    that asked for the code, because the pending sign-in lives in that
    browser's session.
    """
    try:
        code = magic_link_code(token)
    except signing.BadSignature:
        return render(request, "accounts/magic_link.html", {"problem": "expired"}, status=400)
    stage = get_pending_stage(request)
    if stage is None or stage.key != "login_by_code":
        return render(request, "accounts/magic_link.html", {"problem": "other_device"}, status=400)
    # The page holds a live sign-in code and its visitor is not signed in yet.
    return no_store(render(request, "accounts/magic_link.html", {"code": code}))


class ConfirmEmailCodeView(ConfirmEmailVerificationCodeView):
    """allauth's "confirm your email address" page (same address, same
    name), except that a new code asked for too soon answers this page
    again, saying how long to wait, instead of allauth's bare 429 page.
    The code already sent keeps working meanwhile."""

    def _resend_form_valid(self, form):
        email = self._process.state["email"]
        wait = seconds_until_allowed(self.request, action="confirm_email", key=email.lower())
        if not wait:
            return super()._resend_form_valid(form)
        verify_form = self._get_verify_form_class()(code=self._process.code, user=self._process.user, email=email)
        response = self.render_to_response(self.get_context_data(form=verify_form, resend_wait=wait), status=429)
        response["Retry-After"] = str(wait)
        return response
