"""Guided matching: hard constraints filter, soft preferences rank.

Pure and deterministic: the same criteria and candidates always give the
same shortlist in the same order, each with the reasons in plain words.
Candidates are the profiles the directory would show the same person
(discovery.selectors.specialist_list_visible), loaded in a fixed number of
queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from core.models import Tag
from core.money import Money
from specialists.models import Offering, SpecialistProfile

from .selectors import specialist_list_visible

# Points per soft match. Topics matter most: they are why the person came.
TOPIC_POINTS = 30
GENDER_POINTS = 15
MODALITY_POINTS = 10
APPROACH_POINTS = 8


@dataclass(frozen=True)
class Criteria:
    topics: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    specialist_gender: str = ""
    modalities: frozenset[str] = frozenset()
    approaches: frozenset[str] = frozenset()
    budget_minor: int | None = None
    currency: str = "EUR"
    jurisdiction: str = ""


@dataclass(frozen=True)
class Candidate:
    id: int
    user_id: int
    slug: str
    name: str
    gender: str
    accepting: bool
    min_price_minor: int | None
    tags: dict[str, frozenset[str]] = field(default_factory=dict)

    def has(self, kind: str) -> frozenset[str]:
        return self.tags.get(kind, frozenset())


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    score: int
    reasons: tuple[str, ...]

    @property
    def reason_text(self) -> str:
        return " · ".join(self.reasons)


TagNames = dict[tuple[str, str], str]


def tag_names() -> TagNames:
    return {(kind, slug): name for kind, slug, name in Tag.objects.values_list("kind", "slug", "name")}


def _listed(names: TagNames, kind: str, slugs) -> str:
    """ "German", "German and French", "German, French and Spanish"."""
    words = [names.get((kind, slug), slug) for slug in sorted(slugs)]
    if len(words) == 1:
        return words[0]
    return _("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def passes_hard_constraints(candidate: Candidate, criteria: Criteria) -> bool:
    if not candidate.accepting:
        return False
    if criteria.languages and not (candidate.has("language") & criteria.languages):
        return False
    if criteria.budget_minor is not None and (
        candidate.min_price_minor is None or candidate.min_price_minor > criteria.budget_minor
    ):
        return False
    return not (criteria.jurisdiction and criteria.jurisdiction not in candidate.has("jurisdiction"))


def points(candidate: Candidate, criteria: Criteria) -> int:
    """How well a candidate fits the soft preferences."""
    return (
        TOPIC_POINTS * len(candidate.has("specialization") & criteria.topics)
        + GENDER_POINTS * bool(criteria.specialist_gender and candidate.gender == criteria.specialist_gender)
        + MODALITY_POINTS * len(candidate.has("modality") & criteria.modalities)
        + APPROACH_POINTS * len(candidate.has("approach") & criteria.approaches)
    )


def reasons(candidate: Candidate, criteria: Criteria, names: TagNames) -> tuple[str, ...]:
    """Why a candidate is on the shortlist, in plain words."""
    found = []
    if languages := candidate.has("language") & criteria.languages:
        found.append(_("speaks %(languages)s") % {"languages": _listed(names, "language", languages)})
    if topics := candidate.has("specialization") & criteria.topics:
        found.append(_("works with %(topics)s") % {"topics": _listed(names, "specialization", topics).lower()})
    if criteria.specialist_gender and candidate.gender == criteria.specialist_gender:
        found.append(_("the gender you asked for"))
    if modalities := candidate.has("modality") & criteria.modalities:
        found.append(_("offers %(modalities)s") % {"modalities": _listed(names, "modality", modalities).lower()})
    if approaches := candidate.has("approach") & criteria.approaches:
        found.append(_("uses %(approaches)s") % {"approaches": _listed(names, "approach", approaches)})
    if criteria.budget_minor is not None and candidate.min_price_minor is not None:
        price = Money(candidate.min_price_minor, criteria.currency).format()
        found.append(_("within your budget (from %(price)s)") % {"price": price})
    if criteria.jurisdiction:
        found.append(_("licensed where you live"))
    return tuple(found)


def rank(candidates: list[Candidate], criteria: Criteria, *, names: TagNames, limit: int | None = 10) -> list[Match]:
    """The shortlist: best first; ties go to the lower price, then the name.

    Reasons are written only for the candidates that make the list.
    """
    scored = [(points(c, criteria), c) for c in candidates if passes_hard_constraints(c, criteria)]
    scored.sort(key=lambda item: (-item[0], item[1].min_price_minor or 0, item[1].name, item[1].id))
    return [
        Match(candidate=candidate, score=score, reasons=reasons(candidate, criteria, names))
        for score, candidate in (scored[:limit] if limit else scored)
    ]


def load_candidates(profiles: QuerySet[SpecialistProfile], *, currency: str) -> list[Candidate]:
    """The visible `profiles` as matching candidates, in three flat queries
    (no joins or grouping: this runs over the whole directory)."""
    cheapest = Offering.objects.filter(specialist_id=OuterRef("pk"), is_active=True, currency=currency)
    rows = list(
        profiles.annotate(min_price=Subquery(cheapest.order_by("price_minor").values("price_minor")[:1])).values(
            "id", "user_id", "slug", "display_name", "gender", "accepting_new_patients", "min_price"
        )
    )
    tag_by_id = {pk: (kind, slug) for pk, kind, slug in Tag.objects.values_list("id", "kind", "slug")}
    tags: dict[int, dict[str, set[str]]] = {row["id"]: {} for row in rows}
    # The visible profiles as a subquery, not a list of a thousand ids.
    through = SpecialistProfile.tags.through.objects.filter(specialistprofile_id__in=profiles.values("pk"))
    for profile_id, tag_id in through.values_list("specialistprofile_id", "tag_id"):
        kind, slug = tag_by_id[tag_id]
        tags[profile_id].setdefault(kind, set()).add(slug)
    return [
        Candidate(
            id=row["id"],
            user_id=row["user_id"],
            slug=row["slug"],
            name=row["display_name"],
            gender=row["gender"],
            accepting=row["accepting_new_patients"],
            min_price_minor=row["min_price"],
            tags={kind: frozenset(values) for kind, values in tags[row["id"]].items()},
        )
        for row in rows
    ]


def shortlist_for_patient(*, user, criteria: Criteria, limit: int = 10) -> list[Match]:
    """The patient's ranked shortlist, within their programs' rosters."""
    candidates = load_candidates(specialist_list_visible(viewer=user), currency=criteria.currency)
    return rank(candidates, criteria, names=tag_names(), limit=limit)
