from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from core.portals import Portal

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #2F6F6A."))


def logo_upload_to(instance, filename):
    # Never trust the uploaded name: the path is ours, the extension comes
    # from the image format found by content (organizations.forms).
    return f"brands/{instance.public_id}/logo{instance.logo_extension}"


class Organization(BaseModel):
    """A clinic, an employer programme or a brand: who patients come through."""

    class Kind(models.TextChoices):
        CLINIC = "clinic", _("Clinic")
        EMPLOYER = "employer", _("Employer program")
        BRAND = "brand", _("Brand")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CLINIC)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    primary_color = models.CharField(_("primary colour"), max_length=7, default="#2F6F6A", validators=[hex_colour])
    logo = models.ImageField(_("logo"), upload_to=logo_upload_to, blank=True)
    logo_extension = models.CharField(max_length=8, blank=True, editable=False)
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", help_text=_("Prices in the directory and new offerings use it.")
    )
    matching_questions = models.JSONField(_("matching questions"), default=list, blank=True)
    # Ten years is the longest common duty to keep treatment records (Germany's
    # BGB 630f, many other EU countries); a clinic bound to longer raises it.
    record_retention_years = models.PositiveSmallIntegerField(
        _("record retention (years)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("How long a patient's records are kept after they delete their account, before erasure."),
    )
    sso_app = models.OneToOneField(
        SocialApp,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organization",
        verbose_name=_("single sign-on"),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(primary_color__regex=r"^#[0-9a-fA-F]{6}$"), name="organization_colour_is_hex"
            ),
            models.CheckConstraint(
                condition=models.Q(record_retention_years__gte=1, record_retention_years__lte=30),
                name="organization_retention_in_range",
            ),
        ]

    def __str__(self):
        return self.name


class Membership(BaseModel):
    """One role a user holds in one organization. A user may hold several."""

    class Role(models.TextChoices):
        PATIENT = "patient", _("Patient")
        SPECIALIST = "specialist", _("Specialist")
        ADMIN = "admin", _("Organization admin")
        AFFILIATE = "affiliate", _("Affiliate")

    PORTALS = {
        Role.PATIENT: Portal.PATIENT,
        Role.SPECIALIST: Portal.SPECIALIST,
        Role.ADMIN: Portal.ORGANIZATION,
        Role.AFFILIATE: Portal.AFFILIATE,
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique_role"),
            models.CheckConstraint(
                condition=models.Q(role__in=["patient", "specialist", "admin", "affiliate"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organization}"

    @property
    def portal(self) -> Portal:
        return self.PORTALS[self.role]


class TermsDocument(BaseModel):
    """One published version of an organization's terms or privacy notice.

    Published versions never change: a change is a new version, and users
    accept it on their next sign-in.
    """

    class Kind(models.TextChoices):
        TERMS = "terms", _("Terms of Service")
        PRIVACY = "privacy", _("Privacy Notice")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="terms_documents")
    kind = models.CharField(_("document"), max_length=16, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    summary = models.CharField(_("plain-language summary"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "version"], name="terms_unique_version"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version} · {self.organization}"


class TermsAcceptance(BaseModel):
    """A user accepted one exact version: when, from which address and browser."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_acceptances")
    document = models.ForeignKey(TermsDocument, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)

    class Meta:
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "document"], name="terms_acceptance_once"),
        ]

    def __str__(self):
        return f"{self.user} accepted {self.document}"


# The questions the matching questionnaire can ask (discovery.questionnaire
# defines them); organizations and programs choose among them.
MATCHING_QUESTIONS = [
    ("topics", _("What they would like help with")),
    ("languages", _("Languages")),
    ("specialist_gender", _("Preferred gender of the specialist")),
    ("modalities", _("How to meet (video, chat…)")),
    ("approaches", _("Way of working")),
    ("budget", _("Budget per session")),
    ("times_of_day", _("Times of day that suit them")),
    ("jurisdiction", _("Where they live (licensing)")),
]


class Program(BaseModel):
    """A way into care run by an organization, e.g. an employer benefit.

    Patients join by code, link or verified email domain; they then see only
    the program's roster, and may be assigned a specialist by its rule.
    """

    class AssignmentRule(models.TextChoices):
        PATIENT_CHOOSES = "patient_chooses", _("Patient chooses from the roster")
        ROUND_ROBIN = "round_robin", _("Assign in turn (round-robin), within capacity")
        LEAST_LOADED = "least_loaded", _("Assign to the least busy specialist")
        BEST_MATCH = "best_match", _("Assign the best match from the questionnaire")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    enrolment_code = models.CharField(_("enrolment code"), max_length=32, unique=True)
    email_domains = models.CharField(
        _("email domains"),
        max_length=500,
        blank=True,
        help_text=_("People with a verified address at these domains join automatically, e.g. example.org"),
    )
    assignment_rule = models.CharField(
        _("assignment"), max_length=20, choices=AssignmentRule.choices, default=AssignmentRule.PATIENT_CHOOSES
    )
    matching_questions = models.JSONField(_("matching questions"), default=list, blank=True)
    is_active = models.BooleanField(_("open for enrolment"), default=True)

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    assignment_rule__in=["patient_chooses", "round_robin", "least_loaded", "best_match"]
                ),
                name="program_rule_valid",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def domain_list(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.replace(",", " ").split() if d.strip()]


class ProgramRosterEntry(BaseModel):
    """A specialist on a program's roster, with how many of its patients they take."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="roster")
    specialist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=10, help_text=_("Most patients of this program at once.")
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["program", "created_at"]
        constraints = [models.UniqueConstraint(fields=["program", "specialist"], name="roster_unique_specialist")]


class ProgramEnrolment(BaseModel):
    """A patient joined a program: how and when."""

    class Via(models.TextChoices):
        CODE = "code", _("Enrolment code")
        LINK = "link", _("Enrolment link")
        DOMAIN = "domain", _("Email domain")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="enrolments")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="program_enrolments")
    via = models.CharField(max_length=8, choices=Via.choices)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["program", "patient"], name="enrolment_once")]
