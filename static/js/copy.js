// "Copy" buttons beside read-only addresses (the calendar feed, referral
// links). Without JavaScript (or clipboard access) the address stays
// selectable by hand.
(() => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) continue;
    const label = button.textContent;
    button.hidden = false;
    field.addEventListener("focus", () => field.select());
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
})();
