"""Changing payments: starting one, the provider's events (the only way a
payment settles, fails or is refunded), refunds by policy and by hand,
program coverage, and connecting a specialist's account.

Webhook deliveries and the offline provider's answers both arrive as
events: `webhook_event_accept` stores each once (its id is unique) and
queues `webhook_event_process`, which is idempotent and safe out of order.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from booking.models import Appointment
from booking.services import appointment_payment_received
from booking.states import AppointmentStatus
from core import events, outbox
from core.models import AuditLog
from core.services import audit_record, journey_event_record
from specialists.models import SpecialistProfile

from . import selectors, tasks
from .models import BillingSettings, Payment, Payout, PayoutAccount, Refund, WebhookEvent
from .providers import ProviderError, provider
from .providers import stripe as stripe_provider

logger = logging.getLogger(__name__)

S = AppointmentStatus
P = Payment.Status

REASON_MAX_LENGTH = 500


# --- Creating and starting a payment ------------------------------------------------


def payment_due_create(*, appointment: Appointment) -> Payment | None:
    """The payment `appointment` asks of its patient (once): amount and
    currency are the appointment's, the billing terms a snapshot. None when
    nobody can take the money for it."""
    existing = Payment.objects.filter(appointment=appointment).first()
    if existing is not None:
        return existing
    terms = selectors.terms_for(specialist=appointment.specialist, patient=appointment.patient)
    if terms is None or appointment.price_minor == 0:
        return None
    try:
        with transaction.atomic():
            return Payment.objects.create(
                appointment=appointment,
                patient=appointment.patient,
                organization=appointment.specialist.organization,
                specialist=appointment.specialist,
                amount_minor=appointment.price_minor,
                currency=appointment.currency,
                billing_model=terms.model,
                application_fee_minor=terms.fee_for(appointment.price_minor),
                connected_account=terms.connected_account,
            )
    except IntegrityError:  # created meanwhile by another request
        return Payment.objects.get(appointment=appointment)


def payment_start(*, appointment: Appointment, now: datetime | None = None) -> Payment:
    """Make `appointment`'s payment ready to pay: its intent at the provider
    exists. Refused with a message when there is nothing (more) to pay."""
    now = now or timezone.now()
    if appointment.status == S.AWAITING_PAYMENT and appointment.expires_at and appointment.expires_at <= now:
        raise ValidationError(
            _("The time to pay for this booking has run out, so it was released. Nothing was charged."),
            code="lapsed",
        )
    if appointment.status in {S.EXPIRED, S.CANCELLED, S.DECLINED}:
        raise ValidationError(_("This booking is no longer active. Nothing was charged."), code="lapsed")
    payment = payment_due_create(appointment=appointment)
    if payment is None:
        raise ValidationError(_("There is nothing to pay for this session."), code="nothing_due")
    if payment.status == P.VOID or payment.kind == Payment.Kind.COVERAGE:
        raise ValidationError(_("There is nothing to pay for this session."), code="nothing_due")
    if payment.status == P.SUCCEEDED:
        raise ValidationError(_("This session is paid already."), code="paid")
    if not payment.intent_id:
        active = provider()
        try:
            intent = active.create_intent(payment, idempotency_key=f"intent-{payment.public_id}")
        except ProviderError as error:
            logger.warning("payment %s: the provider refused or did not answer: %s", payment.pk, error)
            raise ValidationError(
                _("Card payments cannot be taken right now. Nothing was charged; please try again in a few minutes."),
                code="provider_unavailable",
            ) from error
        Payment.objects.filter(pk=payment.pk, intent_id__isnull=True).update(
            intent_id=intent.id, client_secret=intent.client_secret, provider=active.name, updated_at=now
        )
        payment.refresh_from_db()
    return payment


def _require_offline(payment: Payment) -> None:
    # Both: a payment started offline stays unpayable here once Stripe is configured.
    if payment.provider != "offline" or provider().name != "offline":
        raise ValidationError(_("This payment is not made on the test payment page."), code="not_offline")


def offline_card_submit(*, payment: Payment, card_number: str) -> Payment:
    """The offline provider's payment page: pay with a test card. The
    outcome arrives as the provider's events, like a webhook."""
    _require_offline(payment)
    digits = "".join(card_number.split())
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise ValidationError(_("Please enter a card number of 12 to 19 digits."), code="card_number")
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if not locked.is_open:
            raise ValidationError(_("This payment is already under way or done."), code="not_open")
        locked.attempts = F("attempts") + 1
        locked.status = P.PROCESSING
        locked.error_message = ""
        locked.save(update_fields=["attempts", "status", "error_message", "updated_at"])
        locked.refresh_from_db()
        for event in provider().confirm(locked, digits):
            webhook_event_accept(event)
    return locked


def offline_authenticate(*, payment: Payment, approved: bool) -> Payment:
    """The offline bank's extra step: confirmed or refused by the patient."""
    _require_offline(payment)
    if payment.status != P.REQUIRES_ACTION:
        raise ValidationError(_("Your bank is not waiting for a confirmation of this payment."), code="no_action")
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk, status=P.REQUIRES_ACTION).update(
            status=P.PROCESSING, updated_at=timezone.now()
        )
        for event in provider().authenticate(payment, approved=approved):
            webhook_event_accept(event)
    payment.refresh_from_db()
    return payment


# --- Provider events ------------------------------------------------------------------


def webhook_receive(*, payload: bytes, signature: str) -> WebhookEvent:
    """A webhook delivery: its signature checked on the raw body (ValueError
    when forged, altered or too old), then stored once and queued."""
    event = stripe_provider.verify(payload, signature)
    row, _created = webhook_event_accept(event)
    return row


def webhook_event_accept(event: dict) -> tuple[WebhookEvent, bool]:
    """Store one provider event under its unique id and queue its
    processing; a repeat delivery finds the stored row and queues nothing."""
    fields = {
        "type": str(event.get("type", ""))[:100],
        "account": str(event.get("account") or "")[:64],
        "payload": event,
    }
    try:
        with transaction.atomic():
            row = WebhookEvent.objects.create(event_id=str(event["id"])[:255], **fields)
            outbox.enqueue(tasks.process_webhook_event, row.pk)
    except IntegrityError:
        return WebhookEvent.objects.get(event_id=str(event["id"])[:255]), False
    return row, True


def webhook_event_process(event_pk: int) -> str:
    """Act on one stored event, once. Returns its outcome."""
    with transaction.atomic():
        row = WebhookEvent.objects.select_for_update().get(pk=event_pk)
        if row.outcome != WebhookEvent.Outcome.PENDING:
            return row.outcome
        handler = _HANDLERS.get(row.type)
        obj = (row.payload.get("data") or {}).get("object") or {}
        acted = handler(obj, row) if handler is not None else False
        row.outcome = WebhookEvent.Outcome.PROCESSED if acted else WebhookEvent.Outcome.IGNORED
        row.processed_at = timezone.now()
        row.save(update_fields=["outcome", "processed_at"])
    return row.outcome


def _payment_of_intent(obj: dict) -> Payment | None:
    intent_id = obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
    if not intent_id:
        return None
    return Payment.objects.select_for_update().filter(intent_id=intent_id).first()


def _on_intent_succeeded(obj: dict, row: WebhookEvent) -> bool:
    payment = _payment_of_intent(obj)
    if payment is None:
        return False
    if payment.paid_at is not None:
        return True  # settled by an earlier event
    payment.status = P.SUCCEEDED
    payment.paid_at = timezone.now()
    payment.error_message = ""
    payment.receipt_number = _next_receipt_number(payment.organization_id)
    payment.save(update_fields=["status", "paid_at", "error_message", "receipt_number", "updated_at"])
    journey_event_record(
        actor=None, verb="payment.succeeded", obj=payment, data={"appointment": str(payment.appointment.public_id)}
    )
    appointment = Appointment.objects.select_for_update().get(pk=payment.appointment_id)
    if payment.refunded_minor >= payment.amount_minor:
        pass  # refunded before this news arrived: nothing left to confirm
    elif appointment.status == S.AWAITING_PAYMENT:
        appointment_payment_received(appointment=appointment)
    elif appointment.status in {S.EXPIRED, S.CANCELLED, S.DECLINED}:
        # The charge raced the booking's end: give it all back.
        refund_create(
            payment=payment,
            amount_minor=payment.amount_minor - payment.refunded_minor,
            cause=Refund.Cause.LAPSED,
            reason=gettext_noop("The booking had ended before the payment arrived"),
            by=None,
        )
    events.send_on_commit(events.payment_received, payment_id=payment.pk, appointment_id=payment.appointment_id)
    return True


def _on_intent_failed(obj: dict, row: WebhookEvent) -> bool:
    payment = _payment_of_intent(obj)
    if payment is None:
        return False
    if payment.paid_at is None:
        error = (obj.get("last_payment_error") or {}).get("message") or _("The payment did not go through.")
        payment.status = P.FAILED
        payment.error_message = str(error)[:300]
        payment.save(update_fields=["status", "error_message", "updated_at"])
        journey_event_record(actor=None, verb="payment.failed", obj=payment)
    return True


def _on_intent_requires_action(obj: dict, row: WebhookEvent) -> bool:
    payment = _payment_of_intent(obj)
    if payment is None:
        return False
    if payment.paid_at is None and payment.status != P.FAILED:
        payment.status = P.REQUIRES_ACTION
        payment.save(update_fields=["status", "updated_at"])
    return True


def _on_charge_refunded(obj: dict, row: WebhookEvent) -> bool:
    """Refunds the provider reports: each one marked sent (those made at the
    provider's side recorded here), and the refunded total only grows."""
    payment = _payment_of_intent(obj)
    if payment is None:
        return False
    now = timezone.now()
    for reported in (obj.get("refunds") or {}).get("data") or []:
        if reported.get("status") != "succeeded":
            continue
        refund = Refund.objects.filter(provider_refund_id=reported["id"]).first() or _refund_named_in(payment, reported)
        if refund is None:
            refund = Refund.objects.create(
                payment=payment,
                amount_minor=int(reported["amount"]),
                cause=Refund.Cause.PROVIDER,
                provider_refund_id=reported["id"],
            )
            audit_record(action=AuditLog.Action.WRITE, obj=refund)  # made at the provider: no actor here
        if refund.status != Refund.Status.SUCCEEDED:
            refund.status = Refund.Status.SUCCEEDED
            refund.succeeded_at = now
            refund.save(update_fields=["status", "succeeded_at", "updated_at"])
            journey_event_record(
                actor=None, verb="payment.refunded", obj=payment, data={"refund": str(refund.public_id)}
            )
            events.send_on_commit(events.refund_sent, refund_id=refund.pk, appointment_id=payment.appointment_id)
    refunded = min(int(obj.get("amount_refunded") or 0), payment.amount_minor)
    if refunded > payment.refunded_minor:
        payment.refunded_minor = refunded
        payment.save(update_fields=["refunded_minor", "updated_at"])
    return True


def _refund_named_in(payment: Payment, reported: dict) -> Refund | None:
    """Our refund a report names in its metadata, when the report arrives
    before `refund_send` stored the provider's answer: linked now, so it
    is not taken for a refund made at the provider's side."""
    try:
        public_id = uuid.UUID(str((reported.get("metadata") or {}).get("refund")))
    except ValueError:
        return None
    refund = payment.refunds.filter(public_id=public_id, provider_refund_id__isnull=True).first()
    if refund is not None:
        refund.provider_refund_id = reported["id"]
        refund.save(update_fields=["provider_refund_id", "updated_at"])
    return refund


def _on_account_updated(obj: dict, row: WebhookEvent) -> bool:
    account = PayoutAccount.objects.select_for_update().filter(stripe_account_id=obj.get("id", "")).first()
    if account is None:
        return False
    if obj.get("charges_enabled") and obj.get("payouts_enabled"):
        status = PayoutAccount.Status.ACTIVE
    elif (obj.get("requirements") or {}).get("currently_due") or obj.get("details_submitted"):
        status = PayoutAccount.Status.NEEDS_INFORMATION
    else:
        status = PayoutAccount.Status.PENDING
    if account.status != status:
        account.status = status
        account.save(update_fields=["status", "updated_at"])
        journey_event_record(actor=None, verb=f"payout_account.{status}", obj=account)
    return True


def _on_payout(obj: dict, row: WebhookEvent) -> bool:
    """A payout of a connected account: created, paid or failed. Its status
    only moves forward (a late "created" does not undo "paid")."""
    account = PayoutAccount.objects.filter(stripe_account_id=row.account).first()
    if account is None or not obj.get("id"):
        return False
    status = {"paid": Payout.Status.PAID, "failed": Payout.Status.FAILED}.get(obj.get("status"), Payout.Status.PENDING)
    arrival = obj.get("arrival_date")
    payout, created = Payout.objects.select_for_update().get_or_create(
        provider_payout_id=obj["id"],
        defaults={
            "account": account,
            "amount_minor": int(obj.get("amount") or 0),
            "currency": str(obj.get("currency") or "").upper()[:3],
            "status": status,
            "arrival_date": datetime.fromtimestamp(arrival, tz=UTC).date() if arrival else None,
        },
    )
    if not created and payout.status == Payout.Status.PENDING and status != Payout.Status.PENDING:
        payout.status = status
        payout.save(update_fields=["status"])
    return True


_HANDLERS = {
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_intent_failed,
    "payment_intent.requires_action": _on_intent_requires_action,
    "charge.refunded": _on_charge_refunded,
    "account.updated": _on_account_updated,
    "payout.created": _on_payout,
    "payout.paid": _on_payout,
    "payout.failed": _on_payout,
}


def _next_receipt_number(organization_id: int) -> str:
    """The organization's next receipt number: consecutive, never reused."""
    billing = BillingSettings.objects.select_for_update().get(organization_id=organization_id)
    BillingSettings.objects.filter(pk=billing.pk).update(next_receipt_number=F("next_receipt_number") + 1)
    return f"R-{billing.next_receipt_number:06d}"


# --- Refunds --------------------------------------------------------------------------


def refund_create(*, payment: Payment, amount_minor: int, cause: str, reason: str, by, request=None) -> Refund:
    """Give back `amount_minor` of a settled charge; the provider is asked
    after the commit (`refund_send`) and its event marks the refund sent.
    Refused when more than what is left, counting refunds still on their way."""
    reason = (reason or "").strip()
    if cause == Refund.Cause.MANUAL and not reason:
        raise ValidationError(_("Please give a reason for the refund."), code="reason_required")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(_("Please keep the reason under %(n)d characters."), params={"n": REASON_MAX_LENGTH})
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        pending = sum(locked.refunds.filter(status=Refund.Status.PENDING).values_list("amount_minor", flat=True))
        left = locked.refundable_minor - pending
        if amount_minor <= 0:
            raise ValidationError(_("Please enter an amount above zero."), code="amount")
        if amount_minor > left:
            raise ValidationError(_("That is more than is left to refund of this payment."), code="too_much")
        refund = Refund.objects.create(payment=locked, amount_minor=amount_minor, cause=cause, reason=reason, by=by)
        audit_record(request=request, actor=by, action=AuditLog.Action.WRITE, obj=refund)
        outbox.enqueue(tasks.send_refund, refund.pk)
    return refund


def refund_send(refund_pk: int) -> None:
    """Ask the provider for one refund, once (its idempotency key is the
    refund's id, so a retried task creates nothing twice)."""
    refund = Refund.objects.select_related("payment").get(pk=refund_pk)
    if refund.provider_refund_id or refund.status != Refund.Status.PENDING:
        return
    try:
        sent = provider().refund(refund, idempotency_key=f"refund-{refund.public_id}")
    except ProviderError:
        # Refused (or unreachable after retries): failed, so it no longer holds back
        # the amount, and the specialist can refund again.
        logger.exception("refund %s refused by the provider", refund.pk)
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.FAILED, updated_at=timezone.now()
        )
        journey_event_record(actor=None, verb="payment.refund_failed", obj=refund.payment)
        return
    with transaction.atomic():
        Refund.objects.filter(pk=refund.pk, provider_refund_id__isnull=True).update(
            provider_refund_id=sent.id, updated_at=timezone.now()
        )
        for event in sent.events:
            webhook_event_accept(event)


def refund_by_policy(*, appointment: Appointment) -> Refund | None:
    """What the cancellation policy gives back when a paid session does not
    take place: everything when cancelled in time or by the specialist, the
    organization's share after a late cancellation, all but the no-show fee
    after a no-show. An unpaid payment is voided and covered sessions given
    back instead."""
    payment = Payment.objects.filter(appointment=appointment).first()
    if payment is None:
        return None
    if payment.kind == Payment.Kind.COVERAGE or payment.status != P.SUCCEEDED:
        if payment.status != P.PROCESSING:  # a charge under way settles, then is refunded as lapsed
            Payment.objects.filter(pk=payment.pk).exclude(status=P.PROCESSING).update(
                status=P.VOID, updated_at=timezone.now()
            )
        return None
    billing = BillingSettings.objects.get(organization_id=payment.organization_id)
    left = payment.refundable_minor
    if appointment.status == S.NO_SHOW:
        amount = left * (100 - billing.no_show_fee_percent) // 100
    elif (
        appointment.status == S.CANCELLED
        and appointment.is_late_cancellation
        and appointment.cancelled_by_id == appointment.patient_id
    ):
        amount = left * billing.late_cancellation_refund_percent // 100
    else:
        amount = left
    if amount <= 0:
        return None
    return refund_create(
        payment=payment,
        amount_minor=amount,
        cause=Refund.Cause.POLICY,
        reason=gettext_noop("Cancellation policy"),
        by=None,
    )


# --- Coverage and payments after the session ---------------------------------------------


def coverage_record(*, appointment: Appointment) -> Payment | None:
    """A confirmed session a program pays for: counted against the
    patient's covered sessions, at no cost to them. The program's billing
    row is locked, so two bookings at once cannot both take the last one;
    the one too late is charged as usual."""
    if appointment.price_minor == 0 or Payment.objects.filter(appointment=appointment).exists():
        return None
    with transaction.atomic():
        coverage = selectors.coverage_for(patient=appointment.patient, specialist=appointment.specialist)
        if coverage is None:
            return None
        type(coverage.program_billing).objects.select_for_update().get(pk=coverage.program_billing.pk)
        if selectors.coverage_used(program=coverage.program, patient=appointment.patient) >= coverage.total:
            # Another booking took the last covered session meanwhile: this one is charged as usual.
            return payment_due_create(appointment=appointment)
        terms = selectors.terms_for(specialist=appointment.specialist, patient=appointment.patient)
        payment = Payment.objects.create(
            appointment=appointment,
            patient=appointment.patient,
            organization=appointment.specialist.organization,
            specialist=appointment.specialist,
            program=coverage.program,
            kind=Payment.Kind.COVERAGE,
            status=P.SUCCEEDED,
            amount_minor=appointment.price_minor,
            currency=appointment.currency,
            billing_model=terms.model if terms else selectors.billing_for(appointment.specialist.organization).model,
            paid_at=timezone.now(),
        )
        journey_event_record(
            actor=None, verb="payment.covered", obj=payment, data={"program": str(coverage.program.public_id)}
        )
    return payment


# --- Connecting a specialist's account ------------------------------------------------------


def payout_account_onboarding_url(*, specialist: SpecialistProfile, return_url: str, refresh_url: str) -> str:
    """Where `specialist` connects (or completes) their payout account; the
    account is created at the provider the first time."""
    active = provider()
    account = selectors.payout_account_for(specialist)
    if account is None:
        account_id = active.create_account(specialist, idempotency_key=f"account-{specialist.public_id}")
        account, _created = PayoutAccount.objects.get_or_create(
            specialist=specialist, defaults={"stripe_account_id": account_id}
        )
        journey_event_record(actor=specialist.user, verb="payout_account.created", obj=account)
    return active.onboarding_url(account.stripe_account_id, return_url=return_url, refresh_url=refresh_url)


def offline_onboarding_finish(*, specialist: SpecialistProfile, complete: bool) -> PayoutAccount:
    """The offline provider's onboarding page, finished or left with information missing."""
    account = selectors.payout_account_for(specialist)
    if account is None:
        raise ValidationError(_("Start connecting your account first."), code="no_account")
    active = provider()
    if active.name != "offline":
        raise ValidationError(_("This account is connected at Stripe."), code="not_offline")
    for event in active.onboarding_done(account.stripe_account_id, complete=complete):
        webhook_event_accept(event)
    account.refresh_from_db()
    return account
