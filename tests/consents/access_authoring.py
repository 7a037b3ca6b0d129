"""The authoring pages' rows of the access matrix (tests/test_access_matrix.py):
consent documents and intake forms in the organization portal and in the
specialist portal.

Organization pages behave like every organization page: its admins only,
another organization's admin gets 404. In the specialist portal both
organizations let their specialists write (set up here), so each specialist
opens the list and the "new" pages, and the sample items, which are
`specialist`'s own, do not exist for the other one (404). Changes are POST
only: a GET answers 405 before anything else.
"""

from consents.models import ConsentSettings
from consents.services import authoring
from organizations.models import Membership
from specialists.services import specialist_profile_get_or_create
from tests.access import LOGIN, ORG_PORTAL, Route, portal_home, row

ORG = {"org_slug": "org_slug"}
SPECIALIST_PAGE = portal_home("specialist", "other_specialist")
OWN_ONLY = row(403, anonymous=LOGIN, specialist=200, other_specialist=404)
POST_ONLY = row(405)


def _routes(prefix: str, base: dict, page: dict, item: dict, ids: str) -> dict[str, Route]:
    document = {**base, "public_id": f"author_{ids}_document_public_id"}
    form = {**base, "public_id": f"author_{ids}_form_public_id"}
    section = {**form, "index": "author_section_index"}
    question = {**form, "question_id": f"author_{ids}_question_id"}
    return {
        f"consents:{prefix}-home": Route(page, base, private=True),
        f"consents:{prefix}-document-create": Route(page, base, private=True),
        f"consents:{prefix}-document": Route(item, document, private=True),
        f"consents:{prefix}-document-publish": Route(item, document, private=True),
        f"consents:{prefix}-form-create": Route(page, base, private=True),
        f"consents:{prefix}-form": Route(item, form, private=True),
        f"consents:{prefix}-form-publish": Route(item, form, private=True),
        f"consents:{prefix}-form-new-version": Route(POST_ONLY, form),
        f"consents:{prefix}-section-add": Route(POST_ONLY, form),
        f"consents:{prefix}-section": Route(POST_ONLY, section),
        f"consents:{prefix}-section-delete": Route(POST_ONLY, section),
        f"consents:{prefix}-question-add": Route(POST_ONLY, form),
        f"consents:{prefix}-question": Route(item, question, private=True),
        f"consents:{prefix}-question-delete": Route(POST_ONLY, question),
        f"consents:{prefix}-question-move": Route(POST_ONLY, question),
    }


ROUTES: dict[str, Route] = {
    "consents:org-author-settings": Route(POST_ONLY, ORG),
    **_routes("org-author", ORG, ORG_PORTAL, ORG_PORTAL, "org"),
    **_routes("specialist-author", {}, SPECIALIST_PAGE, OWN_ONLY, "specialist"),
}


def _document_and_form(organization, by, specialist=None) -> tuple:
    document = authoring.consent_document_create(
        organization=organization, by=by, title="Consent", specialist=specialist
    )
    form = authoring.intake_form_create(organization=organization, by=by, title="Intake", specialist=specialist)
    question = authoring.build_question(kind="short_text", label="How can we help?")
    authoring.form_question_save(form=form, by=by, question=question)
    return document, form, question["id"]


def samples(personas, org) -> dict:
    """An organization-wide document and form of `org`, and `specialist`'s own."""
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    specialist_profile_get_or_create(user=personas["other_specialist"])
    for user in (personas["specialist"], personas["other_specialist"]):
        membership = Membership.objects.get(user=user, role=Membership.Role.SPECIALIST)
        ConsentSettings.objects.update_or_create(
            organization=membership.organization, defaults={"specialists_may_write": True}
        )
    org_document, org_form, org_question = _document_and_form(org, personas["org_admin"])
    own_document, own_form, own_question = _document_and_form(org, personas["specialist"], specialist=profile)
    return {
        "author_org_document_public_id": org_document.public_id,
        "author_org_form_public_id": org_form.public_id,
        "author_org_question_id": org_question,
        "author_specialist_document_public_id": own_document.public_id,
        "author_specialist_form_public_id": own_form.public_id,
        "author_specialist_question_id": own_question,
        "author_section_index": 0,
    }
