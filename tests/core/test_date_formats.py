"""Dates and times read one way everywhere (core/formats/en/formats.py,
core.timeutils, the `day`, `day_time` and `clock` filters): "Tue 24 Nov,
09:00", in the reader's zone, with the year only when it is not this year
("Tue 5 Jan 2027") on pages, and always in what is read later (emails,
notices, PDFs). The spelled-out "Tuesday 24 November" is for screen readers
only. The crawl walks every page each demo person can reach and finds no
other way of writing a date."""

import re
from collections import deque
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from accounts.models import User
from core.timeutils import format_date, format_datetime, format_in_zone, format_short, format_time

MOMENT = datetime(2026, 11, 24, 8, 5, tzinfo=UTC)  # 09:05 in Berlin, 03:05 in New York
THAT_SUMMER = datetime(2026, 7, 1, 12, tzinfo=UTC)

# Dates and times written any other way than ours.
STRAY = re.compile(
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"  # 11/24/2026, 24/11/26
    r"|\b\d{4}-\d{2}-\d{2}\b"  # 2026-11-24 in running text
    r"|\b\d{1,2}(?::\d{2})? ?[ap]\.m\.|\b(?:midnight|noon)\b"  # 9 a.m., 9:05 p.m.
    r"|\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\. \d{1,2}\b"  # Nov. 24
    r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}"
    r"|\b\d+\xa0(?:minutes?|hours?|days?|weeks?|months?) ago\b"  # naturaltime
    # Spelled out ("Tuesday 24 November"): for screen readers, never on the page.
    r"|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} (?:January|February|March|April|May"
    r"|June|July|August|September|October|November|December)\b"
)


@time_machine.travel(THAT_SUMMER, tick=False)
def test_the_filters_write_the_house_formats():
    with timezone.override("Europe/Berlin"):
        rendered = Template(
            "{% load daraport %}{{ m|day }}|{{ m|day:'year' }}|{{ m|day:'long' }}|{{ m|day:'long year' }}|"
            "{{ m|day_time }}|{{ m|day_time:'year' }}|{{ m|day_time:'long year' }}|{{ m|clock }}|"
            "{{ d|day:'year' }}|{{ t|clock }}|{{ m|time }}|{{ m|date }}|{{ m }}|{{ none|day }}"
        ).render(Context({"m": MOMENT, "d": date(2026, 3, 1), "t": time(7, 30), "none": None}))
    assert rendered.split("|") == [
        "Tue 24 Nov",
        "Tue 24 Nov 2026",
        "Tuesday 24 November",
        "Tuesday 24 November 2026",
        "Tue 24 Nov, 09:05",
        "Tue 24 Nov 2026, 09:05",
        "Tuesday 24 November 2026, 09:05",
        "09:05",
        "Sun 1 Mar 2026",
        "07:30",
        "09:05",  # Django's own filters use the same formats
        "Tue 24 Nov 2026",
        "Tue 24 Nov 2026, 09:05",
        "",
    ]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime(2026, 1, 2, 12, tzinfo=UTC), "Tue 24 Nov, 09:05"),
        (datetime(2025, 12, 30, 12, tzinfo=UTC), "Tue 24 Nov 2026, 09:05"),  # next year's date
        (datetime(2027, 3, 1, 12, tzinfo=UTC), "Tue 24 Nov 2026, 09:05"),  # last year's
        (datetime(2026, 12, 31, 22, 30, tzinfo=UTC), "Tue 24 Nov, 09:05"),  # still 2026 in Berlin
        (datetime(2026, 12, 31, 22, 30, tzinfo=UTC) + timedelta(hours=1), "Tue 24 Nov 2026, 09:05"),
    ],
)
def test_a_page_writes_the_year_only_when_it_is_not_this_year(today, expected):
    with time_machine.travel(today, tick=False), timezone.override("Europe/Berlin"):
        assert Template("{% load daraport %}{{ m|day_time }}").render(Context({"m": MOMENT})) == expected
        assert format_datetime(MOMENT, zone_name="Europe/Berlin") == expected
        assert format_datetime(MOMENT, "year", "Europe/Berlin") == "Tue 24 Nov 2026, 09:05"


@time_machine.travel(THAT_SUMMER, tick=False)
def test_a_span_of_days_names_its_year_once_and_only_outside_this_year():
    span = "{% load daraport %}{{ start|days:end }}"

    def render(start, end):
        return Template(span).render(Context({"start": start, "end": end}))

    assert render(date(2026, 10, 19), date(2026, 10, 25)) == "Mon 19 Oct \u2013 Sun 25 Oct"
    assert render(date(2027, 10, 25), date(2027, 10, 31)) == "Mon 25 Oct \u2013 Sun 31 Oct 2027"
    assert render(date(2026, 12, 28), date(2027, 1, 3)) == "Mon 28 Dec 2026 \u2013 Sun 3 Jan 2027"


@time_machine.travel(THAT_SUMMER, tick=False)
def test_python_writes_the_same_formats_in_the_readers_zone():
    assert format_date(MOMENT, zone_name="America/New_York") == "Tue 24 Nov"
    assert format_datetime(MOMENT, "year", "America/New_York") == "Tue 24 Nov 2026, 03:05"
    assert format_time(MOMENT, "Asia/Tokyo") == "17:05"
    assert format_short(MOMENT, "Europe/Berlin") == "Tue 24 Nov, 09:05"
    assert format_in_zone(MOMENT, "America/New_York") == "Tue 24 Nov 2026, 03:05 (America/New York)"


def test_an_unknown_style_is_a_mistake_not_a_guess():
    with pytest.raises(KeyError):
        format_date(MOMENT, "tiny")


# --- The crawl -------------------------------------------------------------------------

DEMO_PEOPLE = [
    "patient@demo.daraport.test",
    "specialist@demo.daraport.test",
    "admin@demo.daraport.test",
    "affiliate@demo.daraport.test",
    "priya.natarajan@patients.demo.daraport.test",
]
START = ["/home/", "/accounts/settings/", "/accounts/sessions/", "/accounts/2fa/", "/specialists/", "/"]
# Never followed: leaving, downloads and the admin site (Django's own).
SKIP = re.compile(r"^/(?:admin/|accounts/logout|accounts/sign-out|static/|media/)|\.(?:ics|pdf|csv)\b|/download")
PAGES_PER_PERSON = 70


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _unseen(tag: str, classes: list[str]) -> bool:
    """Text for screen readers only, or what people wrote in a message."""
    return "visually-hidden" in classes or (tag == "div" and "msg-text" in classes)


class _Text(HTMLParser):
    """The text of the site a reader sees (no scripts, styles, attributes,
    text for screen readers only or messages people wrote) and the links."""

    def __init__(self):
        super().__init__()
        self.text, self.links, self._hidden = [], [], 0
        self._unseen = 0  # depth inside an element of _unseen()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        if tag not in VOID and (self._unseen or _unseen(tag, (attributes.get("class") or "").split())):
            self._unseen += 1
        href = attributes.get("href") if tag == "a" else None
        if href and href.startswith("/") and not href.startswith("//"):
            self.links.append(href.split("#")[0])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1
        if self._unseen and tag not in VOID:
            self._unseen -= 1

    def handle_data(self, data):
        if not self._hidden and not self._unseen:
            self.text.append(data)


def _route(path: str) -> str:
    try:
        return resolve(urlsplit(path).path).route
    except Resolver404:
        return path


def _crawl(client):
    """Pages reachable from START by links, one per route (a list's filters
    and pages differ only in rows), as (path, visible text)."""
    queue, seen, visited = deque(START), {_route(path) for path in START}, 0
    while queue and visited < PAGES_PER_PERSON:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        visited += 1
        parser = _Text()
        parser.feed(response.content.decode())
        yield path, " ".join(parser.text)
        for link in parser.links:
            route = _route(link)
            if route not in seen and not SKIP.search(link):
                seen.add(route)
                queue.append(link)


@pytest.mark.django_db(transaction=True)
def test_no_page_of_any_portal_writes_a_date_another_way(settings, tmp_path):
    settings.DEMO_MODE = True
    settings.MEDIA_ROOT = str(tmp_path)
    settings.DEMO_MFA_EXEMPT_EMAILS = {"specialist@demo.daraport.test", "admin@demo.daraport.test"}
    call_command("seed_demo")

    found, pages = [], 0
    for email in DEMO_PEOPLE:
        client = Client()
        client.force_login(User.objects.get(email=email))
        for path, text in _crawl(client):
            pages += 1
            found += [(email, path, match.group(0)) for match in STRAY.finditer(text)]
    found += [("email", message.subject, m.group(0)) for message in mail.outbox for m in STRAY.finditer(message.body)]
    assert pages > 100, pages
    assert found == []
