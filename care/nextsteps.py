"""Care's card on the patient home: how was the latest session?"""

from django.urls import reverse
from django.utils.translation import gettext as _

from core import nextsteps
from core.nextsteps import NextStep
from core.portals import Portal
from core.timeutils import format_date

from .feedback_selectors import feedback_prompt_for_patient

# After booking's cards (the next session comes first), before suggestions.
PRIORITY = 60


def feedback_steps(*, user, **context):
    """The latest completed session of the last 14 days still unanswered."""
    due = feedback_prompt_for_patient(patient=user)
    if due is None:
        return
    appointment = due.appointment
    values = {
        "name": appointment.specialist.display_name,
        "when": format_date(appointment.starts_at, zone_name=user.timezone),
    }
    yield NextStep(
        title=_("How was your session with %(name)s?") % values,
        body=_("Your session on %(when)s. A few seconds: it helps your care and the service improve.") % values,
        url=reverse("care:patient-feedback", args=[appointment.public_id]),
        cta=_("Give feedback"),
        priority=PRIORITY,
    )


def register():
    nextsteps.register(Portal.PATIENT, feedback_steps)
