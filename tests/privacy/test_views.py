from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.models import AuditLog
from organizations.models import Membership
from privacy import services
from privacy.models import DataExport, DeletionRequest
from tests.accounts.factories import PASSWORD, enable_totp

pytestmark = pytest.mark.django_db

DATA = reverse("privacy:data")
REQUEST = reverse("privacy:export-request")
DELETE = reverse("privacy:delete")


def _status(export):
    return reverse("privacy:export-status", args=[export.public_id])


def _download(export):
    return reverse("privacy:export-download", args=[export.public_id])


@pytest.fixture
def patient(personas, client):
    client.force_login(personas["patient_a"])
    return personas["patient_a"]


@pytest.fixture
def ready(patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = services.data_export_request(user=patient)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    return export


def test_the_data_page_offers_the_download_and_the_deletion(client, patient):
    response = client.get(DATA)
    assert response.status_code == 200
    assert b"Download your data" in response.content and DELETE.encode() in response.content
    assert "no-store" in response["Cache-Control"]


def test_other_roles_get_the_friendly_403_and_anonymous_the_sign_in(client, personas):
    client.force_login(personas["specialist"])
    assert client.get(DATA).status_code == 403
    client.logout()
    response = client.get(DATA)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_asking_for_the_zip_starts_one_and_shows_its_progress(client, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(REQUEST)
    assert response.status_code == 302 and response["Location"] == DATA
    export = DataExport.objects.get(user=patient)
    assert AuditLog.objects.filter(actor=patient, action="export", object_public_id=export.public_id).exists()
    page = client.get(DATA).content.decode()
    assert f'hx-get="{_status(export)}"' in page and "<progress" in page

    fragment = client.get(_status(export), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and b"<html" not in fragment.content and b"hx-trigger" in fragment.content


def test_asking_again_while_one_is_prepared_answers_409_and_starts_nothing(
    client, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        client.post(REQUEST)
        response = client.post(REQUEST)
    assert response.status_code == 409
    assert b"already being prepared" in response.content
    assert DataExport.objects.filter(user=patient).count() == 1


def test_polling_stops_once_the_zip_is_ready(client, ready):
    response = client.get(_status(ready), HTTP_HX_REQUEST="true")
    assert response.status_code == 286
    assert _download(ready).encode() in response.content and b"hx-trigger" not in response.content


def test_the_owner_downloads_the_zip_and_the_download_is_audited(client, ready):
    response = client.get(_download(ready))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"PK")
    assert AuditLog.objects.filter(action="download", object_public_id=ready.public_id).count() == 1


def test_someone_elses_link_is_a_404_and_the_attempt_is_audited(client, personas, ready):
    client.force_login(personas["patient_b"])
    assert client.get(_download(ready)).status_code == 404
    assert client.get(_status(ready)).status_code == 404
    assert not AuditLog.objects.filter(action="download", object_public_id=ready.public_id).exists()


def test_the_link_is_a_404_after_it_expires(client, ready):
    # The sweep deletes the file a little later; the link dies at once.
    with time_machine.travel(ready.expires_at + timedelta(seconds=1)):
        client.force_login(ready.user)  # the session of a week ago has timed out
        assert client.get(_download(ready)).status_code == 404


def test_a_zip_still_being_prepared_cannot_be_downloaded(client, patient):
    export = DataExport.objects.create(user=patient, status=DataExport.Status.BUILDING, steps_total=6)
    assert client.get(_download(export)).status_code == 404


def test_the_deletion_page_asks_for_the_password(client, patient):
    response = client.get(DELETE)
    assert response.status_code == 200 and b'type="password"' in response.content


@pytest.mark.parametrize(
    "data",
    [{"password": "wrong-password", "understood": "on"}, {"password": PASSWORD}, {}],
    ids=["wrong password", "not ticked", "empty"],
)
def test_a_bad_deletion_form_answers_422_and_changes_nothing(client, patient, data):
    response = client.post(DELETE, data)
    assert response.status_code == 422
    patient.refresh_from_db()
    assert patient.is_active and not DeletionRequest.objects.exists()


def test_deleting_closes_the_account_and_signs_out(client, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE, {"password": PASSWORD, "understood": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("privacy:deleted")
    patient.refresh_from_db()
    assert not patient.is_active
    assert DeletionRequest.objects.get(user=patient).erase_after > timezone.now() + timedelta(days=365 * 9)
    assert not Membership.objects.filter(user=patient, is_active=True).exists()
    assert client.get(DATA).status_code == 302  # signed out
    assert client.get(reverse("privacy:deleted")).status_code == 200


def test_a_second_deletion_request_says_so(client, patient):
    DeletionRequest.objects.create(user=patient, retention_years=10, erase_after=timezone.now())
    assert b"already asked" in client.get(DELETE).content
    response = client.post(DELETE, {"password": PASSWORD, "understood": "on"})
    assert response.status_code == 409 and b"already asked" in response.content
    assert DeletionRequest.objects.count() == 1


def test_guessing_the_password_is_throttled(client, patient):
    for _ in range(10):
        client.post(DELETE, {"password": "wrong", "understood": "on"})
    assert client.post(DELETE, {"password": PASSWORD, "understood": "on"}).status_code == 429
    assert User.objects.get(pk=patient.pk).is_active


def test_an_account_without_a_password_confirms_with_its_second_factor_first(client, patient):
    patient.set_unusable_password()
    patient.save()
    enable_totp(patient)
    client.force_login(patient)
    response = client.get(DELETE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_reauthenticate"))
