// Proposing times: show two time rows to start with and an "Add another
// time" button, and let a free time from the suggestions fill the next empty
// row. Without JavaScript all five rows show and the form works the same.
// The form is on its own page or swapped into a thread's side panel by htmx,
// so every form is set up when it appears.
(() => {
  const SHOWN_AT_FIRST = 2;
  const rowsOf = (form) => [...form.querySelectorAll("[data-time-row]")];
  const inputs = (row) => [...row.querySelectorAll("input")];
  const isEmpty = (row) => inputs(row).every((input) => !input.value);
  const hasError = (row) => row.querySelector(".error") !== null;

  const refreshButton = (form) => {
    const addButton = form.querySelector("[data-add-time]");
    if (addButton) addButton.hidden = !rowsOf(form).some((row) => row.hidden);
  };

  const setUp = (form) => {
    if (form.dataset.ready) return;
    form.dataset.ready = "true";
    rowsOf(form).forEach((row, index) => {
      if (index >= SHOWN_AT_FIRST && isEmpty(row) && !hasError(row)) row.hidden = true;
    });
    refreshButton(form);
    const addButton = form.querySelector("[data-add-time]");
    if (addButton) {
      addButton.addEventListener("click", () => {
        const next = rowsOf(form).find((row) => row.hidden);
        if (!next) return;
        next.hidden = false;
        inputs(next)[0].focus();
        refreshButton(form);
      });
    }
  };

  const setUpAll = () => {
    document.querySelectorAll("[data-proposal-form]").forEach(setUp);
    document.querySelectorAll("[data-pick-hint]").forEach((hint) => {
      hint.hidden = false;
    });
  };
  setUpAll();
  document.body.addEventListener("htmx:afterSettle", setUpAll);

  // Suggestions are swapped in by htmx when the service changes: listen on
  // the document so new buttons work too.
  document.addEventListener("click", (event) => {
    const chip = event.target.closest && event.target.closest("[data-pick-date]");
    if (!chip) return;
    const form = chip.closest("[data-proposal-form]") || document.querySelector("[data-proposal-form]");
    if (!form) return;
    const row = rowsOf(form).find(isEmpty);
    if (!row) return;
    const [dateInput, timeInput] = inputs(row);
    dateInput.value = chip.dataset.pickDate;
    timeInput.value = chip.dataset.pickTime;
    row.hidden = false;
    chip.classList.add("is-picked");
    chip.setAttribute("aria-pressed", "true");
    refreshButton(form);
    timeInput.focus();
  });
})();
