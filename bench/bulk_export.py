"""Time and peak memory of an organization's FHIR bulk export.

`make bench` runs this after the other timings, in a throw-away database of
its own (SQLite, or PostgreSQL when DATABASE_URL says so). On its own:

    DJANGO_SETTINGS_MODULE=daraport.settings.test python -m bench.bulk_export

The organization overview's clinic (bench/org_overview.py) with
`BENCH_EXPORT_PATIENTS` (5,000) patients and `BENCH_EXPORT_APPOINTMENTS`
(50,000) appointments, then the export task's work (`bulk_export_run`)
twice: once for the time, once under tracemalloc for the peak of Python
memory it allocated. The files are streamed a resource at a time, so the
peak should stay flat however large the clinic grows.
"""

import os
import shutil
import time
import tracemalloc

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from bench import on_test_database  # noqa: E402
from bench.org_overview import SLUG, build  # noqa: E402
from organizations.models import Organization  # noqa: E402
from records import fhir  # noqa: E402
from records.models import BulkExport, export_storage  # noqa: E402
from records.services import bulk_export_run  # noqa: E402

PATIENTS = int(os.environ.get("BENCH_EXPORT_PATIENTS", "5000"))
APPOINTMENTS = int(os.environ.get("BENCH_EXPORT_APPOINTMENTS", "50000"))


def _export(organization: Organization) -> BulkExport:
    """What the Celery task does for one export, here in this process."""
    queued = BulkExport.objects.create(organization=organization, types_total=len(fhir.TYPES))
    export = bulk_export_run(export_id=queued.pk)
    assert export.status == BulkExport.Status.DONE, export.status
    return export


def run() -> None:
    began = time.perf_counter()
    rows = build(patient_count=PATIENTS, appointment_count=APPOINTMENTS)
    seeded = time.perf_counter() - began
    organization = Organization.objects.get(slug=SLUG)
    print()
    print(f"FHIR bulk export: {', '.join(f'{n} {name}' for name, n in rows.items())}; seeded in {seeded:.0f} s")

    began = time.perf_counter()
    export = _export(organization)
    elapsed = time.perf_counter() - began

    tracemalloc.start()
    _export(organization)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"{connection.vendor}: {elapsed:.1f} s, peak Python memory {peak / 2**20:.1f} MiB (second run, traced)")
    print(f"{'type':24} {'resources':>10} {'MiB':>8}")
    for file in export.files.order_by("position"):
        print(f"{file.type_name:24} {file.count:10d} {file.size_bytes / 2**20:8.2f}")
    for done in BulkExport.objects.all():
        shutil.rmtree(export_storage().path(str(done.public_id)), ignore_errors=True)


def main() -> None:
    with override_settings(DEBUG=False):
        on_test_database(run)


if __name__ == "__main__":
    main()
