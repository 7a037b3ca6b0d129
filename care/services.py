"""Every write to care relationships."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.selectors import appointments_ahead_exist
from core import events
from core.services import journey_event_record

from .models import CareRelationship


def care_relationship_start(*, patient, specialist, source: str, program=None) -> CareRelationship:
    """Start (or return the already active) relationship between the pair.

    Idempotent: the partial unique constraint keeps one active row per pair,
    so two racing starts both get the same relationship.
    """
    existing = CareRelationship.objects.filter(patient=patient, specialist=specialist, status="active").first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            relationship = CareRelationship.objects.create(
                patient=patient, specialist=specialist, source=source, program=program
            )
            journey_event_record(actor=patient, verb="care.started", obj=relationship, data={"source": source})
            events.send_on_commit(events.care_relationship_started, care_relationship_id=relationship.pk)
    except IntegrityError:
        return CareRelationship.objects.get(patient=patient, specialist=specialist, status="active")
    return relationship


@transaction.atomic
def care_relationship_end(*, relationship: CareRelationship, by) -> CareRelationship:
    """End the pair's care, and with it what care gave access to.

    After commit `care_relationship_ended` makes messaging close the pair's
    conversation: both keep reading its history, neither posts or arranges
    sessions in it, and their open sockets close. The specialist stops
    seeing the patient (lists of their patients count active care only).
    Ending an ended relationship changes nothing.

    Refused while the pair still has a session ahead or being arranged:
    those need the thread (and, later, the video room) that ending care
    closes, so they are cancelled or moved first.
    """
    relationship = CareRelationship.objects.select_for_update().get(pk=relationship.pk)
    if relationship.status == CareRelationship.Status.ENDED:
        return relationship
    if appointments_ahead_exist(patient=relationship.patient_id, specialist=relationship.specialist_id):
        raise ValidationError(
            _("Sessions are still booked or being arranged with this patient. Cancel them first, then end care."),
            code="sessions_ahead",
        )
    relationship.status = CareRelationship.Status.ENDED
    relationship.ended_at = timezone.now()
    relationship.save(update_fields=["status", "ended_at", "updated_at"])
    journey_event_record(actor=by, verb="care.ended", obj=relationship)
    events.send_on_commit(events.care_relationship_ended, care_relationship_id=relationship.pk)
    return relationship
