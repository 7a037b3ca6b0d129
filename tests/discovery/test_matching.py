"""Matching with fixed cases: hard constraints filter, soft ones rank,
reasons are plain words, and the order is deterministic."""

from datetime import date, time

import pytest

from booking.slots import WeeklyRule
from discovery.matching import Candidate, Criteria, hours_in_zone, rank, shortlist_explain

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
    hours=(),
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
        hours=hours,
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


# --- Saying what does not fit, and widening a short list ---------------------------------------

NAMES_MORE = {
    **NAMES,
    ("language", "ro"): "Romanian", ("jurisdiction", "pt"): "Portugal",
    ("specialization", "couples"): "Couples work", ("approach", "emdr"): "EMDR",
}  # fmt: skip
ROMANIAN_IN_PORTUGAL = Criteria(
    topics=frozenset({"anxiety", "couples"}),
    languages=frozenset({"ro"}),
    budget_minor=9000,
    jurisdiction="pt",
)


def romanian_crowd():
    """Two fit everything; each of the others misses exactly one hard constraint, but Eve two."""
    return [
        candidate(1, name="Ana", languages=("ro",), topics=("anxiety",), jurisdictions=("pt",), price=7000),
        candidate(2, name="Bo", languages=("ro", "en"), topics=("anxiety", "couples"), jurisdictions=("pt",)),
        candidate(3, name="Cy", languages=("en",), topics=("anxiety",), jurisdictions=("pt",), price=6000),
        candidate(4, name="Di", languages=("de",), topics=("couples",), jurisdictions=("pt",), price=6000),
        candidate(5, name="Ed", languages=("ro",), topics=("anxiety",), jurisdictions=("pt",), price=10500),
        candidate(6, name="Flo", languages=("ro",), jurisdictions=("pt",), accepting=False),
        candidate(7, name="Eve", languages=("en",), jurisdictions=("pt",), price=20000),
    ]


def test_a_match_says_plainly_what_it_does_not_meet_of_what_was_asked():
    [bo, ana] = rank(romanian_crowd(), ROMANIAN_IN_PORTUGAL, names=NAMES_MORE)
    assert bo.reason_text == (
        "speaks Romanian · works with anxiety and couples work · within your budget (from €80.00) · "
        "licensed where you live"
    )
    assert bo.shortfalls == ()
    assert (
        ana.reason_text
        == "speaks Romanian · works with anxiety · within your budget (from €70.00) · licensed where you live"
    )
    assert ana.shortfall_text == "does not list couples work"


def test_nothing_is_said_about_what_the_patient_did_not_ask():
    [match] = rank([candidate(1, gender="man", approaches=())], Criteria(), names=NAMES)
    assert (match.reasons, match.shortfalls) == ((), ())


def test_every_kind_of_shortfall_reads_as_plain_words():
    criteria = Criteria(
        topics=frozenset({"sleep", "grief"}),
        languages=frozenset({"pt", "de"}),
        specialist_gender="woman",
        modalities=frozenset({"chat"}),
        approaches=frozenset({"cbt"}),
        budget_minor=9000,
        jurisdiction="pt",
    )
    person = candidate(1, gender="man", languages=("en",), price=10550)
    [match] = rank([person], criteria, names=NAMES_MORE, widen=frozenset({"language", "budget", "jurisdiction"}))
    assert match.shortfalls == (
        "does not speak German or Portuguese",
        "does not list grief and loss or sleep",
        "not the gender you asked for",
        "does not offer chat",
        "does not use CBT",
        "above your budget by €15.50 (from €105.50)",
        "not licensed in Portugal",
    )
    [free] = rank([candidate(2, price=None)], Criteria(budget_minor=9000), names=NAMES, widen=frozenset({"budget"}))
    assert free.shortfalls == ("no prices in EUR",)


def test_a_short_list_names_the_constraints_that_cut_it_with_counts():
    shortlist = shortlist_explain(romanian_crowd(), ROMANIAN_IN_PORTUGAL, names=NAMES_MORE)
    assert names(shortlist.matches) == ["Bo", "Ana"]
    assert shortlist.is_short
    assert shortlist.listed == 2
    assert shortlist.explanation() == (
        "Only 2 specialists speak Romanian, fit your budget of €90.00 and are taking new patients."
    )
    # Cy and Di miss only the language, Ed only the budget; Eve misses both; Flo is not taking patients.
    assert shortlist.more_if_widened == {"language": 2, "budget": 1}
    assert shortlist.not_accepting == 1
    assert shortlist.widen_label("language") == "Show specialists who don't speak Romanian"
    assert shortlist.widen_label("budget") == "Include those above your budget"


def test_widening_one_constraint_lets_in_those_it_alone_kept_out_after_those_who_fit_everything():
    shortlist = shortlist_explain(
        romanian_crowd(), ROMANIAN_IN_PORTUGAL, names=NAMES_MORE, widen=frozenset({"language"})
    )
    assert names(shortlist.matches) == ["Bo", "Ana", "Cy", "Di"]
    assert not shortlist.is_short
    assert shortlist.matches[2].shortfall_text == "does not speak Romanian · does not list couples work"
    assert shortlist.widened_note() == (
        "Also showing specialists who don't speak Romanian; each says what they do not meet."
    )
    # Widening the budget too would now add Ed and Eve.
    assert shortlist.more_if_widened == {"budget": 2}


def test_one_or_no_specialist_reads_right():
    one = shortlist_explain(romanian_crowd()[:1], Criteria(languages=frozenset({"ro"})), names=NAMES_MORE)
    assert one.explanation() == ""  # nobody was cut: nothing to explain
    few = shortlist_explain(
        romanian_crowd()[:3], Criteria(languages=frozenset({"ro"}), jurisdiction="pt"), names=NAMES_MORE
    )
    assert few.explanation() == "Only 2 specialists speak Romanian."
    single = shortlist_explain(romanian_crowd()[1:3], Criteria(languages=frozenset({"ro"})), names=NAMES_MORE)
    assert single.explanation() == "Only 1 specialist speaks Romanian."
    none = shortlist_explain(
        romanian_crowd(), Criteria(languages=frozenset({"zh"}), jurisdiction="pt"), names=NAMES_MORE
    )
    assert none.explanation() == "No specialists speak zh."
    assert none.matches == []


def test_widening_what_the_patient_did_not_ask_changes_nothing():
    people = romanian_crowd()
    plain = shortlist_explain(people, Criteria(languages=frozenset({"ro"})), names=NAMES_MORE)
    odd = shortlist_explain(
        people, Criteria(languages=frozenset({"ro"})), names=NAMES_MORE, widen=frozenset({"budget", "accepting", "x"})
    )
    assert odd.widen == frozenset()
    assert names(odd.matches) == names(plain.matches)


# --- Times of day: weekly hours in the patient's zone -------------------------------------------

WINTER_WEEK = date(2026, 1, 12)  # a Monday, Berlin on UTC+1, São Paulo on UTC-3
SUMMER_WEEK = date(2026, 7, 13)  # Berlin on UTC+2, Auckland on UTC+12


def at(hours, minutes=0):
    return hours * 60 + minutes


def test_weekly_hours_are_read_in_the_patients_zone_as_they_fall_that_week():
    tuesday_evening = [WeeklyRule(1, time(18), time(20))]
    assert hours_in_zone(tuesday_evening, zone="Europe/Berlin", viewer_zone="Europe/Berlin", week_of=WINTER_WEEK) == (
        (at(18), at(20)),
    )
    assert hours_in_zone(
        tuesday_evening, zone="Europe/Berlin", viewer_zone="America/Sao_Paulo", week_of=WINTER_WEEK
    ) == ((at(14), at(16)),)
    # Daylight saving moves Berlin, not São Paulo: an hour more apart in July.
    assert hours_in_zone(
        tuesday_evening, zone="Europe/Berlin", viewer_zone="America/Sao_Paulo", week_of=SUMMER_WEEK
    ) == ((at(13), at(15)),)
    # Late in Berlin is the next morning in Auckland, split at its midnight.
    late = [WeeklyRule(4, time(11), time(0))]  # Friday 11:00 until midnight
    assert hours_in_zone(late, zone="Europe/Berlin", viewer_zone="Pacific/Auckland", week_of=SUMMER_WEEK) == (
        (at(0), at(10)),
        (at(21), at(24)),
    )


def test_specialists_whose_hours_cover_the_chosen_times_of_day_come_first_and_say_so():
    evenings = candidate(1, name="Works evenings", hours=((at(16), at(20, 30)),))
    mornings = candidate(2, name="Works mornings", hours=((at(9), at(13)),), price=5000)
    nothing = candidate(3, name="No weekly hours", price=4000)
    matches = rank([nothing, mornings, evenings], Criteria(times_of_day=frozenset({"evening"})), names=NAMES)
    # First despite the highest price; the others by price, as ever.
    assert names(matches) == ["Works evenings", "No weekly hours", "Works mornings"]
    assert [m.score for m in matches] == [10, 0, 0]
    assert (matches[0].reasons, matches[0].shortfalls) == (("has evening times",), ())
    assert (matches[2].reasons, matches[2].shortfalls) == ((), ("no evening times",))
    assert matches[1].shortfalls == ("no evening times",)


def test_one_chosen_time_of_day_met_is_a_reason_and_none_met_says_which_were_asked():
    criteria = Criteria(times_of_day=frozenset({"evening", "morning"}))
    [both, one, neither] = rank(
        [
            candidate(1, name="Both", hours=((at(8), at(12)), (at(17), at(21)))),
            candidate(2, name="One", hours=((at(7), at(11)),)),
            candidate(3, name="Neither", hours=((at(12), at(17)),)),
        ],
        criteria,
        names=NAMES,
    )
    assert (both.score, both.reason_text) == (20, "has morning and evening times")
    assert (one.score, one.reason_text, one.shortfalls) == (10, "has morning times", ())
    assert neither.shortfall_text == "no morning or evening times"


def test_an_hour_reaching_just_into_a_time_of_day_does_not_cover_it():
    until_half_past_five = candidate(1, hours=((at(9), at(17, 30)),))
    [match] = rank([until_half_past_five], Criteria(times_of_day=frozenset({"evening"})), names=NAMES)
    assert match.shortfalls == ("no evening times",)
    assert rank([until_half_past_five], Criteria(times_of_day=frozenset({"afternoon"})), names=NAMES)[0].reasons == (
        "has afternoon times",
    )
