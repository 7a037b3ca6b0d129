from django.conf import settings
from django.db import models
from encrypted_fields.fields import EncryptedTextField

from core.models import BaseModel


class Intake(BaseModel):
    """What a patient told us about their care goals, preferences and
    constraints. Optional, step by step, resumable.

    Taxonomy answers are stored as slugs (topics are specialization slugs,
    languages ISO 639-1 codes, modalities and approaches their slugs), so
    discovery can compare them with profiles without this app knowing them.
    Free text is encrypted at rest.
    """

    STEPS = ["goals", "preferences", "constraints"]

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake")
    current_step = models.CharField(max_length=16, default="goals")
    completed_at = models.DateTimeField(null=True, blank=True)
    skipped_steps = models.JSONField(default=list, blank=True)
    # Care goals
    # NULL when empty: the encrypted field stores "" as NULL (only non-empty
    # text gets a ciphertext), so the column must allow it.
    goals_text = EncryptedTextField(blank=True, null=True, default="")
    topics = models.JSONField(default=list, blank=True)
    # Preferences
    languages = models.JSONField(default=list, blank=True)
    specialist_gender = models.CharField(max_length=16, blank=True)
    modalities = models.JSONField(default=list, blank=True)
    approaches = models.JSONField(default=list, blank=True)
    # Constraints
    budget_max_minor = models.BigIntegerField(null=True, blank=True)
    budget_currency = models.CharField(max_length=3, default="EUR")
    days = models.JSONField(default=list, blank=True)
    times_of_day = models.JSONField(default=list, blank=True)
    jurisdiction = models.CharField(max_length=16, blank=True)

    def __str__(self):
        return f"Intake of {self.user_id}"
