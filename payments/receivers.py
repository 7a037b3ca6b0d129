"""Payments reacts to the appointment lifecycle and to its own events.

A booking that waits for payment gets its payment row; a confirmed
session a program covers is counted; a completed one paid afterwards
becomes due; one that will not take place is refunded by the policy.
A settled charge or a sent refund tells the patient (notification list;
the thread's notice is messaging's) and queues the receipt email.
"""

from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from booking.models import Appointment
from core import events
from core.money import Money
from core.outbox import enqueue
from core.portals import Portal
from core.services import notification_create
from core.timeutils import format_short

from . import selectors, services, tasks
from .models import Payment, PaymentTiming, Refund


def _appointment(appointment_id) -> Appointment:
    return Appointment.objects.select_related("specialist__organization", "patient", "offering", "proposal").get(
        pk=appointment_id
    )


@receiver(events.appointment_awaiting_payment, dispatch_uid="payments.due_before_confirmation")
def on_awaiting_payment(sender, appointment_id, **kwargs):
    services.payment_due_create(appointment=_appointment(appointment_id))


@receiver(events.appointment_confirmed, dispatch_uid="payments.coverage")
def on_confirmed(sender, appointment_id, **kwargs):
    services.coverage_record(appointment=_appointment(appointment_id))


@receiver(events.appointment_completed, dispatch_uid="payments.due_after_session")
def on_completed(sender, appointment_id, **kwargs):
    appointment = _appointment(appointment_id)
    if selectors.timing_for(appointment.offering) == PaymentTiming.AFTER_SESSION:
        payment = services.payment_due_create(appointment=appointment)
        if payment is not None and payment.status == Payment.Status.DUE:
            with translation.override(appointment.patient.language):
                notification_create(
                    user=appointment.patient,
                    portal=Portal.PATIENT,
                    text=_("Payment due for your session on %(when)s")
                    % {"when": format_short(appointment.starts_at, appointment.patient.timezone)},
                    url=reverse("payments:pay", args=[appointment.public_id]),
                )


@receiver(events.appointment_cancelled, dispatch_uid="payments.policy.cancelled")
@receiver(events.appointment_expired, dispatch_uid="payments.policy.expired")
@receiver(events.appointment_declined, dispatch_uid="payments.policy.declined")
@receiver(events.appointment_no_show, dispatch_uid="payments.policy.no_show")
def on_not_taking_place(sender, appointment_id, **kwargs):
    services.refund_by_policy(appointment=_appointment(appointment_id))


@events.transactional_receiver(events.payment_received, dispatch_uid="payments.receipt_email")
def queue_receipt_email(sender, payment_id, **kwargs):
    enqueue(tasks.send_receipt, payment_id)


@receiver(events.payment_received, dispatch_uid="payments.notify.received")
def notify_payment_received(sender, payment_id, **kwargs):
    payment = Payment.objects.select_related("patient").get(pk=payment_id)
    with translation.override(payment.patient.language):
        notification_create(
            user=payment.patient,
            portal=Portal.PATIENT,
            text=_("Payment received: %(amount)s") % {"amount": Money(payment.amount_minor, payment.currency)},
            url=reverse("payments:receipt", args=[payment.public_id]),
        )


@receiver(events.refund_sent, dispatch_uid="payments.notify.refund")
def notify_refund_sent(sender, refund_id, **kwargs):
    refund = Refund.objects.select_related("payment__patient").get(pk=refund_id)
    with translation.override(refund.payment.patient.language):
        notification_create(
            user=refund.payment.patient,
            portal=Portal.PATIENT,
            text=_("Refund sent: %(amount)s") % {"amount": Money(refund.amount_minor, refund.payment.currency)},
            url=reverse("payments:history"),
        )
