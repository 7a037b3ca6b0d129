import pytest

from core import payments


@pytest.fixture
def payments_available(monkeypatch):
    """Specialists can take payments and a proposal asking for one waits for
    it, as a payments app answers through `core.payments`."""
    gate = payments.Gate(
        available_for=lambda specialist: True,
        due_before_confirmation=lambda appointment: bool(
            appointment.proposal_id and appointment.proposal.payment_required
        ),
        paid_before_session=lambda offering: False,
        pay_url=lambda appointment: "",
    )
    monkeypatch.setattr(payments, "_gate", gate)
