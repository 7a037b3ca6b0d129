"""The demo employer program, with a roster of six demo specialists."""

from accounts.models import User
from organizations.models import Organization, Program
from organizations.services import program_roster_set, program_save
from patients.selectors import intake_get_for_user
from patients.services import intake_save_step
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
    _seed_demo_patient_answers()
    return [
        f"program “{program.name}”: code {CODE}, roster of {program.roster.count()}",
        "patient@demo.daraport.test has answered the intake: their shortlist is at /patient/match/results/",
    ]


def _seed_demo_patient_answers() -> None:
    """The demo patient has told us what they look for, so a visitor sees a
    real shortlist with reasons straight away."""
    patient = User.objects.get(email="patient@demo.daraport.test")
    if intake_get_for_user(user=patient) is not None:
        return
    answers = {
        "goals": {
            "topics": ["anxiety", "sleep"],
            "goals_text": "Since starting a new job I worry at night and sleep badly.",
        },
        "preferences": {"languages": ["en", "pt"], "specialist_gender": "", "modalities": ["video"], "approaches": []},
        "constraints": {
            "budget_max_minor": 9000,
            "days": ["tue", "thu"],
            "times_of_day": ["evening"],
            "jurisdiction": "pt",
        },
    }
    for step, data in answers.items():
        intake_save_step(user=patient, step=step, data=data)
