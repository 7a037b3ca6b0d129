from ..models import CareContext


def care_context_add(*, patient, specialist, offering) -> CareContext:
    """Booking says `patient` booked `offering` with `specialist`: their
    requirements now apply. Idempotent."""
    context, _ = CareContext.objects.get_or_create(patient=patient, specialist=specialist, offering=offering)
    return context
