// Proposing times: show two time rows to start with and an "Add another
// time" button, and let a free time from the suggestions fill the next empty
// row. Without JavaScript all five rows show and the form works the same.
(() => {
  const form = document.querySelector("[data-proposal-form]");
  if (!form) return;
  const rows = [...form.querySelectorAll("[data-time-row]")];
  const addButton = form.querySelector("[data-add-time]");
  const SHOWN_AT_FIRST = 2;

  const inputs = (row) => [...row.querySelectorAll("input")];
  const isEmpty = (row) => inputs(row).every((input) => !input.value);
  const hasError = (row) => row.querySelector(".error") !== null;

  const refreshButton = () => {
    if (addButton) addButton.hidden = !rows.some((row) => row.hidden);
  };

  rows.forEach((row, index) => {
    if (index >= SHOWN_AT_FIRST && isEmpty(row) && !hasError(row)) row.hidden = true;
  });
  refreshButton();

  if (addButton) {
    addButton.addEventListener("click", () => {
      const next = rows.find((row) => row.hidden);
      if (!next) return;
      next.hidden = false;
      inputs(next)[0].focus();
      refreshButton();
    });
  }

  const showHint = () => {
    document.querySelectorAll("[data-pick-hint]").forEach((hint) => {
      hint.hidden = false;
    });
  };
  showHint();
  document.body.addEventListener("htmx:afterSwap", showHint);

  // Suggestions are swapped in by htmx when the service changes: listen on
  // the document so new buttons work too.
  document.addEventListener("click", (event) => {
    const chip = event.target.closest && event.target.closest("[data-pick-date]");
    if (!chip) return;
    const row = rows.find(isEmpty);
    if (!row) return;
    const [dateInput, timeInput] = inputs(row);
    dateInput.value = chip.dataset.pickDate;
    timeInput.value = chip.dataset.pickTime;
    row.hidden = false;
    chip.classList.add("is-picked");
    chip.setAttribute("aria-pressed", "true");
    refreshButton();
    timeInput.focus();
  });
})();
