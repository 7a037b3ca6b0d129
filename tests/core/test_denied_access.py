"""A 404 for someone else's record is a plain 404 that leaves an audit row
(SECURITY.md, "Health data handling")."""

import uuid

import pytest
from django.http import Http404
from django.test import RequestFactory

from core.middleware import DeniedAccessAuditMiddleware
from core.models import AuditLog, Notification
from core.selectors import NotYours, get_for_user
from core.services import notification_create
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs():
    return notification_create(user=UserFactory(), portal="patient", text="Your session was confirmed.")


def test_someone_elses_record_is_a_404_that_names_it(theirs):
    mine = Notification.objects.filter(user=UserFactory())
    with pytest.raises(NotYours) as caught:
        get_for_user(mine, theirs.public_id)
    assert caught.value.obj == theirs
    assert isinstance(caught.value, Http404)


@pytest.mark.parametrize("public_id", [uuid.uuid4(), "not-a-uuid"])
def test_a_record_that_does_not_exist_is_a_plain_404(public_id):
    with pytest.raises(Http404) as caught:
        get_for_user(Notification.objects.all(), public_id)
    assert not isinstance(caught.value, NotYours)


def test_the_middleware_audits_the_denied_attempt_and_lets_the_404_through(theirs):
    intruder = UserFactory()
    request = RequestFactory().get("/patient/notifications/x/open/", REMOTE_ADDR="203.0.113.9")
    request.user = intruder
    middleware = DeniedAccessAuditMiddleware(lambda request: None)
    assert middleware.process_exception(request, NotYours(theirs)) is None
    assert middleware.process_exception(request, Http404()) is None
    row = AuditLog.objects.get()
    assert (row.action, row.actor, row.object_public_id, row.path) == (
        AuditLog.Action.DENIED,
        intruder,
        theirs.public_id,
        "/patient/notifications/x/open/",
    )
