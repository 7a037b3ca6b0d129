from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from core.portals import Portal, PortalAccess
from core.selectors import get_for_user

from .models import Membership, Organization, Program, ProgramRosterEntry, TermsDocument

_PORTAL_ORDER = [Portal.PATIENT, Portal.SPECIALIST, Portal.ORGANIZATION, Portal.AFFILIATE]


def membership_list_for_user(*, user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, is_active=True).select_related("organization")


def portal_accesses_for_user(user) -> list[PortalAccess]:
    """The role switcher's entries: one per portal, one per administered organization."""
    single = {
        Portal.PATIENT: (_("Patient"), reverse("core:patient-home")),
        Portal.SPECIALIST: (_("Specialist"), reverse("core:specialist-home")),
        Portal.AFFILIATE: (_("Affiliate"), reverse("affiliates:home")),
    }
    accesses: dict[tuple, PortalAccess] = {}
    for membership in membership_list_for_user(user=user):
        portal = membership.portal
        if portal == Portal.ORGANIZATION:
            org = membership.organization
            accesses[(portal, org.slug)] = PortalAccess(
                portal, org.name, reverse("organizations:home", args=[org.slug]), org.slug
            )
        else:
            label, url = single[portal]
            accesses[(portal, None)] = PortalAccess(portal, label, url)
    return sorted(accesses.values(), key=lambda access: (_PORTAL_ORDER.index(access.portal), access.label))


def sso_app_ids_for_user(*, user) -> set[int]:
    """The single sign-on apps of the organizations `user` belongs to."""
    return set(
        membership_list_for_user(user=user)
        .filter(organization__sso_app__isnull=False)
        .values_list("organization__sso_app_id", flat=True)
    )


def organization_get_default() -> Organization | None:
    """The organization whose brand and terms public pages and sign-up use."""
    org = Organization.objects.filter(slug=settings.DEFAULT_ORGANIZATION_SLUG).first()
    return org or Organization.objects.order_by("created_at").first()


def organization_get_for_admin(*, user, slug: str) -> Organization:
    """The organization `slug` if `user` administers it, else 404."""
    org = Organization.objects.filter(
        slug=slug, memberships__user=user, memberships__role=Membership.Role.ADMIN, memberships__is_active=True
    ).first()
    if org is None:
        raise Http404
    return org


def organization_list_for_admin(*, user) -> QuerySet[Organization]:
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.ADMIN, memberships__is_active=True
    ).distinct()


def organization_for_brand(*, user, org_slug: str | None) -> Organization | None:
    """Whose colours a page wears: the organization in the URL, the user's own, or the default."""
    if org_slug:
        org = Organization.objects.filter(slug=org_slug).first()
        if org:
            return org
    if user.is_authenticated:
        membership = membership_list_for_user(user=user).order_by("created_at").first()
        if membership:
            return membership.organization
    return organization_get_default()


def membership_list_for_organization(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization, is_active=True)
        .select_related("user")
        .order_by("user__email", "role")
    )


def terms_current_for_organization(*, organization: Organization) -> list[TermsDocument]:
    """The newest version of each kind of document the organization publishes
    (terms first, then privacy), in one query."""
    current: dict[str, TermsDocument] = {}
    for document in TermsDocument.objects.filter(organization=organization).order_by("kind", "-version"):
        current.setdefault(document.kind, document)
    return sorted(current.values(), key=lambda doc: doc.kind, reverse=True)


def terms_pending_for_user(*, user) -> list[TermsDocument]:
    """Current documents of the user's organizations that they have not accepted."""
    org_ids = set(membership_list_for_user(user=user).values_list("organization_id", flat=True))
    if not org_ids:
        default = organization_get_default()
        org_ids = {default.pk} if default else set()
    pending = []
    for org in Organization.objects.filter(pk__in=org_ids):
        for document in terms_current_for_organization(organization=org):
            if not document.acceptances.filter(user=user).exists():
                pending.append(document)
    return pending


def terms_history_for_organization(*, organization: Organization) -> QuerySet[TermsDocument]:
    return TermsDocument.objects.filter(organization=organization).order_by("kind", "-version")


def membership_counts_for_organization(*, organization: Organization) -> dict[str, int]:
    """Active people per role, keyed by the role's label, in one query."""
    counts = Membership.objects.filter(organization=organization).aggregate(
        **{role.value: Count("pk", filter=Q(role=role, is_active=True)) for role in Membership.Role}
    )
    plural = {
        Membership.Role.PATIENT: _("Patients"),
        Membership.Role.SPECIALIST: _("Specialists"),
        Membership.Role.ADMIN: _("Admins"),
        Membership.Role.AFFILIATE: _("Affiliates"),
    }
    return {plural[Membership.Role(role)]: count for role, count in counts.items()}


def program_list_for_patient(*, user) -> QuerySet[Program]:
    return Program.objects.filter(enrolments__patient=user).select_related("organization")


def program_roster_user_ids_for_patient(*, user) -> set[int] | None:
    """Specialist user ids a patient may see, or None when no program limits them.

    A patient enrolled in one or more programs sees only those programs'
    rosters, in the directory and in matching.
    """
    if not user.is_authenticated:
        return None
    programs = list(program_list_for_patient(user=user).values_list("pk", flat=True))
    if not programs:
        return None
    return set(ProgramRosterEntry.objects.filter(program__in=programs).values_list("specialist_id", flat=True))


def program_list_for_organization(*, organization: Organization) -> QuerySet[Program]:
    return (
        Program.objects.filter(organization=organization)
        .annotate(roster_size=Count("roster", distinct=True), members=Count("enrolments", distinct=True))
        .order_by("name")
    )


def program_get_for_admin(*, organization: Organization, public_id) -> Program:
    return get_for_user(Program.objects.filter(organization=organization), public_id)


def specialist_members_of(*, organization: Organization):
    """Users holding an active specialist role in the organization."""
    return (
        get_user_model()
        .objects.filter(
            memberships__organization=organization,
            memberships__role=Membership.Role.SPECIALIST,
            memberships__is_active=True,
        )
        .order_by("full_name", "email")
    )


def program_get_open_by_code(*, code: str) -> Program:
    """An open program by its enrolment code (from a link), else 404."""
    program = Program.objects.filter(enrolment_code="".join(code.split()).upper(), is_active=True).first()
    if program is None:
        raise Http404
    return program
