"""Celery wrappers of the records app's background work. Tasks take ids.

`expire_bulk_exports` runs every hour from the beat schedule in
`daraport/celery.py`.
"""

from celery import shared_task

from . import services


@shared_task(name="records.run_bulk_export")
def run_bulk_export(export_id: int) -> str | None:
    export = services.bulk_export_run(export_id=export_id)
    return export.status if export else None


@shared_task(name="records.expire_bulk_exports")
def expire_bulk_exports() -> int:
    return services.bulk_exports_expire()
