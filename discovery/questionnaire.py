"""The matching questionnaire: five to eight short questions, configurable per
organization or program, answered from the intake where it already has the
answer, so nobody is asked twice."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import Tag
from core.money import Money
from core.taxonomy import translated_tags
from organizations.models import MATCHING_QUESTIONS
from organizations.selectors import membership_list_for_user, program_list_for_patient
from patients.selectors import TIME_OF_DAY_CHOICES, intake_currency_for_user
from patients.services import budget_to_minor

from .matching import TIMES_OF_DAY, Criteria

DEFAULT_QUESTIONS = [key for key, _label in MATCHING_QUESTIONS]
GENDER_CHOICES = [
    ("", _("No preference")),
    ("woman", _("A woman")),
    ("man", _("A man")),
    ("non_binary", _("A non-binary person")),
]


def _tag_field(kind: str, label, help_text="") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=lambda: translated_tags(Tag.objects.filter(kind=kind).values_list("slug", "name")),
    )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _times_of_day_help() -> str:
    spans = {name: f"{_clock(start)}\u2013{_clock(end)}" for name, (start, end) in TIMES_OF_DAY.items()}
    return (
        _(
            "Mornings are %(morning)s, afternoons %(afternoon)s and evenings %(evening)s, your time. "
            "Specialists who work then come first."
        )
        % spans
    )


def _fields() -> dict[str, forms.Field]:
    return {
        "topics": _tag_field(
            "specialization",
            _("What would you like help with?"),
            _("Choose as many as fit. This matters most for your shortlist."),
        ),
        "languages": _tag_field(
            "language",
            _("Which languages can your sessions be in?"),
            _("Only specialists who speak one of them are shown."),
        ),
        "specialist_gender": forms.ChoiceField(
            label=_("Would you prefer your specialist to be…"),
            choices=GENDER_CHOICES,
            required=False,
            widget=forms.RadioSelect,
        ),
        "modalities": _tag_field("modality", _("How would you like to meet?")),
        "approaches": _tag_field("approach", _("Any way of working you like?"), _("Skip this if you are not sure.")),
        "times_of_day": forms.MultipleChoiceField(
            label=_("What times of day suit you?"),
            help_text=_times_of_day_help(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            choices=TIME_OF_DAY_CHOICES,
        ),
        "budget": forms.CharField(
            label=_("Most you want to pay per session"),
            required=False,
            max_length=12,
            help_text=_("Leave empty for any price."),
        ),
        "jurisdiction": forms.ChoiceField(
            label=_("Where do you live?"),
            required=False,
            help_text=_("Specialists must be licensed where you are."),
            choices=lambda: [
                ("", _("Prefer not to say")),
                *translated_tags(Tag.objects.filter(kind="jurisdiction").values_list("slug", "name")),
            ],
        ),
    }


def question_keys(*, programs, organization) -> list[str]:
    """The questions to ask: the program's, else the organization's, else the defaults."""
    for source in [*programs, organization]:
        keys = [key for key in (getattr(source, "matching_questions", None) or []) if key in DEFAULT_QUESTIONS]
        if keys:
            return keys
    return list(DEFAULT_QUESTIONS)


class MatchingForm(forms.Form):
    def __init__(self, *args, keys: list[str], currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        available = _fields()
        for key in keys:
            self.fields[key] = available[key]
        if "budget" in self.fields:
            self.fields["budget"].label = _("Most you want to pay per session (%(currency)s)") % {"currency": currency}

    def clean_budget(self):
        return budget_to_minor(self.cleaned_data["budget"], currency=self.currency)

    def answers(self) -> dict:
        """The answers given, keyed by the intake's field names."""
        data = dict(self.cleaned_data)
        if "budget" in data:
            data["budget_max_minor"] = data.pop("budget")
        return data


def initial_from_intake(intake) -> dict:
    """Answers the intake already holds, as the form's initial values."""
    if intake is None:
        return {}
    budget = ""
    if intake.budget_max_minor is not None:
        budget = str(Money(intake.budget_max_minor, intake.budget_currency).decimal)
    return {
        "topics": intake.topics,
        "languages": intake.languages,
        "specialist_gender": intake.specialist_gender,
        "modalities": intake.modalities,
        "approaches": intake.approaches,
        "budget": budget,
        "times_of_day": intake.times_of_day,
        "jurisdiction": intake.jurisdiction,
    }


@dataclass(frozen=True)
class PatientContext:
    programs: list
    organization: object | None
    currency: str
    question_keys: list[str]


def context_for_patient(*, user) -> PatientContext:
    """Which questions this patient is asked, and in which currency."""
    programs = list(program_list_for_patient(user=user))
    membership = membership_list_for_user(user=user).order_by("created_at").first()
    organization = programs[0].organization if programs else (membership.organization if membership else None)
    return PatientContext(
        programs=programs,
        organization=organization,
        currency=intake_currency_for_user(user),
        question_keys=question_keys(programs=programs, organization=organization),
    )


def criteria_from_intake(intake, *, currency: str, keys: list[str]) -> Criteria:
    """The intake's answers to the questions in `keys`, and only those: an
    answer the patient is not asked here (a program that does not ask about
    budget) could not be seen or changed from the shortlist."""
    budget = intake.budget_max_minor if intake.budget_currency == currency else None
    return Criteria(
        topics=frozenset(intake.topics if "topics" in keys else ()),
        languages=frozenset(intake.languages if "languages" in keys else ()),
        specialist_gender=intake.specialist_gender if "specialist_gender" in keys else "",
        modalities=frozenset(intake.modalities if "modalities" in keys else ()),
        approaches=frozenset(intake.approaches if "approaches" in keys else ()),
        budget_minor=budget if "budget" in keys else None,
        currency=currency,
        jurisdiction=intake.jurisdiction if "jurisdiction" in keys else "",
        times_of_day=frozenset(intake.times_of_day if "times_of_day" in keys else ()),
    )


# Short names of the answers, for the summary above the shortlist.
SUMMARY_LABELS = {
    "topics": _("Help with"),
    "languages": _("Languages"),
    "specialist_gender": _("Specialist"),
    "modalities": _("Meeting by"),
    "approaches": _("Way of working"),
    "budget": _("Budget"),
    "times_of_day": _("Times of day"),
    "jurisdiction": _("Where you live"),
}


@dataclass(frozen=True)
class Answer:
    label: str
    value: str
    is_set: bool


def answers_summary(criteria: Criteria, *, keys: list[str], names: dict[tuple[str, str], str]) -> list[Answer]:
    """The answers the shortlist was made from, one per question asked, in
    words ("Any" where none was given). `names` is matching.tag_names()."""

    def tags(kind: str, slugs) -> str:
        return ", ".join(sorted(names.get((kind, slug), slug) for slug in slugs))

    genders = dict(GENDER_CHOICES)
    values = {
        "topics": tags("specialization", criteria.topics),
        "languages": tags("language", criteria.languages),
        "specialist_gender": str(genders.get(criteria.specialist_gender, "")) if criteria.specialist_gender else "",
        "modalities": tags("modality", criteria.modalities),
        "approaches": tags("approach", criteria.approaches),
        "budget": (
            _("Up to %(amount)s a session") % {"amount": Money(criteria.budget_minor, criteria.currency).format()}
            if criteria.budget_minor is not None
            else ""
        ),
        "times_of_day": ", ".join(str(label) for value, label in TIME_OF_DAY_CHOICES if value in criteria.times_of_day),
        "jurisdiction": tags("jurisdiction", [criteria.jurisdiction] if criteria.jurisdiction else []),
    }
    return [Answer(str(SUMMARY_LABELS[key]), values[key] or str(_("Any")), bool(values[key])) for key in keys]
