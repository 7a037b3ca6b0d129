// A thread's side panel reloads itself when a notice arrives ("panel-refresh",
// from chat.js or a poll), but not while one of its forms is open (that
// would throw away what was being typed or picked), nor while one of its
// actions is on its way: the action's answer is the panel as it is after
// it, and a reload swapped in first would drop that answer.
document.addEventListener("htmx:confirm", (event) => {
  const panel = event.target;
  if (!panel || panel.id !== "thread-panel") return;
  if (panel.hasAttribute("data-panel-mode") || panel.querySelector(".htmx-request")) event.preventDefault();
});

// A reload keeps the note of what was just done ("Booked…"): the notice an
// action causes may arrive just after the action's own answer, and its
// reload would otherwise wipe the note before it could be read.
let keptDone = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const panel = event.detail.target;
  if (!panel || panel.id !== "thread-panel" || event.detail.requestConfig.verb !== "get") return;
  keptDone = panel.querySelector(".panel-done");
});
document.addEventListener("htmx:load", (event) => {
  const panel = event.detail.elt;
  if (!keptDone || !panel || panel.id !== "thread-panel") return;
  if (!panel.querySelector(".panel-done")) panel.querySelector("#panel-title").after(keptDone);
  keptDone = null;
});
