"""Account next steps shown on portal homes."""

from allauth.mfa.utils import is_mfa_enabled
from django.urls import reverse
from django.utils.translation import gettext as _

from core import nextsteps
from core.nextsteps import NextStep
from core.portals import Portal


def profile_steps(*, user, **context):
    if not user.full_name:
        yield NextStep(
            title=_("Tell us your name"),
            body=_(
                "The people you work with here see the name you choose. You can also set what you like to be called."
            ),
            url=reverse("accounts:settings"),
            cta=_("Complete your profile"),
            priority=20,
        )


def patient_mfa_step(*, user, **context):
    if not is_mfa_enabled(user):
        yield NextStep(
            title=_("Protect your account"),
            body=_("Add an authenticator app or a security key so only you can open your records."),
            url=reverse("mfa_index"),
            cta=_("Set up two-factor authentication"),
            priority=90,
        )


def specialist_timezone_step(*, user, **context):
    yield NextStep(
        title=_("Check your time zone"),
        body=_("Your availability and every session time are set in %(zone)s. Change it if you work elsewhere.")
        % {"zone": user.timezone.replace("_", " ")},
        url=reverse("accounts:settings"),
        cta=_("Review time zone"),
        priority=60,
    )


def register():
    for portal in Portal:
        nextsteps.register(portal, profile_steps)
    nextsteps.register(Portal.PATIENT, patient_mfa_step)
    nextsteps.register(Portal.SPECIALIST, specialist_timezone_step)
