"""Every write to specialist profiles and offerings.

A profile moves draft → pending (the specialist submits) → approved or
changes requested (an organization admin reviews). Only approved profiles
are public. Editing never takes an approved profile off the directory.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.services import user_update_profile
from core import events, money
from core.models import Tag
from core.services import journey_event_record
from core.timeutils import validate_timezone
from organizations.models import Membership
from organizations.selectors import membership_list_for_user

from .models import Offering, SpecialistProfile
from .selectors import specialist_profile_missing

Status = SpecialistProfile.Status

# Uploads bigger than this are refused before Pillow sees a byte of them.
PHOTO_MAX_BYTES = 5 * 1024 * 1024
# A small file can still claim a huge canvas (a decompression bomb):
# refuse anything above this many pixels before decoding it.
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_SIZE = (512, 512)
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}

# Offerings: the same bounds as the model's check constraints.
DURATION_MIN_MINUTES = 5
DURATION_MAX_MINUTES = 480
PRICE_MAX_MINOR = 10_000_000

# Who may move a profile from which status to which.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.PENDING},
    Status.CHANGES_REQUESTED: {Status.PENDING},
    Status.PENDING: {Status.APPROVED, Status.CHANGES_REQUESTED},
    # An admin can take a public profile back off the directory.
    Status.APPROVED: {Status.CHANGES_REQUESTED},
}


# --- Profiles ------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70].strip("-") or "specialist"
    taken = set(SpecialistProfile.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def specialist_profile_get_or_create(*, user) -> SpecialistProfile:
    """The user's profile, created as a draft from their specialist membership
    on first use.

    The profile belongs to the organization of their oldest active specialist
    membership; its address (slug) comes from their name and is unique.
    Raises `SpecialistProfile.DoesNotExist` if the user is no specialist.
    """
    profile = SpecialistProfile.objects.select_related("organization", "user").filter(user=user).first()
    if profile is not None:
        return profile
    membership = (
        membership_list_for_user(user=user).filter(role=Membership.Role.SPECIALIST).order_by("created_at").first()
    )
    if membership is None:
        raise SpecialistProfile.DoesNotExist("no specialist membership")
    name = user.full_name or user.display_name
    try:
        with transaction.atomic():
            profile = SpecialistProfile.objects.create(
                user=user, organization=membership.organization, slug=_unique_slug(name), display_name=name[:120]
            )
            journey_event_record(actor=user, verb="specialist_profile.created", obj=profile)
    except IntegrityError:
        # Two first visits at once: the other request created it.
        return SpecialistProfile.objects.select_related("organization", "user").get(user=user)
    return profile


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo that passed `specialist_photo_prepare`: JPEG bytes, no metadata."""

    content: bytes


def _megabytes(size: int) -> str:
    return number_format(round(size / (1024 * 1024), 1), decimal_pos=1)


def _reencode(original: Image.Image) -> bytes:
    image = ImageOps.exif_transpose(original)
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    else:
        image = image.convert("RGB")
    image.thumbnail(PHOTO_SIZE, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # No exif= argument: nothing from the original file is carried over.
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def specialist_photo_prepare(upload) -> PreparedPhoto:
    """Check an uploaded photo and re-encode it as a small JPEG.

    The size is checked before decoding; the content, never the name or the
    declared type, decides whether it is an image. The result is at most
    512 by 512 pixels, upright, RGB, and carries no metadata (EXIF, GPS, comments).
    Raises ValidationError with code "too_large" or "not_image".
    """
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            _("This photo is %(size)s MB; a photo can be at most %(max)s MB."),
            params={"size": _megabytes(upload.size), "max": _megabytes(PHOTO_MAX_BYTES)},
            code="too_large",
        )
    not_image = ValidationError(
        _("This file is not a photo we can read. Upload a JPEG, PNG or WebP image."), code="not_image"
    )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format not in PHOTO_FORMATS:
                raise not_image
            width, height = image.size
            if width * height > PHOTO_MAX_PIXELS:
                raise not_image
            image.verify()
        upload.seek(0)
        with Image.open(upload) as original:
            original.load()
            content = _reencode(original)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise not_image from None
    return PreparedPhoto(content)


@transaction.atomic
def specialist_profile_update(
    *,
    profile: SpecialistProfile,
    by,
    display_name: str,
    pronouns: str,
    headline: str,
    bio: str,
    gender: str,
    credentials: str,
    accepting_new_patients: bool,
    tags: Iterable[Tag],
    timezone_name: str,
    photo: PreparedPhoto | None = None,
    remove_photo: bool = False,
) -> SpecialistProfile:
    """Save what the specialist wrote about themselves, and their time zone.

    The status does not change: an approved profile stays public, a pending
    one stays in the queue. The time zone is the user's own (it also drives
    their calendar), so it is saved on the user.
    """
    validate_timezone(timezone_name)  # before any file is written
    profile.display_name = display_name.strip()
    profile.pronouns = pronouns.strip()
    profile.headline = headline.strip()
    profile.bio = bio.strip()
    profile.gender = gender
    profile.credentials = credentials.strip()
    profile.accepting_new_patients = accepting_new_patients
    profile.full_clean(exclude=["user", "organization", "photo"])
    old_photo = profile.photo.name if profile.photo else ""
    if photo is not None:
        profile.photo.save("photo.jpg", ContentFile(photo.content), save=False)
    elif remove_photo:
        profile.photo = ""
    profile.save()
    profile.tags.set(tags)
    if old_photo and old_photo != profile.photo.name:
        storage = profile.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))
    user = profile.user
    if user.timezone != timezone_name:
        user_update_profile(
            user=user, full_name=user.full_name, preferred_name=user.preferred_name, timezone=timezone_name
        )
    journey_event_record(actor=by, verb="specialist_profile.updated", obj=profile)
    return profile


def _transition(profile: SpecialistProfile, to: str) -> SpecialistProfile:
    locked = SpecialistProfile.objects.select_for_update().get(pk=profile.pk)
    if to not in TRANSITIONS.get(locked.status, set()):
        raise ValidationError(
            _("This profile is “%(status)s” right now, so this step does not apply."),
            params={"status": locked.get_status_display()},
            code="invalid_transition",
        )
    return locked


@transaction.atomic
def specialist_profile_submit(*, profile: SpecialistProfile, by) -> SpecialistProfile:
    """Ask the organization to approve the profile. Submitting twice is a no-op."""
    if profile.status == Status.PENDING:
        return profile
    locked = _transition(profile, Status.PENDING)
    missing = specialist_profile_missing(profile=locked)
    if missing:
        raise ValidationError(missing, code="incomplete")
    locked.status = Status.PENDING
    locked.save(update_fields=["status", "updated_at"])
    journey_event_record(actor=by, verb="specialist_profile.submitted", obj=locked)
    return locked


@transaction.atomic
def specialist_profile_approve(*, profile: SpecialistProfile, by) -> SpecialistProfile:
    """Make a submitted profile public; tells other apps on commit."""
    locked = _transition(profile, Status.APPROVED)
    locked.status = Status.APPROVED
    locked.status_note = ""
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "status_note", "approved_at", "updated_at"])
    journey_event_record(actor=by, verb="specialist_profile.approved", obj=locked)
    events.send_on_commit(events.specialist_profile_approved, profile_id=locked.pk)
    return locked


@transaction.atomic
def specialist_profile_request_changes(*, profile: SpecialistProfile, by, note: str) -> SpecialistProfile:
    """Send a profile back with a note; an approved one leaves the directory."""
    note = note.strip()
    if not note:
        raise ValidationError(_("Tell the specialist what to change."), code="note_required")
    locked = _transition(profile, Status.CHANGES_REQUESTED)
    locked.status = Status.CHANGES_REQUESTED
    locked.status_note = note[:500]
    locked.approved_at = None
    locked.save(update_fields=["status", "status_note", "approved_at", "updated_at"])
    journey_event_record(actor=by, verb="specialist_profile.changes_requested", obj=locked)
    return locked


# --- Offerings -----------------------------------------------------------------

_PRICE = re.compile(r"^(?P<whole>\d{1,12})(?:[.,](?P<fraction>\d*))?$")


def price_example(currency: str) -> str:
    """How a price in `currency` is typed, e.g. "90.00", "9000", "25.000"."""
    digits = money.exponent(currency)
    return "90" if digits == 0 else "90." + "0" * digits


def price_to_minor(text: str, *, currency: str) -> int:
    """Parse a price typed in major units ("90.00") into integer minor units.

    Decimal only, never float. A comma is accepted as the decimal mark.
    More decimals than the currency has (JPY 0, EUR 2, KWD 3), negative
    amounts and amounts above the platform's ceiling are refused.
    """
    exponent = money.exponent(currency)
    value = "".join(text.split())
    if value.startswith("-"):
        raise ValidationError(_("A price cannot be negative."), code="negative")
    match = _PRICE.match(value)
    if not match:
        raise ValidationError(
            _("Enter a price like %(example)s."), params={"example": price_example(currency)}, code="invalid"
        )
    fraction = match.group("fraction") or ""
    if len(fraction.rstrip("0")) > exponent:
        if exponent == 0:
            message = _("Prices in %(currency)s have no decimals.")
        else:
            message = _("Prices in %(currency)s have at most %(digits)s decimals.")
        raise ValidationError(message, params={"currency": currency, "digits": exponent}, code="decimals")
    try:
        minor = money.minor_from_major(f"{match.group('whole')}.{fraction or '0'}", currency)
    except ValueError:  # format and decimals are checked above: only "too large" is left
        minor = PRICE_MAX_MINOR + 1
    if minor > PRICE_MAX_MINOR:
        raise ValidationError(
            _("A price can be at most %(max)s."),
            params={"max": money.Money(PRICE_MAX_MINOR, currency).format()},
            code="too_large",
        )
    return minor


def _offering_fill(
    offering: Offering, *, name: str, description: str, duration_minutes: int, price_minor: int, booking_mode: str
) -> None:
    offering.name = name.strip()
    offering.description = description.strip()
    offering.duration_minutes = duration_minutes
    offering.price_minor = price_minor
    offering.booking_mode = booking_mode
    offering.full_clean(exclude=["specialist"])


@transaction.atomic
def offering_create(
    *,
    profile: SpecialistProfile,
    by,
    name: str,
    description: str,
    duration_minutes: int,
    price_minor: int,
    booking_mode: str,
) -> Offering:
    """Add a service the specialist sells, priced in their organization's currency."""
    position = profile.offerings.aggregate(top=Max("position"))["top"]
    offering = Offering(
        specialist=profile,
        currency=profile.organization.currency,
        position=0 if position is None else position + 1,
    )
    _offering_fill(
        offering,
        name=name,
        description=description,
        duration_minutes=duration_minutes,
        price_minor=price_minor,
        booking_mode=booking_mode,
    )
    offering.save()
    journey_event_record(actor=by, verb="offering.created", obj=offering)
    _offerings_changed(offering)
    return offering


@transaction.atomic
def offering_update(
    *, offering: Offering, by, name: str, description: str, duration_minutes: int, price_minor: int, booking_mode: str
) -> Offering:
    """Change an offering. Its currency stays the one it was created in."""
    _offering_fill(
        offering,
        name=name,
        description=description,
        duration_minutes=duration_minutes,
        price_minor=price_minor,
        booking_mode=booking_mode,
    )
    offering.save()
    journey_event_record(actor=by, verb="offering.updated", obj=offering)
    _offerings_changed(offering)
    return offering


@transaction.atomic
def offering_archive(*, offering: Offering, by) -> Offering:
    """Stop selling an offering. The row stays: past bookings point at it."""
    if offering.is_active:
        offering.is_active = False
        offering.save(update_fields=["is_active", "updated_at"])
        journey_event_record(actor=by, verb="offering.archived", obj=offering)
        _offerings_changed(offering)
    return offering


def _offerings_changed(offering: Offering) -> None:
    """Lengths and booking modes decide which times are free (booking listens)."""
    events.send_on_commit(events.availability_changed, specialist_id=offering.specialist_id)
