"""The organization portal's specialist pages: the list and the review."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import JourneyEvent
from specialists.models import SpecialistProfile
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

Status = SpecialistProfile.Status


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas["org_admin"])
    return client


def list_url(org, **query):
    url = reverse("specialists:org-specialists", args=[org.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def review_url(org, profile):
    return reverse("specialists:org-specialist-review", args=[org.slug, profile.public_id])


# --- Who gets in ---------------------------------------------------------------------


def test_the_org_admin_sees_their_specialists(admin_client, org, other_org):
    ours = SpecialistProfileFactory(organization=org, display_name="Ana Souza")
    SpecialistProfileFactory(organization=other_org, display_name="Someone Elsewhere")
    response = admin_client.get(list_url(org))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Ana Souza" in html
    assert "Someone Elsewhere" not in html
    assert review_url(org, ours) in html


@pytest.mark.parametrize("persona", ["patient_a", "specialist", "affiliate"])
def test_other_roles_get_the_friendly_403_page(client, personas, org, persona):
    profile = SpecialistProfileFactory(organization=org, status=Status.PENDING)
    client.force_login(personas[persona])
    for url in [list_url(org), review_url(org, profile)]:
        response = client.get(url)
        assert response.status_code == 403
        assert "portals/no_access.html" in [template.name for template in response.templates]
    assert client.post(review_url(org, profile), {"decision": "approve"}).status_code == 403
    profile.refresh_from_db()
    assert profile.status == Status.PENDING


def test_anonymous_people_are_sent_to_sign_in(client, org):
    profile = SpecialistProfileFactory(organization=org)
    for url in [list_url(org), review_url(org, profile)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_an_admin_of_another_organization_gets_404_and_changes_nothing(client, personas, org, other_org):
    profile = SpecialistProfileFactory(organization=org, status=Status.PENDING)
    client.force_login(personas["other_org_admin"])
    assert client.get(list_url(org)).status_code == 404
    assert client.get(review_url(org, profile)).status_code == 404
    assert client.post(review_url(org, profile), {"decision": "approve"}).status_code == 404
    # Through their own organization's address, our profile does not exist either.
    own = reverse("specialists:org-specialist-review", args=[other_org.slug, profile.public_id])
    assert client.get(own).status_code == 404
    assert client.post(own, {"decision": "approve"}).status_code == 404
    profile.refresh_from_db()
    assert profile.status == Status.PENDING


def test_an_unknown_profile_is_404(admin_client, org):
    url = reverse("specialists:org-specialist-review", args=[org.slug, uuid.uuid4()])
    assert admin_client.get(url).status_code == 404


def test_the_org_nav_links_to_specialists(admin_client, org):
    html = admin_client.get(reverse("organizations:home", args=[org.slug])).content.decode()
    assert f'href="{list_url(org)}"' in html


# --- The list ----------------------------------------------------------------------------


def test_the_list_filters_by_status_and_counts_each(admin_client, org):
    SpecialistProfileFactory(organization=org, display_name="Waiting One", status=Status.PENDING)
    SpecialistProfileFactory(organization=org, display_name="Public One")
    SpecialistProfileFactory(organization=org, display_name="Draft One", draft=True)
    response = admin_client.get(list_url(org, status="pending"))
    names = [profile.display_name for profile in response.context["profiles"]]
    assert names == ["Waiting One"]
    assert response.context["counts"] == {
        "all": 3,
        "draft": 1,
        "pending": 1,
        "approved": 1,
        "changes_requested": 0,
    }


def test_waiting_profiles_come_first_and_a_bad_filter_shows_all(admin_client, org):
    SpecialistProfileFactory(organization=org, display_name="Aaron Approved")
    SpecialistProfileFactory(organization=org, display_name="Zoe Waiting", status=Status.PENDING)
    response = admin_client.get(list_url(org, status="<script>"))
    assert response.status_code == 200
    assert [p.display_name for p in response.context["profiles"]] == ["Zoe Waiting", "Aaron Approved"]


def test_an_empty_queue_says_so(admin_client, org):
    html = admin_client.get(list_url(org, status="pending")).content.decode()
    assert "Nothing waits for you" in html


def test_specialists_who_never_opened_their_profile_are_counted(admin_client, org, personas):
    html = admin_client.get(list_url(org)).content.decode()
    assert "1 specialist of your organization has not opened their profile yet." in html


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_number_of_queries_for_2_or_12_specialists(admin_client, org):
    for _ in range(2):
        OfferingFactory(specialist=SpecialistProfileFactory(organization=org, specializations=["anxiety"]))
    _list_queries(admin_client, list_url(org))  # the first request of a session also records the session
    few = _list_queries(admin_client, list_url(org))
    for _ in range(10):
        OfferingFactory(specialist=SpecialistProfileFactory(organization=org, specializations=["sleep", "adhd"]))
    assert _list_queries(admin_client, list_url(org)) == few


# --- Reviewing ----------------------------------------------------------------------------


def test_the_review_page_shows_the_profile_as_patients_see_it(admin_client, org):
    profile = SpecialistProfileFactory(organization=org, status=Status.PENDING, bio="I listen first.")
    OfferingFactory(specialist=profile, name="First talk")
    response = admin_client.get(review_url(org, profile))
    assert "specialists/_profile.html" in [template.name for template in response.templates]
    html = response.content.decode()
    assert "I listen first." in html and "First talk" in html
    assert "Approve and publish" in html


def test_approving_a_waiting_profile(admin_client, org, personas, django_capture_on_commit_callbacks):
    profile = SpecialistProfileFactory(organization=org, status=Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(review_url(org, profile), {"decision": "approve", "status": "draft"})
    assert response.status_code == 302
    assert response["Location"] == list_url(org)
    assert len(callbacks) == 1
    profile.refresh_from_db()
    assert profile.status == Status.APPROVED
    assert profile.approved_at is not None
    assert JourneyEvent.objects.filter(verb="specialist_profile.approved", actor=personas["org_admin"]).exists()


def test_asking_for_changes_needs_a_note(admin_client, org):
    profile = SpecialistProfileFactory(organization=org, status=Status.PENDING)
    response = admin_client.post(review_url(org, profile), {"decision": "request_changes", "note": " "})
    assert response.status_code == 422
    assert "Tell the specialist what to change." in response.content.decode()
    profile.refresh_from_db()
    assert profile.status == Status.PENDING


def test_asking_for_changes_with_a_note(admin_client, org):
    profile = SpecialistProfileFactory(organization=org, status=Status.PENDING)
    data = {"decision": "request_changes", "note": "Please add your licence number."}
    assert admin_client.post(review_url(org, profile), data).status_code == 302
    profile.refresh_from_db()
    assert (profile.status, profile.status_note) == (Status.CHANGES_REQUESTED, "Please add your licence number.")


def test_an_empty_post_answers_422(admin_client, org):
    profile = SpecialistProfileFactory(organization=org, status=Status.PENDING)
    assert admin_client.post(review_url(org, profile)).status_code == 422
    profile.refresh_from_db()
    assert profile.status == Status.PENDING


def test_an_unknown_decision_answers_422(admin_client, org):
    profile = SpecialistProfileFactory(organization=org, status=Status.PENDING)
    assert admin_client.post(review_url(org, profile), {"decision": "publish_everything"}).status_code == 422
    profile.refresh_from_db()
    assert profile.status == Status.PENDING


def test_approving_a_draft_is_refused_with_409(admin_client, org):
    profile = SpecialistProfileFactory(organization=org, draft=True)
    response = admin_client.post(review_url(org, profile), {"decision": "approve"})
    assert response.status_code == 409
    assert "right now, so this step does not apply." in response.content.decode()
    profile.refresh_from_db()
    assert profile.status == Status.DRAFT
