import json

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from booking.models import Appointment
from core.models import AppendOnlyQuerySet, BaseModel
from organizations.models import Membership, Organization, Program
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


class ClinicalNote(BaseModel):
    """The treating specialist's note of one session, in one template.

    `content` is JSON text {section: text} (`SECTIONS`), encrypted at rest.
    A draft is saved as the specialist types; signing locks it for good
    (the database refuses to change a signed row, migration 0002), and
    later changes are `NoteAmendment` rows kept beside the original. Only
    `care.notes` writes here, and nothing of the text ever leaves the
    record: no email, notice, journey event or log line carries it.
    """

    class Template(models.TextChoices):
        SOAP = "soap", _("SOAP")
        DAP = "dap", _("DAP")
        FREE = "free", _("Free form")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")

    # The sections each template is made of, in reading order.
    SECTIONS = {
        Template.SOAP: {"s": _("Subjective"), "o": _("Objective"), "a": _("Assessment"), "p": _("Plan")},
        Template.DAP: {"d": _("Data"), "a": _("Assessment"), "p": _("Plan")},
        Template.FREE: {"body": _("Note")},
    }

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="clinical_note")
    relationship = models.ForeignKey(CareRelationship, on_delete=models.PROTECT, related_name="notes")
    # PROTECT: people with a history are deactivated, never deleted.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    template = models.CharField(max_length=8, choices=Template.choices)
    # Health data: encrypted at rest. NULL when empty (the field stores "" as NULL).
    content = EncryptedTextField(blank=True, null=True, default="")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(template__in=["soap", "dap", "free"]), name="note_template_valid"
            ),
            models.CheckConstraint(condition=models.Q(status__in=["draft", "signed"]), name="note_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status="draft", signed_at__isnull=True, signed_by__isnull=True)
                | models.Q(status="signed", signed_at__isnull=False, signed_by__isnull=False),
                name="note_signed_has_who_and_when",
            ),
        ]

    def __str__(self):
        return f"Note {self.public_id} ({self.status})"

    @property
    def sections(self) -> dict[str, str]:
        return json.loads(self.content) if self.content else {}

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class NoteAmendment(BaseModel):
    """A change to a signed note, kept beside it with who and when.

    Append-only, in the database too (migration 0002): the trail of a
    signed note is never rewritten.
    """

    note = models.ForeignKey(ClinicalNote, on_delete=models.PROTECT, related_name="amendments")
    # Health data: encrypted at rest.
    text = EncryptedTextField()
    # PROTECT: people with a history are deactivated, never deleted.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["note", "created_at", "id"]

    def __str__(self):
        return f"Amendment {self.public_id} of note {self.note_id}"


class Feedback(BaseModel):
    """A patient's answer about one completed session: satisfaction 1 to 5
    (CSAT), perceived progress, and, when asked, the 0 to 10 recommendation
    question (NPS), with an optional comment. One per session, editable by
    the patient until `editable_until`. Only `care.feedback` writes here."""

    class Progress(models.TextChoices):
        WORSE = "worse", _("Worse")
        SAME = "same", _("About the same")
        BETTER = "better", _("Better")
        MUCH_BETTER = "much_better", _("Much better")

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="feedback")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feedback_given")
    specialist = models.ForeignKey(SpecialistProfile, on_delete=models.PROTECT, related_name="feedback")
    csat = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    progress = models.CharField(_("progress"), max_length=12, choices=Progress.choices, blank=True)
    # Whether the recommendation question was asked: NULL `nps` then means skipped.
    asked_nps = models.BooleanField(default=False)
    nps = models.PositiveSmallIntegerField(_("likelihood to recommend"), null=True, blank=True)
    # Health data: encrypted at rest. NULL when empty (the field stores "" as NULL).
    comment = EncryptedTextField(blank=True, null=True, default="")
    # Anonymity promised when the patient answered: kept even if the
    # organization later turns it off (turning it on hides older answers too).
    anonymous = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(default=timezone.now)
    editable_until = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["patient", "asked_nps", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(csat__isnull=True) | models.Q(csat__gte=1, csat__lte=5), name="feedback_csat_range"
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__gte=0, nps__lte=10, asked_nps=True),
                name="feedback_nps_range_and_asked",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__in=["", "worse", "same", "better", "much_better"]),
                name="feedback_progress_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(editable_until__gt=models.F("submitted_at")),
                name="feedback_editable_after_submit",
            ),
        ]

    def __str__(self):
        return f"Feedback {self.public_id} on {self.appointment_id}"


class FeedbackSettings(BaseModel):
    """What an organization asks after a session; a row with a program
    overrides the organization's own row (no program) for that program's
    patients. Without any row, `care.feedback` uses its defaults."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="feedback_settings")
    program = models.OneToOneField(
        Program, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback_settings"
    )
    ask_csat = models.BooleanField(_("ask how satisfied the patient is (1 to 5)"), default=True)
    ask_progress = models.BooleanField(_("ask how things are going"), default=True)
    # 0: never ask the recommendation question.
    nps_from_session = models.PositiveSmallIntegerField(_("ask the recommendation question from session"), default=3)
    nps_every_days = models.PositiveSmallIntegerField(_("then again every (days)"), default=90)
    anonymous = models.BooleanField(_("show feedback to specialists without the patient's name"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(program__isnull=True), name="feedback_one_default_per_org"
            ),
            models.CheckConstraint(condition=models.Q(nps_every_days__gte=1), name="feedback_nps_every_positive"),
        ]

    def __str__(self):
        return f"Feedback settings of {self.organization_id} / {self.program_id or 'default'}"


class NoteAccessGrant(BaseModel):
    """An organization member the organization lets read its specialists'
    clinical notes (read only; the treating specialist alone writes).
    Deleting the row revokes the grant; both are audited."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="note_access_grant")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return f"Note access of membership {self.membership_id}"


class FeedbackPrompt(BaseModel):
    """The one email asking for feedback on a completed session: claimed
    before it is sent, so a retried task never sends it twice."""

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="feedback_prompt")
    claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Feedback prompt for {self.appointment_id}"
