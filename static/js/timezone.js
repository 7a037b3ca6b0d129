// Fill the sign-up form's hidden time zone with the browser's own, and say so.
(() => {
  const field = document.querySelector('input[name="timezone"]');
  if (!field) return;
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!field.value) field.value = zone;
  const note = document.getElementById("timezone-note");
  if (note && zone) note.textContent = `${note.dataset.label} ${zone.replaceAll("_", " ")}.`;
})();
