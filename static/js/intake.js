// Guided intake: the form saves itself on every change (htmx). A Save or
// Skip click that lands while such an autosave is still on its way waits
// for it, so two writes of the same answers never race.
document.addEventListener("submit", (event) => {
  const form = document.getElementById("intake-form");
  const submitted = event.target;
  if (!form || !form.classList.contains("htmx-request")) return;
  if (submitted !== form && submitted.id !== "intake-skip") return;
  event.preventDefault();
  const submitter = event.submitter;
  form.addEventListener(
    "htmx:afterRequest",
    () => {
      const again = document.getElementById(submitted.id);
      if (!again) return;
      const button = submitter && submitter.isConnected && submitter.form === again ? submitter : null;
      again.requestSubmit(button);
    },
    { once: true },
  );
});
