from allauth.socialaccount.adapter import get_adapter
from django import template

from organizations.selectors import sso_app_ids_for_user

register = template.Library()


@register.simple_tag(takes_context=True)
def connectable_sign_ins(context) -> list:
    """`{% connectable_sign_ins as providers %}`: the third-party sign-ins the
    signed-in user may connect: the single sign-on of their own
    organizations and those set up for everyone (Google). Another
    organization's single sign-on is none of their business."""
    request = context["request"]
    own = sso_app_ids_for_user(user=request.user)
    return [
        provider
        for provider in get_adapter().list_providers(request)
        if provider.app is not None and (provider.app.pk is None or provider.app.pk in own)
    ]
