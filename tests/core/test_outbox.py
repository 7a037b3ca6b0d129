"""The outbox (core/outbox.py): background work is a row of the change's
own transaction, published after commit, and published again by the
once-a-minute sweep while the broker is down; never lost, never published
twice by the sweep."""

import logging
from datetime import timedelta

import pytest
import time_machine
from celery import shared_task
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from core import events, outbox
from core.models import QueuedTask
from core.tasks import publish_queued_tasks
from daraport.celery import app

pytestmark = pytest.mark.django_db

ran: list[tuple] = []


@shared_task(name="tests.core.record")
def record(*args):
    ran.append(args)


@pytest.fixture(autouse=True)
def _nothing_ran():
    ran.clear()
    yield
    ran.clear()


def take_broker_down(monkeypatch, error) -> list[str]:
    """Tasks go to the broker (no longer run eagerly) and every publish
    raises `error`, as kombu does while Redis is down; `monkeypatch.undo()`
    brings it back. Returns the names of the publishes tried."""
    tried = []

    def refuse(producer, name, message, **options):
        tried.append(name)
        raise error

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app.amqp, "send_task_message", refuse)
    return tried


REFUSED = "Error 111 connecting to 127.0.0.1:6379. Connection refused."


@pytest.fixture
def broker_down(monkeypatch):
    return take_broker_down(monkeypatch, OperationalError(REFUSED))


def later(minutes=1):
    return timezone.now() + timedelta(minutes=minutes)


def pending():
    return list(QueuedTask.objects.filter(dispatched_at=None).order_by("pk").values_list("args", flat=True))


# --- Enqueueing -------------------------------------------------------------------------


def test_a_task_is_a_row_until_commit_then_published_and_marked(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            outbox.enqueue(record, 7, "confirmed")
            assert pending() == [[7, "confirmed"]]
            assert ran == []
    assert ran == [(7, "confirmed")]
    row = QueuedTask.objects.get()
    assert row.task == "tests.core.record"
    assert row.dispatched_at is not None
    assert row.attempts == 1


def test_a_rolled_back_change_queues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            outbox.enqueue(record, 7)
            raise RuntimeError("the change failed")
    assert not QueuedTask.objects.exists()
    assert ran == []


def test_arguments_must_be_plain_data():
    with pytest.raises(TypeError):
        outbox.enqueue(record, object())


@pytest.mark.parametrize("error", [OperationalError(REFUSED), RedisConnectionError(REFUSED)])
def test_with_the_broker_down_the_row_stays_pending_and_the_commit_goes_on(
    error, django_capture_on_commit_callbacks, monkeypatch
):
    tried = take_broker_down(monkeypatch, error)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(record, 7)
    assert tried == ["tests.core.record"]
    row = QueuedTask.objects.get()
    assert row.dispatched_at is None
    assert row.attempts == 1
    assert "Connection refused" in row.last_error
    assert ran == []


def test_one_event_tries_a_dead_broker_once_not_once_per_task(broker_down, django_capture_on_commit_callbacks):
    event = Signal()

    @events.transactional_receiver(event, dispatch_uid="tests.core.outbox.three")
    def queue_three(sender, n, **kwargs):
        for i in range(3):
            outbox.enqueue(record, n, i)

    with django_capture_on_commit_callbacks(execute=True):
        events.send_on_commit(event, n=1)
    assert len(broker_down) == 1
    assert pending() == [[1, 0], [1, 1], [1, 2]]


# --- Transactional receivers -------------------------------------------------------------


def test_a_transactional_receiver_queues_inside_the_transaction_and_runs_after_the_others(
    django_capture_on_commit_callbacks,
):
    event = Signal()
    order = []
    event.connect(lambda sender, **kwargs: order.append("after commit"), weak=False)

    @events.transactional_receiver(event, dispatch_uid="tests.core.outbox.order")
    def queue(sender, signal, user_id, **kwargs):
        order.append("in transaction")
        outbox.enqueue(record, user_id)

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.send_on_commit(event, user_id=7)
            assert order == ["in transaction"]
            assert pending() == [[7]]
    assert order == ["in transaction", "after commit"]
    assert ran == [(7,)]


def test_a_change_rolled_back_takes_its_queued_work_with_it(django_capture_on_commit_callbacks):
    event = Signal()
    events.transactional_receiver(event, dispatch_uid="tests.core.outbox.rollback")(
        lambda sender, **kwargs: outbox.enqueue(record, 1)
    )
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            events.send_on_commit(event)
            raise RuntimeError
    assert not QueuedTask.objects.exists()
    assert ran == []


# --- The sweep --------------------------------------------------------------------------------


def test_the_sweep_publishes_what_the_broker_missed_once_it_is_back(
    broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(record, 1)
        outbox.enqueue(record, 2)
    assert pending() == [[1], [2]]
    assert outbox.queued_tasks_publish(now=later()) == 0  # still down: stops at the first
    assert len(broker_down) == 3

    monkeypatch.undo()  # the broker is back
    assert outbox.queued_tasks_publish(now=later()) == 2
    assert ran == [(1,), (2,)]
    assert pending() == []
    assert outbox.queued_tasks_publish(now=later(2)) == 0
    assert ran == [(1,), (2,)]
    assert QueuedTask.objects.get(args=[1]).attempts == 3


def test_the_sweep_leaves_rows_still_on_their_way_from_their_request(broker_down, monkeypatch):
    outbox.enqueue(record, 1)
    monkeypatch.undo()
    assert outbox.queued_tasks_publish() == 0
    assert outbox.queued_tasks_publish(now=timezone.now() + outbox.FRESH) == 1


def test_the_sweep_publishes_oldest_first_and_at_most_its_limit(broker_down, monkeypatch):
    for n in range(3):
        with time_machine.travel(timezone.now() - timedelta(minutes=n), tick=False):
            outbox.enqueue(record, n)
    monkeypatch.undo()
    assert outbox.queued_tasks_publish(now=later(), limit=2) == 2
    assert ran == [(2,), (1,)]


def test_a_task_unknown_here_stays_pending_and_is_logged(caplog):
    QueuedTask.objects.create(task="nowhere.gone", args=[1], created_at=later(-5))
    with caplog.at_level(logging.WARNING, logger="core.outbox"):
        assert outbox.queued_tasks_publish(now=later()) == 0
    assert "nowhere.gone" in caplog.text
    assert QueuedTask.objects.get().last_error.startswith("NotRegistered")


def test_dispatched_rows_are_pruned_after_a_week_pending_ones_never(
    broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(record, "kept: never sent")
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(record, "sent")
    assert outbox.queued_tasks_prune(now=later(7 * 24 * 60 - 1)) == 0
    assert outbox.queued_tasks_prune(now=later(7 * 24 * 60 + 1)) == 1
    assert pending() == [["kept: never sent"]]


def test_the_task_sweeps_and_beat_runs_it_every_minute(broker_down, monkeypatch):
    with time_machine.travel(later(-5), tick=False):
        outbox.enqueue(record, 1)
    monkeypatch.undo()
    assert publish_queued_tasks() == 1
    [entry] = [entry for entry in app.conf.beat_schedule.values() if entry["task"] == "core.publish_queued_tasks"]
    assert entry["schedule"] == 60
    assert "core.publish_queued_tasks" in app.tasks
