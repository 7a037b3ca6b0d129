import uuid
from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from core.models import AppendOnlyQuerySet, BaseModel
from core.payments import payments_available_for
from organizations.models import Organization
from specialists.models import Offering, SpecialistProfile

from .states import AppointmentStatus


class AvailabilityRule(models.Model):
    """Weekly working hours: one wall-clock range on one weekday, in the
    specialist's own time zone. Several rules make several ranges a day.

    Stored as wall-clock times, never instants, and expanded to UTC per
    date, so a daylight-saving change never shifts a working hour.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

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
            # An end of 00:00 is midnight, the end of the day.
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")) | Q(end_time=time(0)),
                name="availability_rule_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AvailabilityOverride(models.Model):
    """One date that differs from the weekly rules, in the specialist's zone:
    extra hours (start and end required) or a day off (a whole day unless a
    range is given, then only that range is blocked)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

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
            # Both times or neither; an end of 00:00 is midnight.
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__isnull=False, end_time__gt=F("start_time"))
                | Q(start_time__isnull=False, end_time__isnull=False, end_time=time(0)),
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
    # Empty: the organization's window (BookingPolicy) applies.
    cancellation_window_hours = models.PositiveSmallIntegerField(
        _("free cancellation up to (hours before)"), null=True, blank=True
    )

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
            models.CheckConstraint(
                condition=Q(cancellation_window_hours__lte=14 * 24),
                name="booking_settings_cancellation_window_in_range",
            ),
        ]

    def __str__(self):
        return f"Booking settings of {self.specialist_id}"


def default_reminder_offsets():
    return [24 * 60, 60]


class BookingPolicy(models.Model):
    """An organization's booking rules for all its specialists: the free
    cancellation window (a specialist may set their own) and when reminders
    go out."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="booking_policy")
    cancellation_window_hours = models.PositiveSmallIntegerField(
        _("free cancellation up to (hours before)"), default=24
    )
    # Minutes before the start, e.g. [1440, 60]: a day and an hour before.
    reminder_offsets_minutes = models.JSONField(_("reminders (minutes before)"), default=default_reminder_offsets)

    class Meta:
        verbose_name_plural = _("booking policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(cancellation_window_hours__lte=14 * 24), name="booking_policy_cancellation_window_in_range"
            ),
        ]

    def __str__(self):
        return f"Booking policy of {self.organization_id}"


class AvailabilityRequest(BaseModel):
    """A patient who found no suitable time asks for one: preferred windows
    (local dates and times in the patient's zone) and a note. The specialist
    answers with a proposal or closes it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="availability_requests"
    )
    specialist = models.ForeignKey(SpecialistProfile, on_delete=models.PROTECT, related_name="availability_requests")
    offering = models.ForeignKey(Offering, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # [{"date": "2026-11-25", "from": "09:00", "until": "12:00"}, ...] in `patient_timezone`.
    windows = models.JSONField(default=list, blank=True)
    patient_timezone = models.CharField(max_length=64)
    # NULL when empty: the encrypted field stores "" as NULL.
    note = EncryptedTextField(blank=True, null=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["specialist", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "answered", "closed"]), name="availability_request_status_valid"
            ),
        ]

    def __str__(self):
        return f"Request {self.public_id} ({self.status})"


class Proposal(BaseModel):
    """One or more times a specialist offers a patient, answering a request
    or unprompted. Each time is an `Appointment` in PROPOSED (holding the
    slot until `expires_at`); the patient accepts one and the others are
    released."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the patient")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    specialist = models.ForeignKey(SpecialistProfile, on_delete=models.PROTECT, related_name="proposals")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals")
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(
        AvailabilityRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    expires_at = models.DateTimeField(_("answer by"))
    payment_required = models.BooleanField(_("payment required before confirmation"), default=False)
    note = EncryptedTextField(blank=True, null=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "status"]), models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted", "declined", "expired", "withdrawn"]),
                name="proposal_status_valid",
            ),
        ]

    def __str__(self):
        return f"Proposal {self.public_id} ({self.status})"

    @property
    def asks_payment_first(self) -> bool:
        """Payment comes before confirmation: asked for, and possible (an
        organization that cannot take payments books an accepted time at once)."""
        return self.payment_required and payments_available_for(self.specialist)


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
    # When a hold, a proposal or an unpaid booking lapses (the expiry sweep).
    expires_at = models.DateTimeField(null=True, blank=True)
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments")

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["specialist", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AppointmentStatus.values), name="appointment_status_valid"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"),
            models.CheckConstraint(condition=Q(price_minor__gte=0), name="appointment_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def can_pay_online(self) -> bool:
        """Whether the patient has a way to pay for it here (`core.payments`)."""
        return payments_available_for(self.specialist)


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
    # A reschedule keeps the status and records the move: the time before it.
    previous_starts_at = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["appointment", "at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.from_status or '∅'} → {self.to_status}"


class Reminder(models.Model):
    """One reminder of one appointment, due `offset_minutes` before the
    start it was planned for. The once-a-minute sweep claims due rows with
    SKIP LOCKED, so two workers never send one twice; a reminder whose
    appointment moved or was cancelled is skipped, not sent.

    The claim (`claimed_at`) commits before the email goes out, so a worker
    killed mid-send leaves a claimed, unsent row that is never sent again:
    a later sweep records it as `interrupted_at` and logs it."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    offset_minutes = models.PositiveIntegerField()
    # The start this reminder was planned for: a reschedule plans new rows.
    starts_at = models.DateTimeField()
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)
    # Claimed but never marked sent: its worker stopped mid-send, so it may
    # or may not have gone out. Never retried; for an operator to look at.
    interrupted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(sent_at__isnull=True, skipped_at__isnull=True),
                name="booking_reminder_pending",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "starts_at", "offset_minutes"], name="reminder_once_per_start"
            ),
        ]

    def __str__(self):
        return f"Reminder {self.offset_minutes} min before {self.starts_at:%Y-%m-%d %H:%M}"


class CalendarFeed(models.Model):
    """A specialist's private calendar subscription: whoever has the token
    reads the feed, so it is long, random and revocable (a new token
    replaces the old one)."""

    specialist = models.OneToOneField(SpecialistProfile, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Calendar feed of {self.specialist_id}"


class NextAvailability(models.Model):
    """The earliest free start of each specialist (shortest active offering),
    kept for the directory's "next available", sort and filter. Refreshed
    when availability or appointments change, and by a sweep once
    `valid_until` (when minimum notice overtakes the start) has passed."""

    specialist = models.OneToOneField(
        SpecialistProfile, on_delete=models.CASCADE, primary_key=True, related_name="next_availability"
    )
    starts_at = models.DateTimeField(null=True, blank=True)  # None: nothing free within the horizon
    valid_until = models.DateTimeField(db_index=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("next availabilities")
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self):
        return f"Next available {self.starts_at} for {self.specialist_id}"


class PreVisitReminder(models.Model):
    """The patient was reminded of one unfinished consent or form
    (`item_key`, see `consents.selectors.Item.key`) before one appointment.

    One row per appointment and item: the sweep sends about an item once,
    and again only for an item that was not there before (a new version or
    a newly attached form has a new key). The row is the claim: it commits
    before the email goes out and `sent_at` is set after, so a worker killed
    mid-send never sends it again (a later sweep sets `interrupted_at`)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="pre_visit_reminders")
    item_key = models.CharField(max_length=80)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Claimed but never marked sent: see `Reminder.interrupted_at`.
    interrupted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appointment", "item_key"], name="pre_visit_reminder_once_per_item"),
        ]

    def __str__(self):
        return f"Pre-visit reminder {self.item_key} of {self.appointment_id}"
