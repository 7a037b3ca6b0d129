// Unread messages, live: on every portal page, keep the "Messages" badge in
// the navigation (and the per-conversation badges of the inbox) up to date
// from the server's {"type": "unread", "total", "counts"} events.
// Without WebSockets the badges show what the page was rendered with.
(() => {
  const badge = document.getElementById("nav-unread");
  if (!badge || badge.dataset.connected) return;
  badge.dataset.connected = "true";
  const path = badge.dataset.unreadWs;
  if (!path || !("WebSocket" in window)) return;

  const setBadge = (element, count) => {
    const number = element.querySelector("[data-unread-count]") || element;
    number.textContent = String(count);
    element.hidden = !(count > 0);
  };

  const normalise = (id) => String(id || "").replace(/-/g, "").toLowerCase();

  const apply = (data) => {
    if (typeof data.total === "number") setBadge(badge, data.total);
    // Every conversation's count ({id: n}, zeros left out).
    if (!data.counts || typeof data.counts !== "object") return;
    const counts = {};
    Object.entries(data.counts).forEach(([id, n]) => {
      counts[normalise(id)] = n;
    });
    const countFor = (id) => counts[id] || 0;
    document.querySelectorAll("[data-conversation]").forEach((item) => {
      const count = countFor(normalise(item.dataset.conversation));
      const itemBadge = item.querySelector("[data-unread-badge]");
      if (itemBadge) setBadge(itemBadge, count);
      item.classList.toggle("is-unread", count > 0);
    });
  };

  let delay = 1000;
  let socket = null;
  const connect = () => {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${window.location.host}${path}`);
    socket.addEventListener("open", () => {
      delay = 1000;
      badge.dataset.live = "true";
    });
    socket.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (data && data.type === "unread") apply(data);
    });
    socket.addEventListener("close", (event) => {
      delete badge.dataset.live;
      // 4xxx: the server refused (signed out, no access): do not insist.
      if (event.code >= 4000 && event.code < 5000) return;
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  };

  connect();
})();
