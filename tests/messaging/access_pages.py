"""The messaging pages' rows of the access matrix (tests/test_access_matrix.py).

The sample conversation is patient_a's with the persona `specialist`. Each
portal's inbox opens to that portal's people; a thread opens to its own
participant in their portal, is a 404 for anyone else with the role (its
existence does not leak) and the friendly 403 page for those without the
role. An attachment downloads for both participants and is a 404 for
everyone else signed in, and so is the chat beside a video call, found by
the pair's appointment.
"""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from booking.states import AppointmentStatus
from messaging.attachments import checked_upload
from messaging.services import conversation_open, message_post
from specialists.services import specialist_profile_get_or_create
from tests.access import LOGIN, Route, portal_home, row
from tests.booking.factories import AppointmentFactory
from tests.care.factories import CareRelationshipFactory
from tests.specialists.factories import OfferingFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ROUTES: dict[str, Route] = {
    "messaging:patient-inbox": Route(portal_home("patient_a", "patient_b"), private=True),
    "messaging:specialist-inbox": Route(portal_home("specialist", "other_specialist"), private=True),
    "messaging:patient-thread": Route(
        {**portal_home("patient_a", "patient_b"), "patient_b": 404},
        {"public_id": "messaging_conversation_public_id"},
        private=True,
    ),
    "messaging:specialist-thread": Route(
        {**portal_home("specialist", "other_specialist"), "other_specialist": 404},
        {"public_id": "messaging_conversation_public_id"},
        private=True,
    ),
    # The side panel and its actions (messaging/panel_views.py): forms and
    # fragments read like the thread; every change is POST only.
    "messaging:patient-panel": Route(
        {**portal_home("patient_a", "patient_b"), "patient_b": 404},
        {"public_id": "messaging_conversation_public_id"},
        private=True,
    ),
    "messaging:patient-book": Route(
        {**portal_home("patient_a", "patient_b"), "patient_b": 404},
        {"public_id": "messaging_conversation_public_id"},
        private=True,
    ),
    "messaging:patient-hold-confirm": Route(row(405), {"public_id": "messaging_conversation_public_id"}),
    "messaging:patient-hold-release": Route(row(405), {"public_id": "messaging_conversation_public_id"}),
    "messaging:patient-proposal-accept": Route(row(405), {"public_id": "messaging_conversation_public_id"}),
    "messaging:patient-proposal-decline": Route(row(405), {"public_id": "messaging_conversation_public_id"}),
    "messaging:specialist-panel": Route(
        {**portal_home("specialist", "other_specialist"), "other_specialist": 404},
        {"public_id": "messaging_conversation_public_id"},
        private=True,
    ),
    "messaging:specialist-propose": Route(
        {**portal_home("specialist", "other_specialist"), "other_specialist": 404},
        {"public_id": "messaging_conversation_public_id"},
        private=True,
    ),
    "messaging:specialist-accept": Route(row(405), {"public_id": "messaging_conversation_public_id"}),
    "messaging:specialist-end-care": Route(row(405), {"public_id": "messaging_conversation_public_id"}),
    "messaging:attachment": Route(
        row(404, anonymous=LOGIN, patient_a=200, specialist=200),
        {"public_id": "messaging_attachment_public_id"},
        private=True,
    ),
    # The thread beside a video call (messaging/call_views.py): the
    # appointment's two people only; its posts are read like the thread's.
    "messaging:call-chat": Route(
        row(404, anonymous=LOGIN, patient_a=200, specialist=200),
        {"public_id": "messaging_appointment_public_id"},
        private=True,
    ),
}


def samples(personas, org) -> dict:
    """patient_a in care with the persona `specialist`, a PDF they sent, and
    their session booked."""
    profile = specialist_profile_get_or_create(user=personas["specialist"])
    conversation = conversation_open(
        relationship=CareRelationshipFactory(patient=personas["patient_a"], specialist=profile)
    )
    message = message_post(
        conversation=conversation,
        author=personas["patient_a"],
        text="The letter",
        attachment=checked_upload(SimpleUploadedFile("letter.pdf", PDF)),
    )
    # Clear of the other apps' sample sessions of the same specialist.
    appointment = AppointmentFactory(
        patient=personas["patient_a"],
        offering=OfferingFactory(specialist=profile),
        status=AppointmentStatus.CONFIRMED,
        starts_at=timezone.now().replace(microsecond=0) + timedelta(days=40),
    )
    return {
        "messaging_conversation_public_id": conversation.public_id,
        "messaging_attachment_public_id": message.public_id,
        "messaging_appointment_public_id": appointment.public_id,
    }
