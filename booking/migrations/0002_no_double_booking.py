"""No double booking, enforced by the database; appointment history is
append-only.

On PostgreSQL an exclusion constraint (btree_gist) refuses two appointments
of one specialist whose [starts_at, ends_at) ranges overlap while both are in
a slot-holding status, whatever the race between transactions. Half-open
ranges: back-to-back appointments do not overlap.

The constraint is added here rather than declared in `Appointment.Meta`:
SQLite (the embedded default) has no exclusion constraints, and a declared
one would be created there too, or drift from the model state. Keeping it
out of the model state keeps `makemigrations --check` clean on both. On
SQLite, `booking.services` checks for overlaps inside an IMMEDIATE
transaction, which serialises writers.

The statuses are written out, not imported from `booking.states`: a
migration must not change meaning when the code does. Changing
`SLOT_HOLDING` needs a new migration that rebuilds the constraint.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models
from django.db.models import Func, Q

CONSTRAINT = "booking_appointment_no_overlap"
SLOT_HOLDING = ["proposed", "awaiting_payment", "confirmed", "in_progress"]
EVENT_TABLE = "booking_appointmentevent"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()  # only compared, never read back


def no_overlap():
    return ExclusionConstraint(
        name=CONSTRAINT,
        expressions=[
            ("specialist", RangeOperators.EQUAL),
            (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=Q(status__in=SLOT_HOLDING),
    )


class BtreeGistOnPostgres(BtreeGistExtension):
    """Create btree_gist on PostgreSQL; never drop it on the way back (other
    schemas may use it), and do nothing on other databases either way."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_constraint(apps.get_model("booking", "Appointment"), no_overlap())


def remove_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_constraint(apps.get_model("booking", "Appointment"), no_overlap())


def add_append_only_triggers(apps, schema_editor):
    # The same guard as core 0002 (whose function this reuses): PostgreSQL
    # refuses UPDATE and DELETE; SQLite refuses UPDATE only, because its
    # test-database flush empties tables with DELETE.
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {EVENT_TABLE}_append_only BEFORE UPDATE OR DELETE ON {EVENT_TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION daraport_refuse_change();"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {EVENT_TABLE}_no_update BEFORE UPDATE ON {EVENT_TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{EVENT_TABLE} is append-only'); END;"
        )


def remove_append_only_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {EVENT_TABLE}_append_only ON {EVENT_TABLE};")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {EVENT_TABLE}_no_update;")


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0001_initial"),
        ("core", "0002_append_only_triggers"),
    ]
    operations = [
        BtreeGistOnPostgres(),
        migrations.RunPython(add_constraint, remove_constraint),
        migrations.RunPython(add_append_only_triggers, remove_append_only_triggers),
    ]
