// A live conversation: messages, typing, "Seen", over the conversation's
// WebSocket. Everything here is an improvement on a page that already works
// without it: the form posts, and htmx asks for new messages every 10 s.
// While the socket is open the form sends over it and the polling pauses;
// when it drops, posting and polling take over again until it reconnects.
//
// Message text is only ever set with textContent; links are built as <a>
// elements for http(s) addresses, never from HTML.
//
// The same conversation also runs in a compact panel beside a video call
// (messaging/call_views.py), swapped into the room by htmx: each [data-chat]
// starts once, when the page loads or when it arrives. There
// (data-post-in-place) a message sent while the socket is down is posted
// with fetch, so the call stays on screen.
(() => {
  const start = (thread) => {
    if (thread.dataset.chatStarted || thread.hasAttribute("data-history") || !("WebSocket" in window)) return;
    thread.dataset.chatStarted = "true";

    const list = thread.querySelector("#message-list");
    const form = thread.querySelector("[data-chat-form]");
    const textarea = form ? form.querySelector("textarea") : null;
    const fileInput = form ? form.querySelector("input[type=file]") : null;
    const clientIdInput = form ? form.querySelector("input[name=client_id]") : null;
    const sendError = form ? form.querySelector("[data-send-error]") : null;
    const typingLine = thread.querySelector("#typing");
    let liveState = thread.querySelector("[data-live-state]");
    const data = thread.dataset;
    const me = new Set([String(data.me), String(data.mePublic)]);
    const zone = data.timezone || undefined;
    const attachmentUrl = data.attachmentUrl || "";

    const TYPING_SHOWN_MS = 3000;
    const TYPING_SENT_EVERY_MS = 2000;
    const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;

    let socket = null;
    let delay = 1000;
    let stopped = false;
    let typingTimer = null;
    let lastTypingSent = 0;
    let unreadWhileHidden = null;
    const known = new Set();

    // --- Helpers ---------------------------------------------------------------

    const newClientId = () => {
      if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
      const bytes = window.crypto.getRandomValues(new Uint8Array(16));
      bytes[6] = (bytes[6] & 0x0f) | 0x40;
      bytes[8] = (bytes[8] & 0x3f) | 0x80;
      const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    };

    const isOpen = () => socket !== null && socket.readyState === WebSocket.OPEN;

    const send = (payload) => {
      if (!isOpen()) return false;
      socket.send(JSON.stringify(payload));
      return true;
    };

    const isMine = (author) => author != null && me.has(String(author.id));

    const formatTime = (iso) => {
      const date = new Date(iso);
      if (Number.isNaN(date.getTime())) return "";
      try {
        return date.toLocaleString("en-GB", {
          weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone,
        });
      } catch (error) {
        return date.toLocaleString();
      }
    };

    const formatSize = (bytes) => {
      if (typeof bytes !== "number") return "";
      if (bytes < 1024) return `${bytes} bytes`;
      if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
      return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
    };

    // Text nodes for the words, <a> only for http(s) addresses.
    const appendLinkified = (parent, text) => {
      let last = 0;
      for (const match of String(text).matchAll(URL_PATTERN)) {
        const address = match[0].replace(/[.,;:!?)\]]+$/, "");
        let url = null;
        try {
          url = new URL(address);
        } catch (error) {
          url = null;
        }
        if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) continue;
        parent.append(document.createTextNode(text.slice(last, match.index)));
        const link = document.createElement("a");
        link.href = url.href;
        link.textContent = address;
        link.rel = "nofollow noopener noreferrer";
        link.target = "_blank";
        parent.append(link);
        last = match.index + address.length;
      }
      parent.append(document.createTextNode(String(text).slice(last)));
    };

    const element = (tag, className, text) => {
      const node = document.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined) node.textContent = text;
      return node;
    };

    const poller = () => document.getElementById("message-poll");

    const messages = () => [...list.querySelectorAll(".msg[data-id]")];

    const lastAt = () => {
      const all = messages();
      return all.length ? all[all.length - 1].dataset.at : "";
    };

    const nearBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const toBottom = () => {
      list.scrollTop = list.scrollHeight;
    };

    // The poller asks for what comes after the newest message shown.
    const pointPollerPast = (id) => {
      const element = poller();
      if (!element || !id) return;
      element.setAttribute("hx-vals", JSON.stringify({ after: id }));
      element.dataset.after = id;
    };

    // Index what the server rendered (or htmx swapped in); drop repeats.
    const reindex = () => {
      known.clear();
      for (const node of messages()) {
        if (known.has(node.dataset.id)) node.remove();
        else known.add(node.dataset.id);
      }
    };

    // --- Rendering -------------------------------------------------------------

    const render = (message) => {
      const mine = isMine(message.author);
      const notice = message.kind === "notice";
      const node = element("div", `msg ${notice ? "msg-notice" : mine ? "msg-own" : "msg-other"}`);
      node.id = `msg-${message.id}`;
      node.dataset.id = message.id;
      node.dataset.at = message.created_at;
      if (notice) {
        node.dataset.verb = message.verb || "";
        node.append(element("small", "msg-label", data.labelNotice || "Notice"), " ");
        const text = element("span", "msg-text");
        appendLinkified(text, message.text || "");
        const time = element("time", "msg-time", formatTime(message.created_at));
        time.dateTime = message.created_at;
        node.append(text, " ", time);
        return node;
      }
      const meta = element("div", "msg-meta");
      // Two people per conversation: the other one goes by the name the
      // page shows (a specialist's profile name rather than their account's).
      const otherName = data.otherName || (message.author && message.author.name) || "";
      const author = element("strong", "msg-author", mine ? data.labelYou || "You" : otherName);
      const time = element("time", "msg-time", formatTime(message.created_at));
      time.dateTime = message.created_at;
      meta.append(author, " ", time);
      node.append(meta);
      if (message.text) {
        const text = element("div", "msg-text");
        appendLinkified(text, message.text);
        node.append(text);
      }
      const attachment = message.attachment;
      if (attachment) {
        const line = element("p", "msg-attachment");
        const link = element("a", "", (attachment.name || data.labelAttachment || "Attachment"));
        link.href = attachment.url || attachmentUrl.replace("00000000-0000-0000-0000-000000000000", message.id);
        link.setAttribute("download", "");
        line.append(link, " ", element("small", "muted", formatSize(attachment.size)));
        node.append(line);
      }
      return node;
    };

    const place = (node) => {
      const stick = nearBottom();
      const end = poller();
      if (end && end.parentNode === list) list.insertBefore(node, end);
      else list.append(node);
      const empty = document.getElementById("message-empty");
      if (empty) empty.remove();
      if (stick || node.classList.contains("msg-own")) toBottom();
    };

    const showSeen = (readUpTo) => {
      const limit = new Date(readUpTo).getTime();
      const own = [...list.querySelectorAll(".msg-own[data-id]")];
      const last = own[own.length - 1];
      if (!last || new Date(last.dataset.at).getTime() > limit) return;
      list.querySelectorAll(".msg-seen").forEach((node) => node.remove());
      last.append(element("small", "msg-seen", data.labelSeen || "Seen"));
    };

    // What an earlier send left in the form (a refused file, a send error):
    // gone once a message went through.
    const clearErrors = () => {
      if (!form) return;
      form.querySelectorAll(".error, .form-errors:not([data-send-error])").forEach((node) => node.remove());
      form.querySelectorAll(".has-error").forEach((node) => node.classList.remove("has-error"));
      form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
      if (sendError) sendError.hidden = true;
    };

    const showSendError = (text) => {
      if (!sendError) return;
      sendError.textContent = text || "";
      sendError.hidden = !text;
    };

    const hideTyping = () => {
      if (typingLine) typingLine.hidden = true;
      window.clearTimeout(typingTimer);
    };

    const markRead = (upTo) => {
      if (document.visibilityState === "visible") send({ type: "read", up_to: upTo });
      else unreadWhileHidden = upTo;
    };

    // --- Server events -----------------------------------------------------------

    const receive = (message) => {
      if (!message || !message.id || known.has(message.id)) return;
      const mine = isMine(message.author);
      const pending = mine
        ? list.querySelector(
            message.client_id ? `.msg-pending[data-client-id="${CSS.escape(message.client_id)}"]` : ".msg-pending",
          )
        : null;
      const node = render(message);
      known.add(message.id);
      if (pending) {
        pending.replaceWith(node);
        clearErrors();
      } else place(node);
      pointPollerPast(message.id);
      // A notice means an appointment changed: the side panel shows it.
      if (message.kind === "notice") document.body.dispatchEvent(new CustomEvent("panel-refresh"));
      if (mine) {
        list.querySelectorAll(".msg-seen").forEach((seen) => seen.remove());
      } else {
        if (message.kind !== "notice") hideTyping();
        markRead(message.created_at);
      }
    };

    const handlers = {
      message: (event) => receive(event.message),
      typing: (event) => {
        if (!typingLine || me.has(String(event.user_id))) return;
        typingLine.textContent = data.labelTyping || `${event.name || ""} …`;
        typingLine.hidden = false;
        window.clearTimeout(typingTimer);
        typingTimer = window.setTimeout(hideTyping, TYPING_SHOWN_MS);
      },
      read: (event) => {
        if (!me.has(String(event.user_id)) && event.read_up_to) showSeen(event.read_up_to);
      },
      error: (event) => {
        if (event.client_id) {
          const pending = list.querySelector(`.msg-pending[data-client-id="${CSS.escape(event.client_id)}"]`);
          if (pending) {
            if (textarea && !textarea.value) textarea.value = pending.dataset.text || "";
            pending.remove();
          }
        }
        showSendError(event.message);
      },
      resume: (event) => {
        const missed = Array.isArray(event.messages) ? event.messages : [];
        missed.forEach(receive);
        if (event.more && missed.length) send({ type: "resume", after: missed[missed.length - 1].created_at });
      },
      signed_out: () => {
        // The session ended (signed out here or elsewhere, or idle too long):
        // stop, and say how to go on; the next page asks to sign in.
        stopped = true;
        const note = element("p", "message message-warning thread-closed", "");
        note.setAttribute("role", "alert");
        const link = element("a", "", data.labelSignIn || "Sign in again");
        link.href = `${data.loginUrl || "/accounts/login/"}?next=${encodeURIComponent(window.location.pathname)}`;
        note.append(document.createTextNode(`${data.labelSignedOut || ""} `), link);
        if (form) form.replaceWith(note);
        else thread.append(note);
        if (socket) socket.close();
      },
      closed: () => {
        // The relationship ended: this side may only read from now on, and
        // the side panel drops its actions.
        stopped = true;
        if (liveState) {
          liveState.replaceWith(element("span", "tag tag-quiet", data.labelCareEnded || ""));
          liveState = null;
        }
        if (form) {
          const note = element("p", "message message-warning thread-closed", data.labelClosed || "");
          note.setAttribute("role", "status");
          form.replaceWith(note);
        }
        document.body.dispatchEvent(new CustomEvent("panel-refresh"));
        if (socket) socket.close();
      },
    };

    // --- The socket --------------------------------------------------------------

    const setLive = (live) => {
      thread.dataset.live = live ? "true" : "false";
      if (liveState) liveState.hidden = !live;
    };

    const connect = () => {
      if (stopped) return;
      const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      socket = new WebSocket(`${scheme}//${window.location.host}${data.wsPath}`);
      socket.addEventListener("open", () => {
        delay = 1000;
        setLive(true);
        // Whatever arrived between the page and now, or while disconnected.
        const after = lastAt();
        if (after) send({ type: "resume", after });
      });
      socket.addEventListener("message", (event) => {
        if (!thread.isConnected) {
          // Swapped out of the page (the call's panel reloaded): let go.
          stopped = true;
          socket.close();
          return;
        }
        let payload;
        try {
          payload = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        const handler = payload && handlers[payload.type];
        if (handler) handler(payload);
      });
      socket.addEventListener("close", () => {
        setLive(false);
        // Pending messages go back to the form, to be posted the plain way.
        list.querySelectorAll(".msg-pending").forEach((pending) => {
          if (textarea && !textarea.value) textarea.value = pending.dataset.text || "";
          pending.remove();
        });
        if (stopped || !thread.isConnected) return;
        window.setTimeout(connect, delay + Math.random() * 500);
        delay = Math.min(delay * 2, 30000);
      });
    };

    // --- The form ------------------------------------------------------------------

    // Beside a call: a post must not leave the page. The server answers 204,
    // or the reason it refused in plain text; the poll then brings the message.
    const postInPlace = thread.hasAttribute("data-post-in-place");
    let posting = false;
    const postWithFetch = async () => {
      if (posting) return;
      posting = true;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { "X-Requested-With": "fetch" },
          credentials: "same-origin",
        });
        if (response.ok) {
          textarea.value = "";
          if (clientIdInput) clientIdInput.value = "";
          showSendError("");
          const end = poller();
          if (end && window.htmx) window.htmx.trigger(end, "message-sent");
        } else {
          showSendError((await response.text()) || data.labelSendFailed || "");
        }
      } catch (error) {
        showSendError(data.labelSendFailed || "");
      } finally {
        posting = false;
      }
    };

    if (form && textarea) {
      form.addEventListener("submit", (event) => {
        const hasFile = fileInput && fileInput.files && fileInput.files.length > 0;
        const text = textarea.value.trim();
        if (!text && !hasFile) {
          // Nothing to send: say what is missing instead of doing nothing.
          event.preventDefault();
          showSendError(data.labelEmpty);
          textarea.focus();
          return;
        }
        if (clientIdInput && !clientIdInput.value) clientIdInput.value = newClientId();
        if (!isOpen() && postInPlace) {
          event.preventDefault();
          postWithFetch();
          return;
        }
        if (hasFile || !isOpen()) return; // an ordinary post (files always go this way)
        event.preventDefault();
        const clientId = clientIdInput ? clientIdInput.value : newClientId();
        send({ type: "message", text, client_id: clientId });
        const pending = render({ id: "", kind: "text", author: { id: data.me }, text, created_at: new Date().toISOString() });
        pending.removeAttribute("id");
        delete pending.dataset.id;
        pending.classList.add("msg-pending");
        pending.dataset.clientId = clientId;
        pending.dataset.text = text;
        place(pending);
        textarea.value = "";
        if (clientIdInput) clientIdInput.value = "";
        showSendError("");
      });

      textarea.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing && (isOpen() || postInPlace)) {
          event.preventDefault();
          form.requestSubmit();
        }
      });

      const emptyHintGone = () => {
        if (sendError && sendError.textContent === data.labelEmpty) showSendError("");
      };
      if (fileInput) fileInput.addEventListener("change", emptyHintGone);

      textarea.addEventListener("input", () => {
        emptyHintGone();
        const now = Date.now();
        if (now - lastTypingSent > TYPING_SENT_EVERY_MS && send({ type: "typing" })) lastTypingSent = now;
      });
    }

    // --- Polling and visibility -------------------------------------------------------

    // htmx asks before every poll: not while the socket delivers.
    document.addEventListener("htmx:confirm", (event) => {
      if (event.target && event.target.id === "message-poll" && isOpen()) event.preventDefault();
    });
    document.addEventListener("htmx:afterSettle", () => {
      reindex();
      const all = messages();
      if (all.length) pointPollerPast(all[all.length - 1].dataset.id);
    });

    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && unreadWhileHidden) {
        send({ type: "read", up_to: unreadWhileHidden });
        unreadWhileHidden = null;
      }
    });

    reindex();
    toBottom();
    connect();
  };

  const startAll = (root) => {
    if (!root || !root.querySelectorAll) return;
    if (root.matches("[data-chat]")) start(root);
    root.querySelectorAll("[data-chat]").forEach(start);
  };
  startAll(document.documentElement);
  document.addEventListener("htmx:load", (event) => startAll(event.detail.elt));
})();
