"""The inbox and the thread, in the patient and the specialist portals, and
attachment downloads.

A thread works without JavaScript: the form posts (and redirects back),
"Show earlier messages" is a link, and the page asks for new messages every
10 seconds (`?after=`, a fragment htmx swaps in). With a WebSocket,
static/js/chat.js sends and receives live and the polling pauses.

Every id goes through `conversation_get_for_user` (someone else's thread is
a 404), and a thread seen in the wrong portal (the user is the other
participant there) is a 404 too. Every read of a thread is audited.

A post is refused with 403 once care ended; with 413 for an attachment
over 10 MB (reading stops there) and 429 past the sender's messages per
minute, the form kept as typed.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from care.models import CareRelationship
from core.models import AuditLog
from core.portals import Portal, is_staff_member, mfa_satisfied, portal_required
from core.selectors import get_for_user
from core.services import audit_read, audit_record

from .attachments import attachment_name, attachment_too_large, limit_uploads, upload_stopped
from .forms import MessageForm
from .models import Conversation, Message, ReadMarker
from .panel import panel_for
from .selectors import (
    PAGE_SIZE,
    conversation_get_for_user,
    conversation_open_between,
    conversations_for,
    inbox_for,
    messages_after,
    messages_page,
)
from .services import conversation_mark_read, message_post
from .services.conversations import POST
from .services.messages import SEND_WINDOW_SECONDS

INBOX_URL = {Portal.PATIENT: "messaging:patient-inbox", Portal.SPECIALIST: "messaging:specialist-inbox"}
# The event that makes the side panel fetch itself again (htmx, chat.js).
PANEL_REFRESH = "panel-refresh"
THREAD_URL = {Portal.PATIENT: "messaging:patient-thread", Portal.SPECIALIST: "messaging:specialist-thread"}


def _is_mine(conversation: Conversation, user, portal: Portal) -> bool:
    """Is `user` this portal's side of the conversation?"""
    relationship = conversation.relationship
    if portal == Portal.PATIENT:
        return relationship.patient_id == user.pk
    return relationship.specialist.user_id == user.pk


def _base(portal: Portal) -> str:
    return f"portals/{portal}/base.html"


def _other_name(conversation: Conversation, portal: Portal) -> str:
    relationship = conversation.relationship
    if portal == Portal.PATIENT:
        return relationship.specialist.display_name
    return relationship.patient.display_name


def patient_thread_url(patient, specialist) -> str | None:
    """For `core.threads`: the patient's thread with `specialist`, while
    they can write in it."""
    conversation = conversation_open_between(patient=patient, specialist=specialist)
    return reverse(THREAD_URL[Portal.PATIENT], args=[conversation.public_id]) if conversation else None


# --- Inbox ----------------------------------------------------------------------


def _inbox(request, portal: Portal):
    conversations = [c for c in inbox_for(request.user) if _is_mine(c, request.user, portal)]
    for conversation in conversations:
        conversation.other_name = _other_name(conversation, portal)
    return render(
        request,
        "messaging/inbox.html",
        {"conversations": conversations, "thread_url_name": THREAD_URL[portal], "base_template": _base(portal)},
    )


@require_GET
@portal_required(Portal.PATIENT)
def patient_inbox_view(request):
    return _inbox(request, Portal.PATIENT)


@require_GET
@portal_required(Portal.SPECIALIST)
def specialist_inbox_view(request):
    return _inbox(request, Portal.SPECIALIST)


# --- Thread ---------------------------------------------------------------------


def thread_conversation(request, public_id, portal: Portal) -> Conversation:
    conversation = conversation_get_for_user(user=request.user, public_id=public_id)
    if not _is_mine(conversation, request.user, portal):
        raise Http404
    return conversation


def _message_in(conversation: Conversation, public_id: str) -> Message:
    """A message of this conversation named in the query string (paging)."""
    return get_for_user(conversation.messages.all(), public_id)


def _seen_message_id(conversation: Conversation, user, messages: list[Message]) -> int | None:
    """The viewer's last message, if the other side has read it ("Seen")."""
    own = [m for m in messages if m.kind == Message.Kind.TEXT and m.author_id == user.pk]
    if not own:
        return None
    other_read = (
        ReadMarker.objects.filter(conversation=conversation)
        .exclude(user=user)
        .values_list("read_up_to", flat=True)
        .first()
    )
    return own[-1].pk if other_read and other_read >= own[-1].created_at else None


def panel_context(request, conversation, portal: Portal, **state) -> dict:
    """What the side panel needs; `state` is an action's form or answer
    (see panel_views). Reading the intake there is audited."""
    panel = panel_for(conversation, for_specialist=portal == Portal.SPECIALIST)
    if panel.intake is not None:
        audit_read(request, panel.intake)
    return {"conversation": conversation, "portal": portal, "panel": panel, **state}


def render_thread(request, conversation, portal, *, form=None, status=200, panel_state=None):
    """The thread page: the latest messages (or the page before `?before=`),
    the form, and the side panel (with an action's form open in it)."""
    user = request.user
    before = request.GET.get("before")
    anchor = _message_in(conversation, before) if before else None
    messages = messages_page(conversation, before=anchor.created_at if anchor else None, limit=PAGE_SIZE + 1)
    has_earlier = len(messages) > PAGE_SIZE
    messages = messages[-PAGE_SIZE:]
    context = {
        "conversation": conversation,
        "portal": portal,
        "thread_messages": messages,
        "has_earlier": has_earlier,
        "thread_url": reverse(THREAD_URL[portal], args=[conversation.public_id]),
        "seen_id": None if anchor else _seen_message_id(conversation, user, messages),
        "other_name": _other_name(conversation, portal),
    }
    if anchor is not None and request.htmx:
        return render(request, "messaging/_earlier.html", context)
    if anchor is None:
        conversation_mark_read(conversation=conversation, user=user)
    context.update(panel_context(request, conversation, portal, **(panel_state or {})))
    context.update(
        {
            "history": anchor is not None,
            "can_post": user.has_perm(POST, conversation),
            "care_ended": conversation.relationship.status == CareRelationship.Status.ENDED,
            "form": form or MessageForm(),
            "refused": status == 403,
            "closed_text": closed_text(conversation, portal),
            "inbox_url_name": INBOX_URL[portal],
            "base_template": _base(portal),
        }
    )
    return render(request, "messaging/thread.html", context, status=status)


def new_messages(request, conversation, portal, *, poll_url: str = ""):
    """The poll: messages after `?after=` (all of the latest page when it is
    empty), then the poller again, pointing past them (at `poll_url`, by
    default the thread)."""
    after = request.GET.get("after", "")
    if after:
        messages = messages_after(conversation, after=_message_in(conversation, after).created_at)
    else:
        messages = messages_page(conversation)
    if messages:
        conversation_mark_read(conversation=conversation, user=request.user)
    context = {
        "conversation": conversation,
        "thread_messages": messages,
        "last_id": messages[-1].public_id if messages else after,
        "thread_url": poll_url or reverse(THREAD_URL[portal], args=[conversation.public_id]),
        "seen_id": None,
        "other_name": _other_name(conversation, portal),
    }
    response = render(request, "messaging/_poll.html", context)
    if any(message.kind == Message.Kind.NOTICE for message in messages):
        # Something happened to the pair's appointments: the panel reloads.
        response["HX-Trigger"] = PANEL_REFRESH
    return response


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _post(request, conversation, portal):
    if not request.user.has_perm(POST, conversation):
        return render_thread(request, conversation, portal, status=403)
    form = MessageForm(request.POST, request.FILES)
    if upload_stopped(request):
        form.add_error("attachment", attachment_too_large())
    status = 413 if form.is_too_large else 422
    if form.is_valid():
        try:
            message_post(
                conversation=conversation,
                author=request.user,
                text=form.cleaned_data["text"],
                client_id=form.cleaned_data["client_id"],
                attachment=form.cleaned_data["attachment"],
            )
        except PermissionDenied:
            return render_thread(request, conversation, portal, status=403)
        except ValidationError as error:
            form.add_error(None, error)
            if getattr(error, "code", None) == "rate_limited":
                status = 429
        else:
            return _see_other(reverse(THREAD_URL[portal], args=[conversation.public_id]) + "#message-form")
    response = render_thread(request, conversation, portal, form=form, status=status)
    if status == 429:
        response["Retry-After"] = str(SEND_WINDOW_SECONDS)
    return response


def closed_text(conversation, portal) -> str:
    return _("This conversation is read-only because your care with %(name)s ended.") % {
        "name": _other_name(conversation, portal)
    }


def open_thread_required(portal: Portal):
    """For the thread's actions that arrange sessions (panel_views): once
    care ended the conversation is read-only, and they answer 403. With
    htmx the page reloads into its read-only state; without, it shows it."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, public_id, *args, **kwargs):
            conversation = thread_conversation(request, public_id, portal)
            if request.user.has_perm(POST, conversation):
                return view(request, public_id, *args, **kwargs)
            if request.htmx:
                response = HttpResponse(closed_text(conversation, portal), status=403)
                response["HX-Refresh"] = "true"
                return response
            audit_read(request, conversation)
            return render_thread(request, conversation, portal, status=403)

        return wrapper

    return decorate


def _uploads_limited(view):
    """An attachment over the limit stops the reading of the body
    (`attachments.limit_uploads`). The CSRF check reads the body, so it
    runs inside, once the limit is in place: Django's way to change the
    upload handlers of one view."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        limit_uploads(request)
        return protected(request, *args, **kwargs)

    return wrapper


def _thread(request, public_id, portal: Portal):
    conversation = thread_conversation(request, public_id, portal)
    audit_read(request, conversation)
    if request.method == "POST":
        return _post(request, conversation, portal)
    if "after" in request.GET:
        return new_messages(request, conversation, portal)
    return render_thread(request, conversation, portal)


@_uploads_limited
@require_http_methods(["GET", "POST"])
@portal_required(Portal.PATIENT)
def patient_thread_view(request, public_id):
    return _thread(request, public_id, Portal.PATIENT)


@_uploads_limited
@require_http_methods(["GET", "POST"])
@portal_required(Portal.SPECIALIST)
def specialist_thread_view(request, public_id):
    return _thread(request, public_id, Portal.SPECIALIST)


# --- Attachments ----------------------------------------------------------------


@require_GET
@login_required
def attachment_view(request, public_id):
    """One attachment, to the conversation's participants only, always as
    a download under its original name."""
    if is_staff_member(request.user) and not mfa_satisfied(request.user):
        return redirect("core:mfa-required")
    messages = Message.objects.filter(conversation__in=conversations_for(request.user)).exclude(attachment="")
    message = get_for_user(messages, public_id)
    audit_record(request=request, action=AuditLog.Action.DOWNLOAD, obj=message)
    response = FileResponse(
        message.attachment.open("rb"),
        as_attachment=True,
        filename=attachment_name(message.attachment_name, message.attachment_type),
        content_type=message.attachment_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
