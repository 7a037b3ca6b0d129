"""Writes of discovery: choosing a specialist, allocating by program rule."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import CareRelationship
from care.selectors import active_patient_counts
from care.services import care_relationship_start
from organizations.models import Program, ProgramRosterEntry
from specialists.models import SpecialistProfile

from .matching import Match


def specialist_choose(
    *, patient, profile: SpecialistProfile, source: str = CareRelationship.Source.CHOSEN
) -> CareRelationship:
    """The patient picks this specialist: their care relationship starts.

    `profile` has already passed the visibility check (discovery.selectors).
    Chosen from a program's roster, the relationship belongs to that program
    and counts against the specialist's capacity there.
    """
    if (
        not profile.accepting_new_patients
        and not CareRelationship.objects.filter(
            patient=patient, specialist=profile, status=CareRelationship.Status.ACTIVE
        ).exists()
    ):
        raise ValidationError(_("%(name)s is not taking new patients right now.") % {"name": profile.display_name})
    program = Program.objects.filter(enrolments__patient=patient, roster__specialist=profile.user).first()
    return care_relationship_start(patient=patient, specialist=profile, source=source, program=program)


def _free_entries(program: Program) -> list[tuple[ProgramRosterEntry, SpecialistProfile, int]]:
    """Roster entries with room left, each with its public profile and load."""
    entries = list(
        ProgramRosterEntry.objects.select_for_update()
        .filter(program=program)
        .order_by(F("last_assigned_at").asc(nulls_first=True), "created_at")
    )
    profiles = {
        p.user_id: p
        for p in SpecialistProfile.objects.filter(
            user_id__in=[e.specialist_id for e in entries],
            status=SpecialistProfile.Status.APPROVED,
            accepting_new_patients=True,
        )
    }
    loads = active_patient_counts(specialist_ids=[p.pk for p in profiles.values()], program=program)
    return [
        (entry, profiles[entry.specialist_id], loads.get(profiles[entry.specialist_id].pk, 0))
        for entry in entries
        if entry.specialist_id in profiles and loads.get(profiles[entry.specialist_id].pk, 0) < entry.capacity
    ]


@transaction.atomic
def program_assign(*, patient, program: Program, matches: list[Match] | None = None) -> CareRelationship | None:
    """Give a program member a specialist by the program's rule.

    Round-robin takes the roster entry served longest ago; least-loaded the
    one with the fewest active members of this program; best-match the
    highest-ranked match with room. Full rosters assign nobody (None): the
    member then chooses from the directory. Roster rows are locked, so two
    members joining at once cannot both take the last place.
    """
    existing = CareRelationship.objects.filter(patient=patient, program=program, status="active").first()
    if existing:
        return existing
    free = _free_entries(program)
    if not free:
        return None
    rule = program.assignment_rule
    if rule == Program.AssignmentRule.ROUND_ROBIN:
        entry, profile, _load = free[0]
    elif rule == Program.AssignmentRule.LEAST_LOADED:
        entry, profile, _load = min(free, key=lambda item: (item[2], item[2] / item[0].capacity, item[1].display_name))
    elif rule == Program.AssignmentRule.BEST_MATCH and matches:
        by_profile = {profile.pk: (entry, profile) for entry, profile, _load in free}
        best = next((m for m in matches if m.candidate.id in by_profile), None)
        if best is None:
            return None
        entry, profile = by_profile[best.candidate.id]
    else:
        return None
    entry.last_assigned_at = timezone.now()
    entry.save(update_fields=["last_assigned_at", "updated_at"])
    return care_relationship_start(
        patient=patient, specialist=profile, source=CareRelationship.Source.ASSIGNED, program=program
    )
