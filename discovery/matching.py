"""Guided matching: hard constraints filter, soft preferences rank.

Pure and deterministic: the same criteria and candidates always give the
same shortlist in the same order, each with the reasons in plain words and
what it does not meet. A short list says which hard constraints cut it and
how many more each would let in, so the patient can widen one of them.
Candidates are the profiles the directory would show the same person
(discovery.selectors.specialist_list_visible), loaded in a fixed number of
queries.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from booking.selectors import weekly_hours_for_specialists
from core.models import Tag
from core.money import Money
from core.taxonomy import tag_name
from specialists.models import Offering, SpecialistProfile

from .selectors import specialist_list_visible

# Points per soft match. Topics matter most: they are why the person came.
TOPIC_POINTS = 30
GENDER_POINTS = 15
MODALITY_POINTS = 10
APPROACH_POINTS = 8
TIME_POINTS = 10
# The patient's times of day, in their own zone (the questionnaire's help
# text names them): minutes since midnight, [start, end).
TIMES_OF_DAY = {"morning": (6 * 60, 12 * 60), "afternoon": (12 * 60, 17 * 60), "evening": (17 * 60, 22 * 60)}
TIME_OF_DAY_WORDS = {
    "morning": gettext_lazy("morning"),
    "afternoon": gettext_lazy("afternoon"),
    "evening": gettext_lazy("evening"),
}
# Weekly hours "cover" a time of day when at least a session's worth of
# one working range falls in it, on some day.
COVER_MINUTES = 60
# A shortlist with fewer people says what cut it and offers to widen it.
SHORT = 3


class Hard:
    """The hard constraints a candidate may fail."""

    LANGUAGE = "language"
    BUDGET = "budget"
    JURISDICTION = "jurisdiction"
    ACCEPTING = "accepting"


# What a patient may widen in one click, in the order offered. Not
# ACCEPTING: someone not taking new patients can be neither chosen nor booked.
WIDENABLE = (Hard.LANGUAGE, Hard.BUDGET, Hard.JURISDICTION)


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
    # Keys of TIMES_OF_DAY.
    times_of_day: frozenset[str] = frozenset()


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
    # Weekly working ranges in the patient's zone, each within one day:
    # minutes since midnight, [start, end) (see `hours_in_zone`).
    hours: tuple[tuple[int, int], ...] = ()

    def has(self, kind: str) -> frozenset[str]:
        return self.tags.get(kind, frozenset())

    def times_of_day(self) -> frozenset[str]:
        """The times of day (TIMES_OF_DAY keys) the weekly hours cover."""
        return frozenset(
            name
            for name, (start, end) in TIMES_OF_DAY.items()
            if any(min(end, until) - max(start, since) >= COVER_MINUTES for since, until in self.hours)
        )


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    score: int
    reasons: tuple[str, ...]
    # What the candidate does not meet of what the patient asked for.
    shortfalls: tuple[str, ...] = ()

    @property
    def reason_text(self) -> str:
        return " · ".join(self.reasons)

    @property
    def shortfall_text(self) -> str:
        return " · ".join(self.shortfalls)


TagNames = dict[tuple[str, str], str]


def tag_names() -> TagNames:
    return {(kind, slug): tag_name(name) for kind, slug, name in Tag.objects.values_list("kind", "slug", "name")}


def _joined(words: list[str], *, either: bool = False) -> str:
    """ "a", "a and b", "a, b and c" (or "a, b or c")."""
    if len(words) == 1:
        return words[0]
    joined = _("%(first)s or %(last)s") if either else _("%(first)s and %(last)s")
    return joined % {"first": ", ".join(words[:-1]), "last": words[-1]}


def _listed(names: TagNames, kind: str, slugs, *, either: bool = False) -> str:
    """ "German", "German and French", "German, French and Spanish"."""
    return _joined([names.get((kind, slug), slug) for slug in sorted(slugs)], either=either)


def _times(names: Iterable[str], *, either: bool = False) -> str:
    """ "evening", "morning and evening" (or "morning or evening")."""
    return _joined([str(TIME_OF_DAY_WORDS[name]) for name in TIMES_OF_DAY if name in names], either=either)


def hours_in_zone(rules: Iterable, *, zone: str, viewer_zone: str, week_of: date) -> tuple[tuple[int, int], ...]:
    """Weekly rules (booking's: weekday, start, end, wall-clock times in
    `zone`) as the ranges they make in `viewer_zone` during the week
    starting `week_of`: minutes since midnight, split at the viewer's
    midnights. A real week, so the offset between the zones is the one in
    force then (daylight saving)."""
    source, viewer = zoneinfo.ZoneInfo(zone), zoneinfo.ZoneInfo(viewer_zone)
    ranges = set()
    for rule in rules:
        day = week_of + timedelta(days=(rule.weekday - week_of.weekday()) % 7)
        # An end of 00:00 is midnight, the end of the day.
        end_day = day + timedelta(days=1) if rule.end == time(0) else day
        start = datetime.combine(day, rule.start, tzinfo=source).astimezone(viewer)
        end = datetime.combine(end_day, rule.end, tzinfo=source).astimezone(viewer)
        while start < end:
            midnight = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=viewer)
            until = min(end, midnight)
            minutes = start.hour * 60 + start.minute
            ranges.add((minutes, minutes + round((until - start).total_seconds() / 60)))
            start = until
    return tuple(sorted(ranges))


def unmet_constraints(candidate: Candidate, criteria: Criteria) -> frozenset[str]:
    """The hard constraints (`Hard`) `candidate` does not meet."""
    unmet = set()
    if not candidate.accepting:
        unmet.add(Hard.ACCEPTING)
    if criteria.languages and not (candidate.has("language") & criteria.languages):
        unmet.add(Hard.LANGUAGE)
    if criteria.budget_minor is not None and (
        candidate.min_price_minor is None or candidate.min_price_minor > criteria.budget_minor
    ):
        unmet.add(Hard.BUDGET)
    if criteria.jurisdiction and criteria.jurisdiction not in candidate.has("jurisdiction"):
        unmet.add(Hard.JURISDICTION)
    return frozenset(unmet)


def points(candidate: Candidate, criteria: Criteria) -> int:
    """How well a candidate fits the soft preferences."""
    return (
        TOPIC_POINTS * len(candidate.has("specialization") & criteria.topics)
        + GENDER_POINTS * bool(criteria.specialist_gender and candidate.gender == criteria.specialist_gender)
        + MODALITY_POINTS * len(candidate.has("modality") & criteria.modalities)
        + APPROACH_POINTS * len(candidate.has("approach") & criteria.approaches)
        + TIME_POINTS * len(candidate.times_of_day() & criteria.times_of_day)
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
    if times := candidate.times_of_day() & criteria.times_of_day:
        found.append(_("has %(times)s times") % {"times": _times(times)})
    price = candidate.min_price_minor
    if criteria.budget_minor is not None and price is not None and price <= criteria.budget_minor:
        found.append(_("within your budget (from %(price)s)") % {"price": Money(price, criteria.currency).format()})
    if criteria.jurisdiction and criteria.jurisdiction in candidate.has("jurisdiction"):
        found.append(_("licensed where you live"))
    return tuple(found)


def shortfalls(candidate: Candidate, criteria: Criteria, names: TagNames) -> tuple[str, ...]:
    """What a candidate does not meet of what the patient asked for, in
    plain words; nothing about what they did not ask."""
    found = []
    if criteria.languages and not (candidate.has("language") & criteria.languages):
        found.append(
            _("does not speak %(languages)s")
            % {"languages": _listed(names, "language", criteria.languages, either=True)}
        )
    if missing := criteria.topics - candidate.has("specialization"):
        found.append(
            _("does not list %(topics)s") % {"topics": _listed(names, "specialization", missing, either=True).lower()}
        )
    if criteria.specialist_gender and candidate.gender != criteria.specialist_gender:
        found.append(_("not the gender you asked for"))
    if criteria.modalities and not (candidate.has("modality") & criteria.modalities):
        found.append(
            _("does not offer %(modalities)s")
            % {"modalities": _listed(names, "modality", criteria.modalities, either=True).lower()}
        )
    if criteria.approaches and not (candidate.has("approach") & criteria.approaches):
        found.append(
            _("does not use %(approaches)s")
            % {"approaches": _listed(names, "approach", criteria.approaches, either=True)}
        )
    if criteria.times_of_day and not (candidate.times_of_day() & criteria.times_of_day):
        found.append(_("no %(times)s times") % {"times": _times(criteria.times_of_day, either=True)})
    price = candidate.min_price_minor
    if criteria.budget_minor is not None and price is None:
        found.append(_("no prices in %(currency)s") % {"currency": criteria.currency})
    elif criteria.budget_minor is not None and price > criteria.budget_minor:
        found.append(
            _("above your budget by %(over)s (from %(price)s)")
            % {
                "over": Money(price - criteria.budget_minor, criteria.currency).format(),
                "price": Money(price, criteria.currency).format(),
            }
        )
    if criteria.jurisdiction and criteria.jurisdiction not in candidate.has("jurisdiction"):
        found.append(
            _("not licensed in %(place)s") % {"place": _listed(names, "jurisdiction", [criteria.jurisdiction])}
        )
    return tuple(found)


def rank(
    candidates: list[Candidate],
    criteria: Criteria,
    *,
    names: TagNames,
    limit: int | None = 10,
    widen: frozenset[str] = frozenset(),
) -> list[Match]:
    """The shortlist: those meeting every hard constraint except the ones in
    `widen`. Those meeting them all come first, then best first; ties go to
    the lower price (no price last), then the name.

    Reasons and shortfalls are written only for the candidates that make
    the list.
    """
    scored = []
    for candidate in candidates:
        unmet = unmet_constraints(candidate, criteria)
        if unmet <= widen:
            score = points(candidate, criteria)
            # No price in the currency: last among equals, not the cheapest.
            price = candidate.min_price_minor if candidate.min_price_minor is not None else float("inf")
            key = (len(unmet), -score, price, candidate.name, candidate.id)
            scored.append((key, score, candidate))
    scored.sort(key=lambda item: item[0])
    return [
        Match(
            candidate=candidate,
            score=score,
            reasons=reasons(candidate, criteria, names),
            shortfalls=shortfalls(candidate, criteria, names),
        )
        for _key, score, candidate in (scored[:limit] if limit else scored)
    ]


@dataclass(frozen=True)
class Shortlist:
    """A ranked shortlist and why it is as long as it is.

    `listed` counts everyone who qualifies (before the limit); `more_if_widened`
    says, per widenable constraint not yet widened, how many more would be
    listed if it were widened too (only those it alone keeps out); and
    `not_accepting` how many more fit but are not taking new patients.
    """

    matches: list[Match]
    criteria: Criteria
    names: TagNames
    widen: frozenset[str]
    listed: int
    cut_by: tuple[str, ...]
    more_if_widened: dict[str, int]
    not_accepting: int

    @property
    def is_short(self) -> bool:
        return self.listed < SHORT

    def explanation(self) -> str:
        """ "Only 2 specialists speak Romanian and are licensed in Portugal."
        Empty when no answer of the patient's cut the list."""
        if not self.cut_by:
            return ""
        clauses = _joined([self._clause(constraint) for constraint in self.cut_by])
        if not self.listed:
            return _("No specialists %(clauses)s.") % {"clauses": clauses}
        return ngettext(
            "Only %(count)d specialist %(clauses)s.", "Only %(count)d specialists %(clauses)s.", self.listed
        ) % {"count": self.listed, "clauses": clauses}

    def _clause(self, constraint: str) -> str:
        # "No specialists speak …" agrees like a plural.
        criteria, n = self.criteria, self.listed or 2
        if constraint == Hard.LANGUAGE:
            languages = _listed(self.names, "language", criteria.languages, either=True)
            return ngettext("speaks %(languages)s", "speak %(languages)s", n) % {"languages": languages}
        if constraint == Hard.BUDGET:
            budget = Money(criteria.budget_minor, criteria.currency).format()
            return ngettext("fits your budget of %(budget)s", "fit your budget of %(budget)s", n) % {"budget": budget}
        if constraint == Hard.JURISDICTION:
            place = _listed(self.names, "jurisdiction", [criteria.jurisdiction])
            return ngettext("is licensed in %(place)s", "are licensed in %(place)s", n) % {"place": place}
        return ngettext("is taking new patients", "are taking new patients", n)

    def widen_label(self, constraint: str) -> str:
        """The words of the one-click link that widens `constraint`."""
        if constraint == Hard.LANGUAGE:
            languages = _listed(self.names, "language", self.criteria.languages, either=True)
            return _("Show specialists who don't speak %(languages)s") % {"languages": languages}
        if constraint == Hard.BUDGET:
            return _("Include those above your budget")
        place = _listed(self.names, "jurisdiction", [self.criteria.jurisdiction])
        return _("Show specialists not licensed in %(place)s") % {"place": place}

    def widened_note(self) -> str:
        """What the widened list also holds, in one sentence."""
        clauses = []
        for constraint in WIDENABLE:
            if constraint not in self.widen:
                continue
            if constraint == Hard.LANGUAGE:
                languages = _listed(self.names, "language", self.criteria.languages, either=True)
                clauses.append(_("don't speak %(languages)s") % {"languages": languages})
            elif constraint == Hard.BUDGET:
                clauses.append(_("cost more than your budget"))
            else:
                place = _listed(self.names, "jurisdiction", [self.criteria.jurisdiction])
                clauses.append(_("are not licensed in %(place)s") % {"place": place})
        return _("Also showing specialists who %(clauses)s; each says what they do not meet.") % {
            "clauses": _joined(clauses, either=True)
        }


def shortlist_explain(
    candidates: list[Candidate],
    criteria: Criteria,
    *,
    names: TagNames,
    limit: int | None = 10,
    widen: frozenset[str] = frozenset(),
) -> Shortlist:
    """`rank`, with the counts a short list is explained by. Only the
    constraints the patient set can be widened; others in `widen` are
    ignored."""
    asked = {
        Hard.LANGUAGE: bool(criteria.languages),
        Hard.BUDGET: criteria.budget_minor is not None,
        Hard.JURISDICTION: bool(criteria.jurisdiction),
    }
    widen = frozenset(constraint for constraint in widen if asked.get(constraint))
    left_out = [unmet_constraints(c, criteria) - widen for c in candidates]
    left_out = [unmet for unmet in left_out if unmet]
    alone = [next(iter(unmet)) for unmet in left_out if len(unmet) == 1]
    # The patient's own answers first, then "taking new patients" only
    # where it kept out someone who fits everything else.
    cut_by = [constraint for constraint in WIDENABLE if any(constraint in unmet for unmet in left_out)]
    if Hard.ACCEPTING in alone:
        cut_by.append(Hard.ACCEPTING)
    return Shortlist(
        matches=rank(candidates, criteria, names=names, limit=limit, widen=widen),
        criteria=criteria,
        names=names,
        widen=widen,
        listed=len(candidates) - len(left_out),
        cut_by=tuple(cut_by),
        more_if_widened={
            constraint: alone.count(constraint)
            for constraint in WIDENABLE
            if constraint not in widen and constraint in alone
        },
        not_accepting=alone.count(Hard.ACCEPTING),
    )


def load_candidates(
    profiles: QuerySet[SpecialistProfile], *, currency: str, hours_in: str | None = None
) -> list[Candidate]:
    """The visible `profiles` as matching candidates, in three flat queries
    (no joins or grouping: this runs over the whole directory). With
    `hours_in` (a time zone), a fourth reads their weekly hours, as the
    ranges they make in that zone this week."""
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
    hours = {}
    if hours_in:
        week_of = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(hours_in)).date()
        hours = {
            pk: hours_in_zone(weekly.rules, zone=weekly.zone, viewer_zone=hours_in, week_of=week_of)
            for pk, weekly in weekly_hours_for_specialists(profiles=profiles).items()
        }
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
            hours=hours.get(row["id"], ()),
        )
        for row in rows
    ]


def shortlist_for_patient(
    *, user, criteria: Criteria, limit: int | None = 10, widen: frozenset[str] = frozenset()
) -> Shortlist:
    """The patient's ranked shortlist, within their programs' rosters.
    Times of day are the patient's: specialists' weekly hours are compared
    in the patient's zone, as they fall in the coming week; their hours
    are read only when the patient chose times of day."""
    candidates = load_candidates(
        specialist_list_visible(viewer=user),
        currency=criteria.currency,
        hours_in=user.timezone if criteria.times_of_day else None,
    )
    return shortlist_explain(candidates, criteria, names=tag_names(), limit=limit, widen=widen)
