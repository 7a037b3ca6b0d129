from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

TERMS_PENDING_KEY = "terms_pending"


class TermsGateMiddleware:
    """Until a signed-in user accepts new terms, every page leads to them.

    Whether anything is pending is worked out once, at sign-in
    (organizations.receivers), and kept in the session.
    """

    ALLOWED_PREFIXES = ("/accounts/logout/", "/accounts/language/", "/legal/", "/static/", "/media/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and request.session.get(TERMS_PENDING_KEY)
            and request.path != reverse("organizations:terms-accept")
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            gate = reverse("organizations:terms-accept")
            if request.method == "GET":
                gate += "?" + urlencode({"next": request.get_full_path()})
            return redirect(gate)
        return self.get_response(request)
