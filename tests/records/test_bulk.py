"""The organization's bulk FHIR export: the task, its files, the pages and downloads."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment
from core.models import AuditLog
from records import fhir, services
from records.models import BulkExport, BulkExportFile
from records.services import api_token_create, bulk_export_run, bulk_export_start, bulk_exports_expire
from specialists.models import SpecialistProfile
from tests.booking.factories import AppointmentFactory
from tests.organizations.factories import MembershipFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def admin(personas):
    return personas["org_admin"]


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def seeded(org, other_org):
    """Two specialists with six appointments here; one with two elsewhere."""
    for specialist in SpecialistProfileFactory.create_batch(2, organization=org):
        offering = OfferingFactory(specialist=specialist)
        for days in (2, 3, 4):
            AppointmentFactory(offering=offering, starts_at=timezone.now() + timedelta(days=days))
    elsewhere = OfferingFactory(specialist=SpecialistProfileFactory(organization=other_org))
    return AppointmentFactory.create_batch(2, offering=elsewhere)


def run_export(org, admin, django_capture_on_commit_callbacks) -> BulkExport:
    with django_capture_on_commit_callbacks(execute=True):
        export = bulk_export_start(organization=org, by=admin)
    export.refresh_from_db()
    return export


def lines(file: BulkExportFile) -> list[dict]:
    with file.file.open("rb") as handle:
        return [json.loads(line) for line in handle.read().decode().splitlines()]


def detail_url(export):
    return reverse("records:org-export-detail", args=[export.organization.slug, export.public_id])


def export_url(org):
    return reverse("records:org-export", args=[org.slug])


# --- The export task ------------------------------------------------------------------


def test_an_export_writes_one_ndjson_file_per_type_with_the_databases_counts(
    org, admin, seeded, django_capture_on_commit_callbacks
):
    export = run_export(org, admin, django_capture_on_commit_callbacks)
    assert export.status == BulkExport.Status.DONE
    assert export.types_done == export.types_total == len(fhir.TYPES)
    files = {file.type_name: file for file in export.files.all()}
    assert list(files) == list(fhir.TYPES)
    for type_name, file in files.items():
        resources = lines(file)
        assert len(resources) == file.count, type_name
        assert {resource["resourceType"] for resource in resources} <= {type_name}
        rows = fhir.TYPES[type_name].rows(org)
        assert file.count == (rows.count() if isinstance(rows, QuerySet) else sum(1 for _row in rows)), type_name
    assert files["Appointment"].count == Appointment.objects.filter(specialist__organization=org).count() == 6
    assert files["Practitioner"].count == SpecialistProfile.objects.filter(organization=org).count() == 2
    assert files["Patient"].count == 6 + 2  # the booked, and the two patient members
    theirs = {str(appointment.public_id) for appointment in seeded}
    assert not theirs & {resource["id"] for resource in lines(files["Appointment"])}


def test_a_task_delivered_twice_runs_once(org, admin, django_capture_on_commit_callbacks):
    export = run_export(org, admin, django_capture_on_commit_callbacks)
    assert bulk_export_run(export_id=export.pk) is None
    assert export.files.count() == len(fhir.TYPES)


def test_a_failing_export_is_marked_failed_and_leaves_no_files(
    org, admin, seeded, monkeypatch, django_capture_on_commit_callbacks
):
    real = fhir.organization_resources

    def breaks_on_appointments(organization, type_name):
        if type_name == "Appointment":
            raise RuntimeError("database went away")
        return real(organization, type_name)

    monkeypatch.setattr(fhir, "organization_resources", breaks_on_appointments)
    export = run_export(org, admin, django_capture_on_commit_callbacks)
    assert export.status == BulkExport.Status.FAILED
    for file in export.files.all():
        assert not file.file.storage.exists(file.file.name)
    # The organization may start again at once.
    monkeypatch.setattr(fhir, "organization_resources", real)
    assert run_export(org, admin, django_capture_on_commit_callbacks).status == BulkExport.Status.DONE


def test_only_one_export_runs_at_a_time(org, admin):
    bulk_export_start(organization=org, by=admin)
    with pytest.raises(services.ExportAlreadyRunning):
        bulk_export_start(organization=org, by=admin)
    with pytest.raises(IntegrityError):
        BulkExport.objects.create(organization=org, status=BulkExport.Status.RUNNING)


def test_files_are_deleted_after_seven_days_and_lost_exports_fail(
    org, other_org, admin, django_capture_on_commit_callbacks
):
    export = run_export(org, admin, django_capture_on_commit_callbacks)
    stuck = BulkExport.objects.create(organization=other_org, status=BulkExport.Status.RUNNING)
    file = export.files.first()
    assert file.file.storage.exists(file.file.name)
    assert bulk_exports_expire() == 0
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1), tick=False):
        assert bulk_exports_expire() == 2
        assert bulk_exports_expire() == 0
    export.refresh_from_db()
    stuck.refresh_from_db()
    assert export.status == BulkExport.Status.EXPIRED and export.files_deleted_at is not None
    assert stuck.status == BulkExport.Status.FAILED
    assert not file.file.storage.exists(file.file.name)


# --- Pages ---------------------------------------------------------------------------


def test_the_admin_starts_an_export_and_follows_its_progress(admin_client, org, seeded):
    response = admin_client.post(export_url(org))
    export = BulkExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(export)
    assert AuditLog.objects.filter(action="export", object_public_id=export.public_id).exists()
    running = admin_client.get(detail_url(export), headers={"HX-Request": "true"})
    assert running.status_code == 200
    assert "<html" not in running.content.decode()
    assert 'hx-trigger="every 2s"' in running.content.decode()
    bulk_export_run(export_id=export.pk)
    done = admin_client.get(detail_url(export), headers={"HX-Request": "true"})
    assert done.status_code == 286  # stops htmx polling
    assert "Appointment.ndjson" in done.content.decode()
    assert "hx-trigger" not in done.content.decode()


def test_a_second_start_while_one_runs_gets_409(admin_client, org, admin):
    bulk_export_start(organization=org, by=admin)
    response = admin_client.post(export_url(org))
    assert response.status_code == 409
    assert "already running" in response.content.decode()
    assert BulkExport.objects.count() == 1


def test_a_file_downloads_through_its_signed_link_and_is_audited(
    admin_client, org, admin, seeded, django_capture_on_commit_callbacks
):
    export = run_export(org, admin, django_capture_on_commit_callbacks)
    page = admin_client.get(detail_url(export))
    file = next(file for file in page.context["files"] if file.type_name == "Appointment")
    response = admin_client.get(file.download_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    assert 'attachment; filename="Appointment.ndjson"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert len(body.splitlines()) == 6
    assert AuditLog.objects.filter(action="download", object_public_id=file.public_id, actor=admin).exists()


def test_the_manifest_follows_the_bulk_data_format(
    admin_client, org, admin, seeded, django_capture_on_commit_callbacks
):
    export = run_export(org, admin, django_capture_on_commit_callbacks)
    response = admin_client.get(reverse("records:org-export-manifest", args=[org.slug, export.public_id]))
    manifest = json.loads(response.content)
    assert set(manifest) == {"transactionTime", "request", "requiresAccessToken", "output", "error"}
    assert [entry["type"] for entry in manifest["output"]] == list(fhir.TYPES)
    appointments = next(entry for entry in manifest["output"] if entry["type"] == "Appointment")
    assert appointments["count"] == 6
    assert admin_client.get(appointments["url"]).status_code == 200


def test_a_download_link_is_useless_to_someone_else_after_an_hour_or_when_altered(
    admin_client, org, admin, personas, seeded, django_capture_on_commit_callbacks
):
    export = run_export(org, admin, django_capture_on_commit_callbacks)
    url = admin_client.get(detail_url(export)).context["files"][0].download_url
    colleague = personas["specialist"]
    MembershipFactory(user=colleague, organization=org, role="admin")
    client = Client()
    client.force_login(colleague)
    assert client.get(url).status_code == 404
    client.force_login(personas["other_org_admin"])
    assert client.get(url).status_code == 404
    assert admin_client.get(url[:-3] + "xx/").status_code == 404
    assert admin_client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        admin_client.force_login(admin)  # the session itself times out meanwhile
        assert admin_client.get(url).status_code == 404


def test_another_organizations_export_is_not_found(admin_client, org, other_org, personas):
    theirs = bulk_export_start(organization=other_org, by=personas["other_org_admin"])
    assert admin_client.get(reverse("records:org-export-detail", args=[org.slug, theirs.public_id])).status_code == 404
    assert admin_client.get(detail_url(theirs)).status_code == 404
    assert "other-clinic" not in admin_client.get(export_url(org)).content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("org_admin", 200), ("specialist", 403), ("patient_a", 403), ("affiliate", 403), ("other_org_admin", 404)],
)
def test_only_the_organizations_admins_reach_the_export_pages(client, org, personas, persona, expected):
    export = bulk_export_start(organization=org, by=personas["org_admin"])
    BulkExport.objects.filter(pk=export.pk).update(status=BulkExport.Status.FAILED)
    client.force_login(personas[persona])
    assert client.get(export_url(org)).status_code == expected
    assert client.get(detail_url(export)).status_code == expected
    if expected != 200:
        assert client.post(export_url(org)).status_code == expected
        assert BulkExport.objects.count() == 1


def test_anonymous_people_are_sent_to_sign_in_from_the_export_pages(client, org):
    response = client.get(export_url(org))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- The API's $export (FHIR Bulk Data) ----------------------------------------------


def bearer(raw: str, **headers) -> dict:
    return {"Authorization": f"Bearer {raw}", **headers}


def test_a_token_kicks_off_an_export_polls_it_and_fetches_the_files(
    client, org, admin, seeded, django_capture_on_commit_callbacks
):
    token, raw = api_token_create(organization=org, by=admin, name="Warehouse")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        kickoff = client.get("/fhir/R4/$export", headers=bearer(raw, Prefer="respond-async"))
    assert kickoff.status_code == 202
    export = BulkExport.objects.get()
    assert export.api_token == token and export.requested_by is None
    status_url = kickoff["Content-Location"]
    assert status_url == f"http://testserver/fhir/R4/bulk-status/{export.public_id}"
    waiting = client.get(status_url, headers=bearer(raw))
    assert waiting.status_code == 202
    assert waiting["X-Progress"] == f"0/{len(fhir.TYPES)} types"
    for callback in callbacks:
        callback()
    manifest = client.get(status_url, headers=bearer(raw)).json()
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"] == "http://testserver/fhir/R4/$export"
    appointments = next(entry for entry in manifest["output"] if entry["type"] == "Appointment")
    assert appointments["count"] == 6
    download = client.get(appointments["url"], headers=bearer(raw))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/fhir+ndjson"
    assert len(b"".join(download.streaming_content).splitlines()) == 6
    assert client.get(appointments["url"]).status_code == 401
    assert AuditLog.objects.filter(action="export", object_public_id=export.public_id, actor=None).exists()
    assert AuditLog.objects.filter(action="download", actor=None, path__startswith="/fhir/R4/bulk-files/").exists()


def test_the_kick_off_needs_respond_async_and_takes_no_filters(client, org, admin):
    _token, raw = api_token_create(organization=org, by=admin, name="Warehouse")
    assert client.get("/fhir/R4/$export", headers=bearer(raw)).status_code == 400
    for params in ({"_type": "Patient"}, {"_since": "2026-01-01"}, {"_outputFormat": "text/csv"}):
        response = client.get("/fhir/R4/$export", params, headers=bearer(raw, Prefer="respond-async"))
        assert response.status_code == 400, params
    assert not BulkExport.objects.exists()


def test_a_second_kick_off_while_one_runs_gets_409(client, org, admin):
    _token, raw = api_token_create(organization=org, by=admin, name="Warehouse")
    bulk_export_start(organization=org, by=admin)
    response = client.get("/fhir/R4/$export", headers=bearer(raw, Prefer="respond-async"))
    assert response.status_code == 409
    assert response.json()["resourceType"] == "OperationOutcome"


def test_another_tokens_export_is_not_found(
    client, org, other_org, admin, personas, django_capture_on_commit_callbacks
):
    _token, raw = api_token_create(organization=org, by=admin, name="Warehouse")
    theirs, their_raw = api_token_create(organization=other_org, by=personas["other_org_admin"], name="Theirs")
    with django_capture_on_commit_callbacks(execute=True):
        export = bulk_export_start(organization=other_org, api_token=theirs)
    file = export.files.first()
    assert client.get(f"/fhir/R4/bulk-status/{export.public_id}", headers=bearer(raw)).status_code == 404
    assert client.get(f"/fhir/R4/bulk-files/{file.public_id}", headers=bearer(raw)).status_code == 404
    assert client.get(f"/fhir/R4/bulk-files/{file.public_id}", headers=bearer(their_raw)).status_code == 200
