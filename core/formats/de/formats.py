"""How dates, times and money read in German (core/formats/en/formats.py
has the names and where they are used)."""

# "Di, 24. Nov." / "Di, 24. Nov. 2026" (N: Jan., März, Mai, Juni, Sept.: the months' usual abbreviations)
SHORT_DATE_FORMAT = "D, j. N"
DATE_FORMAT = "D, j. N Y"
# "Dienstag, 24. November" / "Dienstag, 24. November 2026"
LONG_SHORT_DATE_FORMAT = "l, j. F"
LONG_DATE_FORMAT = "l, j. F Y"
# "09:00"
TIME_FORMAT = "H:i"
# "Di, 24. Nov., 09:00" …
SHORT_DATETIME_FORMAT = "D, j. N, H:i"
DATETIME_FORMAT = "D, j. N Y, H:i"
LONG_SHORT_DATETIME_FORMAT = "l, j. F, H:i"
LONG_DATETIME_FORMAT = "l, j. F Y, H:i"
MONTH_DAY_FORMAT = "j. N"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1
# "90,00 €" (core.money; the separators are Django's German ones)
MONEY_FORMAT = "{number}\u00a0{symbol}"
