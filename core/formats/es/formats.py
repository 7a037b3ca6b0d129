"""How dates, times and money read in Spanish (core/formats/en/formats.py
has the names and where they are used)."""

# "mar, 24 nov" / "mar, 24 nov 2026"
SHORT_DATE_FORMAT = "D, j b"
DATE_FORMAT = "D, j b Y"
# "Martes, 24 de noviembre" / "Martes, 24 de noviembre de 2026"
LONG_SHORT_DATE_FORMAT = r"l, j \d\e F"
LONG_DATE_FORMAT = r"l, j \d\e F \d\e Y"
# "09:00"
TIME_FORMAT = "H:i"
# "mar, 24 nov, 09:00" …
SHORT_DATETIME_FORMAT = "D, j b, H:i"
DATETIME_FORMAT = "D, j b Y, H:i"
LONG_SHORT_DATETIME_FORMAT = r"l, j \d\e F, H:i"
LONG_DATETIME_FORMAT = r"l, j \d\e F \d\e Y, H:i"
MONTH_DAY_FORMAT = "j b"
YEAR_MONTH_FORMAT = r"F \d\e Y"
FIRST_DAY_OF_WEEK = 1
# "90,00 €" (core.money; the separators are Django's Spanish ones)
MONEY_FORMAT = "{number}\u00a0{symbol}"
