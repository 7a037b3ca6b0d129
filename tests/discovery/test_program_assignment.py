"""Program rules: round-robin is fair and respects capacity, least-loaded
fills the emptiest, best-match takes the top match with room."""

from collections import Counter

import pytest

from care.models import CareRelationship
from discovery.matching import Candidate, Match
from discovery.services import program_assign
from organizations.models import Program, ProgramRosterEntry
from tests.accounts.factories import UserFactory
from tests.care.factories import CareRelationshipFactory
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import SpecialistProfileFactory

pytestmark = pytest.mark.django_db


def program_with_roster(org, rule, capacities):
    program = ProgramFactory(organization=org, assignment_rule=rule)
    profiles = []
    for index, capacity in enumerate(capacities):
        profile = SpecialistProfileFactory(organization=org, display_name=f"Specialist {index}")
        ProgramRosterEntry.objects.create(program=program, specialist=profile.user, capacity=capacity)
        profiles.append(profile)
    return program, profiles


def assign_many(program, count):
    return [program_assign(patient=UserFactory(), program=program) for _ in range(count)]


def test_round_robin_takes_turns_and_stops_at_capacity(org):
    program, _profiles = program_with_roster(org, Program.AssignmentRule.ROUND_ROBIN, [2, 2, 2])
    results = assign_many(program, 7)
    assigned = [r.specialist.display_name if r else None for r in results]
    assert assigned[:3] == ["Specialist 0", "Specialist 1", "Specialist 2"]
    assert assigned[3:6] == ["Specialist 0", "Specialist 1", "Specialist 2"]
    assert assigned[6] is None  # everyone is full
    assert Counter(a for a in assigned if a) == {"Specialist 0": 2, "Specialist 1": 2, "Specialist 2": 2}


def test_round_robin_skips_full_specialists_and_counts_only_this_programs_patients(org):
    program, profiles = program_with_roster(org, Program.AssignmentRule.ROUND_ROBIN, [1, 3])
    CareRelationshipFactory(specialist=profiles[0])  # outside the program: does not count
    assigned = [r.specialist.display_name for r in assign_many(program, 4)]
    assert assigned == ["Specialist 0", "Specialist 1", "Specialist 1", "Specialist 1"]


def test_least_loaded_fills_the_emptiest_first(org):
    program, profiles = program_with_roster(org, Program.AssignmentRule.LEAST_LOADED, [5, 5, 5])
    for _ in range(2):
        CareRelationshipFactory(specialist=profiles[0], program=program)
    CareRelationshipFactory(specialist=profiles[1], program=program)
    assigned = [r.specialist.display_name for r in assign_many(program, 3)]
    assert assigned == ["Specialist 2", "Specialist 1", "Specialist 2"]


def test_best_match_takes_the_highest_ranked_match_with_room(org):
    program, profiles = program_with_roster(org, Program.AssignmentRule.BEST_MATCH, [1, 1])

    def match(profile, points):
        return Match(
            Candidate(profile.pk, profile.user_id, profile.slug, profile.display_name, "", True, 1), points, ()
        )

    ranked = [match(profiles[1], 90), match(profiles[0], 10)]
    first = program_assign(patient=UserFactory(), program=program, matches=ranked)
    second = program_assign(patient=UserFactory(), program=program, matches=ranked)
    assert (first.specialist, second.specialist) == (profiles[1], profiles[0])
    assert program_assign(patient=UserFactory(), program=program, matches=ranked) is None


def test_assignment_is_idempotent_per_patient(org):
    program, _profiles = program_with_roster(org, Program.AssignmentRule.ROUND_ROBIN, [3, 3])
    patient = UserFactory()
    first = program_assign(patient=patient, program=program)
    assert program_assign(patient=patient, program=program) == first
    assert CareRelationship.objects.filter(patient=patient).count() == 1


def test_unapproved_or_not_accepting_specialists_are_never_assigned(org):
    program, profiles = program_with_roster(org, Program.AssignmentRule.ROUND_ROBIN, [3, 3])
    profiles[0].status = "pending"
    profiles[0].save()
    profiles[1].accepting_new_patients = False
    profiles[1].save()
    assert program_assign(patient=UserFactory(), program=program) is None


def test_patient_chooses_programs_assign_nobody(org):
    program, _profiles = program_with_roster(org, Program.AssignmentRule.PATIENT_CHOOSES, [3])
    assert program_assign(patient=UserFactory(), program=program) is None


def test_choosing_from_a_programs_roster_counts_against_its_capacity(org):
    from discovery.services import specialist_choose
    from organizations.services import program_enrol

    program, profiles = program_with_roster(org, Program.AssignmentRule.PATIENT_CHOOSES, [1])
    patient = UserFactory()
    program_enrol(program=program, patient=patient, via="code")
    relationship = specialist_choose(patient=patient, profile=profiles[0])
    assert relationship.program == program
    assert program_assign(patient=UserFactory(), program=program) is None  # the one place is taken
