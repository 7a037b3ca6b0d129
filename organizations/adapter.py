from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from .models import Membership, Organization
from .selectors import organization_get_default
from .services import membership_grant


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request, sociallogin, form=None):
        """A person new to Daraport arriving through single sign-on becomes a
        patient of the organization whose identity provider vouched for them
        (or of the default organization for Google). They accept its terms at
        the gate right after."""
        user = super().save_user(request, sociallogin, form)
        provider_id = sociallogin.account.provider
        organization = Organization.objects.filter(sso_app__provider_id=provider_id).first()
        organization = organization or organization_get_default()
        if organization:
            membership_grant(organization=organization, user=user, role=Membership.Role.PATIENT)
        return user
