"""The insights pages: the organization's and a specialist's own, their
CSV downloads, bad input, audit rows and constant queries."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from organizations.models import Membership
from specialists.services import specialist_profile_get_or_create
from tests.conftest import member
from tests.organizations.factories import ProgramFactory
from tests.payments.factories import BillingSettingsFactory
from tests.specialists.factories import SpecialistProfileFactory

from .journeys import choose, complete_intake, give_feedback, register, session

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(org):
    return member(org, Membership.Role.ADMIN, staff=True)


@pytest.fixture
def doctor(org):
    """A signed-in specialist of `org`, with a profile."""
    user = member(org, Membership.Role.SPECIALIST, staff=True)
    return specialist_profile_get_or_create(user=user)


def populate(org, specialist, patients, *, days_ago=40):
    """`patients` new patients, each through intake, match, a first session
    and feedback; one in three books again."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=days_ago)
    for n in range(patients):
        at = start + timedelta(hours=n)
        patient = register(org, at)
        complete_intake(patient, at + timedelta(hours=1))
        choose(patient, specialist, at + timedelta(hours=2))
        first = session(patient, specialist, at + timedelta(days=3), confirmed_at=at + timedelta(hours=3))
        give_feedback(first, at + timedelta(days=3, hours=2), csat=5, asked_nps=True, nps=10)
        if n % 3 == 0:
            session(patient, specialist, at + timedelta(days=10), confirmed_at=at + timedelta(days=4))


def page(client, org, **query):
    return client.get(reverse("insights:org-insights", args=[org.slug]), query)


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- The organization's page ---------------------------------------------------------------


def test_the_admin_sees_every_section_with_the_window_stated(client, org, admin, doctor):
    populate(org, doctor, 14)
    client.force_login(admin)
    response = page(client, org)
    assert response.status_code == 200
    text = response.content.decode()
    for title in ("Journey funnel", "Attendance", "Time to the first session", "Retention by monthly cohort"):
        assert title in text
    assert "Conversion window: 90 days." in text
    assert "every step before it within their window" in text
    assert 'id="chart-funnel"' in text and "<svg" in text
    # 14 registered, so the first step is shown; the rest is too small.
    assert ">14<" in text
    assert "&lt;11" in text
    # No payments taken: no revenue section; no acquisition filter (no affiliates yet).
    assert "Revenue" not in text.split("</nav>", 1)[1]
    assert "acquisition" not in text.lower()
    row = AuditLog.objects.filter(actor=admin).latest("at")
    assert (row.action, row.path) == (AuditLog.Action.READ, reverse("insights:org-insights", args=[org.slug]))


def test_the_page_answers_in_the_same_number_of_queries_at_any_size(client, org, admin, doctor):
    client.force_login(admin)
    populate(org, doctor, 3)
    page(client, org)  # warm the session and the caches
    with CaptureQueriesContext(connection) as small:
        assert page(client, org).status_code == 200
    populate(org, doctor, 25, days_ago=60)
    with CaptureQueriesContext(connection) as large:
        assert page(client, org).status_code == 200
    assert len(large) == len(small)


def test_the_page_stays_within_its_query_budget(client, org, admin, doctor, django_assert_max_num_queries):
    populate(org, doctor, 12)
    BillingSettingsFactory(organization=org)
    client.force_login(admin)
    page(client, org)
    with django_assert_max_num_queries(25):
        assert page(client, org).status_code == 200


def test_revenue_shows_when_the_organization_takes_payments(client, org, admin):
    BillingSettingsFactory(organization=org, enabled=True)
    client.force_login(admin)
    text = page(client, org).content.decode()
    assert 'id="revenue-title"' in text
    assert "No card payments in this period." in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "before it starts"),
        ({"end": "2999-01-01"}, "ends after today"),
        ({"start": "1990-01-01", "end": "1990-02-01"}, "more than ten years ago"),
        ({"window": "0"}, "between 1 and 365 days"),
        ({"window": "100000"}, "between 1 and 365 days"),
        ({"start": "yesterday"}, "Enter a valid date"),
    ],
)
def test_a_bad_range_or_window_is_explained_with_a_400(client, org, admin, query, message):
    if query.get("start") == "2026-03-10":
        # Reversed, relative to today: the end ten days before the start.
        today = timezone.localdate()
        query = {"start": (today - timedelta(days=5)).isoformat(), "end": (today - timedelta(days=15)).isoformat()}
    client.force_login(admin)
    response = page(client, org, **query)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert "Journey funnel" not in text
    assert not AuditLog.objects.filter(actor=admin, action=AuditLog.Action.READ).exists()


def test_another_organizations_program_or_specialist_is_refused(client, org, other_org, admin):
    client.force_login(admin)
    foreign_program = ProgramFactory(organization=other_org)
    foreign_specialist = SpecialistProfileFactory(organization=other_org)
    for query in ({"program": foreign_program.public_id}, {"specialist": foreign_specialist.public_id}):
        response = page(client, org, **query)
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        assert "Journey funnel" not in response.content.decode()
    assert page(client, org, program="not-a-uuid").status_code == 400


def test_filtering_by_program_and_specialist_names_the_scope(client, org, admin, doctor):
    program = ProgramFactory(organization=org, name="Staff wellbeing")
    client.force_login(admin)
    response = page(client, org, program=program.public_id, specialist=doctor.public_id)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Only patients enrolled in the program Staff wellbeing." in text
    assert f"only steps taken with {doctor.display_name}" in text
    assert f"specialist={doctor.public_id}" in text  # the CSV links keep the filters


def test_another_organizations_page_is_a_404(client, org, other_org, admin):
    client.force_login(admin)
    assert page(client, other_org).status_code == 404
    assert client.get(reverse("insights:org-csv", args=[other_org.slug, "funnel"])).status_code == 404


# --- CSV -----------------------------------------------------------------------------------


@pytest.mark.parametrize("section", ["funnel", "attendance", "first-session", "satisfaction", "cohorts", "revenue"])
def test_every_section_downloads_as_csv_with_small_counts_hidden(client, org, admin, doctor, section):
    populate(org, doctor, 4)
    client.force_login(admin)
    response = client.get(reverse("insights:org-csv", args=[org.slug, section]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{section}-{org.slug}-')
    rows = csv_rows(response)
    assert len(rows[0]) >= 2
    cells = [cell for row in rows[1:] for cell in row]
    # Four patients: no count under 11 is written as a number.
    assert all(not cell.isdigit() or int(cell) >= 11 for cell in cells), rows
    row = AuditLog.objects.filter(actor=admin).latest("at")
    assert row.action == AuditLog.Action.EXPORT


def test_the_funnel_csv_holds_each_step(client, org, admin, doctor):
    populate(org, doctor, 12)
    client.force_login(admin)
    rows = csv_rows(client.get(reverse("insights:org-csv", args=[org.slug, "funnel"])))
    assert rows[0] == ["step", "patients", "drop_off", "of_previous", "of_first_step"]
    assert rows[1] == ["Registered", "12", "", "", "100%"]
    # Nobody lost at the intake: a drop-off of 0 is under 11 too.
    assert rows[2] == ["Intake done", "12", "<11", "100%", "100%"]
    assert rows[7][0] == "Second session booked"
    assert rows[7][1] == "<11"


def test_a_csv_of_an_unknown_section_or_a_bad_range_is_refused(client, org, admin):
    client.force_login(admin)
    assert client.get(reverse("insights:org-csv", args=[org.slug, "patients"])).status_code == 404
    response = client.get(reverse("insights:org-csv", args=[org.slug, "funnel"]), {"window": "0"})
    assert response.status_code == 400
    assert "between 1 and 365 days" in response.content.decode()
    assert not AuditLog.objects.filter(actor=admin, action=AuditLog.Action.EXPORT).exists()


# --- The specialist's page -----------------------------------------------------------------


def test_a_specialist_sees_their_own_funnel_from_the_match_on(client, org, doctor):
    populate(org, doctor, 13)
    other = SpecialistProfileFactory(organization=org)
    populate(org, other, 2, days_ago=30)
    client.force_login(doctor.user)
    response = client.get(reverse("insights:specialist-insights"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Registered" not in text
    assert "Matched or chose a specialist" in text
    assert ">13<" in text  # their 13 patients, not the colleague's two
    row = AuditLog.objects.filter(actor=doctor.user).latest("at")
    assert row.action == AuditLog.Action.READ


@pytest.mark.parametrize("section", ["funnel", "attendance", "satisfaction", "cohorts"])
def test_a_specialist_downloads_their_sections(client, org, doctor, section):
    populate(org, doctor, 3)
    client.force_login(doctor.user)
    response = client.get(reverse("insights:specialist-csv", args=[section]))
    assert response.status_code == 200
    assert "<11" in response.content.decode() or section == "satisfaction"
    assert AuditLog.objects.filter(actor=doctor.user, action=AuditLog.Action.EXPORT).exists()


def test_a_specialist_has_no_organization_only_sections(client, org, doctor):
    client.force_login(doctor.user)
    for section in ("revenue", "first-session"):
        assert client.get(reverse("insights:specialist-csv", args=[section])).status_code == 404


def test_a_specialists_bad_range_is_a_400(client, org, doctor):
    client.force_login(doctor.user)
    today = timezone.localdate()
    response = client.get(
        reverse("insights:specialist-insights"),
        {"start": today.isoformat(), "end": (today - timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 400
    assert "before it starts" in response.content.decode()


def test_a_specialist_without_a_profile_sees_an_empty_state(client, org):
    user = member(org, Membership.Role.SPECIALIST, staff=True)
    client.force_login(user)
    response = client.get(reverse("insights:specialist-insights"))
    assert response.status_code == 200
    assert "No figures yet" in response.content.decode()
    assert client.get(reverse("insights:specialist-csv", args=["funnel"])).status_code == 404


def test_the_specialist_page_answers_in_constant_queries(client, org, doctor):
    client.force_login(doctor.user)
    populate(org, doctor, 2)
    client.get(reverse("insights:specialist-insights"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("insights:specialist-insights"))
    populate(org, doctor, 20, days_ago=70)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("insights:specialist-insights"))
    assert len(large) == len(small)
