"""Is this appointment ready? The batched resolution (consents.selectors.
requirements_for_many, booking/readiness.py), the cards of both portals,
the specialist's "Before the session" panel and gating self-booking."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.models import Appointment
from booking.readiness import booking_blockers, readiness_annotate
from consents.models import ConsentVersion, FormResponse, RequiredBefore
from consents.schema import template_schema
from consents.selectors import requirements_for, requirements_for_many
from core.models import AuditLog
from core.returns import with_return
from organizations.models import Membership
from tests.accounts.factories import enable_totp
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory, BookingSettingsFactory
from tests.conftest import member
from tests.consents.factories_patient import (
    CareContextFactory,
    ConsentSignatureFactory,
    FormResponseFactory,
    FormVersionFactory,
    IntakeFormFactory,
    published_document,
    published_form,
)
from tests.organizations.factories import MembershipFactory, ProgramFactory
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
MONDAY_9 = datetime(2026, 11, 23, 8, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def specialist(org):
    profile = SpecialistProfileFactory(
        organization=org, display_name="Lena Berg", user__timezone="Europe/Berlin", user__full_name="Lena Berg"
    )
    enable_totp(profile.user)  # staff see patient data only with a second factor
    BookingSettingsFactory(specialist=profile, slot_increment_minutes=60, minimum_notice_minutes=12 * 60)
    for weekday in range(5):
        AvailabilityRuleFactory(specialist=profile, weekday=weekday, start_time="09:00", end_time="12:00")
    return profile


@pytest.fixture
def offering(specialist):
    return OfferingFactory(specialist=specialist, name="Initial consultation")


@pytest.fixture
def patient(org):
    return member(org, Membership.Role.PATIENT, full_name="Alex Doe")


def confirmed(patient, offering, starts_at=MONDAY_9, **fields):
    appointment = AppointmentFactory(patient=patient, offering=offering, starts_at=starts_at, confirmed=True, **fields)
    CareContextFactory(patient=patient, offering=offering)
    return appointment


def phq9(org, **fields):
    return FormVersionFactory(
        form=IntakeFormFactory(organization=org, title="PHQ-9", **fields), schema=template_schema("phq9")
    )


def summary(requirements):
    return [(item.key, item.done, item.resign) for item in requirements.items]


# --- The batched resolution equals the single one ----------------------------------


def test_many_asks_resolve_exactly_like_one_ask_each(org, other_org, specialist, offering, patient):
    program = ProgramFactory(organization=org)
    program.enrolments.create(patient=patient, via="code")
    other = member(org, Membership.Role.PATIENT)
    other_offering = OfferingFactory(specialist=SpecialistProfileFactory(organization=other_org))
    treatment = published_document(organization=org, title="Treatment")
    published_document(organization=org, title="Program rules", program=program)
    published_document(organization=org, title="Lena's recording policy", specialist=specialist)
    published_document(organization=other_org, title="Elsewhere")
    telehealth = published_document(organization=org, title="Telehealth")
    ConsentVersion.objects.create(document=telehealth.document, number=2, summary="s", body="b", published_at=NOW)
    ConsentSignatureFactory(patient=patient, version=telehealth)  # an earlier version: sign again
    ConsentSignatureFactory(patient=patient, version=treatment)
    attached = published_form(organization=org, title="Intake")
    attached.form.offerings.add(offering)
    published_form(organization=other_org, title="Other intake").form.offerings.add(other_offering)
    scored = phq9(org)
    FormResponseFactory(patient=patient, version=scored, specialist=specialist, status="submitted")
    CareContextFactory(patient=other, offering=offering)

    asks = [
        (patient, None, None),
        (patient, specialist, offering),
        (patient, other_offering.specialist, other_offering),
        (other, None, None),
        (other, specialist, offering),
    ]
    many = requirements_for_many(asks)
    single = [requirements_for(p, specialist=s, offering=o) for p, s, o in asks]
    assert [summary(r) for r in many] == [summary(r) for r in single]
    assert any(item.resign for item in many[1].items)
    assert len(many[1].items) > len(many[0].items)  # the booking adds the offering's form


def test_many_asks_cost_a_fixed_number_of_queries(org, specialist, offering, django_assert_max_num_queries):
    published_document(organization=org, title="Treatment")
    published_form(organization=org, title="Intake").form.offerings.add(offering)
    patients = [member(org, Membership.Role.PATIENT) for _ in range(6)]
    with django_assert_max_num_queries(10):
        answers = requirements_for_many([(p, specialist, offering) for p in patients])
    assert len(answers) == 6
    assert requirements_for_many([]) == []


# --- What blocks one appointment ----------------------------------------------------


def test_an_appointment_with_everything_done_is_ready(org, offering, patient):
    version = published_document(organization=org, title="Treatment")
    ConsentSignatureFactory(patient=patient, version=version)
    appointment = confirmed(patient, offering)
    readiness_annotate([appointment])
    assert appointment.readiness.is_ready


def test_missing_consent_and_unfinished_form_block_the_session(org, specialist, offering, patient):
    published_document(organization=org, title="Telehealth consent")
    scored = phq9(org)
    FormResponseFactory(patient=patient, version=scored, specialist=specialist)  # a draft
    appointment = confirmed(patient, offering)
    readiness_annotate([appointment])
    assert appointment.readiness.count == 2
    assert appointment.readiness.titles == "Telehealth consent, PHQ-9"


def test_only_the_specialists_own_organization_counts(org, other_org, offering, patient):
    MembershipFactory(user=patient, organization=other_org, role=Membership.Role.PATIENT)
    published_document(organization=other_org, title="Other clinic's consent")
    appointment = confirmed(patient, offering)
    assert requirements_for(patient).pending  # it applies to the patient…
    readiness_annotate([appointment])
    assert appointment.readiness.is_ready  # …but not to this clinic's session


def test_readiness_is_only_for_coming_confirmed_or_unpaid_sessions(org, offering, patient):
    published_document(organization=org, title="Treatment")
    requested = AppointmentFactory(patient=patient, offering=offering)
    past = AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=NOW - timedelta(days=2))
    unpaid = AppointmentFactory(
        patient=patient, offering=offering, awaiting_payment=True, starts_at=MONDAY_9 + timedelta(hours=1)
    )
    readiness_annotate([requested, past, unpaid])
    assert requested.readiness is None and past.readiness is None
    assert unpaid.readiness.titles == "Treatment"


def test_an_unpaid_booking_already_counts_its_offerings_forms(org, offering, patient):
    published_form(organization=org, title="Intake").form.offerings.add(offering)
    unpaid = AppointmentFactory(patient=patient, offering=offering, awaiting_payment=True)  # no CareContext yet
    readiness_annotate([unpaid])
    assert unpaid.readiness.titles == "Intake"


# --- The cards ------------------------------------------------------------------------


def test_the_patients_list_shows_what_to_do_with_a_link_to_the_flow(client, org, offering, patient):
    published_document(organization=org, title="Telehealth consent")
    confirmed(patient, offering)
    client.force_login(patient)
    html = client.get(reverse("booking:patient-appointments")).content.decode()
    assert "1 to do: Telehealth consent" in html
    assert f'href="{reverse("consents:flow")}"' in html


def test_the_patients_appointment_page_says_ready(client, org, offering, patient):
    appointment = confirmed(patient, offering)
    client.force_login(patient)
    html = client.get(reverse("booking:patient-appointment", args=[appointment.public_id])).content.decode()
    assert "readiness-ready" in html and "Ready" in html


def test_the_specialists_list_shows_readiness(client, org, specialist, offering, patient):
    published_document(organization=org, title="Telehealth consent")
    ready_patient = member(org, Membership.Role.PATIENT)
    ConsentSignatureFactory(patient=ready_patient, version=ConsentVersion.objects.get())
    confirmed(patient, offering)
    confirmed(ready_patient, offering, starts_at=MONDAY_9 + timedelta(days=1))
    client.force_login(specialist.user)
    html = client.get(reverse("booking:specialist-appointments")).content.decode()
    assert "1 to do: Telehealth consent" in html
    assert "readiness-ready" in html


def test_the_specialists_list_costs_the_same_with_more_patients_and_items(
    client, org, specialist, offering, django_assert_num_queries
):
    published_document(organization=org, title="Telehealth consent")
    published_form(organization=org, title="Intake").form.offerings.add(offering)
    client.force_login(specialist.user)

    def another(day):
        someone = member(org, Membership.Role.PATIENT)
        confirmed(someone, offering, starts_at=MONDAY_9 + timedelta(days=day))
        AppointmentFactory(
            patient=someone, offering=offering, awaiting_payment=True, starts_at=MONDAY_9 + timedelta(days=day, hours=1)
        )

    another(0)
    client.get(reverse("booking:specialist-appointments"))
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("booking:specialist-appointments"))
    for day in (1, 2, 3):
        another(day)
    with django_assert_num_queries(len(first)):
        response = client.get(reverse("booking:specialist-appointments"))
    assert response.status_code == 200
    assert len(response.context["upcoming"]) == 4


# --- The specialist's "Before the session" panel ------------------------------------


def test_the_panel_lists_each_item_with_its_state_and_score(client, org, specialist, offering, patient):
    signed = published_document(organization=org, title="Treatment consent")
    ConsentSignatureFactory(patient=patient, version=signed, signed_at=datetime(2026, 11, 18, 9, tzinfo=UTC))
    published_document(organization=org, title="Telehealth consent")
    scored = phq9(org)
    response = FormResponseFactory(
        patient=patient,
        version=scored,
        specialist=specialist,
        status=FormResponse.Status.SUBMITTED,
        submitted_at=NOW,
        score={"total": 12, "band": "Moderate", "max": 27},
    )
    draft_form = published_form(organization=org, title="History")
    FormResponseFactory(patient=patient, version=draft_form, specialist=specialist)
    published_form(organization=org, title="Goals")
    appointment = confirmed(patient, offering)
    client.force_login(specialist.user)
    html = client.get(reverse("booking:specialist-appointment", args=[appointment.public_id])).content.decode()
    assert "Before the session" in html
    assert "Signed on Wed 18 Nov" in html
    assert "Pending" in html
    assert "Score 12 of 27 · Moderate" in html
    assert "In progress" in html and "Not started" in html
    assert reverse("consents:specialist-response", args=[response.public_id]) in html
    assert "3 to do: Telehealth consent, Goals, History" in html
    assert AuditLog.objects.filter(object_public_id=response.public_id, action=AuditLog.Action.READ).exists()


# --- Gating self-booking -------------------------------------------------------------


def test_a_consent_due_before_booking_holds_the_time_and_sends_the_patient_to_sign_first(
    client, org, offering, patient
):
    published_document(organization=org, title="Privacy notice", required_before=RequiredBefore.BOOKING)
    client.force_login(patient)
    response = client.post(
        reverse("booking:book", args=[offering.public_id]), {"starts_at": "2026-11-23T08:00:00+00:00"}
    )
    hold = Appointment.objects.get()
    assert hold.status == "held"
    assert response.status_code == 303
    back = reverse("booking:patient-appointment", args=[hold.public_id])
    assert response["Location"] == with_return(reverse("consents:flow"), back)
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "Before booking with Lena Berg, please sign: Privacy notice."


def test_once_signed_the_time_is_held(client, org, offering, patient):
    version = published_document(organization=org, title="Privacy notice", required_before=RequiredBefore.BOOKING)
    ConsentSignatureFactory(patient=patient, version=version)
    published_document(organization=org, title="Treatment")  # due before the session: no gate
    client.force_login(patient)
    response = client.post(
        reverse("booking:book", args=[offering.public_id]), {"starts_at": "2026-11-23T08:00:00+00:00"}
    )
    assert response.status_code == 303
    assert Appointment.objects.get().status == "held"


def test_a_form_due_before_booking_of_this_offering_also_gates(org, offering, patient):
    form = published_form(organization=org, title="Eligibility", required_before=RequiredBefore.BOOKING)
    form.form.offerings.add(offering)
    assert [item.title for item in booking_blockers(patient=patient, offering=offering)] == ["Eligibility"]
    other = OfferingFactory(specialist=offering.specialist)
    assert booking_blockers(patient=patient, offering=other) == []
