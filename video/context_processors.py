from core.portals import Portal

from .selectors import waiting_count_for_specialist


def waiting(request):
    """How many patients wait to be let in, beside "Waiting room" in the
    specialist portal's navigation: one query, on specialist portal pages
    only (`request.portal` is set by `portal_required`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "portal", None) != Portal.SPECIALIST:
        return {"video_waiting_count": 0}
    return {"video_waiting_count": waiting_count_for_specialist(user=user)}
