"""Reads for the public directory: who may be seen, filtered, sorted, paged.

Every function here starts from `specialist_list_visible`, so the rule of who
is public lives in one place: an approved profile whose owner still holds an
active specialist membership in the profile's organization, and, for a
patient enrolled in programs, only those programs' rosters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from booking.selectors import next_available_annotate
from care.selectors import care_relationship_list_for_patient
from core.models import Tag
from organizations.models import Membership
from organizations.selectors import program_roster_user_ids_for_patient
from specialists.models import Offering, SpecialistProfile
from specialists.selectors import specialist_profile_display_queryset

if TYPE_CHECKING:
    from collections.abc import Sequence

PAGE_SIZE = 20
COMPARE_MAX = 3
# Longer queries are cut: they only slow the database without finding more.
SEARCH_MAX_TERMS = 5


# The tag kinds a directory card and profile show, in display order.
class Sort:
    RELEVANCE = "relevance"
    PRICE = "price"
    # The stored next free time (booking.NextAvailability), the unknown last.
    AVAILABILITY = "availability"


# The most days ahead `available_within_days` accepts: the longest horizon.
AVAILABLE_WITHIN_MAX_DAYS = 365


@dataclass(frozen=True)
class DirectoryFilters:
    """What a visitor asked the directory for, already cleaned.

    Tag filters are slugs: any of the slugs within one kind, every kind
    given (a German or English speaker who works with anxiety). Prices are
    integer minor units compared with a specialist's cheapest active offering.
    `available_within_days` keeps those with a free time that soon.
    """

    q: str = ""
    specializations: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    gender: str = ""
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    available_within_days: int | None = None
    sort: str = Sort.RELEVANCE

    @property
    def search_terms(self) -> list[str]:
        return self.q.split()[:SEARCH_MAX_TERMS]

    @property
    def tag_filters(self) -> dict[str, tuple[str, ...]]:
        """Tag kind → slugs asked for, only the kinds with any."""
        by_kind = {
            Tag.Kind.SPECIALIZATION: self.specializations,
            Tag.Kind.LANGUAGE: self.languages,
            Tag.Kind.MODALITY: self.modalities,
        }
        return {kind: slugs for kind, slugs in by_kind.items() if slugs}

    @property
    def is_filtered(self) -> bool:
        numbers = (self.min_price_minor, self.max_price_minor, self.available_within_days)
        return bool(self.q or self.tag_filters or self.gender) or any(n is not None for n in numbers)


class ProfileHidden(Http404):
    """A profile exists but this viewer may not see it: still a 404, but the
    view records the denied attempt against the profile."""

    def __init__(self, profile: SpecialistProfile):
        super().__init__()
        self.profile = profile


def directory_tag_list() -> list[Tag]:
    """The taxonomy the directory filters offer, in one query."""
    kinds = [Tag.Kind.SPECIALIZATION, Tag.Kind.LANGUAGE, Tag.Kind.MODALITY]
    return list(Tag.objects.filter(kind__in=kinds).order_by("kind", "name"))


def specialist_list_visible(*, viewer) -> QuerySet[SpecialistProfile]:
    """Profiles `viewer` may see (anonymous: `None` or an AnonymousUser).

    Approved, with an active user and an active specialist membership in the
    profile's organization; a patient enrolled in programs sees only those
    programs' rosters (one or two small queries to learn them).
    """
    active_membership = Membership.objects.filter(
        user_id=OuterRef("user_id"),
        organization_id=OuterRef("organization_id"),
        role=Membership.Role.SPECIALIST,
        is_active=True,
    )
    profiles = SpecialistProfile.objects.filter(
        Exists(active_membership), status=SpecialistProfile.Status.APPROVED, user__is_active=True
    )
    if viewer is not None:
        roster = program_roster_user_ids_for_patient(user=viewer)
        if roster is not None:
            profiles = profiles.filter(user_id__in=roster)
    return profiles


def _with_public_details(
    profiles: QuerySet[SpecialistProfile], now: datetime | None = None
) -> QuerySet[SpecialistProfile]:
    """What cards and profile pages show (the specialists app's display
    queryset) plus the cheapest active price and the next free time
    (`booking.selectors.next_available_annotate`), all in the same query."""
    cheapest = Offering.objects.filter(specialist_id=OuterRef("pk"), is_active=True).order_by("price_minor", "pk")
    return next_available_annotate(
        specialist_profile_display_queryset(profiles).annotate(
            min_price_minor=Subquery(cheapest.values("price_minor")[:1]),
            min_price_currency=Subquery(cheapest.values("currency")[:1]),
        ),
        now=now,
    )


def _tagged(kind: str, slugs: Sequence[str]) -> QuerySet:
    return SpecialistProfile.tags.through.objects.filter(
        specialistprofile_id=OuterRef("pk"), tag__kind=kind, tag__slug__in=slugs
    )


def _order_by_relevance(profiles: QuerySet, filters: DirectoryFilters) -> QuerySet:
    """Search hits in the name first, then in the headline, then the profiles
    that match more of the asked-for tags, then by name."""
    terms = filters.search_terms

    def hits(field: str):
        if not terms:
            return Value(0, output_field=IntegerField())
        total = None
        for term in terms:
            hit = Case(When(**{f"{field}__icontains": term}, then=1), default=0, output_field=IntegerField())
            total = hit if total is None else total + hit
        return total

    wanted = Q()
    for kind, slugs in filters.tag_filters.items():
        wanted |= Q(tag__kind=kind, tag__slug__in=slugs)
    if filters.tag_filters:
        matched_count = (
            SpecialistProfile.tags.through.objects.filter(wanted, specialistprofile_id=OuterRef("pk"))
            .order_by()
            .values("specialistprofile_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        matched = Coalesce(Subquery(matched_count, output_field=IntegerField()), 0)
    else:
        matched = Value(0, output_field=IntegerField())
    return profiles.annotate(
        name_hits=hits("display_name"), headline_hits=hits("headline"), matched_tags=matched
    ).order_by("-name_hits", "-headline_hits", "-matched_tags", "display_name", "pk")


def specialist_directory(*, viewer, filters: DirectoryFilters, page_number, now: datetime | None = None) -> Page:
    """One page of the public directory for `viewer`, filtered and sorted.

    Profiles carry `tag_groups`, their active offerings (`offerings.all`),
    `organization` and `user`, the cheapest active price as
    `min_price_minor` / `min_price_currency`, and the next free time as
    `next_available_at` and the rest of `next_available_annotate`. The
    "within N days" filter counts 24-hour days from `now`. The number of queries
    does not depend on the filters or the size of the result: a count, the
    page, its tags and its offerings (plus the viewer's roster, if any).
    `page_number` is whatever the visitor sent; a bad one shows page 1 and a
    too-large one the last page.
    """
    now = now or timezone.now()
    profiles = _with_public_details(specialist_list_visible(viewer=viewer), now)
    for kind, slugs in filters.tag_filters.items():
        profiles = profiles.filter(Exists(_tagged(kind, slugs)))
    if filters.gender:
        profiles = profiles.filter(gender=filters.gender)
    if filters.min_price_minor is not None:
        profiles = profiles.filter(min_price_minor__gte=filters.min_price_minor)
    if filters.max_price_minor is not None:
        profiles = profiles.filter(min_price_minor__lte=filters.max_price_minor)
    for term in filters.search_terms:
        profiles = profiles.filter(
            Q(display_name__icontains=term) | Q(headline__icontains=term) | Q(bio__icontains=term)
        )
    if filters.available_within_days is not None:
        until = now + timedelta(days=filters.available_within_days)
        profiles = profiles.filter(next_available_at__lte=until)
    if filters.sort == Sort.PRICE:
        profiles = profiles.order_by(F("min_price_minor").asc(nulls_last=True), "display_name", "pk")
    elif filters.sort == Sort.AVAILABILITY:
        profiles = profiles.order_by(F("next_available_at").asc(nulls_last=True), "display_name", "pk")
    else:
        profiles = _order_by_relevance(profiles, filters)
    page = Paginator(profiles, PAGE_SIZE).get_page(page_number)
    page.object_list = list(page.object_list)
    return page


def specialist_profile_get_for_viewer(*, viewer, slug: str) -> SpecialistProfile:
    """The public profile `slug` with its details, if `viewer` may see it.

    Raises `ProfileHidden` (a 404) when the profile exists but is not
    approved, not active or not on the viewer's program roster, so the view
    can record the denial; a plain `Http404` when there is no such profile.
    """
    profile = _with_public_details(specialist_list_visible(viewer=viewer)).filter(slug=slug).first()
    if profile is None:
        hidden = SpecialistProfile.objects.filter(slug=slug).only("pk", "public_id").first()
        if hidden is not None:
            raise ProfileHidden(hidden)
        raise Http404
    return profile


def specialist_list_by_slugs(*, viewer, slugs: Sequence[str]) -> list[SpecialistProfile]:
    """The visible profiles among `slugs`, in the order given, with the
    details a directory card shows (compare, the matching shortlist).

    Hidden and unknown slugs are left out alike, so comparing does not tell
    which profiles exist.
    """
    found = {
        profile.slug: profile
        for profile in _with_public_details(specialist_list_visible(viewer=viewer)).filter(slug__in=list(slugs))
    }
    profiles = [found[slug] for slug in slugs if slug in found]
    return profiles


def specialist_is_in_care_with(*, patient, profile: SpecialistProfile) -> bool:
    """Whether `patient` already has an active care relationship with `profile`."""
    return care_relationship_list_for_patient(user=patient).filter(specialist=profile).exists()
