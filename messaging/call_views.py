"""The conversation beside a video call: a compact thread the session room
loads into its side panel (`hx-get`), addressed by the APPOINTMENT, so the
room finds it by name (`reverse("messaging:call-chat", args=[appointment
.public_id])`) without knowing the conversation.

It is the pair's one conversation, not a chat of its own: the same
messages, the same socket (static/js/chat.js) and the same `message_post`,
so what is written during the call stays in the thread. Only the
appointment's patient and its specialist see it, and only while their care
lasts; anyone else signed in gets 404, like a thread that is not theirs. Every read
is audited, as the thread's.

A message goes over the socket while it is open. Otherwise the form is
posted in place (fetch, header `X-Requested-With: fetch`), never leaving
the call: 204 when stored, else the reason in plain text (422 bad input,
403 once care ended, 429 too fast); the poll then brings the message.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.portals import Portal, has_portal, mfa_satisfied
from core.services import audit_read

from .forms import MessageForm
from .models import Conversation
from .selectors import conversation_for_appointment, messages_page
from .services import conversation_mark_read, message_post
from .services.conversations import POST
from .services.messages import SEND_WINDOW_SECONDS
from .views import THREAD_URL, closed_text, new_messages

# The latest messages the panel opens with; the rest is in the thread.
CALL_CHAT_MESSAGES = 20


@dataclass(frozen=True)
class CallChat:
    """The conversation as the viewer sees it beside the call."""

    conversation: Conversation
    appointment_public_id: object
    portal: Portal
    other_name: str

    @classmethod
    def of(cls, conversation: Conversation, user, appointment_public_id) -> CallChat:
        relationship = conversation.relationship
        if relationship.patient_id == user.pk:
            return cls(conversation, appointment_public_id, Portal.PATIENT, relationship.specialist.display_name)
        return cls(conversation, appointment_public_id, Portal.SPECIALIST, relationship.patient.display_name)

    @property
    def thread_url(self) -> str:
        return reverse(THREAD_URL[self.portal], args=[self.conversation.public_id])


def _is_fetch(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or bool(request.htmx)


def _render(request, chat: CallChat, *, form=None, status=200):
    conversation = chat.conversation
    context = {
        "conversation": conversation,
        "portal": chat.portal,
        "other_name": chat.other_name,
        "thread_messages": messages_page(conversation, limit=CALL_CHAT_MESSAGES),
        "chat_url": reverse("messaging:call-chat", args=[chat.appointment_public_id]),
        "thread_url": chat.thread_url,
        "can_post": request.user.has_perm(POST, conversation),
        "closed_text": closed_text(conversation, chat.portal),
        "form": form or MessageForm(),
        "seen_id": None,
    }
    return render(request, "messaging/_call_chat.html", context, status=status)


def _refused(request, chat: CallChat, form, status: int):
    """A message not stored: its reason in plain text for fetch, else the
    panel with the form as typed."""
    if _is_fetch(request):
        reasons = [reason for reasons in form.errors.values() for reason in reasons]
        response = HttpResponse(reasons[0], status=status, content_type="text/plain; charset=utf-8")
    else:
        response = _render(request, chat, form=form, status=status)
    if status == 429:
        response["Retry-After"] = str(SEND_WINDOW_SECONDS)
    return response


def _post(request, chat: CallChat):
    # Text only beside a call: a file is attached in the thread itself.
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _refused(request, chat, form, 422)
    try:
        message_post(
            conversation=chat.conversation,
            author=request.user,
            text=form.cleaned_data["text"],
            client_id=form.cleaned_data["client_id"],
        )
    except PermissionDenied as denied:
        form.add_error(None, str(denied) or _("You can no longer write in this conversation."))
        return _refused(request, chat, form, 403)
    except ValidationError as error:
        form.add_error(None, error)
        return _refused(request, chat, form, 429 if getattr(error, "code", None) == "rate_limited" else 422)
    if _is_fetch(request):
        return HttpResponse(status=204)
    # A plain post (no script, so no call either): on to the thread.
    response = redirect(chat.thread_url)
    response.status_code = 303
    return response


@require_http_methods(["GET", "POST"])
@login_required
def call_chat_view(request, public_id):
    user = request.user
    conversation = conversation_for_appointment(user=user, appointment_public_id=public_id)
    chat = CallChat.of(conversation, user, public_id)
    if not has_portal(user, chat.portal):
        raise Http404
    if chat.portal == Portal.SPECIALIST and not mfa_satisfied(user):
        return redirect("core:mfa-required")
    audit_read(request, conversation)
    if request.method == "POST":
        return _post(request, chat)
    if "after" in request.GET:
        return new_messages(request, conversation, chat.portal, poll_url=request.path)
    conversation_mark_read(conversation=conversation, user=user)
    return _render(request, chat)
