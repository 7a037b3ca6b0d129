"""The specialist portal pages (specialists/views.py), as each kind of person."""

import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import Tag
from specialists.models import Offering, SpecialistProfile
from specialists.services import specialist_profile_get_or_create
from tests.specialists.factories import OfferingFactory, photo_upload

pytestmark = pytest.mark.django_db

Status = SpecialistProfile.Status
MB = 1024 * 1024

PAGES = ["specialists:profile-edit", "specialists:profile-preview", "specialists:offerings"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def specialist(personas):
    return personas["specialist"]


@pytest.fixture
def specialist_client(client, specialist):
    client.force_login(specialist)
    return client


@pytest.fixture
def profile(specialist):
    return specialist_profile_get_or_create(user=specialist)


def tag_ids(kind, *slugs):
    return [str(pk) for pk in Tag.objects.filter(kind=kind, slug__in=slugs).values_list("pk", flat=True)]


def profile_data(**overrides):
    return {
        "display_name": "Dr. Ana Souza",
        "pronouns": "she/her",
        "gender": "woman",
        "headline": "Psychologist for anxiety",
        "bio": "I help adults with worry. Sessions are calm and practical.",
        "credentials": "MSc Clinical Psychology",
        "specializations": tag_ids("specialization", "anxiety", "stress"),
        "approaches": tag_ids("approach", "cbt"),
        "languages": tag_ids("language", "en", "pt"),
        "modalities": tag_ids("modality", "video"),
        "jurisdictions": tag_ids("jurisdiction", "pt"),
        "timezone": "Europe/Lisbon",
        "accepting_new_patients": "on",
        **overrides,
    }


def snapshot(profile):
    profile.refresh_from_db()
    profile.user.refresh_from_db()
    return (
        profile.display_name,
        profile.bio,
        profile.photo.name,
        profile.status,
        profile.organization_id,
        sorted(profile.tags.values_list("pk", flat=True)),
        profile.user.timezone,
    )


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# --- Who gets in ---------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_a_specialist_opens_each_page_and_gets_a_profile_on_the_first_visit(specialist_client, specialist, name):
    response = specialist_client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert SpecialistProfile.objects.get(user=specialist).status == Status.DRAFT


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["patient_a", "org_admin", "affiliate"])
def test_other_roles_get_the_friendly_403_page(client, personas, name, persona):
    client.force_login(personas[persona])
    response = client.get(reverse(name))
    assert response.status_code == 403
    assert "portals/no_access.html" in [template.name for template in response.templates]
    assert not SpecialistProfile.objects.exists()


@pytest.mark.parametrize("name", [*PAGES, "specialists:profile-submit"])
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.post(reverse(name)) if name.endswith("submit") else client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_portal_nav_links_to_profile_and_offerings(specialist_client):
    html = specialist_client.get(reverse("specialists:offerings")).content.decode()
    assert f'href="{reverse("specialists:profile-edit")}"' in html
    assert f'href="{reverse("specialists:offerings")}" aria-current="page"' in html


# --- Editing the profile ------------------------------------------------------------------


def test_the_form_shows_the_taxonomy_as_grouped_checkboxes(specialist_client, profile):
    html = specialist_client.get(reverse("specialists:profile-edit")).content.decode()
    for legend in ["Specializations", "Approaches", "Languages you work in", "How you meet patients", "Licensed in"]:
        assert f"<legend>{legend}</legend>" in html
    assert html.count('type="checkbox" name="languages"') == Tag.objects.filter(kind="language").count()


def test_saving_the_profile_with_a_photo(specialist_client, profile, _media):
    data = profile_data(photo=photo_upload("PNG", size=(1200, 900), name="../../etc/passwd.png"))
    response = specialist_client.post(reverse("specialists:profile-edit"), data)
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.display_name == "Dr. Ana Souza"
    assert {tag.slug for tag in profile.tags.all()} == {"anxiety", "stress", "cbt", "en", "pt", "video"}
    assert profile.user.timezone == "Europe/Lisbon"
    assert profile.photo.name == f"specialists/{profile.public_id}/photo.jpg"
    assert [path.name for path in stored_files(_media)] == ["photo.jpg"]
    page = specialist_client.get(response["Location"]).content.decode()
    assert "Your profile was saved." in page


def test_the_time_zone_field_starts_from_the_users_own(specialist_client, specialist, profile):
    specialist.timezone = "America/Sao_Paulo"
    specialist.save()
    response = specialist_client.get(reverse("specialists:profile-edit"))
    assert response.context["form"]["timezone"].value() == "America/Sao_Paulo"


def test_an_approved_profile_says_it_stays_public_while_edited(specialist_client, profile):
    profile.status = Status.APPROVED
    profile.save()
    html = specialist_client.get(reverse("specialists:profile-edit")).content.decode()
    assert "it stays public while you edit" in html
    specialist_client.post(reverse("specialists:profile-edit"), profile_data(bio="Fresh words."))
    profile.refresh_from_db()
    assert (profile.status, profile.bio) == (Status.APPROVED, "Fresh words.")


def test_a_20_mb_photo_is_refused_with_413_and_nothing_is_stored(specialist_client, profile, _media):
    before = snapshot(profile)
    data = profile_data(photo=photo_upload(pad_to=20 * MB))
    response = specialist_client.post(reverse("specialists:profile-edit"), data)
    assert response.status_code == 413
    assert "This photo is 20.0 MB; a photo can be at most 5.0 MB." in response.content.decode()
    assert snapshot(profile) == before
    assert stored_files(_media) == []


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("me.jpg", b"MZ\x90\x00 an executable", content_type="image/jpeg"),
        SimpleUploadedFile("me.svg", b"<svg onload=alert(1)></svg>", content_type="image/svg+xml"),
        SimpleUploadedFile("me.txt", b"hello", content_type="text/plain"),
    ],
    ids=["exe-as-jpeg", "svg", "text"],
)
def test_a_non_image_is_refused_with_422_and_nothing_is_stored(specialist_client, profile, _media, upload):
    before = snapshot(profile)
    response = specialist_client.post(reverse("specialists:profile-edit"), profile_data(photo=upload))
    assert response.status_code == 422
    assert "This file is not a photo we can read. Upload a JPEG, PNG or WebP image." in response.content.decode()
    assert snapshot(profile) == before
    assert stored_files(_media) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"display_name": ""}, "This field is required."),
        ({"timezone": "Mars/Olympus"}, "Select a valid choice."),
        ({"languages": ["999999"]}, "Select a valid choice."),
        # A tag of another kind smuggled into a field is not one of its choices.
        ({"languages": ["not-a-number"]}, "is not a valid value"),
        ({"bio": "x" * 5001}, "Ensure this value has at most 5000 characters"),
    ],
    ids=["no-name", "bad-zone", "unknown-tag", "bad-tag-value", "long-bio"],
)
def test_bad_profile_input_answers_422_and_changes_nothing(specialist_client, profile, overrides, message):
    before = snapshot(profile)
    response = specialist_client.post(reverse("specialists:profile-edit"), profile_data(**overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert snapshot(profile) == before


def test_a_tag_of_another_kind_is_not_accepted_as_a_language(specialist_client, profile):
    before = snapshot(profile)
    data = profile_data(languages=tag_ids("specialization", "anxiety"))
    response = specialist_client.post(reverse("specialists:profile-edit"), data)
    assert response.status_code == 422
    assert snapshot(profile) == before


def test_extra_fields_cannot_change_status_organization_or_owner(specialist_client, profile, other_org, personas):
    data = profile_data(
        status=Status.APPROVED,
        organization=str(other_org.pk),
        organization_id=str(other_org.pk),
        user=str(personas["other_specialist"].pk),
        slug="hijacked",
        approved_at="2020-01-01T00:00:00Z",
        status_note="approved by me",
    )
    assert specialist_client.post(reverse("specialists:profile-edit"), data).status_code == 302
    profile.refresh_from_db()
    assert profile.status == Status.DRAFT
    assert profile.organization != other_org
    assert profile.user == personas["specialist"]
    assert profile.slug != "hijacked"
    assert profile.approved_at is None
    assert profile.status_note == ""


# --- Preview and submit -------------------------------------------------------------------


def test_the_preview_renders_the_shared_fragments_with_active_offerings(specialist_client, profile):
    OfferingFactory(specialist=profile, name="Initial consultation", price_minor=9000)
    OfferingFactory(specialist=profile, name="Old package", archived=True)
    OfferingFactory(specialist=profile, name="Couples session", price_minor=13000, on_request=True)
    response = specialist_client.get(reverse("specialists:profile-preview"))
    templates = [template.name for template in response.templates]
    assert "specialists/_profile.html" in templates
    assert "specialists/_offerings.html" in templates  # the same fragments as the public profile page
    html = response.content.decode()
    assert "Initial consultation" in html and "€90.00" in html
    assert "€130.00" in html and "on request" in html
    assert "Old package" not in html


def test_the_preview_lists_what_is_missing_before_submitting(specialist_client, profile):
    html = specialist_client.get(reverse("specialists:profile-preview")).content.decode()
    assert "Write a few sentences about how you work." in html
    assert "Choose at least one specialization." in html


def test_submitting_an_incomplete_profile_answers_422(specialist_client, profile):
    response = specialist_client.post(reverse("specialists:profile-submit"))
    assert response.status_code == 422
    assert "Choose the languages you work in." in response.content.decode()
    profile.refresh_from_db()
    assert profile.status == Status.DRAFT


def test_submitting_a_complete_profile_sends_it_for_approval(specialist_client, profile):
    specialist_client.post(reverse("specialists:profile-edit"), profile_data())
    response = specialist_client.post(reverse("specialists:profile-submit"), {"status": "approved"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == Status.PENDING


def test_submitting_an_approved_profile_again_says_why_not(specialist_client, profile):
    profile.status = Status.APPROVED
    profile.save()
    response = specialist_client.post(reverse("specialists:profile-submit"))
    assert response.status_code == 422
    assert "This profile is “Approved” right now, so this step does not apply." in response.content.decode()


def test_submit_refuses_get(specialist_client, profile):
    assert specialist_client.get(reverse("specialists:profile-submit")).status_code == 405


# --- Offerings ----------------------------------------------------------------------------


def offering_data(**overrides):
    return {
        "name": "Initial consultation",
        "description": "Getting to know each other.",
        "duration_minutes": "50",
        "price": "90.00",
        "booking_mode": Offering.BookingMode.DIRECT,
        **overrides,
    }


def test_adding_an_offering(specialist_client, profile):
    response = specialist_client.post(reverse("specialists:offerings"), offering_data(price="85,50"))
    assert response.status_code == 302
    offering = Offering.objects.get(specialist=profile)
    assert (offering.price_minor, offering.currency, offering.duration_minutes) == (8550, "EUR", 50)


def test_the_price_field_speaks_the_organizations_currency(specialist_client, profile):
    profile.organization.currency = "KWD"
    profile.organization.save()
    html = specialist_client.get(reverse("specialists:offerings")).content.decode()
    assert "In KWD, e.g. 90.000." in html
    specialist_client.post(reverse("specialists:offerings"), offering_data(price="25.125"))
    assert Offering.objects.get(specialist=profile).price_minor == 25125


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"price": "-10"}, "A price cannot be negative."),
        ({"price": "99999999"}, "A price can be at most €100,000.00."),
        ({"price": "90.999"}, "Prices in EUR have at most 2 decimals."),
        ({"price": "ninety"}, "Enter a price like 90.00."),
        ({"price": ""}, "This field is required."),
        ({"duration_minutes": "2"}, "A session lasts at least 5 minutes."),
        ({"duration_minutes": "100000"}, "A session lasts at most 480 minutes (8 hours)."),
        ({"duration_minutes": "-50"}, "A session lasts at least 5 minutes."),
        ({"duration_minutes": "fifty"}, "Enter the length in whole minutes, e.g. 50."),
        ({"booking_mode": "free_for_all"}, "Select a valid choice."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_offering_input_answers_422_and_stores_nothing(specialist_client, profile, overrides, message):
    response = specialist_client.post(reverse("specialists:offerings"), offering_data(**overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Offering.objects.exists()


@pytest.mark.parametrize("name", ["specialists:offerings", "specialists:profile-edit"])
def test_an_empty_post_answers_422_and_stores_nothing(specialist_client, profile, name):
    before = snapshot(profile)
    response = specialist_client.post(reverse(name))
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert snapshot(profile) == before
    assert not Offering.objects.exists()


def test_extra_offering_fields_are_ignored(specialist_client, profile, personas):
    other = specialist_profile_get_or_create(user=personas["other_specialist"])
    data = offering_data(
        currency="JPY", price_minor="1", specialist=str(other.pk), specialist_id=str(other.pk), is_active="false"
    )
    specialist_client.post(reverse("specialists:offerings"), data)
    offering = Offering.objects.get()
    assert (offering.specialist, offering.currency, offering.price_minor, offering.is_active) == (
        profile,
        "EUR",
        9000,
        True,
    )


def test_editing_an_offering(specialist_client, profile):
    offering = OfferingFactory(specialist=profile)
    url = reverse("specialists:offering-edit", args=[offering.public_id])
    page = specialist_client.get(url)
    assert page.context["form"]["price"].value() == "90.00"
    response = specialist_client.post(url, offering_data(price="120", booking_mode="on_request"))
    assert response.status_code == 302
    offering.refresh_from_db()
    assert (offering.price_minor, offering.booking_mode) == (12000, "on_request")


def test_bad_input_on_edit_changes_nothing(specialist_client, profile):
    offering = OfferingFactory(specialist=profile)
    url = reverse("specialists:offering-edit", args=[offering.public_id])
    response = specialist_client.post(url, offering_data(price="-1", duration_minutes="9999"))
    assert response.status_code == 422
    offering.refresh_from_db()
    assert (offering.price_minor, offering.duration_minutes) == (9000, 50)


def test_archiving_an_offering(specialist_client, profile):
    offering = OfferingFactory(specialist=profile)
    response = specialist_client.post(reverse("specialists:offering-archive", args=[offering.public_id]))
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.is_active is False
    # An archived offering is no longer editable.
    url = reverse("specialists:offering-edit", args=[offering.public_id])
    assert specialist_client.get(url).status_code == 404


def test_another_specialists_offering_is_404_and_untouched(specialist_client, personas):
    theirs = OfferingFactory(specialist=specialist_profile_get_or_create(user=personas["other_specialist"]))
    edit = reverse("specialists:offering-edit", args=[theirs.public_id])
    assert specialist_client.get(edit).status_code == 404
    assert specialist_client.post(edit, offering_data(price="1")).status_code == 404
    assert specialist_client.post(reverse("specialists:offering-archive", args=[theirs.public_id])).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.price_minor, theirs.is_active) == (9000, True)


def test_an_unknown_offering_is_404(specialist_client, profile):
    assert specialist_client.get(reverse("specialists:offering-edit", args=[uuid.uuid4()])).status_code == 404


def test_the_offerings_list_lists_archived_ones_apart(specialist_client, profile):
    OfferingFactory(specialist=profile, name="Current session")
    OfferingFactory(specialist=profile, name="Retired session", archived=True)
    html = specialist_client.get(reverse("specialists:offerings")).content.decode()
    assert html.index("Current session") < html.index("1 offering you no longer sell") < html.index("Retired session")
