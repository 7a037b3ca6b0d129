"""The built-in offline test provider: no keys, no network.

It keeps no state of its own. Its payment page (payments.views) posts a
test card number; `confirm` answers with the events Stripe would send for
that card, and the services store and process them exactly as webhook
deliveries. Test cards, as Stripe's:

- 4242 4242 4242 4242: succeeds
- 4000 0000 0000 0002: declined
- 4000 0000 0000 9995: declined, insufficient funds
- 4000 0027 6000 3184: the bank asks for an extra step, then succeeds or fails
"""

from __future__ import annotations

import secrets
import time

from django.urls import reverse

from . import Intent, ProviderRefund

SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
REQUIRES_ACTION = "4000002760003184"
TEST_CARDS = {
    SUCCEEDS: "succeeds",
    DECLINED: "declined",
    INSUFFICIENT_FUNDS: "insufficient_funds",
    REQUIRES_ACTION: "requires_action",
}
DECLINE_MESSAGES = {
    "declined": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "authentication_failed": "Your bank could not confirm this payment.",
}


def _id(prefix: str) -> str:
    return f"{prefix}_offline_{secrets.token_hex(12)}"


def event(type_: str, obj: dict, *, account: str = "") -> dict:
    """An event as Stripe shapes it."""
    return {
        "id": _id("evt"),
        "object": "event",
        "type": type_,
        "created": int(time.time()),
        "account": account or None,
        "data": {"object": obj},
    }


def _intent_object(payment, status: str, error: str = "") -> dict:
    return {
        "id": payment.intent_id,
        "object": "payment_intent",
        "amount": payment.amount_minor,
        "currency": payment.currency.lower(),
        "status": status,
        "metadata": {"payment": str(payment.public_id)},
        "last_payment_error": {"message": error} if error else None,
    }


class OfflineProvider:
    name = "offline"

    def create_intent(self, payment, *, idempotency_key: str) -> Intent:
        intent_id = _id("pi")
        return Intent(id=intent_id, client_secret=f"{intent_id}_secret_{secrets.token_hex(8)}")

    def confirm(self, payment, card_number: str) -> list[dict]:
        """The events paying `payment` with a test card sends."""
        outcome = TEST_CARDS.get(card_number.replace(" ", ""))
        account = payment.connected_account
        if outcome == "succeeds":
            return [event("payment_intent.succeeded", _intent_object(payment, "succeeded"), account=account)]
        if outcome == "requires_action":
            return [
                event("payment_intent.requires_action", _intent_object(payment, "requires_action"), account=account)
            ]
        message = DECLINE_MESSAGES.get(outcome or "declined")
        obj = _intent_object(payment, "requires_payment_method", message)
        return [event("payment_intent.payment_failed", obj, account=account)]

    def authenticate(self, payment, *, approved: bool) -> list[dict]:
        """The extra step a bank asks for, passed or failed."""
        if approved:
            return [
                event(
                    "payment_intent.succeeded", _intent_object(payment, "succeeded"), account=payment.connected_account
                )
            ]
        obj = _intent_object(payment, "requires_payment_method", DECLINE_MESSAGES["authentication_failed"])
        return [event("payment_intent.payment_failed", obj, account=payment.connected_account)]

    def refund(self, refund, *, idempotency_key: str) -> ProviderRefund:
        payment = refund.payment
        refund_id = _id("re")
        charge = {
            "id": _id("ch"),
            "object": "charge",
            "payment_intent": payment.intent_id,
            "amount": payment.amount_minor,
            "amount_refunded": payment.refunded_minor + refund.amount_minor,
            "refunds": {"data": [{"id": refund_id, "amount": refund.amount_minor, "status": "succeeded"}]},
        }
        return ProviderRefund(
            id=refund_id, events=[event("charge.refunded", charge, account=payment.connected_account)]
        )

    def create_account(self, specialist, *, idempotency_key: str) -> str:
        return _id("acct")

    def onboarding_url(self, account_id: str, *, return_url: str, refresh_url: str) -> str:
        return reverse("payments:offline-onboarding")

    def onboarding_done(self, account_id: str, *, complete: bool) -> list[dict]:
        """Finishing (or leaving) the offline onboarding page."""
        account = {
            "id": account_id,
            "object": "account",
            "charges_enabled": complete,
            "payouts_enabled": complete,
            "details_submitted": True,
            "requirements": {"currently_due": [] if complete else ["external_account"]},
        }
        return [event("account.updated", account, account=account_id)]
