"""Clinical notes, their amendments and session feedback.

The database keeps the notes' trail honest whatever the code does: an
amendment is never changed nor deleted, and a signed note is never changed.
PostgreSQL refuses UPDATE and DELETE; SQLite (the embedded demo) refuses
UPDATE only, as in core 0002: its test-database flush empties tables with
DELETE. Both reuse the refusal of core 0002.
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
import encrypted_fields.fields
from django.conf import settings
from django.db import migrations, models

# (table, trigger name, condition on the old row or None for every row)
GUARDS = [
    ("care_noteamendment", "care_noteamendment_append_only", None),
    ("care_clinicalnote", "care_clinicalnote_signed_locked", "OLD.status = 'signed'"),
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, name, condition in GUARDS:
        when = f"WHEN ({condition}) " if condition else ""
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW {when}EXECUTE FUNCTION daraport_refuse_change();"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} {when}"
                f"BEGIN SELECT RAISE(ABORT, '{table} row is locked'); END;"
            )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, name, _condition in GUARDS:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0005_reminder_send_claims"),
        ("care", "0001_initial"),
        ("core", "0002_append_only_triggers"),
        ("specialists", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ClinicalNote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "template",
                    models.CharField(choices=[("soap", "SOAP"), ("dap", "DAP"), ("free", "Free form")], max_length=8),
                ),
                ("content", encrypted_fields.fields.EncryptedTextField(blank=True, default="", null=True)),
                (
                    "status",
                    models.CharField(choices=[("draft", "Draft"), ("signed", "Signed")], default="draft", max_length=8),
                ),
                ("signed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "appointment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="clinical_note",
                        to="booking.appointment",
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "relationship",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="notes", to="care.carerelationship"
                    ),
                ),
                (
                    "signed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="Feedback",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("csat", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="satisfaction")),
                (
                    "progress",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("worse", "Worse"),
                            ("same", "About the same"),
                            ("better", "Better"),
                            ("much_better", "Much better"),
                        ],
                        max_length=12,
                        verbose_name="progress",
                    ),
                ),
                ("asked_nps", models.BooleanField(default=False)),
                (
                    "nps",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="likelihood to recommend"),
                ),
                ("comment", encrypted_fields.fields.EncryptedTextField(blank=True, default="", null=True)),
                ("submitted_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("editable_until", models.DateTimeField()),
                (
                    "appointment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT, related_name="feedback", to="booking.appointment"
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="feedback_given",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "specialist",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="feedback",
                        to="specialists.specialistprofile",
                    ),
                ),
            ],
            options={
                "ordering": ["-submitted_at"],
            },
        ),
        migrations.CreateModel(
            name="NoteAmendment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("text", encrypted_fields.fields.EncryptedTextField()),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "note",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="amendments", to="care.clinicalnote"
                    ),
                ),
            ],
            options={
                "ordering": ["note", "created_at", "id"],
            },
        ),
        migrations.AddConstraint(
            model_name="clinicalnote",
            constraint=models.CheckConstraint(
                condition=models.Q(("template__in", ["soap", "dap", "free"])), name="note_template_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="clinicalnote",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["draft", "signed"])), name="note_status_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="clinicalnote",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("signed_at__isnull", True), ("signed_by__isnull", True), ("status", "draft")),
                    models.Q(("signed_at__isnull", False), ("signed_by__isnull", False), ("status", "signed")),
                    _connector="OR",
                ),
                name="note_signed_has_who_and_when",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(fields=["patient", "asked_nps", "submitted_at"], name="care_feedba_patient_560526_idx"),
        ),
        migrations.AddConstraint(
            model_name="feedback",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("csat__isnull", True), models.Q(("csat__gte", 1), ("csat__lte", 5)), _connector="OR"
                ),
                name="feedback_csat_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="feedback",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("nps__isnull", True),
                    models.Q(("asked_nps", True), ("nps__gte", 0), ("nps__lte", 10)),
                    _connector="OR",
                ),
                name="feedback_nps_range_and_asked",
            ),
        ),
        migrations.AddConstraint(
            model_name="feedback",
            constraint=models.CheckConstraint(
                condition=models.Q(("progress__in", ["", "worse", "same", "better", "much_better"])),
                name="feedback_progress_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="feedback",
            constraint=models.CheckConstraint(
                condition=models.Q(("editable_until__gt", models.F("submitted_at"))),
                name="feedback_editable_after_submit",
            ),
        ),
        migrations.RunPython(create, drop),
    ]
