"""Money as integer minor units plus an ISO 4217 currency code. Never float.

Exponents come from a table (JPY has 0, KWD 3), never an assumed 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.utils.formats import get_format_modules, number_format

# ISO 4217 minor-unit exponents for the currencies Daraport accepts.
CURRENCY_EXPONENTS: dict[str, int] = {
    "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CZK": 2, "DKK": 2, "EUR": 2,
    "GBP": 2, "JPY": 0, "KWD": 3, "MXN": 2, "NOK": 2, "NZD": 2, "PLN": 2,
    "SEK": 2, "USD": 2,
}  # fmt: skip
CURRENCY_SYMBOLS: dict[str, str] = {"EUR": "€", "GBP": "£", "USD": "$", "JPY": "¥", "BRL": "R$"}


def _money_format() -> str:
    """Where the active language puts the currency symbol: its MONEY_FORMAT,
    else before the number, as in English."""
    for module in get_format_modules():
        if hasattr(module, "MONEY_FORMAT"):
            return module.MONEY_FORMAT
    return "{symbol}{number}"


class CurrencyMismatch(ValueError):
    pass


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise ValueError(f"Unsupported currency: {currency!r}") from None


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise TypeError("amount_minor must be an int")
        exponent(self.currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be mixed")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount_minor < other.amount_minor

    def apply_bps(self, bps: int) -> Money:
        """This amount times bps/10,000, rounded half-even once, to a minor unit."""
        value = (Decimal(self.amount_minor) * bps / Decimal(10_000)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return Money(int(value), self.currency)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-exponent(self.currency))

    def format(self) -> str:
        """This amount as the active language writes it: "€1,234.50" in
        English, "1.234,50 €" in German (MONEY_FORMAT of core/formats)."""
        digits = exponent(self.currency)
        number = number_format(self.decimal, decimal_pos=digits, use_l10n=True, force_grouping=True)
        symbol = CURRENCY_SYMBOLS.get(self.currency)
        if not symbol:
            return f"{number} {self.currency}"
        return _money_format().format(number=number, symbol=symbol)

    def __str__(self) -> str:
        return self.format()


def minor_from_major(text: str, currency: str) -> int:
    """ "90", "90.5" or "90,50" in `currency` → integer minor units.

    Raises ValueError for text that is not a number, is negative or has
    more decimals than the currency has.
    """
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError("not a positive amount")
    if value > 10**9:
        raise ValueError("too large")
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError("too many decimals")
    return int(minor)
