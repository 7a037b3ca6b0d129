"""What the specialist and organization portal homes suggest next."""

import pytest
from django.urls import reverse

from core import nextsteps
from core.portals import Portal
from specialists.models import SpecialistProfile
from specialists.services import specialist_profile_get_or_create
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

Status = SpecialistProfile.Status


def titles(portal, **context):
    return [(step.title, step.priority) for step in nextsteps.next_steps(portal, **context)]


def test_a_new_specialist_is_asked_to_complete_the_profile_and_add_an_offering(personas):
    steps = titles(Portal.SPECIALIST, user=personas["specialist"])
    assert ("Complete your profile", 20) in steps
    assert ("Add your first offering", 30) in steps
    assert not SpecialistProfile.objects.exists()  # reading the steps creates nothing


def test_the_organizations_note_is_the_first_thing_a_specialist_reads(personas):
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    profile.status, profile.status_note = Status.CHANGES_REQUESTED, "Please add a photo."
    profile.save()
    first = nextsteps.next_steps(Portal.SPECIALIST, user=personas["specialist"])[0]
    assert (first.title, first.body, first.url) == (
        "Your organization asked for changes",
        "Please add a photo.",
        reverse("specialists:profile-edit"),
    )


def test_a_waiting_specialist_with_an_offering_is_told_it_is_in_review(personas):
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    profile.status = Status.PENDING
    profile.save()
    OfferingFactory(specialist=profile)
    steps = titles(Portal.SPECIALIST, user=personas["specialist"])
    assert ("Waiting for approval", 60) in steps
    assert not {"Complete your profile", "Add your first offering"} & {title for title, _ in steps}


def test_the_specialist_home_shows_the_card(client, personas):
    client.force_login(personas["specialist"])
    html = client.get(reverse("core:specialist-home")).content.decode()
    assert "Complete your profile" in html


def test_the_organization_is_told_how_many_profiles_wait(org, personas):
    SpecialistProfileFactory(organization=org, status=Status.PENDING)
    SpecialistProfileFactory(organization=org, status=Status.PENDING)
    SpecialistProfileFactory(organization=org)
    steps = nextsteps.next_steps(Portal.ORGANIZATION, user=personas["org_admin"], organization=org)
    wait = [step for step in steps if "wait for your approval" in step.title]
    assert [(step.title, step.priority) for step in wait] == [("2 profiles wait for your approval", 15)]
    assert wait[0].url == reverse("specialists:org-specialists", args=[org.slug]) + "?status=pending"


def test_one_waiting_profile_is_singular_and_none_shows_no_card(org, other_org, personas):
    SpecialistProfileFactory(organization=org, status=Status.PENDING)
    steps = nextsteps.next_steps(Portal.ORGANIZATION, user=personas["org_admin"], organization=org)
    assert "1 profile waits for your approval" in [step.title for step in steps]
    others = nextsteps.next_steps(Portal.ORGANIZATION, user=personas["other_org_admin"], organization=other_org)
    assert not [step for step in others if "approval" in step.title]
