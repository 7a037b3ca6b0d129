// A thread's side panel reloads itself when a notice arrives ("panel-refresh",
// from chat.js or a poll), but not while one of its forms is open: that
// would throw away what was being typed or picked.
document.addEventListener("htmx:confirm", (event) => {
  const panel = event.target;
  if (panel && panel.id === "thread-panel" && panel.hasAttribute("data-panel-mode")) event.preventDefault();
});
