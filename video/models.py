"""The video room of an appointment: who may enter, when, and who was in it.

Only facts about the session are kept (admission, start, end, each join and
leave); nothing of the media ever reaches the server, let alone storage.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from booking.models import Appointment
from care.models import CareRelationship
from core.models import BaseModel
from organizations.models import Organization

OPENS_MINUTES_MAX = 60
GRACE_MINUTES_MAX = 120


class VideoPolicy(models.Model):
    """An organization's room window. No row: the field defaults apply."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="video_policy")
    opens_minutes_before = models.PositiveSmallIntegerField(
        _("room opens (minutes before the start)"), default=10, validators=[MaxValueValidator(OPENS_MINUTES_MAX)]
    )
    grace_minutes = models.PositiveSmallIntegerField(
        _("room stays open (minutes after the end)"), default=15, validators=[MaxValueValidator(GRACE_MINUTES_MAX)]
    )

    class Meta:
        verbose_name_plural = _("video policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_minutes_before__lte=OPENS_MINUTES_MAX, grace_minutes__lte=GRACE_MINUTES_MAX),
                name="video_policy_minutes_in_range",
            ),
        ]

    def __str__(self):
        return f"Video policy of {self.organization_id}"


class VideoSession(BaseModel):
    """The room of one appointment, bound to the pair's care relationship:
    only its patient and specialist enter, and only while it is active.

    `admitted_at` and `started_at` record the first admission and the first
    moment both were in; a rejoin changes neither.
    """

    class EndReason(models.TextChoices):
        COMPLETED_BY_SPECIALIST = "completed_by_specialist", _("Ended by the specialist")
        TIMED_OUT = "timed_out", _("Both left after the session's time")
        NO_SHOW = "no_show", _("The patient did not come")

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="video_session")
    relationship = models.ForeignKey(CareRelationship, on_delete=models.PROTECT, related_name="video_sessions")
    admitted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # PROTECT: people with a history are deactivated, never deleted.
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=32, choices=EndReason.choices, blank=True)

    class Meta:
        indexes = [
            # The sweep's question: started, not ended.
            models.Index(
                fields=["started_at"],
                condition=Q(started_at__isnull=False, ended_at__isnull=True),
                name="video_session_under_way",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_reason__in=["", "completed_by_specialist", "timed_out", "no_show"]),
                name="video_session_end_reason_valid",
            ),
            # An end always says why.
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="") | Q(ended_at__isnull=False) & ~Q(end_reason=""),
                name="video_session_end_has_reason",
            ),
        ]

    def __str__(self):
        return f"Video session {self.public_id}"


class VideoParticipation(models.Model):
    """One stay of one person in the room: a join, and the leave that ended
    it (None while they are in). A rejoin is a new row."""

    class Role(models.TextChoices):
        PATIENT = "patient", _("Patient")
        SPECIALIST = "specialist", _("Specialist")

    session = models.ForeignKey(VideoSession, on_delete=models.CASCADE, related_name="participations")
    # PROTECT: people with a history are deactivated, never deleted.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=Role.choices)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        indexes = [models.Index(fields=["session", "user"])]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=["patient", "specialist"]), name="video_participation_role"),
            # One open stay per person and session: a new tab closes the old one.
            models.UniqueConstraint(
                fields=["session", "user"], condition=Q(left_at__isnull=True), name="video_participation_one_open"
            ),
        ]

    def __str__(self):
        return f"{self.role} {self.joined_at:%H:%M}-{self.left_at:%H:%M}" if self.left_at else f"{self.role} in"


class VideoPreference(models.Model):
    """How a person shows themselves in every room: their background."""

    class Background(models.TextChoices):
        NONE = "none", _("As it is")
        BLUR = "blur", _("Blurred")
        COLOUR = "colour", _("A plain colour")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="video_preference")
    background = models.CharField(max_length=8, choices=Background.choices, default=Background.NONE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(background__in=["none", "blur", "colour"]), name="video_preference_background_valid"
            ),
        ]

    def __str__(self):
        return f"Video preference of {self.user_id}: {self.background}"
