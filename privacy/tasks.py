"""Celery wrappers of the privacy app's background work. Tasks take ids."""

from celery import shared_task

from . import services


@shared_task(name="privacy.build_data_export")
def build_data_export(export_pk: int) -> None:
    services.data_export_build(export_pk)


@shared_task(name="privacy.send_data_export_ready")
def send_data_export_ready(export_pk: int) -> bool:
    return services.data_export_ready_email_send(export_pk)


@shared_task(name="privacy.send_deletion_confirmation")
def send_deletion_confirmation(deletion_pk: int) -> bool:
    return services.deletion_confirmation_email_send(deletion_pk)


@shared_task(name="privacy.expire_data_exports")
def expire_data_exports() -> int:
    return services.data_exports_expire()


@shared_task(name="privacy.erase_due_accounts")
def erase_due_accounts() -> int:
    return services.accounts_erase_due()
