import pytest

from core import payments


@pytest.fixture
def payments_available(monkeypatch):
    """Organizations can take payments, as once a payments app answers
    `core.payments.payments_available_for`."""
    monkeypatch.setattr(payments, "_provider", lambda organization: True)
