import pytest

from core.money import CurrencyMismatch, Money


def test_adding_the_same_currency_adds_minor_units():
    assert Money(1050, "EUR") + Money(250, "EUR") == Money(1300, "EUR")


def test_mixing_currencies_raises():
    with pytest.raises(CurrencyMismatch):
        Money(100, "EUR") + Money(100, "USD")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        Money(10.5, "EUR")


def test_unknown_currency_is_refused():
    with pytest.raises(ValueError, match="Unsupported currency"):
        Money(100, "XYZ")


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(9000, "EUR"), "€90.00"),
        (Money(123456, "USD"), "$1,234.56"),
        (Money(5000, "JPY"), "¥5,000"),
        (Money(1500, "KWD"), "1.500 KWD"),
    ],
)
def test_formatting_uses_each_currencys_exponent(money, text):
    assert money.format() == text


def test_basis_points_round_half_even_once():
    assert Money(1005, "EUR").apply_bps(1000) == Money(100, "EUR")  # 100.5 → 100
    assert Money(1015, "EUR").apply_bps(1000) == Money(102, "EUR")  # 101.5 → 102


def test_money_filter_formats_in_templates():
    from django.template import Context, Template

    rendered = Template("{% load daraport %}{{ amount|money:'EUR' }}").render(Context({"amount": 9000}))
    assert rendered == "€90.00"
