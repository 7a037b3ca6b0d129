"""Payments on other apps' pages (`{% load payments %}`): booking's
templates show how a session's payment stands without booking importing
this app, a higher one."""

from django import template

from booking.states import AppointmentStatus

from ..selectors_patient import appointment_payment_for_patient, payments_due_after_session_for_patient

register = template.Library()


@register.inclusion_tag("payments/patient/_appointment_payment.html")
def appointment_payment(appointment):
    """`{% appointment_payment appointment %}` in the facts of the patient's
    own appointment page: a "Payment" row saying paid (with the receipt),
    covered by a program (n of N used), refunded, or still to pay; nothing
    when the session has no payment."""
    line = appointment_payment_for_patient(appointment)
    if line is not None and line.payment.is_open and appointment.status == AppointmentStatus.AWAITING_PAYMENT:
        line = None  # the page's own "Pay now" asks for it
    return {"line": line, "appointment": appointment}


@register.simple_tag
def payments_due_after_session(patient):
    """`{% payments_due_after_session user as unpaid %}`: the patient's
    sessions paid after they took place and not paid yet (their payments),
    in one query."""
    return payments_due_after_session_for_patient(patient=patient)
