"""The public directory's rows of the access matrix (tests/test_access_matrix.py).

Everyone, signed in or not, may browse the directory, compare and read a
public profile. What narrows the list (approval, program rosters) is tested
in tests/discovery/test_directory_views.py; no persona here is enrolled in a
program, so all of them see the sample profile.
"""

from tests.access import LOGIN, PUBLIC, Redirect, Route, portal_home, row
from tests.organizations.factories import ProgramFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

ROUTES: dict[str, Route] = {
    "discovery:directory": Route(PUBLIC),
    "discovery:compare": Route(PUBLIC),
    "discovery:profile": Route(PUBLIC, {"slug": "public_specialist_slug"}),
    # Patient-side discovery: the questionnaire, its shortlist, choosing, joining a program.
    "discovery:choose": Route(row(405), {"slug": "public_specialist_slug"}),  # POST only
    "discovery:match": Route(portal_home("patient_a", "patient_b"), private=True),
    "discovery:match-results": Route(  # patient_a answered (tests/patients/access.py); patient_b goes to the questions
        row(403, anonymous=LOGIN, patient_a=200, patient_b=Redirect("discovery:match")),
        private=True,
    ),
    "discovery:program-join": Route(portal_home("patient_a", "patient_b"), private=True),
    "discovery:program-join-link": Route(portal_home("patient_a", "patient_b"), {"code": "program_code"}, private=True),
}


def samples(personas, org) -> dict:
    """An approved specialist of `org` with an offering, for the profile route."""
    profile = SpecialistProfileFactory(organization=org, display_name="Sample Specialist", specializations=["anxiety"])
    OfferingFactory(specialist=profile)
    return {"public_specialist_slug": profile.slug, "program_code": ProgramFactory(organization=org).enrolment_code}
