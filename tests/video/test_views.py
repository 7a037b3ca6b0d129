import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from booking.states import AppointmentStatus
from core.models import AuditLog
from organizations.models import Membership
from tests.accounts.factories import UserFactory, enable_totp
from tests.organizations.factories import MembershipFactory
from tests.specialists.factories import SpecialistProfileFactory
from tests.video.factories import VideoSessionFactory, patient_of, room_at, specialist_of, stay
from video import services
from video.models import VideoPolicy, VideoPreference, VideoSession

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture(autouse=True)
def quiet_layer(monkeypatch):
    """No channel layer needed for the pages: what they broadcast is tested with the services."""
    monkeypatch.setattr(services, "_send", lambda group, event: None)


def url(name, session):
    return reverse(f"video:{name}", args=[session.appointment.public_id])


def outsiders():
    other_specialist = SpecialistProfileFactory().user
    enable_totp(other_specialist)
    return [UserFactory(), other_specialist]


class TestRoom:
    def test_the_patient_enters_an_open_room(self, client):
        session = room_at()
        client.force_login(patient_of(session))
        response = client.get(url("room", session))
        assert response.status_code == 200
        assert "video/room.html" in [t.name for t in response.templates]
        context = response.context
        assert context["role"] == "patient"
        assert context["me_name"] == patient_of(session).display_name
        assert context["peer_name"] == session.appointment.specialist.display_name
        assert context["ws_path"] == f"/ws/video/{session.appointment.public_id}/"
        assert context["no_show_url"] is None and context["admit_url"] is None
        assert context["back_url"] == reverse("booking:patient-appointment", args=[session.appointment.public_id])
        assert context["chat_url"] == reverse("messaging:call-chat", args=[session.appointment.public_id])
        assert context["background"] == "none"
        assert context["ice_servers"] == []
        assert "no-store" in response["Cache-Control"]

    def test_the_specialist_gets_the_controls(self, client):
        session = room_at()
        VideoPreference.objects.create(user=specialist_of(session), background="blur")
        client.force_login(specialist_of(session))
        context = client.get(url("room", session)).context
        assert context["role"] == "specialist"
        assert context["admit_url"] == url("admit", session)
        assert context["end_url"] == url("end", session)
        assert context["no_show_url"] == url("no-show", session)
        assert context["background"] == "blur"
        assert context["back_url"] == reverse("booking:specialist-appointment", args=[session.appointment.public_id])

    def test_only_the_room_allows_webassembly_in_its_csp(self, client):
        session = room_at()
        client.force_login(patient_of(session))
        room_csp = client.get(url("room", session))["Content-Security-Policy"]
        other_csp = client.get(reverse("booking:patient-appointment", args=[session.appointment.public_id]))[
            "Content-Security-Policy"
        ]
        assert "'wasm-unsafe-eval'" in room_csp.split("script-src")[1].split(";")[0]
        assert "wasm-unsafe-eval" not in other_csp

    def test_opening_the_room_is_an_audited_read(self, client):
        session = room_at()
        client.force_login(patient_of(session))
        client.get(url("room", session))
        assert AuditLog.objects.filter(
            actor=patient_of(session), action="read", object_public_id=session.appointment.public_id
        ).exists()

    def test_before_the_window_it_says_when_it_opens(self, client):
        session = room_at(timedelta(hours=2))
        client.force_login(patient_of(session))
        response = client.get(url("room", session))
        assert response.status_code == 200
        assert "video/room_closed.html" in [t.name for t in response.templates]
        assert "The room opens at" in response.content.decode()

    @pytest.mark.parametrize("status", ["completed", "cancelled", "no_show"])
    def test_after_the_session_it_says_it_has_ended(self, client, status):
        session = room_at(status=status)
        client.force_login(specialist_of(session))
        response = client.get(url("room", session))
        assert "video/room_closed.html" in [t.name for t in response.templates]
        assert reverse("booking:specialist-appointment", args=[session.appointment.public_id]) in (
            response.content.decode()
        )

    def test_anyone_else_gets_404_and_an_audit_row(self, client):
        session = room_at()
        for outsider in outsiders():
            client.force_login(outsider)
            assert client.get(url("room", session)).status_code == 404
            assert AuditLog.objects.filter(
                actor=outsider, action="denied", object_public_id=session.appointment.public_id
            ).exists()

    def test_a_made_up_address_is_404(self, client):
        client.force_login(UserFactory())
        assert client.get(reverse("video:room", args=[uuid.uuid4()])).status_code == 404

    def test_anonymous_is_sent_to_sign_in_and_back(self, client):
        session = room_at()
        response = client.get(url("room", session))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert url("room", session) in response["Location"]

    def test_a_specialist_without_a_second_factor_is_sent_to_set_one_up(self, client):
        session = room_at(second_factor=False)
        client.force_login(specialist_of(session))
        response = client.get(url("room", session))
        assert response.status_code == 302 and response["Location"] == reverse("core:mfa-required")

    def test_once_care_ended_nobody_enters(self, client):
        session = room_at()
        session.relationship.status = "ended"
        session.relationship.save()
        client.force_login(patient_of(session))
        assert client.get(url("room", session)).status_code == 404

    def test_post_is_not_allowed(self, client):
        session = room_at()
        client.force_login(patient_of(session))
        assert client.post(url("room", session)).status_code == 405


class TestAdmit:
    def test_the_specialist_lets_in_and_goes_to_the_room(self, client):
        session = room_at()
        client.force_login(specialist_of(session))
        response = client.post(url("admit", session))
        assert response.status_code == 302 and response["Location"] == url("room", session)
        assert VideoSession.objects.get(pk=session.pk).admitted_at is not None

    def test_from_a_script_it_answers_204(self, client):
        session = room_at()
        client.force_login(specialist_of(session))
        assert client.post(url("admit", session), **FETCH).status_code == 204
        assert client.post(url("admit", session), HTTP_HX_REQUEST="true").status_code == 204

    def test_the_patient_cannot(self, client):
        session = room_at()
        client.force_login(patient_of(session))
        assert client.post(url("admit", session)).status_code == 403
        assert VideoSession.objects.get(pk=session.pk).admitted_at is None

    def test_outsiders_get_404_and_anonymous_sign_in(self, client):
        session = room_at()
        for outsider in outsiders():
            client.force_login(outsider)
            assert client.post(url("admit", session)).status_code == 404
        client.logout()
        assert client.post(url("admit", session))["Location"].startswith(reverse("account_login"))
        assert VideoSession.objects.get(pk=session.pk).admitted_at is None

    def test_refused_with_409_outside_the_window(self, client):
        session = room_at(timedelta(hours=2))
        client.force_login(specialist_of(session))
        response = client.post(url("admit", session))
        assert response.status_code == 409
        assert "not open" in response.content.decode()
        fetched = client.post(url("admit", session), **FETCH)
        assert fetched.status_code == 409 and fetched.content.decode() == "The session room is not open now."
        assert VideoSession.objects.get(pk=session.pk).admitted_at is None

    def test_get_is_not_allowed(self, client):
        session = room_at()
        client.force_login(specialist_of(session))
        assert client.get(url("admit", session)).status_code == 405


class TestEnd:
    def test_the_specialist_ends_and_lands_on_the_appointment(self, client):
        session = room_at()
        client.force_login(specialist_of(session))
        response = client.post(url("end", session), follow=True)
        back = reverse("booking:specialist-appointment", args=[session.appointment.public_id])
        assert response.redirect_chain[0] == (back, 302)
        assert "The session has ended." in response.content.decode()
        assert VideoSession.objects.get(pk=session.pk).appointment.status == AppointmentStatus.COMPLETED

    def test_from_a_script_it_answers_204_with_where_to_go(self, client):
        session = room_at()
        client.force_login(specialist_of(session))
        response = client.post(url("end", session), **FETCH)
        assert response.status_code == 204
        assert response["HX-Redirect"] == reverse(
            "booking:specialist-appointment", args=[session.appointment.public_id]
        )

    def test_ending_twice_says_so(self, client):
        session = room_at()
        client.force_login(specialist_of(session))
        client.post(url("end", session))
        response = client.post(url("end", session), follow=True)
        assert "This session had already ended." in response.content.decode()

    def test_the_patient_and_outsiders_cannot(self, client):
        session = room_at()
        client.force_login(patient_of(session))
        assert client.post(url("end", session)).status_code == 403
        for outsider in outsiders():
            client.force_login(outsider)
            assert client.post(url("end", session)).status_code == 404
        assert VideoSession.objects.get(pk=session.pk).ended_at is None


class TestNoShow:
    def test_after_the_grace_period(self, client):
        session = room_at(-timedelta(minutes=20))
        client.force_login(specialist_of(session))
        response = client.post(url("no-show", session))
        assert response.status_code == 302
        assert VideoSession.objects.get(pk=session.pk).appointment.status == AppointmentStatus.NO_SHOW

    def test_refused_with_the_reason_too_early(self, client):
        session = room_at(-timedelta(minutes=5))
        client.force_login(specialist_of(session))
        response = client.post(url("no-show", session))
        assert response.status_code == 409
        assert "15 minutes after the start" in response.content.decode()
        assert "video/refused.html" in [t.name for t in response.templates]
        session.refresh_from_db()
        assert session.ended_at is None and session.appointment.status == AppointmentStatus.CONFIRMED

    def test_refused_once_the_patient_joined(self, client):
        session = room_at(-timedelta(minutes=20))
        stay(session, patient_of(session), minutes_ago=19, left=True)
        client.force_login(specialist_of(session))
        response = client.post(url("no-show", session), **FETCH)
        assert response.status_code == 409 and response.content.decode() == "The patient joined this session."
        assert VideoSession.objects.get(pk=session.pk).ended_at is None

    def test_the_patient_and_outsiders_cannot(self, client):
        session = room_at(-timedelta(minutes=20))
        client.force_login(patient_of(session))
        assert client.post(url("no-show", session)).status_code == 403
        for outsider in outsiders():
            client.force_login(outsider)
            assert client.post(url("no-show", session)).status_code == 404
        assert VideoSession.objects.get(pk=session.pk).ended_at is None


class TestPreference:
    def test_saved_from_a_script(self, client):
        user = UserFactory()
        client.force_login(user)
        response = client.post(reverse("video:preference"), {"background": "blur"}, **FETCH)
        assert response.status_code == 204
        assert VideoPreference.objects.get(user=user).background == "blur"

    def test_a_form_goes_back_where_it_came_from_on_this_site_only(self, client):
        client.force_login(UserFactory())
        response = client.post(reverse("video:preference"), {"background": "colour", "next": "/patient/"})
        assert response["Location"] == "/patient/"
        response = client.post(reverse("video:preference"), {"background": "none", "next": "https://evil.test/"})
        assert response["Location"] == reverse("core:home")

    @pytest.mark.parametrize("posted", [{"background": "sepia"}, {}, {"background": "blur\x00"}])
    def test_a_bad_value_is_422_and_stores_nothing(self, client, posted):
        client.force_login(UserFactory())
        response = client.post(reverse("video:preference"), posted, **FETCH)
        assert response.status_code in (400, 422)
        assert not VideoPreference.objects.exists()

    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.post(reverse("video:preference"), {"background": "blur"})
        assert response["Location"].startswith(reverse("account_login"))
        assert not VideoPreference.objects.exists()


class TestWaiting:
    def test_the_specialist_sees_who_waits(self, client):
        session = room_at()
        stay(session, patient_of(session))
        client.force_login(specialist_of(session))
        response = client.get(reverse("video:waiting"))
        page = response.content.decode()
        assert response.status_code == 200
        assert patient_of(session).display_name in page
        assert url("admit", session) in page

    def test_the_live_refresh_gets_the_list_alone(self, client):
        session = room_at()
        client.force_login(specialist_of(session))
        response = client.get(reverse("video:waiting"), HTTP_HX_REQUEST="true")
        page = response.content.decode()
        assert "<html" not in page and 'id="waiting-list"' in page
        assert "Nobody is waiting" in page

    def test_another_specialist_sees_nobody(self, client):
        session = room_at()
        stay(session, patient_of(session))
        other = outsiders()[1]
        client.force_login(other)
        assert patient_of(session).display_name not in client.get(reverse("video:waiting")).content.decode()

    def test_patients_get_the_friendly_403_and_anonymous_sign_in(self, client):
        session = room_at()
        client.force_login(patient_of(session))
        MembershipFactory(user=patient_of(session), organization=session.appointment.specialist.organization)
        assert client.get(reverse("video:waiting")).status_code == 403
        client.logout()
        assert client.get(reverse("video:waiting"))["Location"].startswith(reverse("account_login"))


class TestOrgSettings:
    @pytest.fixture
    def admin_and_org(self):
        organization = VideoSessionFactory().appointment.specialist.organization
        admin = UserFactory()
        MembershipFactory(user=admin, organization=organization, role=Membership.Role.ADMIN)
        enable_totp(admin)
        return admin, organization

    def test_the_admin_sees_the_defaults_and_saves(self, client, admin_and_org):
        admin, organization = admin_and_org
        client.force_login(admin)
        settings_url = reverse("video:org-settings", args=[organization.slug])
        page = client.get(settings_url)
        assert page.status_code == 200
        assert page.context["form"].initial == {"opens_minutes_before": 10, "grace_minutes": 15}
        assert 'aria-current="page">Video<' in page.content.decode()
        response = client.post(settings_url, {"opens_minutes_before": "5", "grace_minutes": "30"}, follow=True)
        assert response.redirect_chain[0] == (settings_url, 302)
        assert "Video settings saved." in response.content.decode()
        policy = VideoPolicy.objects.get(organization=organization)
        assert (policy.opens_minutes_before, policy.grace_minutes) == (5, 30)

    @pytest.mark.parametrize(
        "posted",
        [
            {"opens_minutes_before": "61", "grace_minutes": "15"},
            {"opens_minutes_before": "10", "grace_minutes": "121"},
            {"opens_minutes_before": "-1", "grace_minutes": "15"},
            {"opens_minutes_before": "ten", "grace_minutes": "15"},
            {"opens_minutes_before": "10"},
            {},
        ],
    )
    def test_bad_numbers_are_422_and_store_nothing(self, client, admin_and_org, posted):
        admin, organization = admin_and_org
        client.force_login(admin)
        response = client.post(reverse("video:org-settings", args=[organization.slug]), posted)
        assert response.status_code == 422
        assert response.context["form"].errors
        assert not VideoPolicy.objects.exists()

    def test_other_people_cannot(self, client, admin_and_org):
        _admin, organization = admin_and_org
        settings_url = reverse("video:org-settings", args=[organization.slug])
        other_admin = UserFactory()
        MembershipFactory(user=other_admin, role=Membership.Role.ADMIN)
        enable_totp(other_admin)
        client.force_login(other_admin)
        assert client.post(settings_url, {"opens_minutes_before": "0", "grace_minutes": "0"}).status_code == 404
        client.force_login(UserFactory())
        assert client.post(settings_url, {"opens_minutes_before": "0", "grace_minutes": "0"}).status_code == 403
        client.logout()
        assert client.get(settings_url)["Location"].startswith(reverse("account_login"))
        assert not VideoPolicy.objects.exists()


class TestNavigationBadge:
    def test_the_specialist_portal_counts_who_waits(self, client):
        session = room_at()
        stay(session, patient_of(session))
        client.force_login(specialist_of(session))
        page = client.get(reverse("core:specialist-home")).content.decode()
        badge = page.split('id="nav-waiting"')[1].split("</a>")[0]
        assert "<span data-waiting-count>1</span>" in badge and " hidden" not in badge.split(">")[0]

    def test_nobody_waiting_hides_the_badge(self, client):
        session = room_at()
        client.force_login(specialist_of(session))
        page = client.get(reverse("video:waiting")).content.decode()
        assert 'data-lobby-ws="/ws/video/lobby/" hidden>' in page

    def test_no_query_outside_the_specialist_portal(self, rf, django_assert_num_queries):
        from django.contrib.auth.models import AnonymousUser

        from video.context_processors import waiting

        request = rf.get("/")
        request.user = AnonymousUser()
        with django_assert_num_queries(0):
            assert waiting(request) == {"video_waiting_count": 0}
