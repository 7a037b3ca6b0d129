import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from core.models import AuditLog, JourneyEvent
from core.services import audit_read, audit_socket_read, journey_event_record
from tests.accounts.factories import UserFactory
from tests.organizations.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_audit_read_records_who_what_and_where():
    user = UserFactory()
    organization = OrganizationFactory()
    request = RequestFactory().get("/org/x/", HTTP_USER_AGENT="Browser/1.0", REMOTE_ADDR="203.0.113.9")
    request.user = user
    row = audit_read(request, organization)
    assert row.actor == user
    assert row.action == AuditLog.Action.READ
    assert row.object_public_id == organization.public_id
    assert row.content_type.model == "organization"
    assert (row.ip_address, row.user_agent, row.path) == ("203.0.113.9", "Browser/1.0", "/org/x/")


@pytest.mark.parametrize(
    ("client", "address"),
    [(("203.0.113.9", 51000), "203.0.113.9"), (("/run/daraport.sock", None), None), (None, None)],
)
def test_a_read_over_a_websocket_records_who_what_and_where(client, address):
    user = UserFactory()
    organization = OrganizationFactory()
    scope = {"user": user, "path": "/ws/x/", "headers": [(b"user-agent", b"Browser/1.0")], "client": client}
    row = audit_socket_read(scope, organization)
    assert (row.actor, row.action, row.object_public_id) == (user, AuditLog.Action.READ, organization.public_id)
    assert (row.ip_address, row.user_agent, row.path) == (address, "Browser/1.0", "/ws/x/")


def test_audit_rows_cannot_be_changed_through_the_orm():
    user = UserFactory()
    request = RequestFactory().get("/")
    request.user = user
    audit_read(request, user)
    with pytest.raises(TypeError, match="append-only"):
        AuditLog.objects.all().update(action="write")
    with pytest.raises(TypeError, match="append-only"):
        AuditLog.objects.all().delete()


@pytest.mark.parametrize("model", [AuditLog, JourneyEvent])
def test_the_database_refuses_to_rewrite_history(model):
    user = UserFactory()
    journey_event_record(actor=user, verb="test.happened", obj=user)
    request = RequestFactory().get("/")
    request.user = user
    audit_read(request, user)
    table = model._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET object_public_id = NULL")


def test_journey_events_refer_to_objects_by_type_and_public_id():
    user = UserFactory()
    event = journey_event_record(actor=user, verb="patient.registered", obj=user, data={"step": 1})
    assert (event.verb, event.object_public_id, event.data) == ("patient.registered", user.public_id, {"step": 1})
