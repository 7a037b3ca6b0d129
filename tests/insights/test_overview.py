"""The organization's overview (insights/overview.py): each tile's figure
for the chosen days and the days before, its trend, the list it links to,
constant queries, the page and the home's fragment, bad input and audit."""

from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from insights.overview import blocked_sessions, organization_overview, period_days_parse, window_for
from organizations.models import Membership, ProgramEnrolment
from specialists.models import SpecialistProfile
from tests.booking.factories import AppointmentFactory
from tests.conftest import member
from tests.consents.factories_patient import CareContextFactory, ConsentSignatureFactory, published_document
from tests.organizations.factories import MembershipFactory, ProgramFactory
from tests.payments.factories import BillingSettingsFactory, PaymentFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def noon():
    """Midday UTC today: every moment below stays on its calendar day in
    UTC and in the admin's zone (Berlin)."""
    moment = datetime.combine(timezone.now().date(), time(12), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment, tick=False):
        yield moment


@pytest.fixture
def admin(org):
    return member(org, Membership.Role.ADMIN, staff=True)


@pytest.fixture
def lena(org):
    return SpecialistProfileFactory(organization=org)


def at(noon, days, hour=10):
    """`days` days from today (negative: ago), at `hour` UTC."""
    return (noon + timedelta(days=days)).replace(hour=hour)


def visit(specialist, starts_at, *, created_at=None, **traits):
    offering = OfferingFactory(specialist=specialist)
    appointment = AppointmentFactory(offering=offering, starts_at=starts_at, **traits)
    if created_at is not None:
        type(appointment).objects.filter(pk=appointment.pk).update(created_at=created_at)
    return appointment


def tiles(overview):
    return {tile.key: tile for tile in overview.tiles}


# --- Figures ------------------------------------------------------------------------------


def test_session_tiles_count_the_days_and_the_days_before(org, lena, noon):
    visit(lena, at(noon, -1), completed=True, created_at=at(noon, -20))
    visit(lena, at(noon, -2, 11), completed=True, created_at=at(noon, -3))
    visit(lena, at(noon, -9), completed=True, created_at=at(noon, -10))  # the week before
    visit(lena, at(noon, -3), cancelled=True, created_at=at(noon, -30))
    visit(lena, at(noon, -4), cancelled=True, is_late_cancellation=True, created_at=at(noon, -30))
    visit(lena, at(noon, -5), no_show=True, created_at=at(noon, -30))
    visit(lena, at(noon, 3), confirmed=True)  # booked today
    # Another organization's sessions count nowhere.
    visit(SpecialistProfileFactory(), at(noon, -1), completed=True)

    figures = tiles(organization_overview(organization=org, days=7))

    assert (figures["held"].value, figures["held"].previous) == (2, 1)
    assert (figures["cancelled"].value, figures["late"].value, figures["no_show"].value) == (1, 1, 1)
    assert (figures["booked"].value, figures["booked"].previous) == (2, 1)
    assert figures["held"].change_shown == "+1" and figures["held"].direction == "up"
    # One point per day, oldest first: yesterday held one, the day before one.
    assert figures["held"].trend == [0, 0, 0, 0, 1, 1, 0]


def test_the_tiles_link_to_the_lists_behind_them_with_the_same_dates(org, lena, noon):
    figures = tiles(organization_overview(organization=org, days=30))
    today = noon.date()
    start = (today - timedelta(days=29)).isoformat()

    def link(key):
        parts = urlsplit(figures[key].url)
        return parts.path, {name: values[0] for name, values in parse_qs(parts.query).items()}

    bookings = reverse("booking:org-bookings", args=[org.slug])
    assert link("booked") == (bookings, {"booked_from": start, "booked_to": today.isoformat()})
    assert link("held") == (bookings, {"status": "completed", "from": start, "to": today.isoformat()})
    assert link("late") == (bookings, {"status": "cancelled", "late": "1", "from": start, "to": today.isoformat()})
    assert link("no_show")[1]["status"] == "no_show"
    assert link("patients") == (
        reverse("care:org-patients", args=[org.slug]),
        {"joined_from": start, "joined_to": today.isoformat()},
    )
    assert link("blocked")[0] == reverse("booking:org-readiness", args=[org.slug])
    assert link("pending") == (reverse("specialists:org-specialists", args=[org.slug]), {"status": "pending"})
    assert link("enrolments")[0] == reverse("organizations:programs", args=[org.slug])


def test_patients_enrolments_and_waiting_specialists(org, other_org, noon):
    for days_ago in (1, 2, 20):
        MembershipFactory(organization=org, role=Membership.Role.PATIENT, created_at=at(noon, -days_ago))
    MembershipFactory(organization=other_org, role=Membership.Role.PATIENT, created_at=at(noon, -1))
    program = ProgramFactory(organization=org)
    patient = member(org, Membership.Role.PATIENT)
    ProgramEnrolment.objects.create(program=program, patient=patient, via="code")
    SpecialistProfileFactory(organization=org, status=SpecialistProfile.Status.PENDING)
    SpecialistProfileFactory(organization=other_org, status=SpecialistProfile.Status.PENDING)

    figures = tiles(organization_overview(organization=org, days=7))

    # The three new memberships of the week (two backdated, one made now).
    assert figures["patients"].value == 3
    assert figures["enrolments"].value == 1
    assert figures["pending"].value == 1 and figures["pending"].previous is None


def coming_sessions(org, specialist, noon):
    """Three patients with sessions to come: one signed the telehealth
    consent, one did not (two sessions and a request within the week), one
    did not and comes only after the week; and another organization's
    unsigned patient."""
    telehealth = published_document(organization=org, title="Telehealth")
    signed, unsigned, later = (member(org, Membership.Role.PATIENT) for _ in range(3))
    ConsentSignatureFactory(patient=signed, version=telehealth)
    offering = OfferingFactory(specialist=specialist)
    for patient, days, hour in ((signed, 2, 9), (unsigned, 3, 10), (unsigned, 5, 10), (later, 10, 11)):
        AppointmentFactory(patient=patient, offering=offering, starts_at=at(noon, days, hour), confirmed=True)
    for patient in (signed, unsigned, later):
        CareContextFactory(patient=patient, offering=offering)
    AppointmentFactory(patient=unsigned, offering=offering, starts_at=at(noon, 4))  # a request: not booked yet
    elsewhere = SpecialistProfileFactory()
    published_document(organization=elsewhere.organization, title="Theirs")
    AppointmentFactory(offering=OfferingFactory(specialist=elsewhere), starts_at=at(noon, 2), confirmed=True)


def test_sessions_of_the_coming_week_still_missing_a_consent(org, lena, noon):
    coming_sessions(org, lena, noon)
    assert blocked_sessions(org) == 2


def test_revenue_is_net_of_refunds_and_only_with_payments(org, lena, noon):
    assert "revenue" not in tiles(organization_overview(organization=org, days=7))
    BillingSettingsFactory(organization=org, enabled=True)
    offering = OfferingFactory(specialist=lena, price_minor=9000, currency=org.currency)
    payment = PaymentFactory(
        appointment=AppointmentFactory(offering=offering, starts_at=at(noon, -2), completed=True),
        paid_at=at(noon, -2),
        refunded_minor=1000,
    )
    revenue = tiles(organization_overview(organization=org, days=7))["revenue"]
    assert revenue.value == payment.amount_minor - 1000
    assert revenue.value_shown.replace("\xa0", " ").startswith(("€", "80", "$", "£"))
    assert org.currency in revenue.help


def test_every_period_divides_into_even_trend_points():
    today = timezone.localdate()
    for days, points in ((7, 7), (30, 10), (90, 10)):
        window = window_for(days, today=today)
        assert len(window.buckets) == points
        assert window.buckets[0].start_on == window.current.start_on
        assert window.buckets[-1].end_on == today
        assert window.previous.end_on == window.current.start_on - timedelta(days=1)
        assert window.previous.days == days


@pytest.mark.parametrize("raw", ["14", "abc", "-7", "7.0", "9" * 40])
def test_a_bad_period_falls_back_to_the_default_with_a_notice(raw):
    days, notice = period_days_parse(raw, default=7)
    assert days == 7 and "7, 30 or 90" in notice


def test_a_good_or_missing_period_needs_no_notice():
    assert period_days_parse("90", default=7) == (90, "")
    assert period_days_parse(None, default=30) == (30, "")


def test_the_overview_takes_the_same_queries_for_one_or_many_rows(org, lena, noon):
    BillingSettingsFactory(organization=org, enabled=True)
    telehealth = published_document(organization=org, title="Telehealth")

    def grow(n, start):
        for k in range(n):
            patient = member(org, Membership.Role.PATIENT)
            offering = OfferingFactory(specialist=lena)
            AppointmentFactory(patient=patient, offering=offering, starts_at=at(noon, 1 + k % 6, start + k // 6))
            CareContextFactory(patient=patient, offering=offering)
            if k % 2:
                ConsentSignatureFactory(patient=patient, version=telehealth)
            PaymentFactory(
                appointment=AppointmentFactory(offering=offering, starts_at=at(noon, -1 - k % 6), completed=True),
                paid_at=at(noon, -1),
            )

    grow(1, 0)
    with CaptureQueriesContext(connection) as few:
        organization_overview(organization=org, days=30)
    grow(12, 1)
    with CaptureQueriesContext(connection) as many:
        organization_overview(organization=org, days=30)
    assert len(many) == len(few) <= 20


# --- Pages --------------------------------------------------------------------------------


def overview_url(org, **query):
    url = reverse("insights:org-overview", args=[org.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_admin_sees_every_tile_with_its_trend_and_an_audit_row(client, org, admin, lena, noon):
    visit(lena, at(noon, -1), completed=True)
    client.force_login(admin)
    response = client.get(overview_url(org, days=30))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "Your clinic in the last 30 days" in html
    for label in ("Sessions booked", "Sessions held", "Cancelled late", "No-shows", "Sessions not ready",
                  "Specialists to approve", "New patients", "Program enrolments"):  # fmt: skip
        assert label in html
    assert html.count('class="overview-spark"') == 7  # every flow has a trend; the two states do not
    assert "Trend: " in html  # the text alternative of each trend
    assert 'aria-current="page">30 days' in html
    assert AuditLog.objects.filter(actor=admin, action=AuditLog.Action.READ, path=overview_url(org)).count() == 1


def test_htmx_gets_the_fragment_the_home_page_loads(client, org, admin):
    client.force_login(admin)
    home = client.get(reverse("organizations:home", args=[org.slug])).content.decode()
    assert f'hx-get="{overview_url(org)}"' in home and 'hx-trigger="load"' in home
    response = client.get(overview_url(org, days=90), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="org-overview"' in html and "Your clinic in the last 90 days" in html
    assert "HX-Request" in response["Vary"]


def test_the_tile_loads_the_count_of_sessions_not_ready(client, org, other_org, admin, lena, noon):
    coming_sessions(org, lena, noon)
    client.force_login(admin)
    readiness = reverse("insights:org-overview-readiness", args=[org.slug])
    assert f'hx-get="{readiness}"' in client.get(overview_url(org)).content.decode()
    response = client.get(readiness, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().strip() == '<span class="overview-value">2</span>'
    assert AuditLog.objects.filter(actor=admin, action=AuditLog.Action.READ, path=readiness).count() == 1
    client.force_login(member(other_org, Membership.Role.ADMIN, staff=True))
    assert client.get(readiness).status_code == 404


def test_a_bad_period_shows_the_default_with_a_notice(client, org, admin):
    client.force_login(admin)
    response = client.get(overview_url(org, days="365"))
    assert response.status_code == 200
    assert response.context["overview"].days == 7
    assert "is not one of 7, 30 or 90 days" in response.content.decode()


def test_another_organizations_admin_gets_404_and_other_roles_403(client, org, other_org):
    client.force_login(member(other_org, Membership.Role.ADMIN, staff=True))
    assert client.get(overview_url(org)).status_code == 404
    client.force_login(member(org, Membership.Role.PATIENT))
    assert client.get(overview_url(org)).status_code == 403
    client.logout()
    assert client.get(overview_url(org)).status_code == 302


def test_the_page_takes_the_same_queries_for_one_or_many_sessions(client, org, admin, lena, noon):
    client.force_login(admin)
    visit(lena, at(noon, -1), completed=True)
    client.get(overview_url(org))  # the first request of a session does more (its bookkeeping)
    with CaptureQueriesContext(connection) as few:
        client.get(overview_url(org))
    for k in range(15):
        visit(lena, at(noon, -1 - k % 6, 6 + k // 6), completed=True)
    with CaptureQueriesContext(connection) as many:
        client.get(overview_url(org))
    assert len(many) == len(few)
