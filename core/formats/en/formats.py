"""How dates and times read in English, everywhere (pages, emails, PDFs).

Django's named formats (`|date:"DATE_FORMAT"`, `formats.date_format`) come
from here before Django's own locale files (FORMAT_MODULE_PATH), so nothing
falls back to "11/24/2026" or "9 a.m.". The LONG_* names are ours, read by
`core.timeutils`: the same dates spelled out, for screen readers only.
Templates use them through the `day`, `day_time` and `clock` filters of
core/templatetags/daraport.py.
"""

# "Tue 24 Nov" / "Tue 24 Nov 2026" (which one: core.timeutils.DATE_STYLES)
SHORT_DATE_FORMAT = "D j M"
DATE_FORMAT = "D j M Y"
# "Tuesday 24 November" / "Tuesday 24 November 2026"
LONG_SHORT_DATE_FORMAT = "l j F"
LONG_DATE_FORMAT = "l j F Y"
# "09:00"
TIME_FORMAT = "H:i"
# The dates above with the time: "Tue 24 Nov, 09:00" …
SHORT_DATETIME_FORMAT = "D j M, H:i"
DATETIME_FORMAT = "D j M Y, H:i"
LONG_SHORT_DATETIME_FORMAT = "l j F, H:i"
LONG_DATETIME_FORMAT = "l j F Y, H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday, as the specialist's calendar
