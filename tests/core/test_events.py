import logging

import pytest
from django.dispatch import Signal

from core.events import send_on_commit


@pytest.mark.django_db
def test_events_are_sent_only_after_commit(django_capture_on_commit_callbacks):
    event = Signal()
    received = []
    event.connect(lambda sender, **kwargs: received.append(kwargs), weak=False)
    with django_capture_on_commit_callbacks(execute=True):
        send_on_commit(event, user_id=7)
        assert received == []
    assert received == [{"signal": event, "user_id": 7}]


@pytest.mark.django_db
def test_a_failing_receiver_is_logged_and_does_not_stop_the_others(django_capture_on_commit_callbacks, caplog):
    event = Signal()
    received = []

    def broken(sender, **kwargs):
        raise RuntimeError("boom")

    event.connect(broken, weak=False)
    event.connect(lambda sender, **kwargs: received.append(kwargs["user_id"]), weak=False)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        send_on_commit(event, user_id=1)
    assert received == [1]
    assert "failed" in caplog.text
