"""The specialists' activity (insights/team.py): capacity, caseload,
utilisation from working hours, cancellation and no-show rates, feedback
withheld under 11 answers, payout status; sorting, paging, constant
queries, the page for each role, bad input and audit."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care.models import CareRelationship
from core.models import AuditLog
from insights.overview import window_for
from insights.team import activity_sorted, sort_parse, specialist_activity
from organizations.models import Membership, ProgramRosterEntry
from specialists.models import SpecialistProfile
from tests.booking.factories import AppointmentFactory, AvailabilityOverrideFactory, AvailabilityRuleFactory
from tests.care.factories import CareRelationshipFactory
from tests.conftest import member
from tests.insights.journeys import give_feedback
from tests.organizations.factories import ProgramFactory
from tests.payments.factories import PayoutAccountFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def noon():
    moment = datetime.combine(timezone.now().date(), time(12), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment, tick=False):
        yield moment


@pytest.fixture
def admin(org):
    return member(org, Membership.Role.ADMIN, staff=True)


@pytest.fixture
def week():
    return window_for(7).current


def ago(noon, days, hour=10):
    return (noon - timedelta(days=days)).replace(hour=hour)


def sessions(specialist, noon, *statuses, late=False):
    offering = OfferingFactory(specialist=specialist, duration_minutes=50)
    made = []
    for n, status in enumerate(statuses):
        extra = {"is_late_cancellation": late} if status == "cancelled" else {}
        made.append(
            AppointmentFactory(offering=offering, starts_at=ago(noon, 1 + n % 6, 8 + n // 6), **{status: True}, **extra)
        )
    return made


def rows_by_name(org, period):
    return {row.profile.display_name: row for row in specialist_activity(organization=org, period=period)}


def test_each_specialist_gets_capacity_caseload_utilisation_and_rates(org, other_org, noon, week):
    lena = SpecialistProfileFactory(organization=org, display_name="Lena")
    AvailabilityRuleFactory(specialist=lena, weekday=0, start_time="09:00", end_time="17:00")
    AvailabilityRuleFactory(specialist=lena, weekday=2, start_time="09:00", end_time="13:00")
    AvailabilityRuleFactory(specialist=lena, weekday=4, start_time="20:00", end_time="00:00")  # to midnight
    monday = next(
        week.start_on + timedelta(days=n) for n in range(7) if (week.start_on + timedelta(days=n)).weekday() == 0
    )
    AvailabilityOverrideFactory(specialist=lena, date_on=monday)  # the whole Monday off
    AvailabilityOverrideFactory(specialist=lena, date_on=week.start_on, extra_hours=True)  # 18:00 to 20:00
    AvailabilityOverrideFactory(specialist=lena, date_on=week.start_on - timedelta(days=1))  # before the period
    sessions(lena, noon, "completed", "completed", "no_show", "cancelled")
    sessions(lena, noon, "cancelled", late=True)
    for status in (CareRelationship.Status.ACTIVE, CareRelationship.Status.ACTIVE, CareRelationship.Status.ENDED):
        CareRelationshipFactory(specialist=lena, status=status)
    ProgramRosterEntry.objects.create(program=ProgramFactory(organization=org), specialist=lena.user, capacity=10)
    ProgramRosterEntry.objects.create(program=ProgramFactory(organization=org), specialist=lena.user, capacity=5)
    ProgramRosterEntry.objects.create(program=ProgramFactory(organization=other_org), specialist=lena.user, capacity=7)
    PayoutAccountFactory(specialist=lena)
    SpecialistProfileFactory(organization=org, display_name="Nils", status=SpecialistProfile.Status.PENDING)
    SpecialistProfileFactory(organization=other_org, display_name="Elsewhere")

    rows = rows_by_name(org, week)

    assert set(rows) == {"Lena", "Nils"}
    lena_row = rows["Lena"]
    assert lena_row.capacity == 15
    assert lena_row.caseload == 2
    assert lena_row.weekly_minutes == (8 + 4 + 4) * 60
    # 16 hours a week, less the Monday (8), plus 2 extra hours.
    assert lena_row.offered_minutes == 10 * 60
    # Two held and one missed session of 50 minutes took up offered time.
    assert lena_row.booked_minutes == 150
    assert lena_row.utilisation == pytest.approx(150 / 600)
    assert (lena_row.completed, lena_row.cancelled, lena_row.late_cancelled, lena_row.no_show) == (2, 1, 1, 1)
    assert lena_row.cancellation_rate == pytest.approx(2 / 5)
    assert lena_row.no_show_rate == pytest.approx(1 / 3)
    assert lena_row.payout_status == "Active"
    nils = rows["Nils"]
    assert nils.capacity is None and nils.utilisation is None and nils.cancellation_rate is None
    assert nils.payout_status == "" and nils.csat is None


def test_feedback_scores_are_withheld_under_11_answers(org, noon, week):
    many = SpecialistProfileFactory(organization=org, display_name="Many")
    few = SpecialistProfileFactory(organization=org, display_name="Few")
    for specialist, count in ((many, 11), (few, 10)):
        for n, visit in enumerate(sessions(specialist, noon, *["completed"] * count)):
            give_feedback(visit, visit.starts_at + timedelta(hours=1), csat=5 if n else 2, asked_nps=True, nps=10)
    rows = rows_by_name(org, week)
    assert rows["Many"].csat == pytest.approx(100 * 10 / 11)
    assert rows["Many"].nps == pytest.approx(100)
    assert rows["Few"].csat is None and rows["Few"].nps is None
    assert rows["Few"].answers.shown == "<11"


def test_sorting_puts_rows_without_a_figure_last(org, noon, week):
    busy = SpecialistProfileFactory(organization=org, display_name="Busy")
    quiet = SpecialistProfileFactory(organization=org, display_name="Quiet")
    SpecialistProfileFactory(organization=org, display_name="Away")
    for specialist in (busy, quiet):
        for weekday in range(7):
            AvailabilityRuleFactory(specialist=specialist, weekday=weekday, start_time="08:00", end_time="18:00")
    sessions(busy, noon, "completed", "completed", "completed")
    sessions(quiet, noon, "completed")
    rows = specialist_activity(organization=org, period=week)
    assert [row.profile.display_name for row in activity_sorted(rows, "name")] == ["Away", "Busy", "Quiet"]
    assert [row.profile.display_name for row in activity_sorted(rows, "utilisation")] == ["Busy", "Quiet", "Away"]


def test_an_unknown_sort_is_by_name_with_a_notice():
    assert sort_parse("utilisation") == ("utilisation", "")
    sort, notice = sort_parse("password")
    assert sort == "name" and "password" in notice


def test_the_activity_takes_the_same_queries_for_one_or_many_specialists(org, noon, week):
    def grow(n):
        for _ in range(n):
            specialist = SpecialistProfileFactory(organization=org)
            AvailabilityRuleFactory(specialist=specialist)
            AvailabilityOverrideFactory(specialist=specialist, date_on=week.end_on)
            PayoutAccountFactory(specialist=specialist)
            CareRelationshipFactory(specialist=specialist)
            ProgramRosterEntry.objects.create(program=ProgramFactory(organization=org), specialist=specialist.user)
            for visit in sessions(specialist, noon, "completed", "no_show"):
                give_feedback(visit, visit.starts_at, csat=4)

    grow(1)
    with CaptureQueriesContext(connection) as few:
        specialist_activity(organization=org, period=week)
    grow(8)
    with CaptureQueriesContext(connection) as many:
        specialist_activity(organization=org, period=week)
    assert len(many) == len(few) == 7


# --- The page -----------------------------------------------------------------------------


def activity_url(org, **query):
    url = reverse("insights:org-specialists", args=[org.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_admin_sees_a_row_per_specialist_and_an_audit_row(client, org, admin, noon):
    lena = SpecialistProfileFactory(organization=org, display_name="Lena Berg")
    AvailabilityRuleFactory(specialist=lena, weekday=0)
    sessions(lena, noon, "completed")
    client.force_login(admin)
    response = client.get(activity_url(org, days=90, sort="caseload"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lena Berg" in html and "Utilisation" in html and "Not set up" in html
    assert reverse("specialists:org-specialist-review", args=[org.slug, lena.public_id]) in html
    assert '<option value="90" selected>' in html and '<option value="caseload" selected>' in html
    assert AuditLog.objects.filter(actor=admin, action=AuditLog.Action.READ, path=activity_url(org)).count() == 1


def test_bad_period_sort_and_page_fall_back_with_notices(client, org, admin):
    SpecialistProfileFactory(organization=org)
    client.force_login(admin)
    response = client.get(activity_url(org, days="1000", sort="'drop", page="x"))
    assert response.status_code == 200
    assert response.context["days"] == 30 and response.context["sort"] == "name"
    assert response.context["page"].number == 1
    assert len(response.context["notices"]) == 2


def test_the_list_is_paged_by_50(client, org, admin):
    SpecialistProfileFactory.create_batch(51, organization=org)
    client.force_login(admin)
    first = client.get(activity_url(org))
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert len(client.get(activity_url(org, page=2)).context["page"].object_list) == 1


def test_an_empty_organization_gets_an_empty_state(client, org, admin):
    client.force_login(admin)
    assert "No specialist profiles yet" in client.get(activity_url(org)).content.decode()


def test_another_organizations_admin_gets_404_and_other_roles_403(client, org, other_org):
    client.force_login(member(other_org, Membership.Role.ADMIN, staff=True))
    assert client.get(activity_url(org)).status_code == 404
    client.force_login(member(org, Membership.Role.SPECIALIST, staff=True))
    assert client.get(activity_url(org)).status_code == 403
    client.logout()
    assert client.get(activity_url(org)).status_code == 302


def test_the_specialists_approval_page_links_to_the_activity(client, org, admin):
    client.force_login(admin)
    html = client.get(reverse("specialists:org-specialists", args=[org.slug])).content.decode()
    assert activity_url(org) in html
