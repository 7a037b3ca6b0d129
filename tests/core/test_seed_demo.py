import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from booking.models import Proposal
from organizations.models import Membership, Organization, TermsDocument

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_makes_the_four_logins(settings, tmp_path):
    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo")
    call_command("seed_demo")
    org = Organization.objects.get(slug="daraport-demo-clinic")
    assert org.name == "Daraport Demo Clinic" and org.logo
    assert TermsDocument.objects.filter(organization=org).count() == 2
    roles = dict(
        Membership.objects.filter(user__email__endswith="@demo.daraport.test").values_list("user__email", "role")
    )
    assert roles == {
        "patient@demo.daraport.test": "patient",
        "specialist@demo.daraport.test": "specialist",
        "admin@demo.daraport.test": "admin",
        "affiliate@demo.daraport.test": "affiliate",
    }
    assert User.objects.get(email="patient@demo.daraport.test").check_password("daraport-demo")
    # The demo thread of the two has follow-up times to take from its side panel, once.
    proposed = Proposal.objects.get(
        patient__email="patient@demo.daraport.test",
        specialist__user__email="specialist@demo.daraport.test",
        status=Proposal.Status.OPEN,
    )
    assert proposed.appointments.count() == 2


def test_seed_demo_refuses_outside_the_demo():
    with pytest.raises(CommandError):
        call_command("seed_demo")
