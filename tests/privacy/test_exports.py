import json
import os
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from messaging.services import message_post
from privacy import services
from privacy.models import DataExport
from tests.privacy.factories import GOALS, SECRET_WORDS, SPECIALIST_REPLY, patient_with_record

pytestmark = pytest.mark.django_db


def _build(user, capture):
    with capture(execute=True):
        export = services.data_export_request(user=user)
    export.refresh_from_db()
    return export


def _read(export) -> dict[str, bytes]:
    with export.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_every_part_of_the_record(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    export = _build(record.patient, django_capture_on_commit_callbacks)

    assert export.status == DataExport.Status.READY
    assert export.steps_done == export.steps_total
    files = _read(export)
    assert {"index.html", "forms.html", "messages.html", "fhir/Patient.ndjson"} <= set(files)
    assert [name for name in files if name.startswith("consents/") and name.endswith(".pdf")]
    assert [name for name in files if name.startswith("receipts/") and name.endswith(".pdf")]
    attachments = [name for name in files if name.startswith("messages/attachments/")]
    assert len(attachments) == 1 and attachments[0].endswith("-sleep-diary.pdf")
    for name in files:
        if name.endswith(".pdf"):
            assert files[name].startswith(b"%PDF"), name


def test_messages_forms_and_fhir_carry_the_content(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    files = _read(_build(record.patient, django_capture_on_commit_callbacks))

    messages = files["messages.html"].decode()
    assert SECRET_WORDS in messages and SPECIALIST_REPLY in messages
    forms = files["forms.html"].decode()
    assert "Stress at work" in forms and "Work, Sleep" in forms and GOALS in forms
    patients = [json.loads(line) for line in files["fhir/Patient.ndjson"].decode().splitlines()]
    assert [patient["id"] for patient in patients] == [str(record.patient.public_id)]
    assert SECRET_WORDS in files["fhir/Communication.ndjson"].decode()


def test_the_index_links_every_file_in_the_zip(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    files = _read(_build(record.patient, django_capture_on_commit_callbacks))

    index = files["index.html"].decode()
    for name in files:
        if name != "index.html":
            assert f'href="{name}"' in index, name
    assert "<script" not in index and "http" not in index.split("<body>", 1)[1]


def test_another_patients_data_is_not_in_the_zip(org, django_capture_on_commit_callbacks):
    mine = patient_with_record(org)
    theirs = patient_with_record(org, email="someone.else@example.test")
    theirs_words = "Only the other patient wrote this"
    message_post(conversation=theirs.conversation, author=theirs.patient, text=theirs_words)

    files = _read(_build(mine.patient, django_capture_on_commit_callbacks))
    everything = b"".join(files.values()).decode("utf-8", "replace")
    assert theirs_words not in everything
    assert str(theirs.patient.public_id) not in everything
    assert theirs.patient.email not in everything
    assert theirs.payment.receipt_number not in everything


def test_the_patient_is_emailed_when_it_is_ready_without_any_of_the_data(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    _build(record.patient, django_capture_on_commit_callbacks)

    [email] = mail.outbox
    assert email.to == [record.patient.email]
    assert "/account/data/" in email.body
    assert SECRET_WORDS not in email.body and SECRET_WORDS not in email.alternatives[0][0]


def test_a_second_request_while_one_is_prepared_is_refused(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    with django_capture_on_commit_callbacks(execute=False):
        services.data_export_request(user=record.patient)
        with pytest.raises(ValidationError) as error:
            services.data_export_request(user=record.patient)
    assert error.value.code == "in_progress"
    assert DataExport.objects.filter(user=record.patient).count() == 1


def test_a_task_delivered_twice_builds_the_zip_once(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    export = _build(record.patient, django_capture_on_commit_callbacks)
    assert services.data_export_build(export.pk) is None
    assert len(mail.outbox) == 1


def test_the_file_is_deleted_once_the_link_expires(org, django_capture_on_commit_callbacks):
    record = patient_with_record(org)
    export = _build(record.patient, django_capture_on_commit_callbacks)
    path = export.file.path

    assert services.data_exports_expire() == 0
    with time_machine.travel(timezone.now() + timedelta(days=services.EXPORT_DAYS, minutes=1)):
        assert services.data_exports_expire() == 1
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED and not export.file
    assert not os.path.exists(path)


def test_an_export_lost_with_its_worker_fails_so_the_patient_may_ask_again(org):
    record = patient_with_record(org)
    stuck = DataExport.objects.create(user=record.patient, status=DataExport.Status.BUILDING, steps_total=6)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        services.data_exports_expire()
    stuck.refresh_from_db()
    assert stuck.status == DataExport.Status.FAILED
