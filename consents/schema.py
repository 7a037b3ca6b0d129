"""The shape of an intake form, checking answers against it, and scores.

A form version's `schema` is plain JSON:

    {"sections": [{"title": "About you", "questions": [
        {"id": "q1", "type": "single_choice", "label": "…", "help": "…",
         "required": true, "options": ["Yes", "No"]},
        …]}],
     "scoring": {"questions": ["q1", …], "values": {"Not at all": 0, …},
                 "bands": [[0, "Minimal"], [5, "Mild"], …]}}

Question types: short_text, long_text, single_choice, multiple_choice,
scale (whole numbers `min`..`max`, 0..10 by default), yes_no, date (ISO).
Pure functions, no database: the builder, the patient's flow and the
specialist's view all use the same checks.
"""

from __future__ import annotations

import copy
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

TYPES = ("short_text", "long_text", "single_choice", "multiple_choice", "scale", "yes_no", "date")
CHOICE_TYPES = ("single_choice", "multiple_choice")
SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
MAX_QUESTIONS = 100
MAX_OPTIONS = 20
YES, NO = "yes", "no"


def questions(schema: dict) -> list[dict]:
    return [question for section in schema.get("sections", []) for question in section.get("questions", [])]


def _question_problems(question: dict) -> list[str]:
    label = str(question.get("label", "")).strip()
    where = label or question.get("id", "?")
    problems = [] if label else [_("Every question needs a text.")]
    kind = question.get("type")
    if kind not in TYPES:
        problems.append(_("“%(q)s” has an unknown type.") % {"q": where})
    if kind in CHOICE_TYPES:
        options = question.get("options") or []
        if not 2 <= len(options) <= MAX_OPTIONS:
            problems.append(_("“%(q)s” needs between 2 and %(n)d choices.") % {"q": where, "n": MAX_OPTIONS})
        if len(set(options)) != len(options) or any(not str(option).strip() for option in options):
            problems.append(_("The choices of “%(q)s” must be different and not empty.") % {"q": where})
    if kind == "scale":
        low, high = question.get("min", 0), question.get("max", 10)
        if not (isinstance(low, int) and isinstance(high, int) and low < high):
            problems.append(_("The scale of “%(q)s” must go from a lower to a higher whole number.") % {"q": where})
    return problems


def validate_schema(schema: dict) -> dict:
    """The schema if it is well formed, else a ValidationError listing every
    problem in words the builder can show."""
    sections = schema.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ValidationError(_("A form needs at least one section."))
    all_questions = questions(schema)
    problems = [] if all_questions else [_("A form needs at least one question.")]
    if len(all_questions) > MAX_QUESTIONS:
        problems.append(_("A form can have at most %(n)d questions.") % {"n": MAX_QUESTIONS})
    ids = [question.get("id") for question in all_questions]
    if len(set(ids)) != len(ids) or not all(ids):
        problems.append(_("Every question needs its own id."))
    for question in all_questions:
        problems += _question_problems(question)
    scoring = schema.get("scoring")
    if scoring and set(scoring.get("questions", [])) - set(ids):
        problems.append(_("The scoring refers to questions the form does not have."))
    if problems:
        raise ValidationError(problems)
    return schema


def clean_answers(schema: dict, raw: dict, *, complete: bool) -> tuple[dict, dict[str, str]]:
    """The answers that fit the questions, and an error per question id.

    `raw` maps question ids to a string or a list of strings (as posted).
    With `complete`, a required question without an answer is an error;
    without (a draft), blanks are simply left out. Unknown ids are ignored.
    """
    answers, errors = {}, {}
    for question in questions(schema):
        qid, kind = question["id"], question["type"]
        value = raw.get(qid)
        values = [str(item).strip() for item in value] if isinstance(value, list) else None
        text = "" if value is None or isinstance(value, list) else str(value).strip()
        empty = not (values if kind == "multiple_choice" else text)
        if empty:
            if complete and question.get("required"):
                errors[qid] = _("Please answer this question.")
            continue
        try:
            answers[qid] = _clean_one(question, text, values or [])
        except ValidationError as error:
            errors[qid] = error.messages[0]
    return answers, errors


def _text(limit: int):
    def clean(question: dict, text: str, values: list[str]) -> str:
        if len(text) > limit:
            raise ValidationError(_("Please keep this under %(n)d characters.") % {"n": limit})
        return text

    return clean


def _single(question: dict, text: str, values: list[str]) -> str:
    if text not in question["options"]:
        raise ValidationError(_("Please choose one of the options."))
    return text


def _multiple(question: dict, text: str, values: list[str]) -> list[str]:
    if not set(values) <= set(question["options"]):
        raise ValidationError(_("Please choose from the options."))
    return [option for option in question["options"] if option in values]


def _scale(question: dict, text: str, values: list[str]) -> int:
    low, high = question.get("min", 0), question.get("max", 10)
    number = int(text) if text.lstrip("-").isdigit() else None
    if number is None or not low <= number <= high:
        raise ValidationError(_("Please choose a number from %(low)d to %(high)d.") % {"low": low, "high": high})
    return number


def _yes_no(question: dict, text: str, values: list[str]) -> str:
    if text not in (YES, NO):
        raise ValidationError(_("Please answer yes or no."))
    return text


def _date(question: dict, text: str, values: list[str]) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValidationError(_("Please give a date like 2026-03-14.")) from None


CLEANERS = {
    "short_text": _text(SHORT_TEXT_MAX),
    "long_text": _text(LONG_TEXT_MAX),
    "single_choice": _single,
    "multiple_choice": _multiple,
    "scale": _scale,
    "yes_no": _yes_no,
    "date": _date,
}


def _clean_one(question: dict, text: str, values: list[str]):
    return CLEANERS[question["type"]](question, text, values)


def score(schema: dict, answers: dict) -> dict:
    """{"total": n, "band": "…", "max": m} for a scored form, else {}."""
    scoring = schema.get("scoring")
    if not scoring:
        return {}
    values = scoring["values"]
    total = sum(values.get(str(answers.get(qid)), 0) for qid in scoring["questions"])
    band = ""
    for floor, name in scoring.get("bands", []):
        if total >= floor:
            band = name
    return {"total": total, "band": band, "max": max(values.values()) * len(scoring["questions"])}


# --- Bundled screening questionnaires ------------------------------------------------
# Their patient-facing wording in other languages is the official one
# (consents.screenings); the severity bands are ours, in the catalogs, and
# pages show them with the `translated` filter.

FREQUENCY = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
FREQUENCY_VALUES = dict(zip(FREQUENCY, range(4), strict=True))


def _frequency_items(prefix: str, texts: list[str]) -> list[dict]:
    return [
        {"id": f"{prefix}{n}", "type": "single_choice", "label": text, "required": True, "options": FREQUENCY}
        for n, text in enumerate(texts, start=1)
    ]


PHQ9_ITEMS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
    "or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
]
GAD7_ITEMS = [
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
]

TEMPLATES = {
    "phq9": {
        "title": "PHQ-9 (depression screening)",
        "description": "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
        "schema": {
            "sections": [
                {
                    "title": "Over the last 2 weeks, how often have you been bothered by any of the following?",
                    "questions": [
                        *_frequency_items("phq", PHQ9_ITEMS),
                        {
                            "id": "phq10",
                            "type": "single_choice",
                            "label": "If you checked off any problems, how difficult have these problems made it for "
                            "you to do your work, take care of things at home, or get along with other people?",
                            "required": False,
                            "options": [
                                "Not difficult at all",
                                "Somewhat difficult",
                                "Very difficult",
                                "Extremely difficult",
                            ],
                        },
                    ],
                }
            ],
            "scoring": {
                "questions": [f"phq{n}" for n in range(1, 10)],
                "values": FREQUENCY_VALUES,
                "bands": [
                    [0, gettext_noop("Minimal")],
                    [5, gettext_noop("Mild")],
                    [10, gettext_noop("Moderate")],
                    [15, gettext_noop("Moderately severe")],
                    [20, gettext_noop("Severe")],
                ],
            },
        },
    },
    "gad7": {
        "title": "GAD-7 (anxiety screening)",
        "description": "Over the last 2 weeks, how often have you been bothered by the following problems?",
        "schema": {
            "sections": [
                {
                    "title": "Over the last 2 weeks, how often have you been bothered by the following?",
                    "questions": _frequency_items("gad", GAD7_ITEMS),
                }
            ],
            "scoring": {
                "questions": [f"gad{n}" for n in range(1, 8)],
                "values": FREQUENCY_VALUES,
                "bands": [
                    [0, gettext_noop("Minimal")],
                    [5, gettext_noop("Mild")],
                    [10, gettext_noop("Moderate")],
                    [15, gettext_noop("Severe")],
                ],
            },
        },
    },
}


def template_schema(key: str) -> dict:
    """A fresh copy of a bundled questionnaire's schema."""
    return copy.deepcopy(TEMPLATES[key]["schema"])
