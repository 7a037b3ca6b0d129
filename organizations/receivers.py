from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import TERMS_PENDING_KEY
from .selectors import terms_pending_for_user
from .services import program_enrol_by_email_domain


@receiver(user_logged_in, dispatch_uid="organizations.check_terms_on_sign_in")
def check_terms_on_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        if terms_pending_for_user(user=user):
            request.session[TERMS_PENDING_KEY] = True
        else:
            request.session.pop(TERMS_PENDING_KEY, None)


@receiver(email_confirmed, dispatch_uid="organizations.enrol_by_email_domain")
def enrol_by_email_domain(sender, request, email_address, **kwargs):
    """A verified work address joins the employer's program by itself."""
    program_enrol_by_email_domain(patient=email_address.user)
