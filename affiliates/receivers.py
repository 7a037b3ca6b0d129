"""Referrals are credited when a patient registers; commissions follow their payments."""

from django.dispatch import receiver

from core import events

from . import attribution, commissions


@receiver(events.patient_registered, dispatch_uid="affiliates.referral_on_registration")
def credit_referral(sender, user_id, organization_id, referral_code="", referral_token="", **kwargs):
    attribution.referral_record_at_signup(
        user_id=user_id, organization_id=organization_id, typed_code=referral_code, token=referral_token
    )


@receiver(events.payment_received, dispatch_uid="affiliates.commission_on_payment")
def earn_commission(sender, payment_id, **kwargs):
    commissions.commission_earn_for_payment(payment_id=payment_id)


@receiver(events.refund_sent, dispatch_uid="affiliates.commission_reversed_on_refund")
def reverse_commission(sender, refund_id, **kwargs):
    commissions.commission_reverse_for_refund(refund_id=refund_id)
