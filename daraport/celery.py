"""The Celery application. Every periodic schedule lives here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.dev")

app = Celery("daraport")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Daily: delete "download my data" zips past their 7 days and give up on
    # exports stuck in progress for an hour (idempotent).
    "expire-data-exports": {
        "task": "privacy.expire_data_exports",
        "schedule": 60 * 60 * 24,
        "options": {"expires": 60 * 60},
    },
    # Daily: erase the accounts whose record retention has run out (rows
    # claimed with SKIP LOCKED, one transaction per account).
    "erase-due-accounts": {
        "task": "privacy.erase_due_accounts",
        "schedule": 60 * 60 * 24,
        "options": {"expires": 60 * 60},
    },
    # Every hour: delete the files of organization FHIR exports finished over
    # seven days ago, and fail exports whose worker was lost (12 h) so a new
    # one can start. Idempotent; a late run is dropped.
    "expire-bulk-exports": {
        "task": "records.expire_bulk_exports",
        "schedule": 60 * 60,
        "options": {"expires": 55 * 60},
    },
    # Every minute: publish the queued follow-up work (core.outbox) that the
    # broker did not take when its change committed, because it was down.
    # Rows are claimed with SKIP LOCKED; a late run is dropped, as the next
    # one covers it. Also drops dispatched rows older than a week.
    "publish-queued-tasks": {
        "task": "core.publish_queued_tasks",
        "schedule": 60,
        "options": {"expires": 55},
    },
    # Every hour: drop expired sessions so the session table stays small.
    "clear-expired-sessions": {
        "task": "core.clear_expired_sessions",
        "schedule": 60 * 60,
    },
    # Every minute: send the booking reminders that are due. Each run claims
    # rows with SKIP LOCKED, so an overlapping run cannot send one twice;
    # a run not started within the minute is dropped (the next one covers it).
    "send-due-reminders": {
        "task": "booking.send_due_reminders",
        "schedule": 60,
        "options": {"expires": 55},
    },
    # Every minute: let holds, proposals and unpaid bookings past their
    # deadline lapse, so their times free up for others.
    "expire-due-appointments": {
        "task": "booking.expire_due",
        "schedule": 60,
        "options": {"expires": 55},
    },
    # Every five minutes: recompute the directory's "next available" of the
    # specialists whose stored time has run out (minimum notice overtook it,
    # or it is an hour old). Idempotent; a late run is dropped, not queued.
    "refresh-next-available": {
        "task": "booking.refresh_next_available",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    # Every 15 minutes: remind patients of consents and forms still missing
    # before a confirmed session in the next 48 hours, once per item and
    # appointment (rows claimed under SKIP LOCKED). A late run is dropped.
    "send-pre-visit-reminders": {
        "task": "booking.send_pre_visit_reminders",
        "schedule": 15 * 60,
        "options": {"expires": 14 * 60},
    },
    # Every minute: email people whose messages have stayed unread past
    # MESSAGE_EMAIL_DELAY_MINUTES, one email per burst (markers claimed with
    # SKIP LOCKED, so overlapping runs never email twice). A late run is
    # dropped; the next one covers it.
    "send-unread-message-emails": {
        "task": "messaging.send_unread_emails",
        "schedule": 60,
        "options": {"expires": 55},
    },
    # Every minute: complete the video sessions whose room closed (end plus
    # grace) after both sides left, so the appointment does not stay "in
    # progress". Rows are claimed with SKIP LOCKED; a late run is dropped.
    "sweep-timed-out-video-sessions": {
        "task": "video.sweep_timed_out",
        "schedule": 60,
        "options": {"expires": 55},
    },
}
