"""Every FHIR type maps, validates against R4 (`fhir.resources.R4B`),
uses only codes of its value sets, keeps its references inside the export
and stays inside one organization."""

import json
import uuid
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from booking.states import AppointmentStatus
from consents import schema as form_schema
from consents.models import FormResponse
from messaging.models import Message, ReadMarker
from organizations.models import Membership
from payments.models import Payment
from records.fhir import TYPES, organization_resources, patient_resources
from records.fhir.scheduling import APPOINTMENT_STATUS, SLOT_WEEKS
from tests.accounts.factories import UserFactory
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory, ProposalFactory
from tests.consents.factories_patient import (
    ConsentSignatureFactory,
    FormResponseFactory,
    FormVersionFactory,
    IntakeFormFactory,
    published_document,
)
from tests.messaging.factories_pages import conversation_between
from tests.organizations.factories import MembershipFactory, OrganizationFactory
from tests.payments.factories import RefundFactory, payment_of
from tests.specialists.factories import OfferingFactory, SpecialistProfileFactory
from tests.video.factories import VideoSessionFactory, stay

pytestmark = pytest.mark.django_db

# The R4 value sets of the codes the mapping uses (fhir.resources checks the
# structure, not the codes).
APPOINTMENT_STATUSES = {
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
}
VALUE_SETS = {
    "Appointment": lambda r: (
        [(r["status"], APPOINTMENT_STATUSES)]
        + [(p["status"], {"accepted", "declined", "tentative", "needs-action"}) for p in r["participant"]]
        + [(p["required"], {"required", "optional", "information-only"}) for p in r["participant"]]
    ),
    "Encounter": lambda r: [
        (
            r["status"],
            {"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error"},
        ),
        (r["class"]["code"], {"AMB", "VR", "HH", "EMER"}),
    ],
    "Consent": lambda r: [
        (r["status"], {"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"}),
        (r["scope"]["coding"][0]["code"], {"adr", "research", "patient-privacy", "treatment"}),
        (r["provision"]["type"], {"deny", "permit"}),
    ],
    "Questionnaire": lambda r: (
        [(r["status"], {"draft", "active", "retired", "unknown"})]
        + [
            (
                item["type"],
                {"group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string", "text"}
                | {"url", "choice", "open-choice", "attachment", "reference", "quantity"},
            )
            for group in r["item"]
            for item in [group, *group.get("item", [])]
        ]
    ),
    "QuestionnaireResponse": lambda r: [
        (r["status"], {"in-progress", "completed", "amended", "entered-in-error", "stopped"})
    ],
    "Communication": lambda r: [
        (r["status"], {"preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "unknown"})
    ],
    "Invoice": lambda r: (
        [(r["status"], {"draft", "issued", "balanced", "cancelled", "entered-in-error"})]
        + [
            (c["type"], {"base", "surcharge", "deduction", "discount", "tax", "informational"})
            for line in r["lineItem"]
            for c in line["priceComponent"]
        ]
    ),
    "PaymentReconciliation": lambda r: (
        [
            (r["status"], {"active", "cancelled", "draft", "entered-in-error"}),
            (r["outcome"], {"queued", "complete", "error", "partial"}),
        ]
        + [(d["type"]["coding"][0]["code"], {"payment", "adjustment", "advance"}) for d in r["detail"]]
    ),
    "Slot": lambda r: [(r["status"], {"busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"})],
    "Practitioner": lambda r: [(r["gender"], {"male", "female", "other", "unknown"})],
    "Organization": lambda r: [
        (r["type"][0]["coding"][0]["code"], {"prov", "dept", "team", "govt", "ins", "pay", "edu", "reli"})
        if r["type"][0]["coding"][0]["code"] != "bus"
        else ("bus", {"bus"})
    ],
}

PHQ9_ANSWERS = {f"phq{n}": form_schema.FREQUENCY[n % 4] for n in range(1, 10)}


def seed(organization, *, patient=None):
    """One of everything for one patient of `organization`: a held video
    session, a confirmed appointment, consents (one withdrawn), a PHQ-9
    and a simple form, messages both ways, a settled payment with a
    refund and an open one, and weekly hours for free slots."""
    now = timezone.now()
    patient = patient or UserFactory(full_name="Alex Morgan", preferred_name="Alex")
    MembershipFactory(user=patient, organization=organization, role=Membership.Role.PATIENT)
    specialist = SpecialistProfileFactory(organization=organization, gender="woman", credentials="Licensed therapist")
    for weekday in range(7):
        AvailabilityRuleFactory(specialist=specialist, weekday=weekday, start_time="09:00", end_time="17:00")
    offering = OfferingFactory(specialist=specialist)

    conversation = conversation_between(patient, specialist)
    held = AppointmentFactory(
        patient=patient,
        offering=offering,
        status=AppointmentStatus.COMPLETED,
        starts_at=now - timedelta(days=3),
    )
    session = VideoSessionFactory(
        appointment=held,
        relationship=conversation.relationship,
        admitted_at=held.starts_at,
        started_at=held.starts_at + timedelta(minutes=1),
        ended_at=held.starts_at + timedelta(minutes=50),
        end_reason="completed_by_specialist",
    )
    stay(session, patient, minutes_ago=60, left=True)
    stay(session, specialist.user, minutes_ago=61, left=True)
    # On the slot grid, inside the working hours: a time it takes away.
    ahead = (now + timedelta(days=8)).replace(hour=10, minute=0, second=0, microsecond=0)
    AppointmentFactory(patient=patient, offering=offering, confirmed=True, starts_at=ahead)

    ConsentSignatureFactory(patient=patient, version=published_document(organization=organization))
    ConsentSignatureFactory(
        patient=patient,
        version=published_document(organization=organization, kind="privacy"),
        withdrawn_at=now,
        withdrawal_reason="Changed my mind",
    )

    phq9 = FormVersionFactory(
        form=IntakeFormFactory(organization=organization, template_key="phq9", title="PHQ-9"),
        schema=form_schema.template_schema("phq9"),
    )
    FormResponseFactory(
        patient=patient,
        version=phq9,
        specialist=specialist,
        answers=json.dumps(PHQ9_ANSWERS),
        status=FormResponse.Status.SUBMITTED,
        submitted_at=now,
        score=form_schema.score(phq9.schema, PHQ9_ANSWERS),
    )
    FormResponseFactory(
        patient=patient,
        version=FormVersionFactory(form=IntakeFormFactory(organization=organization)),
        specialist=specialist,
        answers=json.dumps({"reason": "Sleep", "sleep": 4, "first": "yes", "topics": ["Work", "Sleep"]}),
    )

    Message.objects.create(conversation=conversation, author=patient, text="I slept better this week.")
    Message.objects.create(conversation=conversation, author=specialist.user, text="Glad to hear it.")
    Message.objects.create(conversation=conversation, kind=Message.Kind.NOTICE, verb="appointment.confirmed")
    ReadMarker.objects.filter(conversation=conversation, user=specialist.user).update(read_up_to=timezone.now())

    paid = payment_of(offering, patient=patient)
    RefundFactory(payment=paid, amount_minor=1500)
    payment_of(offering, patient=patient, status=Payment.Status.DUE)
    return {"patient": patient, "specialist": specialist, "offering": offering}


def export(organization) -> dict[str, list[dict]]:
    return {name: list(organization_resources(organization, name)) for name in TYPES}


def validate(resource: dict) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def references(value):
    """Every "Type/id" reference anywhere in a resource."""
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def assert_references_resolve(resources: list[dict]) -> None:
    present = {f"{r['resourceType']}/{r['id']}" for r in resources}
    questionnaires = {r["url"] for r in resources if r["resourceType"] == "Questionnaire"}
    for resource in resources:
        missing = set(references(resource)) - present
        assert not missing, f"{resource['resourceType']} points outside the export: {missing}"
        if resource["resourceType"] == "QuestionnaireResponse":
            assert resource["questionnaire"] in questionnaires


def test_every_type_maps_and_validates_as_r4():
    organization = OrganizationFactory()
    seed(organization)

    resources = export(organization)

    for name, items in resources.items():
        assert items, f"no {name} in the export"
        for resource in items:
            assert resource["resourceType"] == name
            uuid.UUID(resource["id"])
            assert resource["meta"]["lastUpdated"]
            validate(resource)


def test_codes_come_from_their_value_sets():
    organization = OrganizationFactory()
    seed(organization)

    for name, items in export(organization).items():
        for resource in items:
            for code, allowed in VALUE_SETS.get(name, lambda r: [])(resource):
                assert code in allowed, f"{name}: {code!r} is not in its value set"


def test_every_reference_points_to_a_resource_in_the_same_export():
    organization = OrganizationFactory()
    seed(organization)
    seed(organization)

    assert_references_resolve([r for items in export(organization).values() for r in items])


@pytest.mark.parametrize("status", list(AppointmentStatus))
def test_every_lifecycle_state_maps_to_an_r4_appointment_status(status):
    appointment = AppointmentFactory(status=status)

    (resource,) = organization_resources(appointment.specialist.organization, "Appointment")

    assert resource["status"] == APPOINTMENT_STATUS[status]
    assert resource["status"] in APPOINTMENT_STATUSES
    validate(resource)


def test_the_status_map_covers_the_whole_state_machine():
    assert set(APPOINTMENT_STATUS) == set(AppointmentStatus)


def test_a_declined_proposal_is_declined_by_the_patient_and_a_request_by_the_specialist():
    request = AppointmentFactory(declined=True)
    proposal = AppointmentFactory(
        declined=True, offering=request.offering, proposal=ProposalFactory(offering=request.offering)
    )

    by_id = {r["id"]: r for r in organization_resources(request.specialist.organization, "Appointment")}

    patient, specialist = by_id[str(request.public_id)]["participant"]
    assert (patient["status"], specialist["status"]) == ("accepted", "declined")
    patient, specialist = by_id[str(proposal.public_id)]["participant"]
    assert (patient["status"], specialist["status"]) == ("declined", "accepted")


def test_another_organizations_rows_never_appear():
    mine, theirs = OrganizationFactory(), OrganizationFactory()
    seed(mine)
    seed(theirs)
    # A patient of both: in each export, with only that organization's rows.
    shared = UserFactory()
    seed(mine, patient=shared)
    seed(theirs, patient=shared)

    ours, others = export(mine), export(theirs)

    for name in TYPES:
        ids = {r["id"] for r in ours[name]}
        if name == "Patient":
            assert ids & {r["id"] for r in others[name]} == {str(shared.public_id)}
        else:
            assert not ids & {r["id"] for r in others[name]}, name
    assert [r["id"] for r in ours["Organization"]] == [str(mine.public_id)]
    assert_references_resolve([r for items in ours.values() for r in items])


@pytest.mark.parametrize("name", list(TYPES))
def test_organization_resources_take_the_same_queries_for_one_or_many_rows(name):
    few, many = OrganizationFactory(), OrganizationFactory()
    seed(few)
    for _ in range(3):
        seed(many)

    with CaptureQueriesContext(connection) as one:
        list(organization_resources(few, name))
    with CaptureQueriesContext(connection) as three:
        resources = list(organization_resources(many, name))

    assert len(resources) > 1 or name == "Organization"
    assert len(three) == len(one), [q["sql"] for q in three.captured_queries]


def test_the_organization_export_never_carries_message_text():
    organization = OrganizationFactory()
    seed(organization)

    communications = list(organization_resources(organization, "Communication"))

    assert len(communications) == 2  # people's messages, not notices
    assert all("payload" not in r for r in communications)
    assert "slept" not in json.dumps(communications)


def test_communication_says_who_wrote_to_whom_and_whether_it_was_read():
    organization = OrganizationFactory()
    people = seed(organization)
    patient, specialist = f"Patient/{people['patient'].public_id}", f"Practitioner/{people['specialist'].public_id}"

    first, second = organization_resources(organization, "Communication")

    assert (first["sender"]["reference"], first["recipient"][0]["reference"]) == (patient, specialist)
    assert (second["sender"]["reference"], second["recipient"][0]["reference"]) == (specialist, patient)
    # The specialist read the patient's message; the patient has no marker.
    assert first["extension"][0]["valueBoolean"] is True
    assert second["extension"][0]["valueBoolean"] is False


def test_the_patient_export_holds_their_whole_record_with_message_text():
    organization, elsewhere = OrganizationFactory(), OrganizationFactory()
    patient = seed(organization)["patient"]
    seed(elsewhere, patient=patient)
    stranger = seed(organization)["patient"]

    resources = list(patient_resources(patient))

    for resource in resources:
        validate(resource)
    assert_references_resolve(resources)
    kinds = {r["resourceType"] for r in resources}
    assert kinds == set(TYPES) - {"PractitionerRole", "Schedule", "Slot"}
    patients = [r["id"] for r in resources if r["resourceType"] == "Patient"]
    assert patients == [str(patient.public_id)]
    assert str(stranger.public_id) not in json.dumps(resources)
    assert {r["id"] for r in resources if r["resourceType"] == "Organization"} == {
        str(organization.public_id),
        str(elsewhere.public_id),
    }
    texts = [r["payload"][0]["contentString"] for r in resources if r["resourceType"] == "Communication"]
    assert texts.count("I slept better this week.") == 2


def test_attachments_are_described_only_in_the_patients_own_export():
    organization = OrganizationFactory()
    patient = seed(organization)["patient"]
    conversation = Message.objects.filter(conversation__relationship__patient=patient).first().conversation
    Message.objects.create(
        conversation=conversation,
        author=patient,
        attachment=f"private/messages/{conversation.public_id}/{uuid.uuid4().hex}.pdf",
        attachment_name="sleep-diary.pdf",
        attachment_type="application/pdf",
        attachment_size=2048,
    )

    own = [r for r in patient_resources(patient) if r["resourceType"] == "Communication"]
    theirs = list(organization_resources(organization, "Communication"))

    assert own[-1]["payload"] == [
        {"contentAttachment": {"contentType": "application/pdf", "title": "sleep-diary.pdf", "size": 2048}}
    ]
    validate(own[-1])
    assert "sleep-diary" not in json.dumps(theirs)


def test_a_held_session_is_an_encounter_with_its_video_times():
    organization = OrganizationFactory()
    seed(organization)

    (encounter,) = organization_resources(organization, "Encounter")

    assert encounter["status"] == "finished"
    assert encounter["class"]["code"] == "VR"
    assert encounter["period"]["start"] < encounter["period"]["end"]
    assert encounter["participant"][0]["period"]["end"]
    assert encounter["appointment"][0]["reference"].startswith("Appointment/")


def test_a_room_nobody_met_in_is_no_encounter():
    session = VideoSessionFactory(admitted_at=timezone.now())  # never both in: not started

    assert list(organization_resources(session.appointment.specialist.organization, "Encounter")) == []


def test_consents_name_their_document_version_and_withdrawal():
    organization = OrganizationFactory()
    seed(organization)

    standing, withdrawn = organization_resources(organization, "Consent")

    assert standing["status"] == "active"
    assert withdrawn["status"] == "inactive"
    assert withdrawn["provision"]["period"]["end"]
    assert withdrawn["scope"]["coding"][0]["code"] == "patient-privacy"
    version = {part["url"]: part for part in standing["extension"][0]["extension"]}
    assert version["version"]["valueInteger"] == 1
    assert len(version["contentHash"]["valueString"]) == 64


def test_phq9_carries_its_loinc_code_answers_and_score():
    organization = OrganizationFactory()
    seed(organization)

    phq9 = next(r for r in organization_resources(organization, "Questionnaire") if r.get("code"))
    response = next(
        r for r in organization_resources(organization, "QuestionnaireResponse") if r["status"] == "completed"
    )

    assert phq9["code"][0]["code"] == "44249-1"
    assert response["questionnaire"] == phq9["url"]
    score = {part["url"]: part for part in response["extension"][0]["extension"]}
    expected = form_schema.score(form_schema.template_schema("phq9"), PHQ9_ANSWERS)
    assert score["total"]["valueInteger"] == expected["total"]
    assert score["maximum"]["valueInteger"] == 27
    assert score["band"]["valueString"] == expected["band"]
    answered = [item["linkId"] for item in response["item"][0]["item"]]
    assert answered == [f"phq{n}" for n in range(1, 10)]


def test_a_draft_form_keeps_its_answers_typed_and_has_no_score():
    organization = OrganizationFactory()
    seed(organization)

    draft = next(
        r for r in organization_resources(organization, "QuestionnaireResponse") if r["status"] == "in-progress"
    )

    answers = {item["linkId"]: item["answer"] for item in draft["item"][0]["item"]}
    assert answers == {
        "reason": [{"valueString": "Sleep"}],
        "sleep": [{"valueInteger": 4}],
        "first": [{"valueBoolean": True}],
        "topics": [{"valueString": "Work"}, {"valueString": "Sleep"}],
    }
    assert "extension" not in draft


def test_payments_become_invoices_and_a_settled_one_a_reconciliation_with_its_refund():
    organization = OrganizationFactory()
    seed(organization)

    invoices = list(organization_resources(organization, "Invoice"))
    (reconciliation,) = organization_resources(organization, "PaymentReconciliation")

    assert sorted(i["status"] for i in invoices) == ["balanced", "issued"]
    assert invoices[0]["totalGross"] == {"value": 90, "currency": "EUR"}
    payment, refund = reconciliation["detail"]
    assert payment["amount"] == {"value": 90, "currency": "EUR"}
    assert refund["amount"] == {"value": -15, "currency": "EUR"}
    assert refund["type"]["coding"][0]["code"] == "adjustment"


def test_no_payments_no_invoices():
    organization = OrganizationFactory()
    AppointmentFactory(offering=OfferingFactory(specialist=SpecialistProfileFactory(organization=organization)))

    assert list(organization_resources(organization, "Invoice")) == []
    assert list(organization_resources(organization, "PaymentReconciliation")) == []


def test_slots_are_the_free_bookable_times_of_the_next_four_weeks():
    organization = OrganizationFactory()
    people = seed(organization)
    now = timezone.now()

    slots = list(organization_resources(organization, "Slot"))

    assert slots
    starts = [r["start"] for r in slots]
    assert min(starts) >= (now + timedelta(hours=12)).isoformat()[:16]
    assert max(starts) < (now + timedelta(weeks=SLOT_WEEKS)).isoformat()
    booked = AppointmentFactory._meta.model.objects.get(status=AppointmentStatus.CONFIRMED)
    assert booked.starts_at.astimezone(UTC).isoformat() not in starts
    assert {r["schedule"]["reference"] for r in slots} == {f"Schedule/{people['specialist'].public_id}"}
    # The same free time keeps its id from one export to the next.
    assert [r["id"] for r in organization_resources(organization, "Slot")] == [r["id"] for r in slots]
