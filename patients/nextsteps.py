"""The intake's card on the patient home: start it, or finish it."""

from django.urls import reverse
from django.utils.translation import gettext as _

from core import nextsteps
from core.nextsteps import NextStep
from core.portals import Portal

from .selectors import intake_progress_for_user

PRIORITY = 20


def intake_steps(*, user, **context):
    """One query. A completed intake yields nothing: discovery's "find a
    specialist" card takes over."""
    progress = intake_progress_for_user(user)
    if progress is None:
        yield NextStep(
            title=_("Tell us what brings you here"),
            body=_("Takes about 3 minutes; every question is optional."),
            url=reverse("patients:intake"),
            cta=_("Start"),
            priority=PRIORITY,
        )
    elif not progress.is_complete:
        yield NextStep(
            title=_("Finish your answers — step %(number)s of %(total)s")
            % {"number": progress.number, "total": progress.total},
            body=_("Pick up where you left off. Every question is still optional."),
            url=reverse("patients:intake"),
            cta=_("Continue"),
            priority=PRIORITY,
        )


def register():
    nextsteps.register(Portal.PATIENT, intake_steps)
