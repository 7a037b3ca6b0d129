"""Reads of specialist profiles and offerings, narrowed and eager-loaded.

The profile fragments (`specialists/_profile.html`, `_offerings.html`),
which the public directory shows too, expect a profile from
`specialist_profile_display_queryset()`: `tags` prefetched, `organization`
and `user` joined, and `offerings` prefetched with only the active ones, so
`profile.offerings.all` in a template lists what patients can book.
"""

from __future__ import annotations

from django.db.models import Case, Count, Prefetch, Q, QuerySet, When
from django.utils.translation import gettext as _

from core.models import Tag
from core.selectors import get_for_user
from organizations.models import Organization
from organizations.selectors import specialist_members_of

from .models import Offering, SpecialistProfile

Status = SpecialistProfile.Status


def specialist_profile_display_queryset(queryset: QuerySet | None = None) -> QuerySet[SpecialistProfile]:
    """Profiles with everything the profile fragments touch, in three queries."""
    queryset = SpecialistProfile.objects.all() if queryset is None else queryset
    return queryset.select_related("organization", "user").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("kind", "name")),
        Prefetch(
            "offerings", queryset=Offering.objects.filter(is_active=True).order_by("position", "price_minor", "pk")
        ),
    )


def specialist_profile_for_display(*, profile: SpecialistProfile) -> SpecialistProfile:
    """`profile` again, loaded the way the profile fragments need it."""
    return specialist_profile_display_queryset().get(pk=profile.pk)


def specialist_profile_missing(*, profile: SpecialistProfile) -> list[str]:
    """What a profile still needs before it can be submitted for approval."""
    kinds = {tag.kind for tag in profile.tags.all()}
    missing = []
    if not profile.display_name.strip():
        missing.append(_("Add the name patients will see."))
    if not profile.bio.strip():
        missing.append(_("Write a few sentences about how you work."))
    if Tag.Kind.SPECIALIZATION not in kinds:
        missing.append(_("Choose at least one specialization."))
    if Tag.Kind.LANGUAGE not in kinds:
        missing.append(_("Choose the languages you work in."))
    return missing


def specialist_profile_for_user(*, user) -> SpecialistProfile | None:
    """The user's own profile, or None if they have not opened it yet."""
    return SpecialistProfile.objects.select_related("organization").filter(user=user).first()


def offering_list_for_specialist(*, profile: SpecialistProfile) -> QuerySet[Offering]:
    """All of a specialist's offerings, the ones on sale first."""
    return Offering.objects.filter(specialist=profile).order_by("-is_active", "position", "price_minor")


def offering_get_for_user(*, user, public_id) -> Offering:
    """One of the user's own offerings that is still on sale; anything else is 404."""
    queryset = Offering.objects.select_related("specialist", "specialist__organization").filter(
        specialist__user=user, is_active=True
    )
    return get_for_user(queryset, public_id)


def specialist_profile_list_for_organization(
    *, organization: Organization, status: str | None = None
) -> QuerySet[SpecialistProfile]:
    """The organization's specialists for its admins: waiting ones first."""
    queryset = SpecialistProfile.objects.filter(organization=organization)
    if status:
        queryset = queryset.filter(status=status)
    return (
        queryset.select_related("user")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.filter(kind=Tag.Kind.SPECIALIZATION)))
        .annotate(
            offering_count=Count("offerings", filter=Q(offerings__is_active=True)),
            waiting=Case(When(status=Status.PENDING, then=0), default=1),
        )
        .order_by("waiting", "display_name")
    )


def specialist_profile_counts_for_organization(*, organization: Organization) -> dict[str, int]:
    """Profiles per status (and "all"), in one query."""
    counts = SpecialistProfile.objects.filter(organization=organization).aggregate(
        all=Count("pk"), **{status.value: Count("pk", filter=Q(status=status)) for status in Status}
    )
    return counts


def specialist_profile_pending_count(*, organization: Organization) -> int:
    return SpecialistProfile.objects.filter(organization=organization, status=Status.PENDING).count()


def specialist_members_without_profile_count(*, organization: Organization) -> int:
    """Specialists of the organization who have not opened their profile yet."""
    return specialist_members_of(organization=organization).filter(specialist_profile__isnull=True).count()


def specialist_profile_get_for_org_admin(*, organization: Organization, public_id) -> SpecialistProfile:
    """A profile of `organization`, loaded for review; another organization's is 404."""
    return get_for_user(
        specialist_profile_display_queryset(SpecialistProfile.objects.filter(organization=organization)), public_id
    )
