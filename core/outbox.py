"""The outbox: follow-up work is a database row before it is a message.

`enqueue(task, *args)` is the one way to ask for background work after a
change. It writes a `QueuedTask` row in the current transaction, so the
work commits or rolls back with the change, and publishes it once the
transaction has committed. A row counts as dispatched only when the broker
has taken the message. While the broker is down the publish fails at once
(no retries here, none in kombu: see the broker settings), the request goes
on, and `queued_tasks_publish`, run every minute by beat, sends what is
still pending once the broker is back.

Delivery is at least once: a process that dies after the broker took a
message but before its row was marked leaves the row pending, and the
sweep publishes it again. That window is a few milliseconds wide; the
price of hitting it is a task run twice (an email sent twice), never a
task lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import QueuedTask

logger = logging.getLogger(__name__)

# A row this young may still be on its way from the request that wrote it;
# the sweep leaves it alone so the two do not both publish it.
FRESH = timedelta(seconds=30)
# Dispatched rows are kept this long, to answer "was it sent?", then dropped.
KEEP = timedelta(days=7)
SWEEP_LIMIT = 500

# The rows enqueued inside `publishing_together()`, published by one hook.
_batch: ContextVar[list[QueuedTask] | None] = ContextVar("outbox_batch", default=None)


def enqueue(task, *args) -> QueuedTask:
    """Queue `task(*args)` to run once the current transaction commits.

    `args` must be JSON: ids and short words, never model instances or
    health data. Outside a transaction the row is written and published at
    once.
    """
    row = QueuedTask.objects.create(task=task.name, args=list(args))
    rows = _batch.get()
    if rows is None:
        transaction.on_commit(partial(_publish_all, [row]), robust=True)
    else:
        rows.append(row)
    return row


@contextmanager
def publishing_together() -> Iterator[None]:
    """Publish the rows enqueued inside the block with one hook after
    commit, which stops at the first broker failure: a request waits on a
    dead broker once, not once per row."""
    if _batch.get() is not None:  # an outer block publishes them
        yield
        return
    rows: list[QueuedTask] = []
    token = _batch.set(rows)
    try:
        yield
    finally:
        _batch.reset(token)
    if rows:
        transaction.on_commit(partial(_publish_all, rows), robust=True)


def _publish_all(rows: list[QueuedTask]) -> None:
    for row in rows:
        if not _publish(row):
            break  # the broker is down: the sweep sends the rest


def _publish(row: QueuedTask) -> bool:
    """Hand one row to the broker, trying once; whether it was taken.

    Any error leaves the row pending for the sweep: a broker that is down
    or slow, or a task this process does not know.
    """
    try:
        current_app.tasks[row.task].apply_async(args=row.args, retry=False)
    except Exception as error:
        QueuedTask.objects.filter(pk=row.pk).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:300]
        )
        logger.warning("queued task %s (%s) not published: %s", row.pk, row.task, error)
        return False
    QueuedTask.objects.filter(pk=row.pk, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )
    return True


def queued_tasks_publish(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Publish the rows still pending, oldest first; returns how many the
    broker took.

    Rows are claimed under a lock other sweeps skip, so two sweeps never
    publish one row twice. The first failure ends the run: the broker is
    down, and the next sweep tries again.
    """
    now = now or timezone.now()
    published = 0
    with transaction.atomic():
        pending = (
            QueuedTask.objects.filter(dispatched_at__isnull=True, created_at__lte=now - FRESH)
            .select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
            .order_by("created_at", "pk")[:limit]
        )
        for row in pending:
            if not _publish(row):
                break
            published += 1
    return published


def queued_tasks_prune(*, now: datetime | None = None) -> int:
    """Drop the rows dispatched more than `KEEP` ago; returns how many."""
    now = now or timezone.now()
    deleted, _ = QueuedTask.objects.filter(dispatched_at__lt=now - KEEP).delete()
    return deleted
