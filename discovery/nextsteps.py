from django.urls import reverse
from django.utils.translation import gettext as _

from booking.followup import follow_up_latest_for_patient
from booking.selectors_patient import patient_has_booking_under_way
from care.selectors import care_relationship_list_for_patient
from core import nextsteps
from core.nextsteps import NextStep
from core.portals import Portal
from patients.selectors import intake_progress_for_user


def patient_steps(*, user, **context):
    """Find a specialist until the patient has one; then name them. With
    the intake complete its answers are enough: straight to the shortlist
    (where they can be changed), not the same questions again. A patient
    already waiting on a specialist (a request, a proposal, a booking not
    yet started) is not sent to look for one: booking's cards say what is
    under way."""
    relationships = list(care_relationship_list_for_patient(user=user)[:3])
    if not relationships:
        if patient_has_booking_under_way(patient=user):
            return
        progress = intake_progress_for_user(user)
        if progress is not None and progress.is_complete:
            body = _("Your shortlist is ready, with the reasons each one fits. Change your answers any time.")
            url, cta = reverse("discovery:match-results"), _("See your matches")
        else:
            body = _("Answer a few questions for a shortlist with reasons, or browse everyone yourself.")
            url, cta = reverse("discovery:match"), _("Get my shortlist")
        yield NextStep(title=_("Find your specialist"), body=body, url=url, cta=cta, priority=30)
        yield NextStep(
            title=_("Browse specialists"),
            body=_("Filter by language, focus, price and more."),
            url=reverse("discovery:directory"),
            cta=_("Open the directory"),
            priority=70,
        )
        return
    # Booking's "Book your next session with …" card names this one already.
    follow_up = follow_up_latest_for_patient(patient=user)
    for relationship in relationships:
        specialist = relationship.specialist
        if follow_up is not None and follow_up.specialist.pk == specialist.pk:
            continue
        yield NextStep(
            title=_("Your specialist: %(name)s") % {"name": specialist.display_name},
            body=_("See their next free times and book a session."),
            url=reverse("discovery:profile", args=[specialist.slug]),
            cta=_("Book a session"),
            priority=15,
        )


def register():
    nextsteps.register(Portal.PATIENT, patient_steps)
