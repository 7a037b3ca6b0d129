"""Writes to the guided intake: save a step, skip a step, record answers.

Every answer is optional. The intake row is created by the first save or
skip, never by a read. `current_step` only moves forward, so leaving and
coming back resumes at the furthest step reached; saving or skipping the
last step completes the intake.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import user_update_profile
from core.models import Tag
from core.money import CURRENCY_EXPONENTS, Money, exponent, minor_from_major
from core.services import journey_event_record
from core.timeutils import validate_timezone

from .models import Intake
from .selectors import (
    GENDER_CHOICES,
    GOALS_TEXT_MAX_LENGTH,
    STEPS,
    TAG_FIELDS,
    TIME_OF_DAY_CHOICES,
    WEEKDAY_CHOICES,
    intake_currency_for_user,
)

INTAKE_COMPLETED = "patient.intake_completed"

# The fields each step owns. The time zone of the last step lives on User.
STEP_FIELDS = {
    "goals": ["topics", "goals_text"],
    "preferences": ["languages", "specialist_gender", "modalities", "approaches"],
    "constraints": ["budget_max_minor", "days", "times_of_day", "jurisdiction"],
}
LIST_FIELDS = {"topics", "languages", "modalities", "approaches", "days", "times_of_day"}
CHOICE_FIELDS = {
    "specialist_gender": GENDER_CHOICES,
    "days": WEEKDAY_CHOICES,
    "times_of_day": TIME_OF_DAY_CHOICES,
}

# A sanity cap on the budget per session: 1,000 in the currency's major
# unit, or about as much for currencies whose unit is worth far less (1,000
# yen would not buy one session).
BUDGET_MAX_MAJOR = 1_000
BUDGET_MAX_MAJOR_BY_CURRENCY = {
    "BRL": 6_000,
    "CZK": 25_000,
    "DKK": 7_500,
    "JPY": 150_000,
    "MXN": 20_000,
    "NOK": 12_000,
    "PLN": 4_500,
    "SEK": 12_000,
}
_AMOUNT = re.compile(r"^\d+(?:[.,]\d+)?$")


class UnknownStep(ValueError):
    pass


def _check_step(step: str) -> None:
    if step not in STEPS:
        raise UnknownStep(step)


def budget_max_major(currency: str) -> int:
    return BUDGET_MAX_MAJOR_BY_CURRENCY.get(currency, BUDGET_MAX_MAJOR)


def budget_to_minor(text: str, *, currency: str) -> int | None:
    """A budget typed in major units ("80", "80.50", "80,50") as integer
    minor units of `currency`; None when empty.

    Decimal arithmetic only, exponents from core.money (JPY has none, KWD
    three). Negative amounts, more decimals than the currency has and
    amounts over the cap raise ValidationError with a message for people.
    """
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    if text.startswith("-"):
        raise ValidationError(_("A budget cannot be negative."), code="negative")
    if not _AMOUNT.match(text):
        raise ValidationError(_("Enter an amount like 80 or 80.50."), code="invalid")
    digits = exponent(currency)
    value = Decimal(text.replace(",", "."))  # the pattern admits only plain numbers
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        if digits == 0:
            message = _("Amounts in %(currency)s are whole numbers, without decimals.")
        else:
            message = _("Amounts in %(currency)s have at most %(digits)s decimal places.")
        raise ValidationError(message, code="decimals", params={"currency": currency, "digits": digits})
    cap = budget_max_major(currency)
    if value > cap:
        raise ValidationError(
            _("Please enter at most %(max)s per session."),
            code="too_large",
            params={"max": Money(cap * 10**digits, currency).format()},
        )
    return minor_from_major(text, currency)


def _clean_budget_minor(value, *, currency: str) -> int | None:
    if value is None or value == "":
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(_("The budget must be a whole number of minor units."), code="invalid")
    if value < 0:
        raise ValidationError(_("A budget cannot be negative."), code="negative")
    if value > budget_max_major(currency) * 10 ** exponent(currency):
        raise ValidationError(_("This budget is more than we accept per session."), code="too_large")
    return value


def _clean_answer(name: str, value, *, currency: str, wanted_tags: dict[str, set[str]]):
    if name in LIST_FIELDS:
        value = list(dict.fromkeys(str(item) for item in (value or [])))
    if name in TAG_FIELDS:
        value = value or ([] if name in LIST_FIELDS else "")
        slugs = set(value) if name in LIST_FIELDS else ({value} if value else set())
        wanted_tags.setdefault(TAG_FIELDS[name], set()).update(slugs)
        return value
    if name in CHOICE_FIELDS:
        allowed = [choice for choice, _label in CHOICE_FIELDS[name]]
        values = value if name in LIST_FIELDS else [value or ""]
        if not set(values) <= set(allowed):
            raise ValidationError(_("An answer is not one of the options."), code="invalid_choice")
        return [choice for choice in allowed if choice in values] if name in LIST_FIELDS else values[0]
    if name == "goals_text":
        value = (value or "").strip()
        if len(value) > GOALS_TEXT_MAX_LENGTH:
            raise ValidationError(_("Please keep this under 2,000 characters."), code="max_length")
        return value
    if name == "budget_max_minor":
        return _clean_budget_minor(value, currency=currency)
    raise ValidationError(_("Unknown answer: %(name)s"), code="unknown", params={"name": name})


def _clean_answers(answers: dict, *, currency: str) -> dict:
    """Check answers against the taxonomy and the fixed choices; the forms
    check the same, so this only stops callers that skip them."""
    wanted_tags: dict[str, set[str]] = {}
    clean = {
        name: _clean_answer(name, value, currency=currency, wanted_tags=wanted_tags) for name, value in answers.items()
    }
    wanted = {(kind, slug) for kind, slugs in wanted_tags.items() for slug in slugs}
    if wanted:
        found = set(
            Tag.objects.filter(kind__in=wanted_tags, slug__in={slug for _kind, slug in wanted}).values_list(
                "kind", "slug"
            )
        )
        if not wanted <= found:
            raise ValidationError(_("An answer is not one of the options."), code="invalid_choice")
    return clean


def _has_answers(intake: Intake, step: str) -> bool:
    return any(getattr(intake, name) not in (None, "", []) for name in STEP_FIELDS[step])


def _intake_for_update(user) -> Intake:
    intake, _created = Intake.objects.select_for_update().get_or_create(user=user)
    return intake


def _move_on(intake: Intake, *, from_step: str, actor) -> None:
    """Move `current_step` past `from_step` (never back); complete after the last."""
    index = STEPS.index(from_step)
    if index == len(STEPS) - 1:
        intake.current_step = STEPS[-1]
        if intake.completed_at is None:
            intake.completed_at = timezone.now()
            journey_event_record(
                actor=actor, verb=INTAKE_COMPLETED, obj=intake, data={"skipped_steps": intake.skipped_steps}
            )
    elif STEPS.index(intake.current_step if intake.current_step in STEPS else STEPS[0]) <= index:
        intake.current_step = STEPS[index + 1]


@transaction.atomic
def intake_save_step(*, user, step: str, data: dict, advance: bool = True) -> Intake:
    """Store the answers of one step, replacing that step's earlier answers.

    `data` is the step form's cleaned data: the step's fields (a missing
    one is cleared) plus, for the last step, `timezone` (saved on the user;
    missing or empty leaves it alone). With `advance` (the Save button) the
    intake moves on as described in the module docstring; without it (an
    autosave while the patient is still on the page) it stays put.
    Raises ValidationError, storing nothing, for an answer outside the
    choices.
    """
    _check_step(step)
    currency = intake_currency_for_user(user)
    answers = {name: data.get(name) for name in STEP_FIELDS[step]}
    clean = _clean_answers(answers, currency=currency)
    zone = (data.get("timezone") or "") if step == "constraints" else ""
    if zone:
        validate_timezone(zone)
    intake = _intake_for_update(user)
    for name, value in clean.items():
        setattr(intake, name, value)
    if step == "constraints":
        intake.budget_currency = currency
    if step in intake.skipped_steps:
        intake.skipped_steps = [skipped for skipped in intake.skipped_steps if skipped != step]
    if advance:
        _move_on(intake, from_step=step, actor=user)
    intake.save()
    if zone and zone != user.timezone:
        user_update_profile(user=user, full_name=user.full_name, preferred_name=user.preferred_name, timezone=zone)
    return intake


@transaction.atomic
def intake_skip_step(*, user, step: str) -> Intake:
    """Pass over one step and move on.

    Earlier answers of the step stay; the step is listed in `skipped_steps`
    only when it holds no answers, so the summary can say "skipped".
    """
    _check_step(step)
    intake = _intake_for_update(user)
    if step not in intake.skipped_steps and not _has_answers(intake, step):
        intake.skipped_steps = [*intake.skipped_steps, step]
    _move_on(intake, from_step=step, actor=user)
    intake.save()
    return intake


@transaction.atomic
def intake_record_answers(*, user, answers: dict, currency: str) -> Intake:
    """Store answers given elsewhere (the matching questionnaire), keyed by
    the intake's field names; only the keys given change.

    Where the patient is in the guided intake does not change. A budget is
    in minor units of `currency`.
    """
    if currency not in CURRENCY_EXPONENTS:
        raise ValidationError(_("Unsupported currency."), code="currency")
    clean = _clean_answers(answers, currency=currency)
    intake = _intake_for_update(user)
    for name, value in clean.items():
        setattr(intake, name, value)
    if "budget_max_minor" in clean:
        intake.budget_currency = currency
    intake.save()
    return intake
