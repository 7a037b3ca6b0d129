import pytest
from django.urls import reverse

from organizations.models import Membership

pytestmark = pytest.mark.django_db


def test_an_org_admin_sees_only_their_organization_in_django_admin(client, personas, org, other_org):
    client.force_login(personas["org_admin"])
    response = client.get(reverse("admin:organizations_organization_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert org.name in html and other_org.name not in html

    memberships = client.get(reverse("admin:organizations_membership_changelist")).content.decode()
    assert personas["patient_a"].email in memberships
    assert personas["other_org_admin"].email not in memberships


def test_an_org_admin_cannot_open_another_organizations_row(client, personas, other_org):
    client.force_login(personas["org_admin"])
    url = reverse("admin:organizations_organization_change", args=[other_org.pk])
    assert client.get(url).status_code == 302  # admin answers "does not exist" with a redirect to the index
    assert client.get(url, follow=True).redirect_chain[-1][0] == reverse("admin:index")


def test_org_admins_cannot_see_the_user_table(client, personas):
    client.force_login(personas["org_admin"])
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_patients_and_specialists_are_kept_out_of_the_admin(client, personas):
    for name in ["patient_a", "specialist", "affiliate"]:
        client.force_login(personas[name])
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert client.get(response["Location"]).status_code == 403


def test_the_admin_revoke_action_goes_through_the_service(client, personas, org):
    client.force_login(personas["org_admin"])
    target = Membership.objects.get(user=personas["patient_a"])
    client.post(
        reverse("admin:organizations_membership_changelist"),
        {"action": "revoke", "_selected_action": [target.pk]},
    )
    target.refresh_from_db()
    assert not target.is_active
