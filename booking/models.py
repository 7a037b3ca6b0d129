from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyQuerySet, BaseModel
from specialists.models import Offering, SpecialistProfile

from .states import AppointmentStatus


class AvailabilityRule(models.Model):
    """Weekly working hours: one wall-clock range on one weekday, in the
    specialist's own time zone. Several rules make several ranges a day.

    Stored as wall-clock times, never instants, and expanded to UTC per
    date, so a daylight-saving change never shifts a working hour.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    specialist = models.ForeignKey(SpecialistProfile, on_delete=models.CASCADE, related_name="availability_rules")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        ordering = ["specialist", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="availability_rule_weekday_valid"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="availability_rule_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AvailabilityOverride(models.Model):
    """One date that differs from the weekly rules, in the specialist's zone:
    extra hours (start and end required) or a day off (a whole day unless a
    range is given, then only that range is blocked)."""

    class Kind(models.TextChoices):
        EXTRA_HOURS = "extra_hours", _("Extra hours")
        DAY_OFF = "day_off", _("Day off")

    specialist = models.ForeignKey(SpecialistProfile, on_delete=models.CASCADE, related_name="availability_overrides")
    date_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ["specialist", "date_on", "start_time"]
        indexes = [models.Index(fields=["specialist", "date_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["extra_hours", "day_off"]), name="availability_override_kind_valid"
            ),
            # Both times or neither.
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__isnull=False, end_time__gt=F("start_time")),
                name="availability_override_range_valid",
            ),
            # Extra hours always say which hours.
            models.CheckConstraint(
                condition=~Q(kind="extra_hours") | Q(start_time__isnull=False),
                name="availability_override_extra_hours_have_range",
            ),
        ]

    def __str__(self):
        return f"{self.date_on} {self.get_kind_display()}"


class BookingSettings(models.Model):
    """One specialist's booking rules; the slot engine reads them."""

    specialist = models.OneToOneField(SpecialistProfile, on_delete=models.CASCADE, related_name="booking_settings")
    buffer_before_minutes = models.PositiveSmallIntegerField(_("buffer before a session (minutes)"), default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(_("buffer after a session (minutes)"), default=10)
    minimum_notice_minutes = models.PositiveIntegerField(_("minimum notice (minutes)"), default=12 * 60)
    horizon_days = models.PositiveSmallIntegerField(_("bookable up to (days ahead)"), default=60)
    slot_increment_minutes = models.PositiveSmallIntegerField(_("start times every (minutes)"), default=30)

    class Meta:
        verbose_name_plural = _("booking settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(buffer_before_minutes__lte=240, buffer_after_minutes__lte=240),
                name="booking_settings_buffers_in_range",
            ),
            models.CheckConstraint(
                condition=Q(minimum_notice_minutes__lte=30 * 24 * 60), name="booking_settings_notice_in_range"
            ),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1, horizon_days__lte=365), name="booking_settings_horizon_in_range"
            ),
            models.CheckConstraint(
                condition=Q(slot_increment_minutes__gte=5, slot_increment_minutes__lte=240),
                name="booking_settings_increment_in_range",
            ),
        ]

    def __str__(self):
        return f"Booking settings of {self.specialist_id}"


class Appointment(BaseModel):
    """One patient with one specialist at one time, through its lifecycle.

    Price and time zones are snapshots taken at booking: a later price
    change or move does not rewrite what was agreed. `status` changes only
    through `booking.services.appointment_transition`.

    On PostgreSQL, the exclusion constraint `booking_appointment_no_overlap`
    (migration 0002, not declared here because SQLite cannot hold it) makes
    two overlapping slot-holding appointments of one specialist impossible.
    """

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    specialist = models.ForeignKey(SpecialistProfile, on_delete=models.PROTECT, related_name="appointments")
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(_("status"), max_length=16, choices=AppointmentStatus.choices)
    price_minor = models.BigIntegerField(_("price"))
    currency = models.CharField(_("currency"), max_length=3)
    patient_timezone = models.CharField(max_length=64)
    specialist_timezone = models.CharField(max_length=64)
    # The ICS SEQUENCE: raised on every change, so calendars take the update.
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # PROTECT: people with a history are deactivated, never deleted.
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancellation_reason = models.CharField(_("reason"), max_length=500, blank=True)
    is_late_cancellation = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["specialist", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AppointmentStatus.values), name="appointment_status_valid"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"),
            models.CheckConstraint(condition=Q(price_minor__gte=0), name="appointment_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.status}"


class AppointmentEvent(models.Model):
    """One status change of an appointment: from, to, who, why, when.

    Append-only, in the database too (migration 0002). `from_status` is
    empty for the row that records the appointment's creation.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=16, choices=AppointmentStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=AppointmentStatus.choices)
    # PROTECT: people with a history are deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["appointment", "at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.from_status or '∅'} → {self.to_status}"
