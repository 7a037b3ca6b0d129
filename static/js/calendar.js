// The calendar page: a "Copy" button beside the feed address. Without
// JavaScript (or clipboard access) the address stays selectable by hand.
(() => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) continue;
    const label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", async () => {
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = button.dataset.copiedText || label;
        setTimeout(() => { button.textContent = label; }, 2000);
      } catch (error) {
        // Clipboard refused: the address is selected for Ctrl+C instead.
      }
    });
  }
  for (const field of document.querySelectorAll("input[readonly][id='calendar-feed-url']")) {
    field.addEventListener("focus", () => field.select());
  }
})();
