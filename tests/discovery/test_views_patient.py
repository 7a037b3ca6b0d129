"""Patient-side discovery (discovery/views/patient.py): the matching
questionnaire, its shortlist, choosing a specialist and joining a program,
tried as each kind of person."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking.models import NextAvailability
from care.models import CareRelationship
from core.models import AuditLog
from organizations.models import Membership, Program, ProgramEnrolment, ProgramRosterEntry
from patients.models import Intake
from specialists.models import SpecialistProfile
from tests.booking.factories import AvailabilityRuleFactory
from tests.conftest import member
from tests.organizations.factories import ProgramFactory
from tests.patients.factories import IntakeFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

MATCH = reverse("discovery:match")
RESULTS = reverse("discovery:match-results")
JOIN = reverse("discovery:program-join")
HOME = reverse("core:patient-home")
LOGIN = reverse("account_login")


def choose_url(profile) -> str:
    return reverse("discovery:choose", args=[profile.slug])


def link_url(program) -> str:
    return reverse("discovery:program-join-link", args=[program.enrolment_code])


def checked(html: str, name: str) -> list[str]:
    """The values of the ticked boxes (or radios) named `name`."""
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in inputs if re.search(r"\bchecked\b", tag)]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def shortlisted(response) -> list[str]:
    return [match.candidate.name for match in response.context["shortlist"].matches]


def intake_fields(intake: Intake) -> dict:
    intake.refresh_from_db()
    names = ["topics", "goals_text", "languages", "specialist_gender", "modalities", "approaches",
             "budget_max_minor", "budget_currency", "days", "times_of_day", "jurisdiction", "current_step",
             "completed_at", "skipped_steps"]  # fmt: skip
    return {name: getattr(intake, name) for name in names}


def specialist(org, name, *, price=None, **fields):
    """An approved specialist of `org`; with `price`, one active offering at that price (minor units)."""
    profile = SpecialistProfileFactory(organization=org, display_name=name, **fields)
    if price is not None:
        OfferingFactory(specialist=profile, price_minor=price)
    return profile


def on_roster(program, *profiles, capacity=10):
    for profile in profiles:
        ProgramRosterEntry.objects.create(program=program, specialist=profile.user, capacity=capacity)


def enrol(program, patient):
    return ProgramEnrolment.objects.create(program=program, patient=patient, via=ProgramEnrolment.Via.CODE)


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, full_name="Lucía Ferreira")


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient)
    return client


@pytest.fixture
def ana(org):
    """The Portuguese-speaking anxiety specialist within a €90 budget."""
    return specialist(
        org, "Ana Pereira", price=7000, languages=["pt", "en"], specializations=["anxiety"], jurisdictions=["pt", "de"]
    )


@pytest.fixture
def bruno(org):
    return specialist(
        org, "Bruno Costa", price=8000, languages=["pt"], specializations=["grief"], jurisdictions=["pt", "de"]
    )


@pytest.fixture
def answered(patient):
    """An intake asking for Portuguese, anxiety, at most €90 and a specialist licensed in Portugal."""
    return IntakeFactory(
        user=patient,
        completed=True,
        topics=["anxiety"],
        languages=["pt"],
        specialist_gender="",
        modalities=[],
        approaches=[],
        budget_max_minor=9000,
        times_of_day=[],
        jurisdiction="pt",
    )


# --- Who gets in ------------------------------------------------------------------------------


@pytest.fixture
def program(org):
    return ProgramFactory(organization=org, name="Acme Wellbeing", enrolment_code="ACME2026")


VIEWS = ["match", "match-results", "choose", "program-join", "program-join-link"]


def request_for(name, ana, program) -> tuple[str, str]:
    """(method, url) of one of the five views, as a person first meets it."""
    return {
        "match": ("get", MATCH),
        "match-results": ("get", RESULTS),
        "choose": ("post", choose_url(ana)),
        "program-join": ("get", JOIN),
        "program-join-link": ("get", link_url(program)),
    }[name]


@pytest.mark.parametrize("name", VIEWS)
def test_a_patient_may_use_every_patient_discovery_page(patient_client, answered, ana, program, name):
    method, url = request_for(name, ana, program)
    response = getattr(patient_client, method)(url)
    if name == "choose":
        assert response.status_code == 302
        assert response["Location"] == HOME
    else:
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("role", [Membership.Role.SPECIALIST, Membership.Role.AFFILIATE, Membership.Role.ADMIN])
@pytest.mark.parametrize("name", VIEWS)
def test_people_without_the_patient_role_get_the_friendly_403_page(client, org, ana, program, role, name):
    client.force_login(member(org, role, staff=role != Membership.Role.AFFILIATE))
    method, url = request_for(name, ana, program)
    response = getattr(client, method)(url)
    assert response.status_code == 403
    assert "portals/no_access.html" in [template.name for template in response.templates]
    assert not CareRelationship.objects.exists()
    assert not ProgramEnrolment.objects.exists()
    assert not Intake.objects.exists()


@pytest.mark.parametrize("name", VIEWS)
def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, ana, program, name):
    method, url = request_for(name, ana, program)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"
    assert not CareRelationship.objects.exists()


def test_the_others_cannot_post_the_questionnaire_or_join_either(client, org, program):
    client.force_login(member(org, Membership.Role.AFFILIATE))
    assert client.post(MATCH, {"topics": ["anxiety"]}).status_code == 403
    assert client.post(JOIN, {"code": program.enrolment_code}).status_code == 403
    assert client.post(link_url(program)).status_code == 403
    assert not Intake.objects.exists()
    assert not ProgramEnrolment.objects.exists()


def test_anonymous_visitors_cannot_post_the_questionnaire_or_join(client, program):
    for url, data in [
        (MATCH, {"topics": ["anxiety"]}),
        (JOIN, {"code": program.enrolment_code}),
        (link_url(program), {}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
    assert not Intake.objects.exists()
    assert not ProgramEnrolment.objects.exists()


# --- The questionnaire --------------------------------------------------------------------------


def test_the_questionnaire_is_prefilled_from_the_intake(patient_client, patient):
    IntakeFactory(user=patient, completed=True)
    response = patient_client.get(MATCH)
    html = response.content.decode()
    assert response.status_code == 200
    assert checked(html, "topics") == ["anxiety", "sleep"]
    assert sorted(checked(html, "languages")) == ["en", "pt"]
    assert checked(html, "specialist_gender") == ["woman"]
    assert checked(html, "modalities") == ["video"]
    assert checked(html, "approaches") == ["cbt"]
    assert re.search(r'<input[^>]*name="budget"[^>]*value="90.00"', html)
    assert re.search(r'<option value="de" selected>Germany</option>', html)
    assert "Most you want to pay per session (EUR)" in html
    assert "Show my matches" in html


def test_the_questionnaires_help_texts_are_tied_to_their_boxes(patient_client):
    html = patient_client.get(MATCH).content.decode()
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described
    for target in described:
        assert f'id="{target}"' in html, target


def test_without_an_intake_the_questionnaire_is_empty_and_reading_it_stores_nothing(patient_client, patient):
    html = patient_client.get(MATCH).content.decode()
    assert checked(html, "topics") == []
    assert 'value="anxiety"' in html  # topics come from the taxonomy
    assert not Intake.objects.filter(user=patient).exists()


def test_answers_go_back_into_the_intake_and_lead_to_the_shortlist(patient_client, patient):
    intake = IntakeFactory(user=patient, completed=True)
    before = intake_fields(intake)
    response = patient_client.post(
        MATCH,
        {
            "topics": ["grief", "anxiety"],
            "languages": ["de"],
            "specialist_gender": "man",
            "modalities": ["chat"],
            "approaches": [],
            "budget": "75,50",
            "times_of_day": ["morning", "afternoon"],
            "jurisdiction": "at",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == RESULTS
    after = intake_fields(intake)
    assert after["topics"] == ["grief", "anxiety"]
    assert after["languages"] == ["de"]
    assert after["specialist_gender"] == "man"
    assert after["modalities"] == ["chat"]
    assert after["approaches"] == []
    assert (after["budget_max_minor"], after["budget_currency"]) == (7550, "EUR")
    assert after["times_of_day"] == ["morning", "afternoon"]
    assert after["jurisdiction"] == "at"
    # What the questionnaire does not ask, and where the patient is in the intake, stay as they were.
    for name in ["goals_text", "days", "current_step", "completed_at", "skipped_steps"]:
        assert after[name] == before[name], name


def test_answering_without_an_intake_starts_one_without_moving_the_guided_intake(patient_client, patient):
    patient_client.post(MATCH, {"topics": ["sleep"], "languages": ["en"], "budget": ""})
    intake = Intake.objects.get(user=patient)
    assert (intake.topics, intake.languages, intake.budget_max_minor) == (["sleep"], ["en"], None)
    assert intake.current_step == "goals"
    assert intake.completed_at is None


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("-5", "A budget cannot be negative."),
        ("abc", "Enter an amount like 80 or 80.50."),
        ("12.345", "Amounts in EUR have at most 2 decimal places."),
        ("1000000", "Please enter at most €1,000.00 per session."),
    ],
)
def test_a_bad_budget_is_a_clear_422_and_changes_nothing(patient_client, patient, budget, message):
    intake = IntakeFactory(user=patient, completed=True)
    before = intake_fields(intake)
    response = patient_client.post(MATCH, {"topics": ["grief"], "languages": ["de"], "budget": budget})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert re.search(r'<label for="id_budget">Most you want to pay', html)
    assert checked(html, "topics") == ["grief"]  # what was typed stays on the page
    assert intake_fields(intake) == before


def test_a_bad_budget_without_an_intake_stores_nothing(patient_client, patient):
    assert patient_client.post(MATCH, {"topics": ["grief"], "budget": "-5"}).status_code == 422
    assert not Intake.objects.filter(user=patient).exists()


def test_an_answer_outside_the_taxonomy_is_a_422_and_changes_nothing(patient_client, patient):
    intake = IntakeFactory(user=patient, completed=True)
    before = intake_fields(intake)
    response = patient_client.post(MATCH, {"topics": ["astrology"], "languages": ["xx"]})
    assert response.status_code == 422
    assert intake_fields(intake) == before


def test_extra_fields_in_the_questionnaire_are_ignored(patient_client, patient, personas):
    other = personas["patient_b"]
    intake = IntakeFactory(user=patient)
    response = patient_client.post(
        MATCH,
        {
            "topics": ["sleep"],
            "user": other.pk,
            "patient": other.pk,
            "completed_at": "2020-01-01",
            "current_step": "constraints",
            "goals_text": "overwritten",
            "days": ["sun"],
            "budget_currency": "JPY",
        },
    )
    assert response["Location"] == RESULTS
    intake.refresh_from_db()
    assert intake.topics == ["sleep"]
    assert (intake.current_step, intake.completed_at, intake.days) == ("goals", None, [])
    assert not intake.goals_text
    assert intake.budget_currency == "EUR"
    assert not Intake.objects.filter(user=other).exists()


def test_a_programs_own_questions_are_the_only_ones_asked(patient_client, patient, org):
    program = ProgramFactory(organization=org, matching_questions=["topics", "languages"])
    enrol(program, patient)
    response = patient_client.get(MATCH)
    assert list(response.context["form"].fields) == ["topics", "languages"]
    html = response.content.decode()
    assert "What would you like help with?" in html
    assert "Which languages can your sessions be in?" in html
    for name in ["budget", "specialist_gender", "modalities", "approaches", "jurisdiction"]:
        assert f'name="{name}"' not in html, name


def test_answering_a_programs_questions_changes_only_those_answers(patient_client, patient, org):
    program = ProgramFactory(organization=org, matching_questions=["topics", "languages"])
    enrol(program, patient)
    intake = IntakeFactory(user=patient, completed=True)
    patient_client.post(MATCH, {"topics": ["grief"], "languages": ["de"], "budget": "-5"})
    intake.refresh_from_db()
    assert (intake.topics, intake.languages) == (["grief"], ["de"])
    assert (intake.budget_max_minor, intake.specialist_gender, intake.jurisdiction) == (9000, "woman", "de")


# --- The shortlist ---------------------------------------------------------------------------------


@pytest.fixture
def crowd(org, ana, bruno):
    """Ana and Bruno fit; each of the others fails one hard constraint."""
    specialist(org, "Clara Schmidt", price=6000, languages=["de"], specializations=["anxiety"], jurisdictions=["pt"])
    specialist(org, "Diego Alves", price=15000, languages=["pt"], specializations=["anxiety"], jurisdictions=["pt"])
    specialist(
        org,
        "Eva Lima",
        price=5000,
        languages=["pt"],
        specializations=["anxiety"],
        jurisdictions=["pt"],
        accepting_new_patients=False,
    )
    specialist(org, "Fabio Rocha", price=5000, languages=["pt"], specializations=["anxiety"], jurisdictions=["br"])
    specialist(
        org, "Gil Draft", price=5000, languages=["pt"], specializations=["anxiety"], jurisdictions=["pt"], draft=True
    )
    specialist(
        org,
        "Helena Pending",
        price=5000,
        languages=["pt"],
        specializations=["anxiety"],
        jurisdictions=["pt"],
        status=SpecialistProfile.Status.PENDING,
    )
    specialist(org, "Ines Free", languages=["pt"], specializations=["anxiety"], jurisdictions=["pt"])  # no price
    return [ana, bruno]


def test_the_shortlist_is_ranked_with_reasons_in_plain_words(patient_client, answered, crowd):
    response = patient_client.get(RESULTS)
    assert response.status_code == 200
    assert shortlisted(response) == ["Ana Pereira", "Bruno Costa"]
    html = response.content.decode()
    assert "Speaks Portuguese · works with anxiety · within your budget (from €70.00) · licensed where you live" in html
    assert "Speaks Portuguese · within your budget (from €80.00) · licensed where you live" in html
    assert html.index("Ana Pereira") < html.index("Bruno Costa")
    assert re.search(r'Choose<span class="visually-hidden"> Ana Pereira</span>', html)
    assert re.search(r'<input type="hidden" name="from" value="match">', html)
    assert f'action="{choose_url(crowd[0])}"' in html


@pytest.mark.parametrize(
    "name",
    ["Clara Schmidt", "Diego Alves", "Eva Lima", "Fabio Rocha", "Gil Draft", "Helena Pending", "Ines Free"],
    ids=["language", "budget", "not-accepting", "jurisdiction", "draft", "pending", "no-price-with-budget"],
)
def test_specialists_failing_a_hard_constraint_are_left_out(patient_client, answered, crowd, name):
    response = patient_client.get(RESULTS)
    assert name not in shortlisted(response)
    assert name not in response.content.decode()


@pytest.mark.parametrize("times_of_day", [[], ["evening"]], ids=["any-time", "evenings"])
def test_the_shortlist_takes_the_same_number_of_queries_however_many_specialists(
    patient_client, answered, org, ana, django_assert_num_queries, times_of_day
):
    Intake.objects.filter(pk=answered.pk).update(times_of_day=times_of_day)
    AvailabilityRuleFactory(specialist=ana, weekday=1, start_time=time(18), end_time=time(20))
    patient_client.get(RESULTS)  # warm the per-process caches (content types, brand)
    with CaptureQueriesContext(connection) as few:
        patient_client.get(RESULTS)
    for index in range(6):
        extra = specialist(
            org,
            f"Extra {index}",
            price=6000 + index,
            languages=["pt"],
            specializations=["anxiety", "sleep"],
            modalities=["video", "chat"],
            jurisdictions=["pt"],
        )
        for weekday in range(5):
            AvailabilityRuleFactory(specialist=extra, weekday=weekday, start_time=time(17), end_time=time(21))
    with django_assert_num_queries(len(few)):
        response = patient_client.get(RESULTS)
    assert len(response.context["shortlist"].matches) == 7


def test_weekly_hours_cost_one_query_and_only_when_times_of_day_were_chosen(patient_client, answered, ana):
    patient_client.get(RESULTS)
    with CaptureQueriesContext(connection) as any_time:
        patient_client.get(RESULTS)
    Intake.objects.filter(pk=answered.pk).update(times_of_day=["evening"])
    with CaptureQueriesContext(connection) as evenings:
        patient_client.get(RESULTS)
    assert len(evenings) == len(any_time) + 1


# --- Times of day ---------------------------------------------------------------------------------


@pytest.fixture
def winter_week():
    """A Wednesday in January: Berlin on UTC+1, Tokyo on UTC+9."""
    with time_machine.travel(datetime(2026, 1, 14, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def evenings(answered, ana, bruno, winter_week):
    """The patient asks for evenings; Ana (Berlin) works mornings, Bruno (Berlin) two evenings."""
    Intake.objects.filter(pk=answered.pk).update(times_of_day=["evening"])
    for weekday in range(5):
        AvailabilityRuleFactory(specialist=ana, weekday=weekday, start_time=time(9), end_time=time(13))
    for weekday in (1, 3):
        AvailabilityRuleFactory(specialist=bruno, weekday=weekday, start_time=time(18), end_time=time(20))
    return answered


def card_of(html: str, name: str) -> str:
    card = html[html.rindex('<article class="specialist-card">', 0, html.index(name)) :]
    return card[: card.index("</article>")]


def test_the_chosen_times_of_day_show_in_the_answers_and_in_each_match(patient_client, patient, evenings):
    html = patient_client.get(RESULTS).content.decode()
    assert "<div><dt>Times of day</dt><dd>Evenings</dd></div>" in html
    ana, bruno = card_of(html, "Ana Pereira"), card_of(html, "Bruno Costa")
    assert '<p class="reasons">Speaks Portuguese · has evening times · within your budget' in bruno
    assert '<p class="shortfalls">Does not list anxiety</p>' in bruno
    assert "has evening times" not in ana
    assert '<p class="shortfalls">No evening times</p>' in ana


def test_times_of_day_are_the_patients_own_wherever_the_specialist_works(patient_client, patient, evenings):
    """Ana's mornings in Berlin (09:00-13:00) are evenings in Tokyo (17:00-21:00)."""
    patient.timezone = "Asia/Tokyo"
    patient.save(update_fields=["timezone"])
    html = patient_client.get(RESULTS).content.decode()
    assert "has evening times" in card_of(html, "Ana Pereira")
    assert '<p class="shortfalls">Does not list anxiety · no evening times</p>' in card_of(html, "Bruno Costa")


def test_specialists_with_the_chosen_times_of_day_rank_higher(patient_client, evenings, ana, bruno):
    assert shortlisted(patient_client.get(RESULTS)) == ["Ana Pereira", "Bruno Costa"]  # anxiety weighs more
    Intake.objects.filter(pk=evenings.pk).update(topics=[])
    assert shortlisted(patient_client.get(RESULTS)) == ["Bruno Costa", "Ana Pereira"]  # not the cheaper Ana


def test_a_program_that_does_not_ask_about_times_of_day_leaves_them_out(patient_client, patient, org, evenings):
    enrol(ProgramFactory(organization=org, matching_questions=["topics", "languages"]), patient)
    html = patient_client.get(RESULTS).content.decode()
    assert "<dt>Times of day</dt>" not in html
    assert "evening times" not in html


def test_the_questionnaire_asks_for_times_of_day_and_says_what_they_mean(patient_client, patient):
    IntakeFactory(user=patient, completed=True, times_of_day=["evening"])
    html = patient_client.get(MATCH).content.decode()
    assert "What times of day suit you?" in html
    assert (
        "Mornings are 06:00\u201312:00, afternoons 12:00\u201317:00 and evenings 17:00\u201322:00, your time." in html
    )
    assert checked(html, "times_of_day") == ["evening"]


def test_choose_says_what_it_does_next_to_book(patient_client, answered, ana):
    html = patient_client.get(RESULTS).content.decode()
    button = re.search(r'<button type="submit"[^>]*aria-describedby="([^"]+)"[^>]*>Choose<', html)
    assert button
    assert f'id="{button.group(1)}">Make them your specialist now and book later.</small>' in html


def test_without_an_intake_the_shortlist_sends_the_patient_to_the_questions(patient_client):
    response = patient_client.get(RESULTS)
    assert response.status_code == 302
    assert response["Location"] == MATCH


def test_nobody_fitting_says_so_and_offers_the_directory(patient_client, patient, ana):
    IntakeFactory(user=patient, completed=True, languages=["zh"], topics=[], jurisdiction="")
    html = patient_client.get(RESULTS).content.decode()
    assert "No one fits every answer yet" in html
    assert reverse("discovery:directory") in html


def test_a_short_shortlist_says_which_answers_cut_it_with_counts(patient_client, answered, crowd):
    response = patient_client.get(RESULTS)
    html = response.content.decode()
    assert "Only a few fit your answers" in html
    assert (
        "Only 2 specialists speak Portuguese, fit your budget of €90.00, are licensed in Portugal and are taking "
        "new patients." in html
    )
    # Clara misses only the language, Diego and Ines only the budget, Fabio only the licence.
    offers = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="muted">\((\d+) more\)</span></li>', html)
    assert offers == [
        (f"{RESULTS}?widen=language", "Show specialists who don&#x27;t speak Portuguese", "1"),
        (f"{RESULTS}?widen=budget", "Include those above your budget", "2"),
        (f"{RESULTS}?widen=jurisdiction", "Show specialists not licensed in Portugal", "1"),
    ]
    assert "1 more would fit but is not taking new patients right now." in html
    assert f'<a href="{reverse("discovery:directory")}">Browse everyone in the directory</a>' in html


def test_widening_the_budget_adds_those_above_it_and_says_by_how_much(patient_client, answered, crowd):
    response = patient_client.get(RESULTS, {"widen": "budget"})
    assert shortlisted(response) == ["Ana Pereira", "Bruno Costa", "Diego Alves", "Ines Free"]
    html = response.content.decode()
    assert "Also showing specialists who cost more than your budget; each says what they do not meet." in html
    assert f'<a href="{RESULTS}">Show only those who meet all your answers</a>' in html
    assert '<p class="shortfalls">Above your budget by €60.00 (from €150.00)</p>' in html
    assert '<p class="shortfalls">No prices in EUR</p>' in html
    for name in ["Clara Schmidt", "Eva Lima", "Fabio Rocha"]:
        assert name not in html
    # Four now: the short-list box is gone.
    assert "Only a few fit your answers" not in html


def test_widening_keeps_what_is_already_widened_and_ignores_unknown_values(patient_client, answered, crowd):
    response = patient_client.get(RESULTS, {"widen": ["budget", "accepting", "<script>"]})
    assert response.context["shortlist"].widen == {"budget"}
    assert "Eva Lima" not in shortlisted(response)  # not taking new patients: never widened
    response = patient_client.get(RESULTS, {"widen": ["budget", "language"]})
    assert shortlisted(response) == ["Ana Pereira", "Bruno Costa", "Clara Schmidt", "Diego Alves", "Ines Free"]
    assert "who don&#x27;t speak Portuguese or cost more than your budget" in response.content.decode()


def test_a_shortlist_card_shows_what_a_directory_card_shows(patient_client, patient, answered, ana):
    offering = ana.offerings.get()
    soon = timezone.now() + timedelta(days=2)
    NextAvailability.objects.create(specialist=ana, starts_at=soon, valid_until=soon)
    html = patient_client.get(RESULTS).content.decode()
    card = html[html.index('<article class="specialist-card">') :]
    card = card[: card.index("</article>")]
    assert re.search(r'class="dir-avatar dir-avatar-initials"[^>]*>AP<', card)
    assert "From <strong>€70.00</strong>" in card
    shown = soon.astimezone(ZoneInfo(patient.timezone))
    assert f'<span class="muted">Next available</span> <time datetime="{shown.isoformat()}">' in card
    assert f"{shown:%a} {shown.day} {shown:%b, %H:%M}</time>" in card
    assert f'href="{reverse("booking:book", args=[offering.public_id])}"' in card
    assert f'action="{choose_url(ana)}"' in card
    assert "Compare" not in card  # the shortlist has no comparison tray


def test_a_specialist_the_patient_already_sees_is_marked_not_offered_again(patient_client, answered, crowd):
    ana, bruno = crowd
    patient_client.post(choose_url(ana), {"from": "match"})
    html = patient_client.get(RESULTS).content.decode()
    assert html.count('<span class="dir-badge dir-badge-ok">Your specialist</span>') == 1
    assert f'action="{choose_url(ana)}"' not in html
    assert f'action="{choose_url(bruno)}"' in html


def test_the_shortlist_shows_the_answers_it_was_made_from_with_a_way_to_change_them(patient_client, answered, ana):
    html = patient_client.get(RESULTS).content.decode()
    answers = dict(re.findall(r"<div><dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd></div>", html))
    assert answers == {
        "Help with": "Anxiety",
        "Languages": "Portuguese",
        "Specialist": "Any",
        "Meeting by": "Any",
        "Way of working": "Any",
        "Budget": "Up to €90.00 a session",
        "Times of day": "Any",
        "Where you live": "Portugal",
    } | {key: value for key, value in answers.items() if key in {"Speaks", "Meets by"}}
    assert f'<a href="{MATCH}">Change answers</a>' in html


def test_a_program_that_does_not_ask_about_budget_does_not_filter_by_it(patient_client, patient, answered, org, crowd):
    program = ProgramFactory(organization=org, matching_questions=["topics", "languages"])
    _ana, bruno = crowd
    diego = SpecialistProfile.objects.get(display_name="Diego Alves")
    on_roster(program, bruno, diego)
    enrol(program, patient)
    response = patient_client.get(RESULTS)
    assert shortlisted(response) == ["Diego Alves", "Bruno Costa"]  # above the €90 budget, but not asked
    html = response.content.decode()
    assert "<dt>Budget</dt>" not in html
    assert "<dt>Help with</dt>" in html


def test_a_widened_shortlist_takes_the_same_number_of_queries(
    patient_client, answered, crowd, django_assert_num_queries
):
    patient_client.get(RESULTS)
    with CaptureQueriesContext(connection) as plain:
        patient_client.get(RESULTS)
    with django_assert_num_queries(len(plain)):
        response = patient_client.get(RESULTS, {"widen": ["budget", "language", "jurisdiction"]})
    assert len(response.context["shortlist"].matches) == 6


def test_an_enrolled_program_patient_sees_only_the_roster(patient_client, patient, answered, org, crowd):
    _ana, bruno = crowd
    program = ProgramFactory(organization=org)
    on_roster(program, bruno)
    enrol(program, patient)
    response = patient_client.get(RESULTS)
    assert shortlisted(response) == ["Bruno Costa"]
    assert "Ana Pereira" not in response.content.decode()


def test_the_shortlist_leaves_out_specialists_of_another_org_that_left(patient_client, answered, ana, other_org):
    gone = specialist(
        other_org, "Left Behind", price=5000, languages=["pt"], specializations=["anxiety"], jurisdictions=["pt"]
    )
    Membership.objects.filter(user=gone.user).update(is_active=False)
    assert shortlisted(patient_client.get(RESULTS)) == ["Ana Pereira"]


# --- Choosing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "source"), [({"from": "match"}, "matched"), ({}, "chosen"), ({"from": "directory"}, "chosen")]
)
def test_choosing_starts_one_active_care_relationship(patient_client, patient, ana, data, source):
    response = patient_client.post(choose_url(ana), data)
    assert response.status_code == 302
    assert response["Location"] == HOME
    relationship = CareRelationship.objects.get()
    assert (relationship.patient, relationship.specialist) == (patient, ana)
    assert (relationship.status, relationship.source, relationship.program) == ("active", source, None)
    assert messages_of(response) == ["You chose Ana Pereira. Next: book your first session."]


def test_choosing_twice_does_not_duplicate(patient_client, patient, ana):
    patient_client.post(choose_url(ana), {"from": "match"})
    response = patient_client.post(choose_url(ana), {"from": "match"})
    assert response["Location"] == HOME
    assert CareRelationship.objects.filter(patient=patient, specialist=ana).count() == 1


def test_choosing_a_specialist_who_is_not_taking_patients_says_so_and_stores_nothing(patient_client, org):
    full = specialist(org, "Eva Lima", price=5000, accepting_new_patients=False)
    response = patient_client.post(choose_url(full), {"from": "match"}, follow=True)
    assert response.redirect_chain == [(reverse("discovery:profile", args=[full.slug]), 302)]
    assert "Eva Lima is not taking new patients right now." in response.content.decode()
    assert not CareRelationship.objects.exists()


def hidden_profile(kind, org, patient):
    if kind == "draft":
        return specialist(org, "Draft", draft=True)
    if kind == "pending":
        return specialist(org, "Pending", status=SpecialistProfile.Status.PENDING)
    if kind == "left":
        profile = specialist(org, "Left")
        Membership.objects.filter(user=profile.user).update(is_active=False)
        return profile
    if kind == "deactivated":
        profile = specialist(org, "Deactivated")
        profile.user.is_active = False
        profile.user.save()
        return profile
    # Off the roster of the patient's program.
    program = ProgramFactory(organization=org)
    on_roster(program, specialist(org, "On roster"))
    enrol(program, patient)
    return specialist(org, "Off roster")


@pytest.mark.parametrize("kind", ["draft", "pending", "left", "deactivated", "off-roster"])
def test_choosing_a_profile_the_patient_cannot_see_is_404_and_stores_nothing(patient_client, patient, org, kind):
    profile = hidden_profile(kind, org, patient)
    assert patient_client.post(choose_url(profile), {"from": "match"}).status_code == 404
    assert not CareRelationship.objects.exists()


def test_choosing_a_hidden_profile_is_audited_as_a_denial(patient_client, patient, org):
    profile = hidden_profile("off-roster", org, patient)
    assert patient_client.post(choose_url(profile), {"from": "match"}).status_code == 404
    denied = AuditLog.objects.get(action=AuditLog.Action.DENIED)
    assert (denied.actor, denied.object_public_id) == (patient, profile.public_id)


def test_choosing_an_unknown_slug_is_404(patient_client):
    assert patient_client.post(reverse("discovery:choose", args=["nobody"])).status_code == 404
    assert not CareRelationship.objects.exists()


def test_choosing_needs_a_post(patient_client, ana):
    assert patient_client.get(choose_url(ana), {"from": "match"}).status_code == 405
    assert not CareRelationship.objects.exists()


def test_choosing_without_a_csrf_token_is_refused(patient, ana):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    assert client.post(choose_url(ana), {"from": "match"}).status_code == 403
    assert client.post(MATCH, {"topics": ["sleep"]}).status_code == 403
    assert not CareRelationship.objects.exists()
    assert not Intake.objects.exists()


def test_extra_fields_when_choosing_are_ignored(patient_client, patient, personas, ana, org):
    other = personas["patient_b"]
    program = ProgramFactory(organization=org)
    patient_client.post(
        choose_url(ana), {"patient": other.pk, "program": program.pk, "source": "assigned", "status": "ended"}
    )
    relationship = CareRelationship.objects.get()
    assert relationship.patient == patient
    assert (relationship.source, relationship.program, relationship.status) == ("chosen", None, "active")
    assert not ProgramEnrolment.objects.exists()


# --- Joining a program ------------------------------------------------------------------------------


@pytest.fixture
def round_robin(org, ana, bruno):
    program = ProgramFactory(
        organization=org,
        name="Acme Wellbeing",
        enrolment_code="ACME2026",
        assignment_rule=Program.AssignmentRule.ROUND_ROBIN,
    )
    on_roster(program, ana, bruno)
    return program


def test_the_join_page_asks_for_a_code(patient_client):
    html = patient_client.get(JOIN).content.decode()
    assert "Join a program" in html
    assert 'name="code"' in html


def test_joining_a_round_robin_program_by_code_assigns_a_specialist(patient_client, patient, round_robin):
    response = patient_client.post(JOIN, {"code": " acme 2026 "})
    assert response.status_code == 302
    assert response["Location"] == HOME
    enrolment = ProgramEnrolment.objects.get(patient=patient)
    assert (enrolment.program, enrolment.via) == (round_robin, "code")
    relationship = CareRelationship.objects.get(patient=patient)
    assert (relationship.specialist.display_name, relationship.source, relationship.program) == (
        "Ana Pereira",
        "assigned",
        round_robin,
    )
    assert messages_of(response) == ["Welcome to Acme Wellbeing. You have been matched with Ana Pereira."]


def test_a_full_round_robin_program_sends_the_patient_to_the_shortlist(patient_client, patient, org, ana):
    program = ProgramFactory(organization=org, name="Full", assignment_rule=Program.AssignmentRule.ROUND_ROBIN)
    on_roster(program, ana, capacity=0)
    response = patient_client.post(JOIN, {"code": program.enrolment_code})
    assert response["Location"] == RESULTS
    assert ProgramEnrolment.objects.filter(patient=patient, program=program).exists()
    assert not CareRelationship.objects.exists()
    assert "fully booked" in messages_of(response)[0]


def test_joining_a_patient_chooses_program_leads_to_the_questionnaire(patient_client, patient, program, ana):
    on_roster(program, ana)
    response = patient_client.post(JOIN, {"code": "ACME2026"})
    assert response.status_code == 302
    assert response["Location"] == MATCH
    assert ProgramEnrolment.objects.filter(patient=patient, program=program).exists()
    assert not CareRelationship.objects.exists()
    assert messages_of(response) == [
        "Welcome to Acme Wellbeing. A few questions help us find the right specialist for you."
    ]


@pytest.mark.parametrize("code", ["NOPE", "", "acme 2026 closed"], ids=["unknown", "empty", "closed"])
def test_an_unknown_or_closed_code_is_a_422_and_stores_nothing(patient_client, patient, org, code):
    ProgramFactory(organization=org, enrolment_code="ACME2026CLOSED", is_active=False)
    memberships = Membership.objects.filter(user=patient).count()
    response = patient_client.post(JOIN, {"code": code})
    assert response.status_code == 422
    if code:
        assert "We could not find a program with that code" in response.content.decode()
    assert not ProgramEnrolment.objects.exists()
    assert not CareRelationship.objects.exists()
    assert Membership.objects.filter(user=patient).count() == memberships


def test_extra_fields_when_joining_are_ignored(patient_client, patient, personas, round_robin, org):
    other = personas["patient_b"]
    elsewhere = ProgramFactory(organization=org)
    patient_client.post(JOIN, {"code": "ACME2026", "patient": other.pk, "program": elsewhere.pk, "via": "domain"})
    enrolment = ProgramEnrolment.objects.get()
    assert (enrolment.patient, enrolment.program, enrolment.via) == (patient, round_robin, "code")
    assert not CareRelationship.objects.filter(patient=other).exists()


def test_the_join_link_shows_the_program_and_does_not_enrol(patient_client, patient, org):
    program = ProgramFactory(organization=org, name="Acme Wellbeing", description="Six free sessions a year.")
    response = patient_client.get(link_url(program))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ["Demo Clinic", "Acme Wellbeing", "Six free sessions a year.", "Join this program"]:
        assert text in html, text
    assert re.search(r'<form method="post">', html)
    assert not ProgramEnrolment.objects.exists()


def test_posting_the_join_link_enrols(patient_client, patient, round_robin):
    response = patient_client.post(link_url(round_robin))
    assert response["Location"] == HOME
    enrolment = ProgramEnrolment.objects.get(patient=patient)
    assert (enrolment.program, enrolment.via) == (round_robin, "link")
    assert CareRelationship.objects.get(patient=patient).source == "assigned"


def test_the_join_link_of_a_patient_chooses_program_leads_to_the_questionnaire(patient_client, patient, program):
    response = patient_client.post(link_url(program))
    assert response["Location"] == MATCH
    assert ProgramEnrolment.objects.filter(patient=patient, program=program, via="link").exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_closed_programs_link_is_404_and_stores_nothing(patient_client, org, method):
    program = ProgramFactory(organization=org, is_active=False)
    assert getattr(patient_client, method)(link_url(program)).status_code == 404
    assert getattr(patient_client, method)(reverse("discovery:program-join-link", args=["NOSUCH"])).status_code == 404
    assert not ProgramEnrolment.objects.exists()


def test_a_best_match_program_assigns_the_top_match_after_the_questionnaire(patient_client, patient, org, crowd):
    ana, bruno = crowd
    program = ProgramFactory(organization=org, name="Acme Wellbeing", assignment_rule=Program.AssignmentRule.BEST_MATCH)
    on_roster(program, bruno, ana)
    response = patient_client.post(JOIN, {"code": program.enrolment_code}, follow=True)
    assert response.redirect_chain == [(MATCH, 302)]
    assert not CareRelationship.objects.exists()  # not before the questions are answered
    response = patient_client.post(MATCH, {"topics": ["anxiety"], "languages": ["pt"], "budget": "90"})
    assert response.status_code == 302
    assert response["Location"] == HOME
    relationship = CareRelationship.objects.get(patient=patient)
    assert (relationship.specialist, relationship.source, relationship.program) == (ana, "assigned", program)
    assert messages_of(response) == ["Welcome to Acme Wellbeing. You have been matched with Ana Pereira."]


def test_a_best_match_program_without_a_fitting_specialist_shows_the_shortlist(patient_client, patient, org, bruno):
    program = ProgramFactory(organization=org, assignment_rule=Program.AssignmentRule.BEST_MATCH)
    on_roster(program, bruno)
    enrol(program, patient)
    response = patient_client.post(MATCH, {"languages": ["zh"]})
    assert response["Location"] == RESULTS
    assert not CareRelationship.objects.exists()


# --- The patient home ---------------------------------------------------------------------------------


def test_home_makes_find_your_specialist_the_primary_card_once_the_intake_is_complete(patient_client, answered):
    """The intake holds the answers: the card goes straight to the shortlist, not the questions again."""
    response = patient_client.get(HOME)
    assert response.context["primary_step"].title == "Find your specialist"
    assert response.context["primary_step"].url == RESULTS
    html = response.content.decode()
    assert re.search(r'next-step-primary">\s*<p class="eyebrow">What.s next</p>\s*<h3>Find your specialist</h3>', html)
    assert "See your matches" in html


def test_home_offers_find_your_specialist_after_the_unfinished_intake(patient_client, patient):
    IntakeFactory(user=patient, current_step="preferences", topics=["anxiety"])
    response = patient_client.get(HOME)
    assert response.context["primary_step"].title == "Finish your answers — step 2 of 3"
    [find] = [step for step in response.context["other_steps"] if step.title == "Find your specialist"]
    assert (find.url, find.cta) == (MATCH, "Get my shortlist")


def test_the_intake_summary_leads_straight_to_the_matches(patient_client, answered):
    html = patient_client.get(reverse("patients:intake")).content.decode()
    assert re.search(rf'<a href="{RESULTS}" role="button">See your matches</a>', html)


def test_home_names_the_specialist_once_chosen(patient_client, answered, ana):
    patient_client.post(choose_url(ana), {"from": "match"})
    response = patient_client.get(HOME)
    assert response.context["primary_step"].title == "Your specialist: Ana Pereira"
    html = response.content.decode()
    assert "Your specialist: Ana Pereira" in html
    assert "Find your specialist" not in html


def test_guessing_enrolment_codes_is_stopped_after_ten_tries(patient_client, org):
    ProgramFactory(organization=org, enrolment_code="REAL2026")
    for attempt in range(10):
        assert patient_client.post(reverse("discovery:program-join"), {"code": f"GUESS{attempt}"}).status_code == 422
    response = patient_client.post(reverse("discovery:program-join"), {"code": "REAL2026"})
    assert response.status_code == 429
    assert "Too many codes tried" in response.content.decode()
    assert not ProgramEnrolment.objects.exists()
