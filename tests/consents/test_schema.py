"""The intake form schema: checking a form, checking answers, and the
PHQ-9 / GAD-7 scores."""

import pytest
from django.core.exceptions import ValidationError

from consents import schema
from consents.schema import FREQUENCY, clean_answers, score, template_schema, validate_schema


def form(*questions, **extra):
    return {"sections": [{"title": "About you", "questions": list(questions)}], **extra}


def q(qid, kind="short_text", **fields):
    return {"id": qid, "type": kind, "label": f"Question {qid}", **fields}


# --- validate_schema ---------------------------------------------------------------


def test_the_bundled_questionnaires_are_valid():
    for key in schema.TEMPLATES:
        assert validate_schema(template_schema(key))


def test_template_schema_is_a_fresh_copy():
    copy = template_schema("phq9")
    copy["sections"][0]["questions"].clear()
    assert schema.questions(template_schema("phq9"))


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"sections": []},
        form(),
        form(q("a"), q("a")),
        form(q("a", label="")),
        form(q("a", "essay")),
        form(q("a", "single_choice", options=["only"])),
        form(q("a", "multiple_choice", options=["x", "x"])),
        form(q("a", "multiple_choice", options=["x", " "])),
        form(q("a", "single_choice", options=[str(n) for n in range(schema.MAX_OPTIONS + 1)])),
        form(q("a", "scale", min=3, max=3)),
        form(q("a", "scale", min="0", max=10)),
        form(*[q(f"q{n}") for n in range(schema.MAX_QUESTIONS + 1)]),
        form(q("a"), scoring={"questions": ["b"], "values": {}, "bands": []}),
    ],
)
def test_malformed_forms_are_refused(bad):
    with pytest.raises(ValidationError):
        validate_schema(bad)


def test_every_problem_is_listed():
    with pytest.raises(ValidationError) as caught:
        validate_schema(form(q("a", label=""), q("b", "scale", min=5, max=1)))
    assert len(caught.value.messages) == 2


# --- clean_answers -------------------------------------------------------------------

EVERY_TYPE = form(
    q("short", required=True),
    q("long", "long_text"),
    q("one", "single_choice", options=["Yes", "No"]),
    q("many", "multiple_choice", options=["A", "B", "C"]),
    q("scale", "scale"),
    q("small", "scale", min=1, max=5),
    q("yn", "yes_no"),
    q("when", "date"),
)


def test_good_answers_are_cleaned_and_unknown_ids_ignored():
    raw = {
        "short": " Hi ",
        "long": "Longer",
        "one": "No",
        "many": ["C", "A"],
        "scale": "10",
        "small": "1",
        "yn": "yes",
        "when": "2026-03-14",
        "sneaky": "x",
    }
    answers, errors = clean_answers(EVERY_TYPE, raw, complete=True)
    assert errors == {}
    assert answers == {
        "short": "Hi",
        "long": "Longer",
        "one": "No",
        "many": ["A", "C"],
        "scale": 10,
        "small": 1,
        "yn": "yes",
        "when": "2026-03-14",
    }


@pytest.mark.parametrize(
    ("qid", "value"),
    [
        ("short", "x" * (schema.SHORT_TEXT_MAX + 1)),
        ("long", "x" * (schema.LONG_TEXT_MAX + 1)),
        ("one", "Maybe"),
        ("many", ["A", "Z"]),
        ("scale", "11"),
        ("scale", "-1"),
        ("scale", "5.5"),
        ("small", "0"),
        ("small", "6"),
        ("yn", "perhaps"),
        ("when", "14/03/2026"),
        ("when", "2026-02-30"),
    ],
)
def test_an_answer_out_of_range_is_an_error_for_that_question(qid, value):
    answers, errors = clean_answers(EVERY_TYPE, {"short": "ok", qid: value}, complete=True)
    assert list(errors) == [qid]
    assert qid not in answers


def test_scale_edges_are_accepted():
    answers, errors = clean_answers(EVERY_TYPE, {"short": "ok", "scale": "0", "small": "5"}, complete=True)
    assert errors == {} and (answers["scale"], answers["small"]) == (0, 5)


def test_a_missing_required_answer_is_an_error_only_when_complete():
    _, errors = clean_answers(EVERY_TYPE, {"short": "  "}, complete=True)
    assert list(errors) == ["short"]
    answers, errors = clean_answers(EVERY_TYPE, {"short": "  ", "one": "Yes"}, complete=False)
    assert errors == {} and answers == {"one": "Yes"}


# --- scores ---------------------------------------------------------------------------


def answers_totalling(key: str, total: int) -> dict:
    """Answers to a frequency questionnaire that add up to `total`."""
    ids = template_schema(key)["scoring"]["questions"]
    answers = {}
    for qid in ids:
        value = min(3, total)
        answers[qid] = FREQUENCY[value]
        total -= value
    assert total == 0
    return answers


def test_phq9_all_nearly_every_day_is_27_severe():
    phq9 = template_schema("phq9")
    answers = {qid: "Nearly every day" for qid in phq9["scoring"]["questions"]}
    assert score(phq9, answers) == {"total": 27, "band": "Severe", "max": 27}


def test_gad7_all_nearly_every_day_is_21_severe():
    gad7 = template_schema("gad7")
    answers = {qid: "Nearly every day" for qid in gad7["scoring"]["questions"]}
    assert score(gad7, answers) == {"total": 21, "band": "Severe", "max": 21}


def test_all_not_at_all_is_0_minimal():
    for key in ("phq9", "gad7"):
        assert score(template_schema(key), answers_totalling(key, 0))["band"] == "Minimal"


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
    ],
)
def test_phq9_band_edges(total, band):
    assert score(template_schema("phq9"), answers_totalling("phq9", total)) == {"total": total, "band": band, "max": 27}


@pytest.mark.parametrize(
    ("total", "band"), [(4, "Minimal"), (5, "Mild"), (9, "Mild"), (10, "Moderate"), (14, "Moderate"), (15, "Severe")]
)
def test_gad7_band_edges(total, band):
    assert score(template_schema("gad7"), answers_totalling("gad7", total)) == {"total": total, "band": band, "max": 21}


def test_the_phq9_difficulty_question_does_not_count():
    phq9 = template_schema("phq9")
    answers = answers_totalling("phq9", 3) | {"phq10": "Extremely difficult"}
    assert score(phq9, answers)["total"] == 3


def test_unanswered_scored_questions_count_as_zero_and_unscored_forms_have_no_score():
    assert score(template_schema("gad7"), {"gad1": "Several days"})["total"] == 1
    assert score(EVERY_TYPE, {"short": "x"}) == {}
