import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError

from organizations import selectors, services
from organizations.models import Membership, ProgramEnrolment, ProgramRosterEntry
from tests.accounts.factories import UserFactory
from tests.conftest import member
from tests.organizations.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def test_joining_by_code_ignores_case_and_spaces_and_makes_a_patient(org):
    program = ProgramFactory(organization=org, enrolment_code="WELLBEING2026")
    patient = UserFactory()
    enrolment = services.program_enrol_by_code(code=" wellbeing 2026 ", patient=patient)
    assert (enrolment.program, enrolment.via) == (program, "code")
    assert Membership.objects.filter(user=patient, organization=org, role="patient").exists()
    assert services.program_enrol_by_code(code="WELLBEING2026", patient=patient) == enrolment


def test_an_unknown_or_closed_code_says_so_and_stores_nothing(org):
    ProgramFactory(organization=org, enrolment_code="CLOSED1", is_active=False)
    patient = UserFactory()
    for code in ["NOPE", "CLOSED1"]:
        with pytest.raises(ValidationError, match="could not find a program"):
            services.program_enrol_by_code(code=code, patient=patient)
    assert not ProgramEnrolment.objects.exists()


def test_a_verified_work_address_joins_the_employers_program(org):
    program = ProgramFactory(organization=org, email_domains="acme.example.test other.example.test")
    ProgramFactory(organization=org, email_domains="elsewhere.example.test")
    patient = UserFactory(email="sam@acme.example.test")
    [enrolment] = services.program_enrol_by_email_domain(patient=patient)
    assert (enrolment.program, enrolment.via) == (program, "domain")


def test_an_unverified_address_joins_nothing(org):
    ProgramFactory(organization=org, email_domains="acme.example.test")
    patient = UserFactory(email="sam@acme.example.test", verified=False)
    EmailAddress.objects.create(user=patient, email=patient.email, verified=False, primary=True)
    assert services.program_enrol_by_email_domain(patient=patient) == []


def test_the_roster_takes_only_the_organizations_specialists(org, other_org):
    program = ProgramFactory(organization=org)
    ours = member(org, Membership.Role.SPECIALIST)
    theirs = member(other_org, Membership.Role.SPECIALIST)
    with pytest.raises(ValidationError):
        services.program_roster_set(program=program, by=None, capacities={ours: 3, theirs: 3})
    assert not ProgramRosterEntry.objects.exists()
    services.program_roster_set(program=program, by=None, capacities={ours: 3})
    services.program_roster_set(program=program, by=None, capacities={ours: 5})
    assert list(program.roster.values_list("specialist", "capacity")) == [(ours.pk, 5)]


def test_enrolled_patients_see_only_the_roster(org):
    program = ProgramFactory(organization=org)
    on_roster = member(org, Membership.Role.SPECIALIST)
    services.program_roster_set(program=program, by=None, capacities={on_roster: 3})
    patient = UserFactory()
    assert selectors.program_roster_user_ids_for_patient(user=patient) is None
    services.program_enrol(program=program, patient=patient, via="code")
    assert selectors.program_roster_user_ids_for_patient(user=patient) == {on_roster.pk}


def test_an_admin_sets_up_a_program_with_its_own_questions_in_the_portal(client, personas, org):
    from django.urls import reverse

    client.force_login(personas["org_admin"])
    response = client.post(
        reverse("organizations:programs", args=[org.slug]),
        {
            "action": "program",
            "name": "Staff care",
            "enrolment_code": "staff-2026",
            "assignment_rule": "round_robin",
            "matching_questions": ["topics", "languages"],
            "is_active": "on",
            "organization": "other",
        },
    )
    program = org.programs.get()
    assert response["Location"] == reverse("organizations:program", args=[org.slug, program.public_id])
    assert (program.enrolment_code, program.matching_questions) == ("STAFF-2026", ["topics", "languages"])
    bad = client.post(
        reverse("organizations:programs", args=[org.slug]),
        {
            "action": "program",
            "name": "Copy",
            "enrolment_code": "STAFF-2026",
            "assignment_rule": "nonsense",
            "matching_questions": ["x"],
        },
    )
    assert bad.status_code == 422
    assert "Another program already uses this code." in bad.content.decode()
    assert org.programs.count() == 1


def test_a_program_page_shows_its_enrolment_link(client, personas, org):
    from django.urls import reverse

    program = ProgramFactory(organization=org, enrolment_code="LINK2026")
    client.force_login(personas["org_admin"])
    html = client.get(reverse("organizations:program", args=[org.slug, program.public_id])).content.decode()
    assert "/join/LINK2026/" in html


def test_an_admin_puts_specialists_on_the_roster_with_a_capacity(client, personas, org):
    from django.urls import reverse

    program = ProgramFactory(organization=org)
    specialist = personas["specialist"]
    url = reverse("organizations:program", args=[org.slug, program.public_id])
    client.force_login(personas["org_admin"])
    response = client.post(url, {"action": "roster", f"on_{specialist.pk}": "on", f"capacity_{specialist.pk}": "4"})
    assert response.status_code == 302
    assert list(program.roster.values_list("specialist", "capacity")) == [(specialist.pk, 4)]
    bad = client.post(url, {"action": "roster", f"on_{specialist.pk}": "on", f"capacity_{specialist.pk}": "0"})
    assert bad.status_code == 422
    assert list(program.roster.values_list("capacity", flat=True)) == [4]


def test_an_admin_chooses_the_questions_for_patients_outside_programs(client, personas, org):
    from django.urls import reverse

    client.force_login(personas["org_admin"])
    url = reverse("organizations:programs", args=[org.slug])
    client.post(url, {"action": "questions", "matching_questions": ["topics", "budget", "languages"]})
    org.refresh_from_db()
    assert org.matching_questions == ["topics", "languages", "budget"] or set(org.matching_questions) == {
        "topics",
        "budget",
        "languages",
    }
    assert client.post(url, {"action": "questions", "matching_questions": ["nonsense"]}).status_code == 422
    org.refresh_from_db()
    assert set(org.matching_questions) == {"topics", "budget", "languages"}
