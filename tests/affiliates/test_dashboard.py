"""An affiliate's figures: per link and month, small counts hidden, totals
withheld where they would reveal a hidden count, and no way to narrow the
months down to one person."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from django.utils import timezone

from affiliates.commissions import commission_earn_for_payment, month_start
from affiliates.dashboard import STEPS, figures_csv, figures_for_affiliate, figures_for_user
from affiliates.models import ReferralClickDay
from core.cells import ABSENT, SUPPRESSED, THRESHOLD, Cell
from tests.affiliates.factories import AffiliateFactory, ReferralLinkFactory
from tests.organizations.factories import OrganizationFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

from .referred import month_ago, referred, this_month_so_far

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory()


@pytest.fixture
def offering(org):
    return OfferingFactory(specialist=SpecialistProfileFactory(organization=org))


@pytest.fixture
def affiliate(org):
    return AffiliateFactory(organization=org, flat=True)


def link_of(affiliate, months_ago=5, **fields):
    made = month_ago(months_ago, day=1)
    return ReferralLinkFactory(affiliate=affiliate, created_at=made, **fields)


def column(figures, month_index):
    return figures.months[month_index]


def test_each_step_is_counted_per_link_in_the_month_of_the_sign_up(affiliate, offering):
    link, other = link_of(affiliate, code="NEWS"), link_of(affiliate, code="BLOG")
    when = month_ago(2)
    ReferralClickDay.objects.create(link=link, day=when.date(), clicks=30)
    ReferralClickDay.objects.create(link=link, day=when.date() + timedelta(days=1), clicks=15)
    for index in range(14):
        referred(link, offering, at=when, booked=index < 12, paid=index < 11)
    for _ in range(3):
        referred(other, offering, at=when, booked=True)

    figures = figures_for_affiliate(affiliate=affiliate)

    by_code = {item.link.code: item for item in figures.links}
    row = by_code["NEWS"].months[2]
    assert [getattr(row, step).shown for step in STEPS] == ["45", "14", "12", "11"]
    assert (row.signup_rate, row.booking_rate, row.paid_rate) == ("31%", "86%", "79%")
    small = by_code["BLOG"].months[2]
    assert [getattr(small, step).shown for step in STEPS] == [SUPPRESSED] * 4
    assert small.booking_rate == SUPPRESSED
    # Every link together that month: 14 + 3 sign-ups, but 17 - 14 would give the 3 away.
    assert figures.by_month[2].signups.shown == "withheld"
    # NEWS over the year: its other months hide 0 each, which tells "nobody": withheld.
    assert by_code["NEWS"].total.signups.shown == "withheld"


def test_months_before_a_link_existed_show_a_dash_and_hide_nothing(affiliate, offering):
    older = link_of(affiliate, months_ago=3, code="OLD")
    newer = link_of(affiliate, months_ago=1, code="NEW")
    for _ in range(12):
        referred(newer, offering, at=month_ago(1))
    for _ in range(13):
        referred(newer, offering, at=this_month_so_far())
    for months_ago in range(4):
        for _ in range(11):
            referred(older, offering, at=month_ago(months_ago) if months_ago else this_month_so_far())

    figures = figures_for_affiliate(affiliate=affiliate)

    # From the first link's month on: nothing before it to show.
    assert figures.months == [month_start(month_ago(k)) for k in range(4)]
    item = next(item for item in figures.links if item.link == newer)
    assert [row.signups.shown for row in item.months] == ["13", "12", ABSENT, ABSENT]
    assert item.months[3].signup_rate == ABSENT
    assert item.total.signups.shown == "25"
    assert [row.signups.shown for row in figures.by_month] == ["24", "23", "11", "11"]
    assert figures.total.signups.shown == "69"


def test_months_are_utc_calendar_months_whatever_the_readers_zone(affiliate, offering):
    link = link_of(affiliate)
    first_of_month = datetime.combine(month_start(month_ago(1)), datetime.min.time(), tzinfo=UTC)
    # Late on the last day of the month before (UTC): ahead of UTC it is already the next month.
    for _ in range(11):
        referred(link, offering, at=first_of_month - timedelta(minutes=30))

    shown = {}
    for zone in ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"):
        with timezone.override(zone):
            shown[zone] = [row.signups.shown for row in figures_for_affiliate(affiliate=affiliate).links[0].months]
    assert shown["UTC"] == shown["Pacific/Kiritimati"] == shown["Pacific/Pago_Pago"]
    assert shown["UTC"][2] == "11"


def test_a_booking_counts_only_with_the_affiliates_organization(affiliate, offering):
    link = link_of(affiliate)
    elsewhere = OfferingFactory(specialist=SpecialistProfileFactory(organization=OrganizationFactory()))
    for _ in range(11):
        referred(link, elsewhere, at=month_ago(1), booked=True, paid=True)

    row = figures_for_affiliate(affiliate=affiliate).links[0].months[1]
    assert (row.signups.value, row.first_bookings.value, row.first_paid.value) == (11, 0, 0)


def test_commissions_show_each_months_statement_totals(affiliate, offering):
    link = link_of(affiliate)
    patient = referred(link, offering, at=month_ago(1), paid=True)
    payment = patient.payments.get()
    commission_earn_for_payment(payment_id=payment.pk, at=month_ago(1))

    (month,) = figures_for_affiliate(affiliate=affiliate).commissions
    assert month.month == month_start(month_ago(1))
    assert (month.earned.amount_minor, month.reversed.amount_minor, month.net.amount_minor) == (2500, 0, 2500)
    assert month.status == "pending"


def test_the_figures_take_four_queries_whatever_the_number_of_links(affiliate, offering, django_assert_num_queries):
    link_of(affiliate)
    with django_assert_num_queries(4):
        figures_for_affiliate(affiliate=affiliate)
    for _ in range(5):
        referred(link_of(affiliate), offering, at=month_ago(1), booked=True)
    with django_assert_num_queries(4):
        figures_for_affiliate(affiliate=affiliate)


def test_an_affiliate_of_two_organizations_gets_a_section_for_each(affiliate):
    other = AffiliateFactory(user=affiliate.user, organization=OrganizationFactory())

    sections = figures_for_user(user=affiliate.user)

    assert {section.affiliate for section in sections} == {affiliate, other}


def test_the_csv_holds_the_page_cells_suppression_included(affiliate, offering):
    link = link_of(affiliate, code="NEWS")
    for _ in range(12):
        referred(link, offering, at=month_ago(1))
    referred(link, offering, at=month_ago(2))
    text = "".join(figures_csv(figures_for_user(user=affiliate.user)))

    lines = text.splitlines()
    assert lines[0].startswith("organization,affiliate,link,month,clicks,signups")
    month = month_start(month_ago(1)).strftime("%Y-%m")
    assert any(line.split(",")[2:4] == ["NEWS", month] and line.split(",")[5] == "12" for line in lines)
    earlier = month_start(month_ago(2)).strftime("%Y-%m")
    assert any(line.split(",")[2:4] == ["NEWS", earlier] and line.split(",")[5] == SUPPRESSED for line in lines)
    assert all(line.split(",")[5] != "1" for line in lines)


# --- Trying to single one patient out -------------------------------------------------


def _solvable(equations: list[list[Fraction]], target: list[Fraction]) -> bool:
    """Whether `target` (a combination of the unknowns) is fixed by the
    equations: it lies in their span (exact arithmetic)."""

    def rank(rows):
        rows = [row[:] for row in rows]
        found, width = 0, len(target)
        for col in range(width):
            pivot = next((r for r in range(found, len(rows)) if rows[r][col] != 0), None)
            if pivot is None:
                continue
            rows[found], rows[pivot] = rows[pivot], rows[found]
            for r in range(len(rows)):
                if r != found and rows[r][col] != 0:
                    factor = rows[r][col] / rows[found][col]
                    rows[r] = [a - factor * b for a, b in zip(rows[r], rows[found], strict=True)]
            found += 1
        return found

    return rank(equations) == rank([*equations, target])


def _attack(cells, row_totals, column_totals, grand) -> list[tuple[int, int]]:
    """Everything shown as equations over the hidden cells; the hidden cells
    that these equations pin down exactly."""
    hidden = [(i, j) for i, row in enumerate(cells) for j, cell in enumerate(row) if cell.is_suppressed]
    index = {position: k for k, position in enumerate(hidden)}

    def equation(positions):
        vector = [Fraction(0)] * len(hidden)
        for position in positions:
            if position in index:
                vector[index[position]] = Fraction(1)
        return vector

    width = len(cells[0])
    equations = [equation([(i, j) for j in range(width)]) for i, t in enumerate(row_totals) if not t.is_suppressed]
    equations += [
        equation([(i, j) for i in range(len(cells))]) for j, t in enumerate(column_totals) if not t.is_suppressed
    ]
    if not grand.is_suppressed:
        equations.append(equation([(i, j) for i in range(len(cells)) for j in range(width)]))
    equations = [e for e in equations if any(e)]
    return [position for position in hidden if equations and _solvable(equations, equation([position]))]


def test_no_hidden_count_can_be_worked_out_from_everything_the_page_shows(affiliate, offering):
    """Three links over three months; the patient to find signed up through
    NEWS last month and booked. Every shown cell and total, taken as an
    equation, pins no hidden cell down, while showing every total would."""
    links = [link_of(affiliate, months_ago=2, code=code) for code in ("NEWS", "BLOG", "PODCAST")]
    signups = {"NEWS": [15, 6, 5], "BLOG": [12, 4, 20], "PODCAST": [20, 13, 14]}  # this month, last, the one before
    moments = [this_month_so_far(), month_ago(1), month_ago(2)]
    for link in links:
        for month, n in enumerate(signups[link.code]):
            for k in range(n):
                target = link.code == "NEWS" and month == 1 and k == 0
                referred(link, offering, at=moments[month], booked=target or (month != 1 and k < 11))

    figures = figures_for_affiliate(affiliate=affiliate)

    for step in STEPS:
        cells = [[getattr(row, step) for row in item.months[:3]] for item in figures.links]
        row_totals = [getattr(item.total, step) for item in figures.links]
        column_totals = [getattr(row, step) for row in figures.by_month[:3]]
        assert _attack(cells, row_totals, column_totals, getattr(figures.total, step)) == [], step
    # What is shown is as much as the rule allows: some totals do appear.
    assert [item.total.signups.shown for item in figures.links] == ["26", "withheld", "47"]
    assert [row.signups.shown for row in figures.by_month[:3]] == ["47", "withheld", "withheld"]

    # Had every total been shown, BLOG's total would have given its hidden 4
    # away, and last month's column (6 + 4) then the NEWS cell: the attack
    # finds both.
    cells = [[item.months[j].signups for j in range(3)] for item in figures.links]
    every_total_shown = [Cell(THRESHOLD)] * 3
    assert _attack(cells, every_total_shown, every_total_shown, Cell(THRESHOLD)) == [(0, 1), (0, 2), (1, 1)]


def test_no_query_parameter_narrows_the_months(client, affiliate, offering):
    link = link_of(affiliate)
    referred(link, offering, at=month_ago(1), booked=True)
    client.force_login(affiliate.user)

    plain = client.get("/affiliate/")
    narrowed = client.get("/affiliate/", {"from": month_ago(1).date(), "to": month_ago(1).date(), "month": "1"})

    assert plain.status_code == narrowed.status_code == 200
    assert plain.context["sections"][0].links[0].months == narrowed.context["sections"][0].links[0].months
    assert "&lt;11" in narrowed.content.decode()
