"""The public directory pages as visitors and patients meet them."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from care.models import CareRelationship
from core.models import AuditLog
from organizations.models import Membership, ProgramEnrolment, ProgramRosterEntry
from specialists.models import Offering, SpecialistProfile
from tests.conftest import member
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("discovery:directory")
COMPARE = reverse("discovery:compare")


def profile_url(profile) -> str:
    return reverse("discovery:profile", args=[profile.slug])


def listed(response) -> list[str]:
    return [profile.display_name for profile in response.context["page"].object_list]


@pytest.fixture
def anna(org):
    profile = SpecialistProfileFactory(
        organization=org,
        display_name="Anna Becker",
        pronouns="she/her",
        headline="Calm support for anxiety",
        bio="I work with adults.\n\nSessions in German and English.",
        credentials="Licensed psychotherapist (Berlin)",
        languages=["de", "en"],
        specializations=["anxiety", "sleep"],
        modalities=["video", "chat"],
        approaches=["cbt"],
        jurisdictions=["de"],
    )
    OfferingFactory(specialist=profile, name="First session", price_minor=9000, duration_minutes=50)
    OfferingFactory(
        specialist=profile,
        name="Couples session",
        price_minor=14000,
        duration_minutes=80,
        booking_mode=Offering.BookingMode.ON_REQUEST,
    )
    OfferingFactory(specialist=profile, name="Old package", price_minor=1000, is_active=False)
    return profile


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT)


# --- the list ---------------------------------------------------------------------


def test_anonymous_visitors_see_the_directory_with_full_cards(client, anna, org):
    SpecialistProfileFactory(organization=org, display_name="Bruno Costa", accepting_new_patients=False)
    response = client.get(DIRECTORY)
    assert response.status_code == 200
    html = response.content.decode()
    assert listed(response) == ["Anna Becker", "Bruno Costa"]
    for text in [
        "Anna Becker",
        "(she/her)",
        "Calm support for anxiety",
        "Anxiety",
        "Sleep",
        "English, German",
        "Chat, Video",
        "From <strong>€90.00</strong>",
        "Not taking new patients",
        f'name="s" value="{anna.slug}"',
        "2 specialists",
        'id="directory-results"',
    ]:
        assert text in html, text
    assert "€10.00" not in html  # an inactive offering is no price


def test_a_card_without_a_photo_shows_initials(client, anna):
    html = client.get(DIRECTORY).content.decode()
    assert re.search(r'dir-avatar-initials[^>]*aria-hidden="true">AB<', html)


def test_profiles_that_are_not_public_are_left_out(client, org, anna):
    SpecialistProfileFactory(organization=org, display_name="Draft", draft=True)
    SpecialistProfileFactory(organization=org, display_name="Pending", status=SpecialistProfile.Status.PENDING)
    left = SpecialistProfileFactory(organization=org, display_name="Left")
    Membership.objects.filter(user=left.user).update(is_active=False)
    gone = SpecialistProfileFactory(organization=org, display_name="Gone")
    gone.user.is_active = False
    gone.user.save()
    assert listed(client.get(DIRECTORY)) == ["Anna Becker"]


def test_a_membership_elsewhere_does_not_keep_a_profile_public(client, org, other_org):
    profile = SpecialistProfileFactory(organization=org, display_name="Moved")
    Membership.objects.filter(user=profile.user).update(is_active=False)
    Membership.objects.create(user=profile.user, organization=other_org, role=Membership.Role.SPECIALIST)
    assert listed(client.get(DIRECTORY)) == []


def test_an_htmx_request_gets_only_the_results_fragment(client, anna):
    response = client.get(DIRECTORY, {"language": "de"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="directory-results"')
    assert "Anna Becker" in html
    assert "HX-Request" in response["Vary"]


def test_a_boosted_htmx_request_gets_the_whole_page(client, anna):
    response = client.get(DIRECTORY, HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    assert "<html" in response.content.decode()


def test_the_filter_form_updates_the_results_with_htmx_and_works_without_it(client, anna):
    html = client.get(DIRECTORY).content.decode()
    form = re.search(r'<form id="directory-filters"[^>]*>', html).group(0)
    assert 'method="get"' in form
    assert f'action="{DIRECTORY}"' in form
    assert f'hx-get="{DIRECTORY}"' in form
    assert 'hx-target="#directory-results"' in form
    assert 'hx-push-url="true"' in form
    assert "change" in form and "keyup changed delay:" in form


def test_the_form_shows_the_filters_from_the_url(client, anna):
    html = client.get(DIRECTORY, {"language": "de", "max_price": "9000", "q": "calm"}).content.decode()
    assert re.search(r'<input type="checkbox" name="language" value="de"[^>]*checked', html)
    assert '<option value="9000" selected>€90.00</option>' in html
    assert 'value="calm"' in html


def test_nobody_matching_says_so_and_offers_to_clear_the_filters(client, anna):
    html = client.get(DIRECTORY, {"language": "zh"}).content.decode()
    assert "No one matches all of these filters" in html
    assert "0 specialists" in html


def test_pages_hold_twenty_and_their_links_keep_the_filters(client, org):
    for n in range(45):
        SpecialistProfileFactory(organization=org, display_name=f"Person {n:02d}", languages=["de"])
    SpecialistProfileFactory(organization=org, display_name="English only", languages=["en"])
    first = client.get(DIRECTORY, {"language": "de", "sort": "price"})
    assert len(listed(first)) == 20
    assert first.context["page"].paginator.num_pages == 3
    links = re.findall(r'<a href="(\?[^"]+)"[^>]*rel="next"', first.content.decode())
    assert len(links) == 1
    query = parse_qs(urlsplit(links[0].replace("&amp;", "&")).query)
    assert query == {"language": ["de"], "sort": ["price"], "page": ["2"]}
    third = client.get(DIRECTORY, {"language": "de", "sort": "price", "page": "3"})
    assert len(listed(third)) == 5
    assert "English only" not in listed(third)


@pytest.mark.parametrize(("page", "shown"), [("abc", 1), ("0", 2), ("999", 2), ("-1", 2)])
def test_a_bad_page_number_shows_a_real_page(client, org, page, shown):
    for n in range(25):
        SpecialistProfileFactory(organization=org, display_name=f"Person {n:02d}")
    response = client.get(DIRECTORY, {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == shown


def test_signed_in_views_of_the_directory_are_not_cached_by_others(client, anna, patient):
    assert "no-store" not in client.get(DIRECTORY).get("Cache-Control", "")
    client.force_login(patient)
    assert "private" in client.get(DIRECTORY)["Cache-Control"]


# --- program rosters -------------------------------------------------------------


@pytest.fixture
def program_cast(org, patient):
    """A patient enrolled in a program whose roster holds only Rosa."""
    rosa = SpecialistProfileFactory(organization=org, display_name="Rosa Roster")
    outsider = SpecialistProfileFactory(organization=org, display_name="Oscar Outside")
    program = ProgramFactory(organization=org)
    ProgramRosterEntry.objects.create(program=program, specialist=rosa.user)
    ProgramEnrolment.objects.create(program=program, patient=patient, via=ProgramEnrolment.Via.CODE)
    return {"rosa": rosa, "outsider": outsider, "program": program}


def test_a_patient_in_a_program_sees_only_its_roster(client, patient, program_cast):
    client.force_login(patient)
    assert listed(client.get(DIRECTORY)) == ["Rosa Roster"]


def test_patients_outside_programs_and_visitors_see_everyone(client, org, program_cast):
    assert listed(client.get(DIRECTORY)) == ["Oscar Outside", "Rosa Roster"]
    client.force_login(member(org, Membership.Role.PATIENT))
    assert listed(client.get(DIRECTORY)) == ["Oscar Outside", "Rosa Roster"]


def test_an_approved_roster_member_still_needs_an_approved_profile(client, patient, program_cast):
    SpecialistProfile.objects.filter(pk=program_cast["rosa"].pk).update(status=SpecialistProfile.Status.PENDING)
    client.force_login(patient)
    assert listed(client.get(DIRECTORY)) == []


def test_guessing_an_off_roster_profile_url_is_a_404_and_is_audited(client, patient, program_cast):
    outsider = program_cast["outsider"]
    client.force_login(patient)
    response = client.get(profile_url(outsider))
    assert response.status_code == 404
    assert "Oscar Outside" not in response.content.decode()
    denied = AuditLog.objects.get(action=AuditLog.Action.DENIED)
    assert denied.actor == patient
    assert denied.object_public_id == outsider.public_id
    assert denied.path == profile_url(outsider)
    assert client.get(profile_url(program_cast["rosa"])).status_code == 200


def test_compare_leaves_out_off_roster_profiles(client, patient, program_cast):
    client.force_login(patient)
    response = client.get(COMPARE, {"s": [program_cast["outsider"].slug, program_cast["rosa"].slug]})
    assert [p.display_name for p in response.context["profiles"]] == ["Rosa Roster"]
    assert "We could not find one of the specialists you picked" in response.content.decode()


# --- the profile page --------------------------------------------------------------


def test_the_profile_shows_everything_and_the_active_offerings(client, anna):
    response = client.get(profile_url(anna))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Anna Becker",
        "(she/her)",
        "Calm support for anxiety",
        "<p>I work with adults.</p>",
        "Licensed psychotherapist (Berlin)",
        "Anxiety",
        "Cognitive behavioural therapy (CBT)",
        "English, German",
        "Chat, Video",
        "Germany",
        "Taking new patients",
        "First session",
        "50 minutes",
        "€90.00",
        "Couples session",
        "80 minutes",
        "on request",
        "€140.00",
        "Request a time",
    ]:
        assert text in html, text
    assert "Old package" not in html
    assert AuditLog.objects.count() == 0  # no health data here, so no read audit


def test_anonymous_visitors_are_invited_to_sign_up_to_choose(client, anna):
    html = client.get(profile_url(anna)).content.decode()
    assert "Sign up to choose Anna Becker" in html
    assert f'href="{reverse("account_signup")}?next={profile_url(anna)}"' in html


def test_a_patient_gets_a_choose_form(client, anna, patient):
    client.force_login(patient)
    html = client.get(profile_url(anna)).content.decode()
    assert "Sign up to choose" not in html
    choose_url = reverse("discovery:choose", args=[anna.slug])
    assert re.search(rf'<form method="post" action="{re.escape(choose_url)}">', html)
    assert "Choose Anna Becker" in html


def test_a_patient_already_in_care_is_told_so(client, anna, patient):
    CareRelationship.objects.create(patient=patient, specialist=anna, source=CareRelationship.Source.CHOSEN)
    client.force_login(patient)
    html = client.get(profile_url(anna)).content.decode()
    assert "You already work with Anna Becker." in html
    assert "no-store" in client.get(profile_url(anna))["Cache-Control"]


def test_someone_not_taking_new_patients_offers_no_choice(client, org, patient):
    full = SpecialistProfileFactory(organization=org, display_name="Full Up", accepting_new_patients=False)
    client.force_login(patient)
    html = client.get(profile_url(full)).content.decode()
    assert "Full Up is not taking new patients right now." in html
    assert "Choose Full Up" not in html


def test_signed_in_people_without_a_patient_role_cannot_choose(client, anna, personas):
    client.force_login(personas["specialist"])
    html = client.get(profile_url(anna)).content.decode()
    assert "Only patient accounts can choose a specialist." in html


@pytest.mark.parametrize("state", ["draft", "pending", "changes_requested", "membership_ended", "user_inactive"])
def test_a_profile_that_is_not_public_is_a_404_even_by_its_url(client, org, patient, state):
    profile = SpecialistProfileFactory(organization=org, display_name="Hidden Person")
    if state == "membership_ended":
        Membership.objects.filter(user=profile.user).update(is_active=False)
    elif state == "user_inactive":
        profile.user.is_active = False
        profile.user.save()
    else:
        SpecialistProfile.objects.filter(pk=profile.pk).update(status=state)
    for viewer in [None, patient]:
        client.logout()
        if viewer:
            client.force_login(viewer)
        response = client.get(profile_url(profile))
        assert response.status_code == 404
        assert "Hidden Person" not in response.content.decode()
    audited = AuditLog.objects.filter(action=AuditLog.Action.DENIED, object_public_id=profile.public_id)
    assert [row.actor for row in audited.order_by("id")] == [None, patient]


def test_an_unknown_profile_is_a_404_without_an_audit_row(client):
    assert client.get(reverse("discovery:profile", args=["nobody-here"])).status_code == 404
    assert not AuditLog.objects.exists()


# --- compare -----------------------------------------------------------------------


def test_compare_shows_two_profiles_side_by_side_in_the_order_picked(client, org, anna):
    bruno = SpecialistProfileFactory(organization=org, display_name="Bruno Costa", languages=["pt"])
    response = client.get(COMPARE, {"s": [bruno.slug, anna.slug]})
    assert response.status_code == 200
    assert [p.display_name for p in response.context["profiles"]] == ["Bruno Costa", "Anna Becker"]
    html = response.content.decode()
    assert "Portuguese" in html
    assert "From <strong>€90.00</strong>" in html
    assert f"{COMPARE}?s={bruno.slug}" in html  # removing Anna keeps Bruno
    assert response.context["notices"] == []


def test_compare_keeps_the_first_three_and_says_so(client, org):
    slugs = [SpecialistProfileFactory(organization=org, display_name=f"P{n}").slug for n in range(5)]
    response = client.get(COMPARE, {"s": slugs})
    assert [p.slug for p in response.context["profiles"]] == slugs[:3]
    assert response.context["notices"] == ["You can compare up to three specialists; we kept the first three."]


def test_compare_counts_a_repeated_pick_once(client, anna):
    response = client.get(COMPARE, {"s": [anna.slug, anna.slug, anna.slug, anna.slug]})
    assert [p.slug for p in response.context["profiles"]] == [anna.slug]
    assert response.context["notices"] == []


def test_compare_drops_hidden_and_unknown_profiles_alike(client, org, anna):
    hidden = SpecialistProfileFactory(organization=org, draft=True)
    for slug in [hidden.slug, "no-such-person"]:
        response = client.get(COMPARE, {"s": [anna.slug, slug]})
        assert [p.slug for p in response.context["profiles"]] == [anna.slug]
        assert len(response.context["notices"]) == 1


def test_compare_with_nobody_picked_explains_how(client):
    response = client.get(COMPARE)
    assert response.status_code == 200
    assert "Nobody to compare yet" in response.content.decode()


def test_compare_is_a_path_of_its_own_not_a_profile(client, org):
    SpecialistProfileFactory(organization=org, slug="compare-me")
    assert client.get(COMPARE).context["profiles"] == []


def test_the_enrolment_code_form_wants_a_code():
    from discovery.forms import EnrolmentCodeForm

    assert not EnrolmentCodeForm({"code": "  "}).is_valid()
    form = EnrolmentCodeForm({"code": " acme 2026 "})
    assert form.is_valid()
    assert form.cleaned_data["code"] == "acme 2026"
