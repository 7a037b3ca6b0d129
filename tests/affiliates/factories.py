import factory
from django.utils import timezone

from affiliates.models import Affiliate, AttributionSettings, Referral, ReferralLink
from organizations.models import Membership
from tests.accounts.factories import UserFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory


class AttributionSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttributionSettings
        django_get_or_create = ["organization"]

    organization = factory.SubFactory(OrganizationFactory)


class AffiliateFactory(factory.django.DjangoModelFactory):
    """An active affiliate of an organization, with its affiliate membership."""

    class Meta:
        model = Affiliate
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Partner {n}")
    currency = factory.LazyAttribute(lambda o: o.organization.currency)

    class Params:
        flat = factory.Trait(commission_kind=Affiliate.CommissionKind.FLAT, commission_flat_minor=2500)
        percent = factory.Trait(
            commission_kind=Affiliate.CommissionKind.PERCENT, commission_basis_points=1000, commission_payments=3
        )

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            MembershipFactory(user=obj.user, organization=obj.organization, role=Membership.Role.AFFILIATE)


class ReferralLinkFactory(factory.django.DjangoModelFactory):
    """A link to the organization's home page."""

    class Meta:
        model = ReferralLink

    affiliate = factory.SubFactory(AffiliateFactory)
    code = factory.Sequence(lambda n: f"LINK{n:04d}")
    label = factory.Sequence(lambda n: f"Link {n}")


class ReferralFactory(factory.django.DjangoModelFactory):
    """A patient who came through `link`."""

    class Meta:
        model = Referral

    link = factory.SubFactory(ReferralLinkFactory)
    affiliate = factory.SelfAttribute("link.affiliate")
    organization = factory.SelfAttribute("link.affiliate.organization")
    patient = factory.SubFactory(UserFactory)
    via = Referral.Via.LINK
    registered_at = factory.LazyFunction(timezone.now)
