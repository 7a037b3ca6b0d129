"""Consent documents and intake forms: versioned, required at a moment of the
journey, for an organization, a program or one specialist's patients.

A published version never changes (the services refuse, and signatures keep
the hash of the text signed). Requirements are keyed by lower-layer facts
(organization, program, specialist, offering): booking, above, asks this app
what is missing before a session (`consents.selectors`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from core.models import BaseModel
from organizations.models import Organization, Program
from specialists.models import Offering, SpecialistProfile


class RequiredBefore(models.TextChoices):
    """The moment of the journey an item must be done by."""

    SIGNUP = "signup", _("At sign-up")
    BOOKING = "booking", _("Before the first booking")
    SESSION = "session", _("Before the first session")


class Scoped(BaseModel):
    """Who an item applies to: the whole organization, one program, or one
    specialist's patients (never both a program and a specialist)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    specialist = models.ForeignKey(SpecialistProfile, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=160)
    required_before = models.CharField(
        _("required"), max_length=8, choices=RequiredBefore.choices, default=RequiredBefore.SESSION
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        abstract = True


class ConsentDocument(Scoped):
    class Kind(models.TextChoices):
        TREATMENT = "treatment", _("Consent to treatment")
        TELEHEALTH = "telehealth", _("Telehealth consent")
        PRIVACY = "privacy", _("Privacy acknowledgement")
        RECORDING = "recording", _("Recording policy")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    # A new version asks everyone who signed an earlier one to sign again.
    reconsent_on_new_version = models.BooleanField(_("new versions need a new signature"), default=True)
    withdrawable = models.BooleanField(_("patients may withdraw it"), default=True)

    class Meta:
        ordering = ["organization", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(program__isnull=True) | Q(specialist__isnull=True), name="consent_document_one_scope"
            ),
        ]

    def __str__(self):
        return self.title


class ConsentVersion(BaseModel):
    """One text of a document. A draft until published; immutable after."""

    document = models.ForeignKey(ConsentDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    summary = models.TextField(_("plain-language summary"), max_length=2000)
    body = models.TextField(_("full text (Markdown)"), max_length=50000)
    published_at = models.DateTimeField(null=True, blank=True)
    # sha256 of the summary and body as published: what a signature refers to.
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="consent_version_number_unique"),
        ]

    def __str__(self):
        return f"{self.document} v{self.number}"


class ConsentSignature(BaseModel):
    """A patient signed one published version: typed name, an explicit
    checkbox, when, from where, and the hash of the exact text. Withdrawing
    keeps the row and records when and why."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consent_signatures")
    version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="signatures")
    typed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    content_hash = models.CharField(max_length=64)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "version"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_signature_one_standing",
            ),
        ]

    def __str__(self):
        return f"{self.patient_id} signed {self.version}"


class IntakeForm(Scoped):
    """A questionnaire; attached to offerings and programs, or to the whole
    organization or one specialist's patients through its scope."""

    description = models.CharField(_("description"), max_length=300, blank=True)
    offerings = models.ManyToManyField(Offering, blank=True, related_name="+")
    # A bundled questionnaire it was made from (scores come with it), or "".
    template_key = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["organization", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(program__isnull=True) | Q(specialist__isnull=True), name="intake_form_one_scope"
            ),
        ]

    def __str__(self):
        return self.title


class FormVersion(BaseModel):
    """One set of questions (`consents.schema`); a draft until published."""

    form = models.ForeignKey(IntakeForm, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    schema = models.JSONField(default=dict)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="form_version_number_unique"),
        ]

    def __str__(self):
        return f"{self.form} v{self.number}"


class FormResponse(BaseModel):
    """A patient's answers to one published version, for one specialist.
    Saved as a draft as they go; submitted once complete. The answers are
    encrypted at rest (free text is health data)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="form_responses")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="responses")
    specialist = models.ForeignKey(SpecialistProfile, on_delete=models.PROTECT, related_name="+")
    # JSON text {question_id: answer}; NULL when empty (the field stores "" as NULL).
    answers = EncryptedTextField(blank=True, null=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # {"total": 12, "band": "Moderate"} for scored questionnaires.
    score = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "version", "specialist"], name="form_response_one_per_version_and_specialist"
            ),
            models.CheckConstraint(condition=Q(status__in=["draft", "submitted"]), name="form_response_status_valid"),
        ]

    def __str__(self):
        return f"{self.patient_id} → {self.version} ({self.status})"


class CareContext(models.Model):
    """A patient booked `offering` with `specialist`: booking tells consents
    (on confirmation), so the requirements of that specialist and offering
    apply to the patient from then on."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    specialist = models.ForeignKey(SpecialistProfile, on_delete=models.CASCADE, related_name="+")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "specialist", "offering"], name="care_context_unique"),
        ]

    def __str__(self):
        return f"{self.patient_id} with {self.specialist_id} for {self.offering_id}"


class ConsentSettings(BaseModel):
    """How an organization runs its consents and forms: whether its
    specialists may write their own (for their own patients)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    specialists_may_write = models.BooleanField(_("specialists may write their own consents and forms"), default=False)

    def __str__(self):
        return f"consent settings of {self.organization_id}"
