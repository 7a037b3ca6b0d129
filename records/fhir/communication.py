"""Communication: the messages between a patient and a specialist.

An organization's export holds who wrote to whom, when, and whether it was
read; the text and attachments go only to the patient's own export. The
organization's rows defer the text column, so it is not even decrypted.
"""

from __future__ import annotations

from django.db.models import QuerySet

from messaging.models import Message

from .common import base, extension_url, instant, prune, ref


def _messages() -> QuerySet[Message]:
    # People's messages only: notices restate what Appointment and the
    # other resources already hold.
    return (
        Message.objects.filter(kind=Message.Kind.TEXT)
        .select_related("conversation__relationship__patient", "conversation__relationship__specialist")
        .prefetch_related("conversation__read_markers")
        .order_by("pk")
    )


def communication_rows(organization) -> QuerySet[Message]:
    return (
        _messages()
        .filter(conversation__relationship__specialist__organization=organization)
        .defer("text", "attachment", "attachment_name")
    )


def communication_rows_for_patient(user) -> QuerySet[Message]:
    return _messages().filter(conversation__relationship__patient=user)


def _was_read(message, reader_id) -> bool:
    for marker in message.conversation.read_markers.all():
        if marker.user_id == reader_id:
            return marker.read_up_to is not None and marker.read_up_to >= message.created_at
    return False


def _payload(message) -> list[dict]:
    payload = [{"contentString": message.text}] if message.text else []
    if message.attachment:
        payload.append(
            {
                "contentAttachment": prune(
                    {
                        "contentType": message.attachment_type,
                        "title": message.attachment_name,
                        "size": message.attachment_size,
                    }
                )
            }
        )
    return payload


def communication_resource(message, *, with_text=False) -> dict:
    """Messages are delivered in the app the moment they are sent, so
    `received` is the send time; whether the recipient has read it comes
    from their read marker."""
    relationship = message.conversation.relationship
    patient = ref("Patient", relationship.patient.public_id)
    specialist = ref("Practitioner", relationship.specialist.public_id)
    from_patient = message.author_id == relationship.patient_id
    sender, recipient = (patient, specialist) if from_patient else (specialist, patient)
    reader_id = relationship.specialist.user_id if from_patient else relationship.patient_id
    return prune(
        {
            **base("Communication", message),
            "extension": [{"url": extension_url("communication-read"), "valueBoolean": _was_read(message, reader_id)}],
            "status": "completed",
            "subject": patient,
            "sent": instant(message.created_at),
            "received": instant(message.created_at),
            "sender": sender,
            "recipient": [recipient],
            "payload": _payload(message) if with_text else [],
        }
    )
