"""Celery wrappers of the payments app's background work. Tasks take ids."""

from celery import shared_task

from . import emails, services


@shared_task(name="payments.process_webhook_event")
def process_webhook_event(event_pk: int) -> str:
    return services.webhook_event_process(event_pk)


@shared_task(name="payments.send_refund")
def send_refund(refund_pk: int) -> None:
    services.refund_send(refund_pk)


@shared_task(name="payments.send_receipt")
def send_receipt(payment_pk: int) -> bool:
    return emails.receipt_email_send(payment_pk)
