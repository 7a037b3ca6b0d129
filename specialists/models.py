from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel, Tag
from organizations.models import Organization


def photo_upload_to(instance, filename):
    # The stored name is ours; uploads are re-encoded as JPEG (specialists.forms).
    return f"specialists/{instance.public_id}/photo.jpg"


class SpecialistProfile(BaseModel):
    """What patients see of a specialist, and whether they may see it yet."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    class Gender(models.TextChoices):
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        NON_BINARY = "non_binary", _("Non-binary")
        UNDISCLOSED = "", _("Prefer not to say")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="specialist_profile")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="specialist_profiles")
    slug = models.SlugField(_("profile address"), max_length=80, unique=True)
    display_name = models.CharField(_("display name"), max_length=120)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    headline = models.CharField(_("headline"), max_length=160, blank=True)
    bio = models.TextField(_("about you"), max_length=5000, blank=True)
    photo = models.ImageField(_("photo"), upload_to=photo_upload_to, blank=True)
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, blank=True)
    credentials = models.TextField(_("credentials"), max_length=2000, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="profiles")
    accepting_new_patients = models.BooleanField(_("accepting new patients"), default=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    status_note = models.CharField(_("note from the organization"), max_length=500, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["display_name"]
        indexes = [models.Index(fields=["status", "accepting_new_patients"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "pending", "approved", "changes_requested"]),
                name="specialist_status_valid",
            )
        ]

    def __str__(self):
        return self.display_name

    @cached_property
    def tag_groups(self) -> dict[str, list[Tag]]:
        """Tags by kind ("language" → [German, English]), from the prefetched
        `tags`, so templates name a kind without a method call."""
        groups: dict[str, list[Tag]] = {kind: [] for kind in Tag.Kind.values}
        for tag in self.tags.all():
            groups[tag.kind].append(tag)
        return groups


class Offering(BaseModel):
    """A service a specialist sells, e.g. "Initial consultation, 50 min"."""

    class BookingMode(models.TextChoices):
        DIRECT = "direct", _("Patients book directly")
        ON_REQUEST = "on_request", _("On request only")

    specialist = models.ForeignKey(SpecialistProfile, on_delete=models.CASCADE, related_name="offerings")
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    price_minor = models.BigIntegerField(_("price"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    booking_mode = models.CharField(
        _("booking"), max_length=16, choices=BookingMode.choices, default=BookingMode.DIRECT
    )
    is_active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "price_minor"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_minor__gte=0, price_minor__lte=10_000_000), name="offering_price_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="offering_duration_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.duration_minutes} min)"
