"""specialists/services.py: profiles, photos, prices, offerings, approval."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import events
from core.models import JourneyEvent
from organizations.models import Membership
from specialists import services
from specialists.models import Offering, SpecialistProfile
from tests.conftest import member
from tests.specialists.factories import (
    OfferingFactory,
    SpecialistProfileFactory,
    image_bytes,
    photo_upload,
    tags,
)

pytestmark = pytest.mark.django_db

Status = SpecialistProfile.Status
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def update_kwargs(**overrides):
    return {
        "display_name": "Dr. Ana Souza",
        "pronouns": "she/her",
        "headline": "Psychologist for anxiety",
        "bio": "I help adults with worry.",
        "gender": SpecialistProfile.Gender.WOMAN,
        "credentials": "MSc Psychology",
        "accepting_new_patients": True,
        "tags": tags("specialization", "anxiety") + tags("language", "en", "pt"),
        "timezone_name": "America/Sao_Paulo",
        **overrides,
    }


def verbs(profile) -> list[str]:
    return list(JourneyEvent.objects.filter(object_public_id=profile.public_id).values_list("verb", flat=True))


# --- Getting a profile ----------------------------------------------------------------


def test_a_specialist_gets_a_draft_profile_from_their_membership(org):
    user = member(org, Membership.Role.SPECIALIST, full_name="Ana Souza")
    profile = services.specialist_profile_get_or_create(user=user)
    assert profile.organization == org
    assert profile.status == Status.DRAFT
    assert profile.display_name == "Ana Souza"
    assert profile.slug == "ana-souza"
    assert verbs(profile) == ["specialist_profile.created"]


def test_getting_the_profile_again_returns_the_same_one(org):
    user = member(org, Membership.Role.SPECIALIST)
    first = services.specialist_profile_get_or_create(user=user)
    assert services.specialist_profile_get_or_create(user=user) == first
    assert SpecialistProfile.objects.filter(user=user).count() == 1


def test_profile_addresses_stay_unique_for_people_with_the_same_name(org):
    addresses = [
        services.specialist_profile_get_or_create(
            user=member(org, Membership.Role.SPECIALIST, full_name="Ana Souza")
        ).slug
        for _ in range(3)
    ]
    assert addresses == ["ana-souza", "ana-souza-2", "ana-souza-3"]


def test_a_name_without_letters_still_gets_an_address(org):
    user = member(org, Membership.Role.SPECIALIST, full_name="李")
    assert services.specialist_profile_get_or_create(user=user).slug == "specialist"


def test_someone_without_a_specialist_role_gets_no_profile(org):
    user = member(org, Membership.Role.PATIENT)
    with pytest.raises(SpecialistProfile.DoesNotExist):
        services.specialist_profile_get_or_create(user=user)
    assert not SpecialistProfile.objects.exists()


# --- Updating ------------------------------------------------------------------------


def test_updating_saves_the_profile_its_tags_and_the_users_time_zone(org):
    profile = services.specialist_profile_get_or_create(user=member(org, Membership.Role.SPECIALIST))
    services.specialist_profile_update(profile=profile, by=profile.user, **update_kwargs())
    profile.refresh_from_db()
    profile.user.refresh_from_db()
    assert profile.display_name == "Dr. Ana Souza"
    assert profile.headline == "Psychologist for anxiety"
    assert {tag.slug for tag in profile.tags.all()} == {"anxiety", "en", "pt"}
    assert profile.user.timezone == "America/Sao_Paulo"
    assert profile.status == Status.DRAFT
    assert "specialist_profile.updated" in verbs(profile)


def test_editing_an_approved_profile_keeps_it_public(org):
    profile = SpecialistProfileFactory(organization=org)
    services.specialist_profile_update(profile=profile, by=profile.user, **update_kwargs(bio="New words."))
    profile.refresh_from_db()
    assert profile.status == Status.APPROVED
    assert profile.bio == "New words."


def test_an_unknown_time_zone_is_refused(org):
    profile = SpecialistProfileFactory(organization=org)
    with pytest.raises(ValidationError):
        services.specialist_profile_update(profile=profile, by=profile.user, **update_kwargs(timezone_name="Mars/Base"))


# --- Photos --------------------------------------------------------------------------


def test_a_photo_is_shrunk_to_512_pixels_and_re_encoded_as_jpeg():
    prepared = services.specialist_photo_prepare(photo_upload("PNG", size=(2000, 1000)))
    with Image.open(io.BytesIO(prepared.content)) as image:
        assert image.format == "JPEG"
        assert image.size == (512, 256)


def test_a_photo_loses_its_metadata():
    exif = Image.Exif()
    exif[0x010F] = "Secret camera"  # Make
    exif[0x9286] = b"location of my house"  # UserComment
    upload = SimpleUploadedFile("me.jpg", image_bytes("JPEG", exif=exif))
    with Image.open(upload) as original:
        assert original.getexif()
    prepared = services.specialist_photo_prepare(upload)
    with Image.open(io.BytesIO(prepared.content)) as image:
        assert not image.getexif()
        assert b"Secret camera" not in prepared.content


def test_a_transparent_png_gets_a_white_background():
    prepared = services.specialist_photo_prepare(photo_upload("PNG", mode="RGBA", colour=(0, 0, 0, 0)))
    with Image.open(io.BytesIO(prepared.content)) as image:
        assert image.mode == "RGB"
        assert image.getpixel((5, 5)) >= (250, 250, 250)


def test_a_photo_above_5_mb_is_refused_before_it_is_decoded(monkeypatch):
    def must_not_decode(*args, **kwargs):
        raise AssertionError("decoded an oversized upload")

    monkeypatch.setattr(services.Image, "open", must_not_decode)
    with pytest.raises(ValidationError) as error:
        services.specialist_photo_prepare(photo_upload(pad_to=20 * MB))
    assert error.value.code == "too_large"
    assert error.value.messages == ["This photo is 20.0 MB; a photo can be at most 5.0 MB."]


def test_a_photo_of_exactly_5_mb_is_accepted():
    assert services.specialist_photo_prepare(photo_upload(pad_to=5 * MB)).content


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("me.jpg", b"%PDF-1.4 not a photo at all", content_type="image/jpeg"),
        SimpleUploadedFile("me.jpg", b"", content_type="image/jpeg"),
        SimpleUploadedFile("me.jpg", image_bytes("JPEG")[:200], content_type="image/jpeg"),  # truncated
        SimpleUploadedFile("me.gif", image_bytes("GIF"), content_type="image/gif"),  # not an accepted format
    ],
    ids=["pdf", "empty", "truncated", "gif"],
)
def test_a_file_that_is_not_a_usable_photo_is_refused(upload):
    with pytest.raises(ValidationError) as error:
        services.specialist_photo_prepare(upload)
    assert error.value.code == "not_image"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_is_refused_without_decoding_it():
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 5 * MB
    with pytest.raises(ValidationError) as error:
        services.specialist_photo_prepare(SimpleUploadedFile("bomb.png", buffer.getvalue()))
    assert error.value.code == "not_image"


def test_the_photo_is_stored_at_the_profiles_own_path_and_the_old_one_removed(
    org, _media, django_capture_on_commit_callbacks
):
    profile = SpecialistProfileFactory(organization=org)
    photo = services.specialist_photo_prepare(photo_upload())
    with django_capture_on_commit_callbacks(execute=True):
        services.specialist_profile_update(profile=profile, by=profile.user, **update_kwargs(photo=photo))
    first = profile.photo.name
    assert first == f"specialists/{profile.public_id}/photo.jpg"
    with django_capture_on_commit_callbacks(execute=True):
        services.specialist_profile_update(profile=profile, by=profile.user, **update_kwargs(photo=photo))
    assert profile.photo.name != first
    assert [p.name for p in stored_files(_media)] == [Path(profile.photo.name).name]
    with django_capture_on_commit_callbacks(execute=True):
        services.specialist_profile_update(profile=profile, by=profile.user, **update_kwargs(remove_photo=True))
    profile.refresh_from_db()
    assert not profile.photo
    assert stored_files(_media) == []


# --- Prices ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("90", "EUR", 9000),
        ("90.00", "EUR", 9000),
        ("90.5", "EUR", 9050),
        ("90,50", "EUR", 9050),
        (" 1 250.00 ", "EUR", 125000),
        ("90.", "EUR", 9000),
        ("0", "EUR", 0),
        ("100000.00", "EUR", 10_000_000),
        ("9000", "JPY", 9000),
        ("9000.0", "JPY", 9000),
        ("25.125", "KWD", 25125),
        ("25.1", "KWD", 25100),
        ("10000", "KWD", 10_000_000),
    ],
)
def test_prices_are_parsed_with_the_currencys_own_decimals(text, currency, minor):
    assert services.price_to_minor(text, currency=currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "code", "message"),
    [
        ("-5", "EUR", "negative", "A price cannot be negative."),
        ("-0.01", "EUR", "negative", "A price cannot be negative."),
        ("90.005", "EUR", "decimals", "Prices in EUR have at most 2 decimals."),
        ("9000.5", "JPY", "decimals", "Prices in JPY have no decimals."),
        ("25.1255", "KWD", "decimals", "Prices in KWD have at most 3 decimals."),
        ("100000.01", "EUR", "too_large", "A price can be at most €100,000.00."),
        ("99999999999", "EUR", "too_large", "A price can be at most €100,000.00."),
        ("10000001", "JPY", "too_large", "A price can be at most ¥10,000,000."),
        ("1e5", "EUR", "invalid", "Enter a price like 90.00."),
        ("NaN", "EUR", "invalid", "Enter a price like 90.00."),
        ("Infinity", "EUR", "invalid", "Enter a price like 90.00."),
        ("€90", "EUR", "invalid", "Enter a price like 90.00."),
        ("1,234.50", "EUR", "invalid", "Enter a price like 90.00."),
        ("", "EUR", "invalid", "Enter a price like 90.00."),
        ("ninety", "KWD", "invalid", "Enter a price like 90.000."),
        ("abc", "JPY", "invalid", "Enter a price like 90."),
    ],
)
def test_bad_prices_get_a_clear_error(text, currency, code, message):
    with pytest.raises(ValidationError) as error:
        services.price_to_minor(text, currency=currency)
    assert error.value.code == code
    assert error.value.messages == [message]


def test_prices_are_never_parsed_through_float(monkeypatch):
    import builtins

    real_float = builtins.float

    def no_float(*args):
        raise AssertionError("float() used for a price")

    monkeypatch.setattr(builtins, "float", no_float)
    try:
        assert services.price_to_minor("0.29", currency="EUR") == 29
        assert services.price_to_minor("1.005", currency="KWD") == 1005
    finally:
        monkeypatch.setattr(builtins, "float", real_float)


# --- Offerings ---------------------------------------------------------------------------


def offering_kwargs(**overrides):
    return {
        "name": " Initial consultation ",
        "description": "",
        "duration_minutes": 50,
        "price_minor": 9000,
        "booking_mode": Offering.BookingMode.DIRECT,
        **overrides,
    }


def test_a_new_offering_is_priced_in_the_organizations_currency(org):
    org.currency = "JPY"
    org.save()
    profile = SpecialistProfileFactory(organization=org)
    offering = services.offering_create(profile=profile, by=profile.user, **offering_kwargs(price_minor=12000))
    assert offering.currency == "JPY"
    assert offering.name == "Initial consultation"
    assert offering.position == 0
    second = services.offering_create(profile=profile, by=profile.user, **offering_kwargs())
    assert second.position == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"duration_minutes": 4},
        {"duration_minutes": 481},
        {"price_minor": -1},
        {"price_minor": 10_000_001},
        {"name": "  "},
        {"booking_mode": "whenever"},
    ],
)
def test_the_service_itself_refuses_out_of_range_offerings(org, overrides):
    profile = SpecialistProfileFactory(organization=org)
    with pytest.raises(ValidationError):
        services.offering_create(profile=profile, by=profile.user, **offering_kwargs(**overrides))
    assert not Offering.objects.exists()


def test_updating_an_offering_keeps_its_currency(org):
    offering = OfferingFactory(specialist=SpecialistProfileFactory(organization=org), currency="EUR")
    org.currency = "GBP"
    org.save()
    services.offering_update(offering=offering, by=None, **offering_kwargs(price_minor=9900, name="Longer"))
    offering.refresh_from_db()
    assert (offering.name, offering.price_minor, offering.currency) == ("Longer", 9900, "EUR")


def test_archiving_an_offering_keeps_the_row(org):
    offering = OfferingFactory(specialist=SpecialistProfileFactory(organization=org))
    services.offering_archive(offering=offering, by=None)
    services.offering_archive(offering=offering, by=None)
    offering.refresh_from_db()
    assert offering.is_active is False
    assert JourneyEvent.objects.filter(verb="offering.archived").count() == 1


# --- Submitting and approving ------------------------------------------------------------------


def complete_draft(org) -> SpecialistProfile:
    return SpecialistProfileFactory(organization=org, draft=True, specializations=["anxiety"], languages=["en"])


def test_an_incomplete_profile_cannot_be_submitted(org):
    profile = SpecialistProfileFactory(organization=org, draft=True, bio="")
    profile.tags.clear()
    with pytest.raises(ValidationError) as error:
        services.specialist_profile_submit(profile=profile, by=profile.user)
    assert error.value.messages == [
        "Write a few sentences about how you work.",
        "Choose at least one specialization.",
        "Choose the languages you work in.",
    ]
    profile.refresh_from_db()
    assert profile.status == Status.DRAFT


def test_submitting_puts_the_profile_in_the_approval_queue(org):
    profile = complete_draft(org)
    submitted = services.specialist_profile_submit(profile=profile, by=profile.user)
    assert submitted.status == Status.PENDING
    assert services.specialist_profile_submit(profile=submitted, by=profile.user).status == Status.PENDING
    assert verbs(profile).count("specialist_profile.submitted") == 1


def test_a_profile_with_changes_requested_can_be_resubmitted(org):
    profile = complete_draft(org)
    profile.status = Status.CHANGES_REQUESTED
    profile.save()
    assert services.specialist_profile_submit(profile=profile, by=profile.user).status == Status.PENDING


def test_approving_publishes_the_profile_and_tells_other_apps(org, personas, django_capture_on_commit_callbacks):
    profile = services.specialist_profile_submit(profile=complete_draft(org), by=None)
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    events.specialist_profile_approved.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            approved = services.specialist_profile_approve(profile=profile, by=personas["org_admin"])
            assert received == []  # not before commit
    finally:
        events.specialist_profile_approved.disconnect(receiver)
    assert approved.status == Status.APPROVED
    assert approved.approved_at is not None
    assert [kwargs["profile_id"] for kwargs in received] == [profile.pk]
    event = JourneyEvent.objects.get(verb="specialist_profile.approved")
    assert event.actor == personas["org_admin"]
    assert event.object_public_id == profile.public_id


@pytest.mark.parametrize("status", [Status.DRAFT, Status.APPROVED, Status.CHANGES_REQUESTED])
def test_only_a_waiting_profile_can_be_approved(org, status):
    profile = SpecialistProfileFactory(organization=org, status=status)
    with pytest.raises(ValidationError):
        services.specialist_profile_approve(profile=profile, by=None)
    profile.refresh_from_db()
    assert profile.status == status


def test_requesting_changes_needs_a_note(org):
    profile = SpecialistProfileFactory(organization=org, status=Status.PENDING)
    with pytest.raises(ValidationError):
        services.specialist_profile_request_changes(profile=profile, by=None, note="   ")
    profile.refresh_from_db()
    assert profile.status == Status.PENDING


def test_requesting_changes_on_a_public_profile_takes_it_off_the_directory(org):
    profile = SpecialistProfileFactory(organization=org)
    changed = services.specialist_profile_request_changes(profile=profile, by=None, note=" Add your licence number. ")
    assert changed.status == Status.CHANGES_REQUESTED
    assert changed.status_note == "Add your licence number."
    assert changed.approved_at is None
