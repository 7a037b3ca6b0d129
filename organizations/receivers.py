from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import TERMS_PENDING_KEY
from .selectors import terms_pending_for_user


@receiver(user_logged_in, dispatch_uid="organizations.check_terms_on_sign_in")
def check_terms_on_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        if terms_pending_for_user(user=user):
            request.session[TERMS_PENDING_KEY] = True
        else:
            request.session.pop(TERMS_PENDING_KEY, None)
