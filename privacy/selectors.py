"""Reads of the privacy app: a person's own exports and deletion request,
and everything a "download my data" zip holds about them."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from consents.models import ConsentSignature, FormResponse
from core.portals import Portal, has_portal
from core.selectors import get_for_user
from messaging.models import Conversation, Message
from patients.models import Intake
from payments.models import Payment, Refund

from .models import DataExport, DeletionRequest


def may_use_privacy_pages(user) -> bool:
    """The data page is the patient's: their record is what it exports."""
    return user.is_authenticated and has_portal(user, Portal.PATIENT)


def export_list_for_user(*, user, limit: int = 5) -> list[DataExport]:
    """`user`'s newest exports, for their data page."""
    return list(DataExport.objects.filter(user=user)[:limit])


def export_get_for_user(*, user, public_id) -> DataExport:
    """One of `user`'s own exports; anyone else's is a 404."""
    return get_for_user(DataExport.objects.filter(user=user), public_id)


def export_get_downloadable(*, user, public_id) -> DataExport:
    """One of `user`'s exports that is ready and not expired; anything else
    (someone else's, still building, past its time) is a 404."""
    queryset = DataExport.objects.filter(
        user=user, status=DataExport.Status.READY, expires_at__gt=timezone.now()
    ).exclude(file="")
    return get_for_user(queryset, public_id)


def deletion_request_for_user(*, user) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user=user).first()


# --- What the zip holds ----------------------------------------------------------------


def consent_signatures_of(user) -> QuerySet[ConsentSignature]:
    return (
        ConsentSignature.objects.filter(patient=user)
        .select_related("patient", "version__document__organization")
        .order_by("signed_at", "pk")
    )


def form_responses_of(user) -> QuerySet[FormResponse]:
    return (
        FormResponse.objects.filter(patient=user)
        .select_related("version__form", "specialist")
        .order_by("created_at", "pk")
    )


def intake_of(user) -> Intake | None:
    return Intake.objects.filter(user=user).select_related("user").first()


def conversations_of(user) -> QuerySet[Conversation]:
    """Every conversation `user` had as a patient, with all its messages
    (their own and their specialist's) and their authors."""
    messages = Message.objects.select_related("author").order_by("created_at", "pk")
    return (
        Conversation.objects.filter(relationship__patient=user)
        .select_related("relationship__specialist")
        .prefetch_related(Prefetch("messages", queryset=messages))
        .order_by("created_at", "pk")
    )


def receipts_of(user) -> QuerySet[Payment]:
    """`user`'s settled card payments with a receipt number: the ones with
    a receipt (as `payments.selectors_patient.receipt_get_for_patient`)."""
    return (
        Payment.objects.filter(
            patient=user, kind=Payment.Kind.CHARGE, status=Payment.Status.SUCCEEDED, receipt_number__isnull=False
        )
        .select_related("appointment__offering", "specialist", "organization__billing", "patient")
        .prefetch_related(Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "pk")))
        .order_by("paid_at", "pk")
    )
