import time

import pytest
from django.test import override_settings
from django.urls import reverse

from core.portals import Portal, has_portal, portal_accesses
from core.sessions import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from organizations.models import Membership
from tests.conftest import member

pytestmark = pytest.mark.django_db


def test_a_user_holding_several_roles_sees_each_portal_in_the_switcher(org, other_org):
    user = member(org, Membership.Role.PATIENT, staff=True)
    Membership.objects.create(user=user, organization=org, role=Membership.Role.SPECIALIST)
    Membership.objects.create(user=user, organization=other_org, role=Membership.Role.ADMIN)
    accesses = portal_accesses(user)
    assert [a.portal for a in accesses] == [Portal.PATIENT, Portal.SPECIALIST, Portal.ORGANIZATION]
    assert accesses[2].url == f"/org/{other_org.slug}/"
    assert has_portal(user, Portal.ORGANIZATION, other_org.slug)
    assert not has_portal(user, Portal.ORGANIZATION, org.slug)


def test_inactive_memberships_grant_nothing(org):
    user = member(org, Membership.Role.PATIENT)
    Membership.objects.filter(user=user).update(is_active=False)
    assert portal_accesses(user) == []


def test_the_header_role_switcher_links_every_portal(client, org):
    user = member(org, Membership.Role.PATIENT, staff=True)
    Membership.objects.create(user=user, organization=org, role=Membership.Role.SPECIALIST)
    client.force_login(user)
    html = client.get(reverse("core:patient-home")).content.decode()
    assert 'href="/specialist/"' in html
    assert 'href="/patient/" aria-current="page"' in html


def test_a_portal_without_the_role_is_a_friendly_403(client, org):
    client.force_login(member(org, Membership.Role.PATIENT))
    response = client.get(reverse("affiliates:home"))
    assert response.status_code == 403
    assert "affiliate portal is for partners" in response.content.decode()


def test_home_sends_each_user_to_their_first_portal(client, org):
    client.force_login(member(org, Membership.Role.AFFILIATE))
    assert client.get(reverse("core:home"))["Location"] == "/affiliate/"


def test_staff_without_a_second_factor_cannot_open_their_portal(client, org):
    client.force_login(member(org, Membership.Role.SPECIALIST, staff=False))
    response = client.get(reverse("core:specialist-home"))
    assert response["Location"] == reverse("core:mfa-required")


@override_settings(DEMO_MFA_EXEMPT_EMAILS={"demo@example.test"})
def test_only_listed_demo_staff_may_skip_the_second_factor(client, org):
    client.force_login(member(org, Membership.Role.SPECIALIST, email="demo@example.test"))
    assert client.get(reverse("core:specialist-home")).status_code == 200


def test_patients_do_not_need_a_second_factor(client, org):
    client.force_login(member(org, Membership.Role.PATIENT))
    response = client.get(reverse("core:patient-home"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def _age_session(client, *, started_ago, seen_ago):
    session = client.session
    now = time.time()
    session[SESSION_STARTED_KEY] = now - started_ago
    session[SESSION_SEEN_KEY] = now - seen_ago
    session.save()


def test_staff_sessions_end_after_30_idle_minutes(client, org):
    client.force_login(member(org, Membership.Role.SPECIALIST, staff=True))
    _age_session(client, started_ago=3600, seen_ago=31 * 60)
    response = client.get(reverse("core:specialist-home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("core:specialist-home")).status_code == 302  # really signed out


def test_staff_sessions_end_after_12_hours_even_when_active(client, org):
    client.force_login(member(org, Membership.Role.SPECIALIST, staff=True))
    _age_session(client, started_ago=12 * 3600 + 60, seen_ago=10)
    assert client.get(reverse("core:specialist-home")).status_code == 302


def test_patient_sessions_survive_an_idle_hour(client, org):
    client.force_login(member(org, Membership.Role.PATIENT))
    _age_session(client, started_ago=3 * 3600, seen_ago=3600)
    assert client.get(reverse("core:patient-home")).status_code == 200


def test_requests_run_in_the_users_time_zone_and_leave_none_behind(rf, org):
    from django.utils import timezone

    from core.middleware import TimezoneMiddleware

    seen = []
    middleware = TimezoneMiddleware(lambda request: seen.append(timezone.get_current_timezone_name()))
    request = rf.get("/")
    request.user = member(org, Membership.Role.PATIENT, timezone="Asia/Tokyo")
    middleware(request)
    assert seen == ["Asia/Tokyo"]
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_refused_portal_visit_is_audited(client, org):
    from core.models import AuditLog

    user = member(org, Membership.Role.PATIENT)
    client.force_login(user)
    client.get(reverse("core:specialist-home"))
    row = AuditLog.objects.get()
    assert (row.actor, row.action, row.path) == (user, "denied", "/specialist/")


def test_sign_in_fails_closed_with_a_calm_503_when_the_cache_is_down(client, org, monkeypatch):
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisConnectionError

    from tests.accounts.factories import PASSWORD

    user = member(org, Membership.Role.PATIENT)

    def down(*args, **kwargs):
        raise RedisConnectionError("refused")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(cache, "set", down)
    monkeypatch.setattr(cache, "add", down)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "_auth_user_id" not in client.session
