// The header's menu button on narrow screens opens and closes the portal
// navigation; its aria-expanded drives the CSS (daraport.css, "Header").
// Escape or a click elsewhere closes it. Without scripts the CSS leaves the
// menu open, so every link stays reachable.
(() => {
  const toggle = document.querySelector("[data-nav-toggle]");
  if (!toggle) return;
  const menu = document.getElementById(toggle.getAttribute("aria-controls"));
  const isOpen = () => toggle.getAttribute("aria-expanded") === "true";
  const setOpen = (open) => toggle.setAttribute("aria-expanded", String(open));

  toggle.addEventListener("click", () => setOpen(!isOpen()));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) {
      setOpen(false);
      toggle.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (isOpen() && !toggle.contains(event.target) && !menu.contains(event.target)) setOpen(false);
  });
})();
