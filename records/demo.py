"""The demo clinic's records: an API token with a published secret, so a
visitor can try the FHIR API from a terminal, and a bulk export queued at
start-up (the worker writes it), so the export page has files to show.

The secret is demo data, printed by `make run` and written in the README;
it exists only in the embedded demo. Idempotent: the token is made once, an
export is queued when none is running and none finished in the last week.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from organizations.models import Membership, Organization

from .models import ApiToken, BulkExport
from .services import bulk_export_start
from .tokens import SHOWN_LENGTH, token_hash

ORG_SLUG = "daraport-demo-clinic"
ADMIN = "admin@demo.daraport.test"
DEMO_TOKEN = "drp_demo-clinic-records-sync-read-only"


def seed() -> list[str]:
    organization = Organization.objects.filter(slug=ORG_SLUG).first()
    admin = (
        Membership.objects.filter(organization=organization, user__email=ADMIN, role=Membership.Role.ADMIN)
        .select_related("user")
        .first()
    )
    if organization is None or admin is None:
        return ["skipped: the demo organization or its admin is missing"]
    by = admin.user
    ApiToken.objects.get_or_create(
        secret_hash=token_hash(DEMO_TOKEN),
        defaults={
            "organization": organization,
            "name": "Demo records sync",
            "prefix": DEMO_TOKEN[:SHOWN_LENGTH],
            "created_by": by,
        },
    )
    recent = BulkExport.objects.filter(
        organization=organization, created_at__gte=timezone.now() - timedelta(days=7)
    ).exclude(status__in=[BulkExport.Status.FAILED, BulkExport.Status.EXPIRED])
    if not recent.exists():
        bulk_export_start(organization=organization, by=by)
    return [f"API token {DEMO_TOKEN[:SHOWN_LENGTH]}… for {settings.SITE_URL}/fhir/R4/; an export of the last week"]
