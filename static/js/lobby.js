// Patients waiting to be let in, live: keep the "Waiting room" badge in the
// specialist portal's navigation up to date from the lobby socket's
// {"type": "waiting", "count"} events, and tell the page ("video-lobby" on
// the body) so a waiting list on it refreshes itself (htmx). Without
// WebSockets the badge shows what the page was rendered with and the list
// polls.
(() => {
  const badge = document.getElementById("nav-waiting");
  if (!badge || badge.dataset.connected) return;
  badge.dataset.connected = "true";
  const path = badge.dataset.lobbyWs;
  if (!path || !("WebSocket" in window)) return;
  const number = badge.querySelector("[data-waiting-count]");

  const apply = (count) => {
    const changed = number.textContent !== String(count);
    number.textContent = String(count);
    badge.hidden = !(count > 0);
    if (changed) document.body.dispatchEvent(new CustomEvent("video-lobby", { detail: { count } }));
  };

  let delay = 1000;
  const connect = () => {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${window.location.host}${path}`);
    socket.addEventListener("open", () => {
      delay = 1000;
    });
    socket.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (data && data.type === "waiting" && typeof data.count === "number") apply(data.count);
    });
    socket.addEventListener("close", (event) => {
      // 4xxx: the server refused (signed out, no access): do not insist.
      if (event.code >= 4000 && event.code < 5000) return;
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  };

  connect();
})();
