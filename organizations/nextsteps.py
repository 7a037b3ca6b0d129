from django.urls import reverse
from django.utils.translation import gettext as _

from core import nextsteps
from core.nextsteps import NextStep
from core.portals import Portal

from .models import Membership
from .selectors import terms_current_for_organization


def organization_steps(*, user, organization=None, **context):
    if organization is None:
        return
    if not terms_current_for_organization(organization=organization):
        yield NextStep(
            title=_("Publish your terms"),
            body=_("People accept your Terms of Service and Privacy Notice when they sign up."),
            url=reverse("organizations:terms", args=[organization.slug]),
            cta=_("Write your terms"),
            priority=10,
        )
    if not organization.logo:
        yield NextStep(
            title=_("Make Daraport yours"),
            body=_("Add your logo and colour: every portal your patients and specialists see will carry them."),
            url=reverse("organizations:brand", args=[organization.slug]),
            cta=_("Set up your brand"),
            priority=30,
        )
    if not Membership.objects.filter(
        organization=organization, role=Membership.Role.SPECIALIST, is_active=True
    ).exists():
        yield NextStep(
            title=_("Invite your specialists"),
            body=_("Add the therapists, coaches and doctors who will see patients here."),
            url=reverse("organizations:members", args=[organization.slug]),
            cta=_("Invite specialists"),
            priority=40,
        )
    yield NextStep(
        title=_("Your team"),
        body=_("See who holds which role, add admins and remove access."),
        url=reverse("organizations:members", args=[organization.slug]),
        cta=_("Manage members"),
        priority=80,
    )


def register():
    nextsteps.register(Portal.ORGANIZATION, organization_steps)
