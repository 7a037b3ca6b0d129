"""Payments test data. Helpers of several test modules: append new
factories at the end."""

import factory
from django.utils import timezone

from payments.models import BillingModel, BillingSettings, Payment, PaymentTiming, PayoutAccount, ProgramBilling
from tests.booking.factories import AppointmentFactory


class BillingSettingsFactory(factory.django.DjangoModelFactory):
    """An organization that takes payments online, platform-managed, paid at booking."""

    class Meta:
        model = BillingSettings
        django_get_or_create = ("organization",)

    enabled = True
    model = BillingModel.PLATFORM
    default_timing = PaymentTiming.AT_BOOKING
    legal_name = factory.LazyAttribute(lambda o: f"{o.organization.name} (demo)")
    address = "1 Example Street\n10115 Berlin"


class PayoutAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayoutAccount

    stripe_account_id = factory.Sequence(lambda n: f"acct_test{n:08d}")
    status = PayoutAccount.Status.ACTIVE


class ProgramBillingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramBilling

    covered_sessions = 8


class PaymentFactory(factory.django.DjangoModelFactory):
    """A settled card payment of a confirmed appointment (fixtures only: in
    code under test payments change through the services)."""

    class Meta:
        model = Payment

    appointment = factory.SubFactory(AppointmentFactory, confirmed=True)
    patient = factory.SelfAttribute("appointment.patient")
    specialist = factory.SelfAttribute("appointment.specialist")
    organization = factory.SelfAttribute("appointment.specialist.organization")
    amount_minor = factory.SelfAttribute("appointment.price_minor")
    currency = factory.SelfAttribute("appointment.currency")
    billing_model = BillingModel.PLATFORM
    provider = "offline"
    intent_id = factory.Sequence(lambda n: f"pi_test{n:08d}")
    status = Payment.Status.SUCCEEDED
    paid_at = factory.LazyFunction(timezone.now)
    receipt_number = factory.Sequence(lambda n: f"TEST-{n:06d}")


def book(patient, offering, starts_at):
    """The patient holds a time and confirms it, as on the booking page
    (paid at booking: it then waits for the payment)."""
    from booking import services as booking

    held = booking.appointment_hold(patient=patient, offering=offering, starts_at=starts_at)
    return booking.appointment_hold_confirm(appointment=held, by=patient)


class RefundFactory(factory.django.DjangoModelFactory):
    """A refund the provider reported sent (fixtures only; the payment's
    `refunded_minor` is the test's to set)."""

    class Meta:
        model = "payments.Refund"

    payment = factory.SubFactory(PaymentFactory)
    amount_minor = 1000
    cause = "manual"
    reason = "Session cut short"
    status = "succeeded"
    succeeded_at = factory.LazyFunction(timezone.now)
    provider_refund_id = factory.Sequence(lambda n: f"re_test{n:08d}")


_past_slots = iter(range(10**6))


def payment_of(offering, *, patient=None, price_minor=None, **fields):
    """A payment of a past session of `offering` (each at its own hour, so
    sessions never overlap): settled now unless `paid_at`/`status` say
    otherwise; `price_minor` sets the session's price and the amount."""
    from datetime import timedelta

    from booking.states import AppointmentStatus

    hours = next(_past_slots)
    appointment = AppointmentFactory(
        offering=offering,
        status=AppointmentStatus.COMPLETED,
        starts_at=timezone.now().replace(minute=0, second=0, microsecond=0)
        - timedelta(days=400)
        + timedelta(hours=hours),
        price_minor=offering.price_minor if price_minor is None else price_minor,
        **({"patient": patient} if patient is not None else {}),
    )
    if fields.get("status", Payment.Status.SUCCEEDED) != Payment.Status.SUCCEEDED:
        fields.setdefault("paid_at", None)
        fields.setdefault("receipt_number", None)
    return PaymentFactory(appointment=appointment, **fields)


def enrol_in_program(patient, organization, *, sessions=8, **billing):
    """`patient` joins a program of `organization` that pays for `sessions`
    sessions (`billing`: its own model or fee). Returns its ProgramBilling."""
    from organizations.models import ProgramEnrolment
    from tests.organizations.factories import ProgramFactory

    program = ProgramFactory(organization=organization, name="Employee Wellbeing")
    ProgramEnrolment.objects.create(program=program, patient=patient, via=ProgramEnrolment.Via.CODE)
    return ProgramBillingFactory(program=program, covered_sessions=sessions, **billing)
