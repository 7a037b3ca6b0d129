"""Matching with fixed cases: hard constraints filter, soft ones rank,
reasons are plain words, and the order is deterministic."""

import pytest

from discovery.matching import Candidate, Criteria, rank

NAMES = {
    ("language", "pt"): "Portuguese", ("language", "en"): "English", ("language", "de"): "German",
    ("specialization", "anxiety"): "Anxiety", ("specialization", "sleep"): "Sleep",
    ("specialization", "grief"): "Grief and loss", ("modality", "video"): "Video", ("modality", "chat"): "Chat",
    ("approach", "cbt"): "CBT",
}  # fmt: skip


def candidate(
    id,
    *,
    name=None,
    languages=("en",),
    topics=(),
    modalities=("video",),
    approaches=(),
    jurisdictions=(),
    gender="",
    accepting=True,
    price=8000,
):
    return Candidate(
        id=id,
        user_id=id,
        slug=f"s{id}",
        name=name or f"Specialist {id}",
        gender=gender,
        accepting=accepting,
        min_price_minor=price,
        tags={
            "language": frozenset(languages),
            "specialization": frozenset(topics),
            "modality": frozenset(modalities),
            "approach": frozenset(approaches),
            "jurisdiction": frozenset(jurisdictions),
        },
    )


def names(matches):
    return [m.candidate.name for m in matches]


def test_the_reasons_read_as_plain_words():
    ana = candidate(1, name="Ana", languages=("pt", "en"), topics=("anxiety",), price=7000)
    [match] = rank(
        [ana], Criteria(languages=frozenset({"pt"}), topics=frozenset({"anxiety"}), budget_minor=9000), names=NAMES
    )
    assert match.reason_text == "speaks Portuguese · works with anxiety · within your budget (from €70.00)"


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (Criteria(languages=frozenset({"de"})), ["German speaker"]),
        (Criteria(budget_minor=7000), ["Cheap"]),
        (Criteria(jurisdiction="de"), ["Licensed in Germany"]),
        (Criteria(), ["Cheap", "German speaker", "Licensed in Germany", "Pricey"]),
    ],
)
def test_hard_constraints_filter_out_who_cannot_help(criteria, expected):
    people = [
        candidate(1, name="German speaker", languages=("de",), price=9000),
        candidate(2, name="Cheap", price=6000),
        candidate(3, name="Licensed in Germany", jurisdictions=("de",), price=8000),
        candidate(4, name="Pricey", price=15000),
        candidate(5, name="Not taking patients", accepting=False, languages=("de",), price=1),
    ]
    assert sorted(names(rank(people, criteria, names=NAMES))) == expected


def test_a_specialist_without_offerings_in_the_currency_fails_a_budget():
    assert rank([candidate(1, price=None)], Criteria(budget_minor=10000), names=NAMES) == []


def test_soft_preferences_rank_topics_first_then_gender_modality_and_approach():
    criteria = Criteria(
        topics=frozenset({"anxiety", "sleep"}),
        specialist_gender="woman",
        modalities=frozenset({"chat"}),
        approaches=frozenset({"cbt"}),
    )
    people = [
        candidate(
            1,
            name="One topic, woman, chat, CBT",
            topics=("anxiety",),
            gender="woman",
            modalities=("chat",),
            approaches=("cbt",),
        ),  # 30 + 15 + 10 + 8 = 63
        candidate(2, name="Two topics", topics=("anxiety", "sleep")),  # 60
        candidate(3, name="Woman only", gender="woman"),  # 15
        candidate(4, name="Nothing in common"),  # 0
    ]
    matches = rank(people, criteria, names=NAMES)
    assert names(matches) == ["One topic, woman, chat, CBT", "Two topics", "Woman only", "Nothing in common"]
    assert [m.score for m in matches] == [63, 60, 15, 0]
    assert matches[1].reasons == ("works with anxiety and sleep",)


def test_ties_go_to_the_lower_price_then_the_name_so_the_order_never_changes():
    people = [
        candidate(1, name="Bea", price=9000),
        candidate(2, name="Al", price=9000),
        candidate(3, name="Cy", price=5000),
    ]
    first = names(rank(people, Criteria(), names=NAMES))
    assert first == ["Cy", "Al", "Bea"]
    assert names(rank(list(reversed(people)), Criteria(), names=NAMES)) == first


def test_the_shortlist_is_limited():
    people = [candidate(i) for i in range(30)]
    assert len(rank(people, Criteria(), names=NAMES)) == 10
    assert len(rank(people, Criteria(), names=NAMES, limit=None)) == 30
