"""Next-step cards for the specialist and organization portal homes."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import nextsteps
from core.nextsteps import NextStep
from core.portals import Portal

from .models import SpecialistProfile
from .selectors import specialist_profile_for_user, specialist_profile_pending_count

Status = SpecialistProfile.Status


def specialist_steps(*, user, **context):
    """Reads only: the profile is created when the specialist opens it."""
    profile = specialist_profile_for_user(user=user)
    status = profile.status if profile else Status.DRAFT
    if status == Status.CHANGES_REQUESTED:
        yield NextStep(
            title=_("Your organization asked for changes"),
            body=profile.status_note,
            url=reverse("specialists:profile-edit"),
            cta=_("Update your profile"),
            priority=20,
        )
    elif status == Status.DRAFT:
        yield NextStep(
            title=_("Complete your profile"),
            body=_(
                "Patients choose a specialist by their profile: add a photo, a few warm sentences about how you "
                "work, your specializations and languages. Then submit it for approval."
            ),
            url=reverse("specialists:profile-edit"),
            cta=_("Write your profile"),
            priority=20,
        )
    if profile is None or not profile.offerings.filter(is_active=True).exists():
        yield NextStep(
            title=_("Add your first offering"),
            body=_("Say what patients can book with you, for how long and at what price."),
            url=reverse("specialists:offerings"),
            cta=_("Add an offering"),
            priority=30,
        )
    if status == Status.PENDING:
        yield NextStep(
            title=_("Waiting for approval"),
            body=_("%(organization)s is reviewing your profile. You can still edit it in the meantime.")
            % {"organization": profile.organization.name},
            url=reverse("specialists:profile-preview"),
            cta=_("Preview your profile"),
            priority=60,
        )
    elif status == Status.APPROVED:
        yield NextStep(
            title=_("Your profile is public"),
            body=_("Patients can find you in the directory. Keep it current: edits appear right away."),
            url=reverse("specialists:profile-preview"),
            cta=_("See it as patients do"),
            priority=90,
        )


def organization_steps(*, user, organization=None, **context):
    if organization is None:
        return
    pending = specialist_profile_pending_count(organization=organization)
    if pending:
        yield NextStep(
            title=ngettext(
                "%(count)s profile waits for your approval",
                "%(count)s profiles wait for your approval",
                pending,
            )
            % {"count": pending},
            body=_("A profile appears in the directory once you approve it. Read it as a patient would, then decide."),
            url=reverse("specialists:org-specialists", args=[organization.slug]) + "?status=pending",
            cta=_("Review profiles"),
            priority=15,
        )


def register():
    nextsteps.register(Portal.SPECIALIST, specialist_steps)
    nextsteps.register(Portal.ORGANIZATION, organization_steps)
