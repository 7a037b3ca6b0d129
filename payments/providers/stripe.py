"""Stripe: PaymentIntents (direct on an account, or destination charges
with an application fee), refunds and Connect Express accounts.

Amounts and currencies come from the `Payment` row, never a request.
Every call carries an idempotency key, so a retried request creates
nothing twice.
"""

from __future__ import annotations

import stripe
from django.conf import settings

from ..models import BillingModel
from . import Intent, ProviderError, ProviderRefund


def _client() -> stripe.StripeClient:
    kwargs = {"base_addresses": {"api": settings.STRIPE_API_BASE}} if settings.STRIPE_API_BASE else {}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, max_network_retries=2, **kwargs)


def _on_account(account: str, key: str) -> dict:
    options: dict = {"idempotency_key": key}
    if account:
        options["stripe_account"] = account
    return options


class StripeProvider:
    name = "stripe"

    def create_intent(self, payment, *, idempotency_key: str) -> Intent:
        params: dict = {
            "amount": payment.amount_minor,
            "currency": payment.currency.lower(),
            "payment_method_types": ["card"],
            "metadata": {"payment": str(payment.public_id), "appointment": str(payment.appointment.public_id)},
        }
        if payment.billing_model == BillingModel.MARKETPLACE:
            # A destination charge on the platform: the specialist is paid, the fee stays.
            params["transfer_data"] = {"destination": payment.connected_account}
            params["application_fee_amount"] = payment.application_fee_minor
            options = _on_account("", idempotency_key)
        else:
            # A direct charge on the account that takes the money.
            options = _on_account(payment.connected_account, idempotency_key)
        try:
            intent = _client().v1.payment_intents.create(params=params, options=options)
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error
        return Intent(id=intent.id, client_secret=intent.client_secret)

    def refund(self, refund, *, idempotency_key: str) -> ProviderRefund:
        payment = refund.payment
        params: dict = {
            "payment_intent": payment.intent_id,
            "amount": refund.amount_minor,
            "metadata": {"refund": str(refund.public_id)},
        }
        if payment.billing_model == BillingModel.MARKETPLACE:
            params["reverse_transfer"] = True
            params["refund_application_fee"] = True
            options = _on_account("", idempotency_key)
        else:
            options = _on_account(payment.connected_account, idempotency_key)
        try:
            created = _client().v1.refunds.create(params=params, options=options)
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error
        return ProviderRefund(id=created.id)

    def create_account(self, specialist, *, idempotency_key: str) -> str:
        account = _client().v1.accounts.create(
            params={
                "type": "express",
                "email": specialist.user.email,
                "metadata": {"specialist": str(specialist.public_id)},
            },
            options={"idempotency_key": idempotency_key},
        )
        return account.id

    def onboarding_url(self, account_id: str, *, return_url: str, refresh_url: str) -> str:
        link = _client().v1.account_links.create(
            params={
                "account": account_id,
                "type": "account_onboarding",
                "return_url": return_url,
                "refresh_url": refresh_url,
            }
        )
        return link.url


def verify(payload: bytes, signature: str) -> dict:
    """The event of a webhook delivery, or `ValueError` when its signature
    (HMAC of the raw body, within the tolerance) does not check out."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise ValueError(str(error)) from error
    return event.to_dict()
