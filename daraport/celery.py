"""The Celery application. Every periodic schedule lives here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.dev")

app = Celery("daraport")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Every hour: drop expired sessions so the session table stays small.
    "clear-expired-sessions": {
        "task": "core.clear_expired_sessions",
        "schedule": 60 * 60,
    },
}
