"""Rooms for the sessions booked before video existed: every confirmed or
under-way appointment gets its room, bound to the pair's active care
relationship (which the confirmation started)."""

import uuid

from django.db import migrations
from django.utils import timezone


def create_rooms(apps, schema_editor):
    Appointment = apps.get_model("booking", "Appointment")
    CareRelationship = apps.get_model("care", "CareRelationship")
    VideoSession = apps.get_model("video", "VideoSession")
    active = {
        (row.patient_id, row.specialist_id): row.pk for row in CareRelationship.objects.filter(status="active")
    }
    booked = Appointment.objects.filter(status__in=["confirmed", "in_progress"], video_session__isnull=True)
    now = timezone.now()
    VideoSession.objects.bulk_create(
        [
            VideoSession(
                public_id=uuid.uuid4(),
                created_at=now,
                appointment_id=appointment.pk,
                relationship_id=active[(appointment.patient_id, appointment.specialist_id)],
            )
            for appointment in booked.only("pk", "patient_id", "specialist_id")
            if (appointment.patient_id, appointment.specialist_id) in active
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("video", "0001_initial")]

    operations = [migrations.RunPython(create_rooms, migrations.RunPython.noop)]
