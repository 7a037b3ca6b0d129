"""The records app's rows of the access matrix (tests/test_access_matrix.py).

The token and export pages open to the organization's admins only (another
organization's admin: 404). A download link is signed for org_admin, who
gets the file. The FHIR API ignores sessions: without a token everyone gets
401, except for the CapabilityStatement, which is public.
"""

from django.core.files.base import ContentFile

from records.models import BulkExport, BulkExportFile, export_storage
from records.services import api_token_create
from records.tokens import download_sign
from tests.access import ORG_PORTAL, PUBLIC, Route, row

ORG = {"org_slug": "org_slug"}
NO_TOKEN = row(401)

ROUTES: dict[str, Route] = {
    "records:org-api-tokens": Route(ORG_PORTAL, ORG, private=True),
    "records:org-api-token-revoke": Route(ORG_PORTAL, {**ORG, "public_id": "api_token_public_id"}, private=True),
    "records:org-export": Route(ORG_PORTAL, ORG, private=True),
    "records:org-export-detail": Route(ORG_PORTAL, {**ORG, "public_id": "bulk_export_public_id"}, private=True),
    "records:org-export-manifest": Route(ORG_PORTAL, {**ORG, "public_id": "bulk_export_public_id"}, private=True),
    "records:org-export-download": Route(ORG_PORTAL, {**ORG, "signed": "bulk_export_download"}, private=True),
    "fhir:metadata": Route(PUBLIC),
    "fhir:search": Route(NO_TOKEN, {"type_name": "fhir_type_name"}),
    "fhir:read": Route(NO_TOKEN, {"type_name": "fhir_type_name", "resource_id": "fhir_patient_id"}),
    "fhir:export": Route(NO_TOKEN),
    "fhir:export-status": Route(NO_TOKEN, {"public_id": "bulk_export_public_id"}),
    "fhir:export-file": Route(NO_TOKEN, {"public_id": "bulk_export_file_public_id"}),
}


def samples(personas, org) -> dict:
    admin = personas["org_admin"]
    token, _raw = api_token_create(organization=org, by=admin, name="Records sync")
    export = BulkExport.objects.create(
        organization=org, requested_by=admin, status=BulkExport.Status.DONE, types_total=1, types_done=1
    )
    name = export_storage().save(f"{export.public_id}/Patient.ndjson", ContentFile(b""))
    file = BulkExportFile.objects.create(export=export, type_name="Patient", position=0, file=name)
    return {
        "api_token_public_id": token.public_id,
        "bulk_export_public_id": export.public_id,
        "bulk_export_file_public_id": file.public_id,
        "bulk_export_download": download_sign(file_public_id=file.public_id, user_public_id=admin.public_id),
        "fhir_type_name": "Patient",
        "fhir_patient_id": personas["patient_a"].public_id,
    }
