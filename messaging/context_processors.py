from core.portals import Portal

from .selectors import unread_total

# Portals whose navigation shows "Messages" with the unread count.
MESSAGING_PORTALS = frozenset({Portal.PATIENT, Portal.SPECIALIST})


def unread(request):
    """The unread total beside "Messages": one query, only for a signed-in
    person inside the patient or specialist portal (`request.portal` is set
    by `portal_required`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "portal", None) not in MESSAGING_PORTALS:
        return {"messages_unread_total": 0}
    return {"messages_unread_total": unread_total(user)}
