"""`/org/`: an organization admin lands in their organization, or chooses
one when they run several; anyone else gets the friendly 403 page."""

import pytest
from django.urls import reverse

from organizations.models import Membership
from tests.accounts.factories import enable_totp
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db

CHOOSER = reverse("organizations:chooser")


def test_an_admin_of_one_organization_goes_straight_to_it(client, personas, org):
    client.force_login(personas["org_admin"])
    response = client.get(CHOOSER)
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:home", args=[org.slug])


def test_an_admin_of_several_organizations_chooses_one(client, personas, org, other_org):
    admin = personas["org_admin"]
    MembershipFactory(user=admin, organization=other_org, role=Membership.Role.ADMIN)
    client.force_login(admin)
    response = client.get(CHOOSER)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Which organization?" in html
    for organization in (org, other_org):
        assert f'href="{reverse("organizations:home", args=[organization.slug])}"' in html
        assert organization.name in html


@pytest.mark.parametrize("persona", ["patient_a", "specialist", "affiliate"])
def test_people_without_an_admin_role_get_the_friendly_page(client, personas, persona):
    client.force_login(personas[persona])
    response = client.get(CHOOSER)
    assert response.status_code == 403
    assert "This portal is not part of your account" in response.content.decode()


def test_signed_out_visitors_are_asked_to_sign_in(client):
    response = client.get(CHOOSER)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={CHOOSER}"


def test_an_admin_without_a_second_factor_is_asked_for_one(client, org):
    admin = MembershipFactory(organization=org, role=Membership.Role.ADMIN).user
    client.force_login(admin)
    assert client.get(CHOOSER)["Location"] == reverse("core:mfa-required")
    enable_totp(admin)
    assert client.get(CHOOSER).status_code == 302
