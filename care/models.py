from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from organizations.models import Program
from specialists.models import SpecialistProfile


class CareRelationship(BaseModel):
    """One patient with one specialist: the spine that messaging, video and
    notes hang on. At most one active relationship per pair."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    class Source(models.TextChoices):
        CHOSEN = "chosen", _("Chosen by the patient")
        MATCHED = "matched", _("Chosen from a match")
        ASSIGNED = "assigned", _("Assigned by a program")
        BOOKING = "booking", _("First booking")

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_relationships")
    specialist = models.ForeignKey(SpecialistProfile, on_delete=models.PROTECT, related_name="care_relationships")
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=12, choices=Source.choices)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "specialist"],
                condition=models.Q(status="active"),
                name="care_one_active_per_pair",
            ),
            models.CheckConstraint(condition=models.Q(status__in=["active", "ended"]), name="care_status_valid"),
        ]

    def __str__(self):
        return f"{self.patient_id} ↔ {self.specialist_id} ({self.status})"
