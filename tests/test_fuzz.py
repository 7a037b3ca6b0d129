"""Hostile input on every form and every page: never a server error, and
nothing stored when the answer is a refusal (SECURITY.md, "Input").

The forms are found as a browser finds them: every page of the access
matrix (tests/test_access_matrix.py) is opened by a persona allowed to see
it, over the matrix's sample data, and each form on it that posts is posted
back in rounds. In each round every field gets a hostile value of its kind
(a date field a far date, a time field an impossible time, a number field a
huge number, a time-zone field a made-up zone, a time button an offset at
the end of the calendar, any text field NUL, a long string, bidi and
combining characters, nested JSON...), lined up so that a far date also
meets a valid time; then every field twice. Every page is also opened with
hostile values in each query parameter its view read when it was opened,
and in its filter forms' fields.

Each request runs in a savepoint that is rolled back, so one round cannot
change what the next one sees. The sockets' frames have their own fuzzing
in tests/messaging/test_socket_frames.py.
"""

import traceback
import uuid
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.http import QueryDict
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from booking.forms.patient import AvailabilityRequestForm, SlotForm
from booking.forms.specialist import ProposalForm, RescheduleForm
from core.timeutils import INPUT_RANGE, timezone_names
from specialists.models import Offering, SpecialistProfile
from specialists.services import specialist_profile_get_or_create
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory, next_week_at
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory
from tests.test_access_matrix import MATRIX, samples  # noqa: F401 (samples is a fixture)

pytestmark = pytest.mark.django_db

# POSTing these starts a sign-in at an outside identity provider.
OUTSIDE = {"openid_connect_login", "openid_connect_callback"}
# Refusals that keep what was valid, by design: a questionnaire's draft
# saves the answers that could be read and says which could not.
KEEPS_THE_VALID_PART = {"consents:step"}

# What each kind of field gets, round by round. A far date meets a valid
# time in rounds 0 and 1; hidden fields (ids, steps) are hostile in even
# rounds and keep their own value in odd ones, so the other fields are read.
HOSTILE = {
    "text": [
        "x" * 20_000,
        "\U0001d54f\u202e\u0301 Ünïcødé \ufeff\u200b\x07",
        '{"a": ' * 200 + "[]" + "}" * 200,
        "a\x00b",
    ],
    "date": ["9999-12-31", "0001-01-01", "2026-02-30", "99999-01-01"],
    "time": ["23:30", "00:30", "25:61", "23:59:60"],
    "number": ["99999999999999999999999", "-1", "1e309", "9" * 5000],
    "moment": [
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+23:59",
        "2026-01-01T10:00:00+99:00",
        "2026-02-30T10:00:00+00:00",
    ],
    "zone": ["Mars/Olympus", "Etc/GMT+99", "x" * 1000, "../../etc/passwd"],
    "choice": ["not-an-option", str(uuid.uuid4()), "-1", "99999999999999999999999"],
}
ROUNDS = 4
# A query parameter a view reads gets these, one round each.
QUERY_ROUNDS = [
    ["9999-12-31"],
    ["0001-01-01", "-1", "99999999999999999999999", "x" * 3000, "Mars/Olympus", HOSTILE["text"][1]],
]
assert all(len(values) == ROUNDS for values in HOSTILE.values())


class Page(HTMLParser):
    """The forms on a page that post, each with its fields and the value a
    browser would send for them; the fields of those that get (filters)."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.forms: list[dict] = []
        self.filters: set[str] = set()
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            posts = attrs.get("method", "").lower() == "post" or "hx-post" in attrs
            action = attrs.get("hx-post") or attrs.get("action") or self.url
            self._form = {"action": urljoin(self.url, action), "fields": {}, "posts": posts}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "option" and self._select is not None and attrs.get("value"):
            if not self._form["fields"][self._select][1]:  # its first option with a value
                self._form["fields"][self._select] = ("select", attrs["value"])
        if not name:
            return
        if tag == "select":
            self._select = name
            self._form["fields"].setdefault(name, ("select", ""))
        elif tag == "textarea":
            self._form["fields"].setdefault(name, ("text", "Hello"))
        elif tag in ("input", "button"):
            kind = attrs.get("type", "text" if tag == "input" else "submit").lower()
            if kind != "file":
                self._form["fields"].setdefault(name, (kind, attrs.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            if self._form is not None and not self._form["posts"]:
                self.filters |= set(self._form["fields"])
            self._form = None
        elif tag == "select":
            self._select = None


def _kind(name: str, kind: str, value: str) -> str:
    if "zone" in name or (kind == "select" and value in timezone_names()):
        return "zone"
    if kind in ("date", "time", "number"):
        return kind
    if kind in ("select", "radio", "checkbox"):
        return "choice"
    if kind == "submit" and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return "moment"  # a time button: its value is the ISO instant it picks
    return "text"


def hostile_rounds(fields: dict):
    """The form's data for each round: every field a hostile value of its
    kind, except the submit buttons, which say what the form does."""
    for number in range(ROUNDS):
        data = {}
        for name, (kind, value) in fields.items():
            field_kind = _kind(name, kind, value)
            keep = (kind == "submit" and field_kind != "moment") or (kind == "hidden" and number % 2)
            data[name] = value if keep or name == "csrfmiddlewaretoken" else HOSTILE[field_kind][number]
        yield f"round {number}", data
    # Every field twice, where one value is expected.
    yield "each field twice", {name: [value, "9999-12-31"] for name, (_kind, value) in fields.items()}


def _tables() -> list[str]:
    skipped = {"core_auditlog", "django_session", "usersessions_usersession"}  # reads and sign-ins are recorded
    return sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)} - skipped)


def stored(tables) -> tuple:
    """How many rows each table holds, in one query."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables))
        return cursor.fetchone()


class Crashes:
    """The server errors of requests made with `raise_request_exception`
    off, with where they came from."""

    def __init__(self):
        self.last = ""
        got_request_exception.connect(self.record)

    def record(self, sender, request, **kwargs):
        self.last = traceback.format_exc(limit=-4)

    def close(self):
        got_request_exception.disconnect(self.record)


@pytest.fixture
def crashes():
    recorder = Crashes()
    yield recorder
    recorder.close()


def visitor(route):
    """Who opens the page: a signed-in persona allowed to, else anonymous."""
    allowed = [persona for persona, cell in route.expect.items() if cell == 200]
    signed_in = [persona for persona in allowed if persona != "anonymous"]
    return (signed_in or allowed or [None])[0]


def sign_in(client, personas, persona) -> None:
    client.logout()
    if personas[persona] is not None:
        client.force_login(personas[persona])


@pytest.fixture
def reads(monkeypatch) -> set:
    """The names requests read from a QueryDict (the query string, or a
    form) by name, since the set was last emptied."""
    names = set()

    def recording(method):
        def read(self, key, *args, **kwargs):
            names.add(key)
            return method(self, key, *args, **kwargs)

        return read

    for method in ("get", "getlist", "__getitem__", "__contains__"):
        monkeypatch.setattr(QueryDict, method, recording(getattr(QueryDict, method)))
    return names


def visits(personas, objects) -> list[tuple[str, str]]:
    """(persona, url) of every page of the matrix some persona sees (Django
    admin aside), and of pages the matrix's samples do not open."""
    found = [
        (visitor(route), route.url(name, objects))
        for name, route in MATRIX.items()
        if visitor(route) is not None and not name.startswith("admin") and name not in OUTSIDE
    ]
    # A confirmed session of the specialist persona: its page and the form
    # that moves it.
    session = AppointmentFactory(
        patient=personas["patient_a"],
        offering=OfferingFactory(specialist=specialist_profile_get_or_create(user=personas["specialist"])),
        confirmed=True,
        starts_at=next_week_at(18),
    )
    found.append(("specialist", reverse("booking:specialist-reschedule", args=[session.public_id])))
    # Free times every day, so the patient's booking pages show their time buttons.
    booking_sample = SpecialistProfile.objects.get(slug=objects["booking_patient_specialist_slug"])
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=booking_sample, weekday=weekday, start_time="06:00", end_time="22:00")
    return sorted(found)


def pages(client, personas, objects, reads):
    """(persona, url, parsed page, the query names its view reads) for
    every page to visit, one persona after the other. A view may read some
    names only once the query has any (a filter form's): those of the
    page's filter forms count too."""
    signed_in = None
    for persona, url in visits(personas, objects):
        if persona != signed_in:
            sign_in(client, personas, persona)
            signed_in = persona
        reads.clear()
        response = client.get(url)
        page = Page(url)
        if response.status_code == 200 and not response.streaming and "html" in response.get("Content-Type", ""):
            page.feed(response.content.decode())
        yield persona, url, page, (reads | page.filters) - {"csrfmiddlewaretoken"}


def _form_key(form: dict):
    """Forms that differ only in the object they act on are posted once."""
    try:
        match = resolve(urlsplit(form["action"]).path)
    except Resolver404:
        return None
    if match.url_name in OUTSIDE:
        return None
    return match.view_name, tuple(sorted(form["fields"]))


def test_no_page_and_no_form_answers_a_server_error_to_hostile_input(client, personas, crashes, reads, request):
    objects = request.getfixturevalue("samples")  # the access matrix's
    client.raise_request_exception = False
    tables = _tables()
    problems = []
    forms = {}
    tried = set()

    def attempt(persona, method, url, data, label):
        if (method, url, repr(data)) in tried:
            return
        tried.add((method, url, repr(data)))
        before = stored(tables)
        session = client.cookies.get(settings.SESSION_COOKIE_NAME)
        with transaction.atomic():
            response = getattr(client, method)(url, data)
            after = stored(tables)
            transaction.set_rollback(True)
        if session is not None:  # a sign-out form was rolled back, its new cookie was not
            client.cookies[settings.SESSION_COOKIE_NAME] = session.value
        status = response.status_code
        if status >= 500:
            problems.append(f"{persona} {method.upper()} {url} ({label}): {status}\n{crashes.last}")
        elif (
            400 <= status < 500
            and after != before
            and resolve(urlsplit(url).path).view_name not in KEEPS_THE_VALID_PART
        ):
            changed = [t for t, b, a in zip(tables, before, after, strict=True) if a != b]
            problems.append(f"{persona} {method.upper()} {url} ({label}): {status} but stored rows in {changed}")

    for persona, url, page, names in pages(client, personas, objects, reads):
        for form in page.forms:
            key = _form_key(form)
            if form["posts"] and key is not None and set(form["fields"]) - {"csrfmiddlewaretoken"}:
                forms.setdefault(key, (persona, form))
        for number, values in enumerate(QUERY_ROUNDS if names else []):
            query = {name: values[index % len(values)] for index, name in enumerate(sorted(names))}
            attempt(persona, "get", url.split("?")[0], query, f"query round {number}")
    assert len(forms) > 50, "the pages should show the app's forms"
    signed_in = None
    for persona, form in sorted(forms.values(), key=lambda each: each[0]):
        if persona != signed_in:
            sign_in(client, personas, persona)
            signed_in = persona
        for label, data in hostile_rounds(form["fields"]):
            attempt(persona, "post", form["action"], data, label)
    assert not problems, f"{len(problems)} problems:\n" + "\n\n".join(problems[:10])


# --- The date and time forms on anything ------------------------------------------------------

ANY_TEXT = st.text(max_size=40) | st.sampled_from(
    [value for kind in ("date", "time", "moment", "number") for value in HOSTILE[kind]]
)


@hypothesis_settings(max_examples=150, deadline=None)
@given(data=st.dictionaries(st.sampled_from(["date", "time", "reason"]), ANY_TEXT))
def test_the_specialists_reschedule_form_refuses_or_gives_a_time_in_range(data):
    form = RescheduleForm(data, zone_name="Pacific/Kiritimati")
    if form.is_valid() and form.cleaned_data.get("starts_at"):
        assert abs(form.cleaned_data["starts_at"] - timezone.now()) <= INPUT_RANGE + timedelta(days=2)


PROPOSAL_FIELDS = ["date_1", "time_1", "date_2", "time_2", "answer_by_date", "answer_by_time", "note"]


@hypothesis_settings(max_examples=150, deadline=None)
@given(data=st.dictionaries(st.sampled_from(PROPOSAL_FIELDS), ANY_TEXT))
def test_the_proposal_form_never_fails_on_any_dates_and_times(data):
    form = ProposalForm(
        data,
        patients=[],
        offerings=Offering.objects.none(),
        specialist=None,
        zone_name="Pacific/Pago_Pago",
        now=timezone.now(),
    )
    form.is_valid()
    for start in form.cleaned_data.get("starts_at") or []:
        assert abs(start - timezone.now()) <= INPUT_RANGE + timedelta(days=2)


@hypothesis_settings(max_examples=150, deadline=None)
@given(value=ANY_TEXT | st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()))
def test_a_time_button_refuses_or_gives_an_aware_time_in_range(value):
    form = SlotForm({"starts_at": value})
    if form.is_valid():
        starts_at = form.cleaned_data["starts_at"]
        assert starts_at.utcoffset() == timedelta(0)
        assert abs(starts_at - timezone.now()) <= INPUT_RANGE


@pytest.fixture
def specialist():
    return SpecialistProfileFactory()


@hypothesis_settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(["date_1", "from_1", "until_1", "note"]), ANY_TEXT))
def test_asking_for_other_times_refuses_far_dates(specialist, data):
    form = AvailabilityRequestForm(data, specialist=specialist)
    if form.is_valid():
        for window in form.cleaned_data["windows"]:
            assert abs(window["date"] - timezone.localdate()) <= INPUT_RANGE
