"""Reads of the guided intake.

The patient's own reads need no audit row (it is their own data). Views that
show an intake to anyone else (specialists, later) call `intake_get_for_user`
and `intake_summary` too, and audit the read themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from core.models import Tag
from core.money import CURRENCY_EXPONENTS, Money
from core.taxonomy import translated_tags
from organizations.models import Membership
from organizations.selectors import membership_list_for_user

from .models import Intake

STEPS: list[str] = Intake.STEPS
STEP_TITLES = {
    "goals": _("Care goals"),
    "preferences": _("Preferences"),
    "constraints": _("Practicalities"),
}
GOALS_TEXT_MAX_LENGTH = 2000
DEFAULT_CURRENCY = "EUR"

# "" means no preference: discovery compares it with SpecialistProfile.gender.
GENDER_CHOICES = [
    ("", _("No preference")),
    ("woman", _("A woman")),
    ("man", _("A man")),
    ("non_binary", _("A non-binary person")),
]
WEEKDAY_CHOICES = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]
TIME_OF_DAY_CHOICES = [
    ("morning", _("Mornings")),
    ("afternoon", _("Afternoons")),
    ("evening", _("Evenings")),
]

# The taxonomy kind behind each list answer.
TAG_FIELDS = {
    "topics": Tag.Kind.SPECIALIZATION,
    "languages": Tag.Kind.LANGUAGE,
    "modalities": Tag.Kind.MODALITY,
    "approaches": Tag.Kind.APPROACH,
    "jurisdiction": Tag.Kind.JURISDICTION,
}


def intake_get_for_user(user) -> Intake | None:
    """`user`'s own intake, or None before they answered or skipped anything.

    Never creates a row: a read is not a start.
    """
    return Intake.objects.select_related("user").filter(user=user).first()


@dataclass(frozen=True)
class IntakeProgress:
    step: str
    number: int
    total: int
    is_complete: bool


def intake_progress_for_user(user) -> IntakeProgress | None:
    """Where `user` stands in the intake, in one small query; None if not started."""
    row = Intake.objects.filter(user=user).values("current_step", "completed_at").first()
    if row is None:
        return None
    step = row["current_step"] if row["current_step"] in STEPS else STEPS[0]
    return IntakeProgress(
        step=step, number=STEPS.index(step) + 1, total=len(STEPS), is_complete=row["completed_at"] is not None
    )


def intake_currency_for_user(user) -> str:
    """The currency budgets are asked in: the patient's organization's.

    The first active patient membership decides; without one (or with a
    currency Daraport does not handle) it is EUR.
    """
    membership = membership_list_for_user(user=user).filter(role=Membership.Role.PATIENT).order_by("created_at").first()
    currency = membership.organization.currency.upper() if membership else DEFAULT_CURRENCY
    return currency if currency in CURRENCY_EXPONENTS else DEFAULT_CURRENCY


def tag_choices(*kinds: str) -> dict[str, list[tuple[str, str]]]:
    """(slug, name) pairs per taxonomy kind, sorted by name in the reader's
    language, in one query."""
    pairs: dict[str, list[tuple[str, str]]] = {kind: [] for kind in kinds}
    for kind, slug, name in Tag.objects.filter(kind__in=kinds).values_list("kind", "slug", "name"):
        pairs[kind].append((slug, name))
    return {kind: translated_tags(kind_pairs) for kind, kind_pairs in pairs.items()}


@dataclass(frozen=True)
class SummaryItem:
    label: str
    values: list[str]
    is_text: bool = False  # free text, shown as written


@dataclass(frozen=True)
class SummarySection:
    step: str
    number: int
    title: str
    skipped: bool
    items: list[SummaryItem] = field(default_factory=list)


def _labels(choices, values) -> list[str]:
    names = dict(choices)
    return [str(names[value]) for value in values if value in names]


def intake_summary(intake: Intake) -> list[SummarySection]:
    """Every answer of `intake`, per step, with readable names; one query
    for the taxonomy names (plus the user, unless already loaded)."""
    tags = tag_choices(*set(TAG_FIELDS.values()))

    def tag_names(field_name: str) -> list[str]:
        values = getattr(intake, field_name)
        return _labels(tags[TAG_FIELDS[field_name]], values if isinstance(values, list) else [values])

    budget = []
    if intake.budget_max_minor is not None:
        amount = Money(intake.budget_max_minor, intake.budget_currency).format()
        budget = [str(_("Up to %(amount)s per session") % {"amount": amount})]
    gender = _labels(GENDER_CHOICES, [intake.specialist_gender]) if intake.specialist_gender else []
    items = {
        "goals": [
            SummaryItem(_("Topics"), tag_names("topics")),
            SummaryItem(_("In your own words"), [intake.goals_text] if intake.goals_text else [], is_text=True),
        ],
        "preferences": [
            SummaryItem(_("Languages"), tag_names("languages")),
            SummaryItem(_("Specialist"), gender),
            SummaryItem(_("Ways to meet"), tag_names("modalities")),
            SummaryItem(_("Ways of working"), tag_names("approaches")),
        ],
        "constraints": [
            SummaryItem(_("Budget"), budget),
            SummaryItem(_("Days"), _labels(WEEKDAY_CHOICES, intake.days)),
            SummaryItem(_("Times of day"), _labels(TIME_OF_DAY_CHOICES, intake.times_of_day)),
            SummaryItem(_("Where you live"), tag_names("jurisdiction")),
            SummaryItem(_("Time zone"), [intake.user.timezone.replace("_", " ")]),
        ],
    }
    return [
        SummarySection(
            step=step,
            number=number,
            title=str(STEP_TITLES[step]),
            skipped=step in intake.skipped_steps,
            items=[item for item in items[step] if item.values],
        )
        for number, step in enumerate(STEPS, start=1)
    ]
