"""Payments on a patient's record and caseload (core.timeline): charges,
programme coverage and refunds of the pair's sessions, and the sessions
that took place and are still unpaid."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from booking.states import AppointmentStatus
from core import timeline
from core.money import Money

from .models import Payment, Refund

S = AppointmentStatus
# Not settled (yet): the patient still owes it.
UNSETTLED = (Payment.Status.DUE, Payment.Status.FAILED, Payment.Status.REQUIRES_ACTION)
# Sessions that took place (or were missed): their payment is owed now.
HELD = (S.IN_PROGRESS, S.COMPLETED, S.NO_SHOW)


def _money(amount_minor: int, currency: str) -> str:
    return Money(int(amount_minor), currency).format()


def payments(scope: timeline.Scope):
    rows = Payment.objects.filter(patient=scope.patient, specialist=scope.specialist)
    return _entries(
        rows, url=lambda payment: reverse("booking:specialist-appointment", args=[payment.appointment.public_id])
    )


def organization_payments(organization, patient):
    """The patient's charges and refunds with `organization` (no links: its
    admins have no appointment page)."""
    return _entries(Payment.objects.filter(patient=patient, organization=organization), url=lambda payment: "")


def _entries(rows, *, url):
    rows = rows.select_related("appointment__offering").prefetch_related("refunds")
    for payment in rows:
        session = payment.appointment.offering.name
        link = url(payment)
        status = Payment.Status(payment.status)
        if payment.kind == Payment.Kind.COVERAGE:
            title = _("Covered by a program: %(session)s") % {"session": session}
        else:
            title = _("%(amount)s for %(session)s") % {
                "amount": _money(payment.amount_minor, payment.currency),
                "session": session,
            }
        yield timeline.Entry(
            at=payment.paid_at or payment.created_at, kind="payment", title=title, url=link, tags=(str(status.label),)
        )
        for refund in payment.refunds.all():
            if refund.status == Refund.Status.FAILED:
                continue
            yield timeline.Entry(
                at=refund.succeeded_at or refund.created_at,
                kind="payment",
                title=_("Refund of %(amount)s for %(session)s")
                % {"amount": _money(refund.amount_minor, payment.currency), "session": session},
                url=link,
                tags=(str(Refund.Status(refund.status).label),),
            )


def unpaid(specialist, patient_ids) -> dict[int, list[timeline.Outstanding]]:
    """Each patient's sessions with `specialist` that took place and are not paid (one query)."""
    rows = (
        Payment.objects.filter(
            specialist=specialist,
            patient_id__in=patient_ids,
            kind=Payment.Kind.CHARGE,
            status__in=UNSETTLED,
            appointment__status__in=HELD,
        )
        .values("patient_id")
        .annotate(count=Count("pk"))
        .values_list("patient_id", "count")
    )
    return {
        patient_id: [
            timeline.Outstanding(
                key="unpaid",
                label=ngettext("%(count)d unpaid session", "%(count)d unpaid sessions", count) % {"count": count},
                count=count,
                needs_follow_up=True,
            )
        ]
        for patient_id, count in rows
    }


def register() -> None:
    timeline.register(payments)
    timeline.register_outstanding(unpaid)
    timeline.register_organization(organization_payments)
