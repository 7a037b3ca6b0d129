"""The demo employer program, with a roster of six demo specialists."""

from organizations.models import Organization, Program
from organizations.services import program_roster_set, program_save
from specialists.models import SpecialistProfile

CODE = "WELLBEING2026"


def seed() -> list[str]:
    org = Organization.objects.get(slug="daraport-demo-clinic")
    program = Program.objects.filter(enrolment_code=CODE).first()
    if program is None:
        program = program_save(
            organization=org,
            by=None,
            name="Employee Wellbeing (demo)",
            description="Up to eight free sessions a year for staff of a made-up employer, with a specialist "
            "from a hand-picked roster. Everything you share stays between you and your specialist.",
            enrolment_code=CODE,
            email_domains="wellbeing.demo.daraport.test",
            assignment_rule=Program.AssignmentRule.PATIENT_CHOOSES,
            is_active=True,
        )
    if not program.roster.exists():
        profiles = (
            SpecialistProfile.objects.filter(
                organization=org, status=SpecialistProfile.Status.APPROVED, accepting_new_patients=True
            )
            .select_related("user")
            .order_by("display_name")[:6]
        )
        program_roster_set(program=program, by=None, capacities={profile.user: 8 for profile in profiles})
    return [f"program “{program.name}”: code {CODE}, roster of {program.roster.count()}"]
