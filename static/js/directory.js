// The public directory: short shareable filter URLs, and the compare tray.
// Everything here is an enhancement; without JavaScript the filter form and
// the "Compare" checkboxes submit as ordinary GET forms.
(() => {
  const inDirectory = (element) => element && element.closest && element.closest("[data-directory]");

  // Leave empty filters and repeated values out of htmx requests, so the
  // pushed URL reads like ?language=de&max_price=9000.
  document.addEventListener("htmx:configRequest", (event) => {
    if (!inDirectory(event.detail.elt)) return;
    const data = event.detail.formData;
    for (const key of [...new Set(data.keys())]) {
      const values = [...new Set(data.getAll(key).filter((value) => value !== ""))];
      data.delete(key);
      if (key === "sort" && values.length && values[values.length - 1] === "relevance") continue;
      if (key === "sort") values.splice(0, values.length - 1);
      for (const value of values) data.append(key, value);
    }
  });

  // On a small screen the filters start folded, unless some are applied.
  const panel = document.querySelector("[data-filters-panel]");
  const narrow = window.matchMedia("(max-width: 900px)");
  if (panel && narrow.matches) {
    const applied = [...new URLSearchParams(window.location.search)].some(
      ([key, value]) => value && key !== "page" && key !== "sort",
    );
    if (!applied) panel.open = false;
  }
  // Wide screens have no "Filters" toggle to click: keep the panel open there.
  narrow.addEventListener("change", () => {
    if (panel && !narrow.matches) panel.open = true;
  });

  // A visitor who is not signed in sees the cards' times in UTC (the server
  // does not know their zone): show them in the browser's own zone instead.
  // Written as the server writes them for signed-in people: "Tue 24 Nov, 13:00".
  const showLocalTimes = () => {
    let format;
    try {
      format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        weekday: "short",
        day: "numeric",
        month: "short",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      });
    } catch (error) {
      return; // the UTC text stays, and says so
    }
    const text = (moment) => {
      const part = Object.fromEntries(format.formatToParts(moment).map(({ type, value }) => [type, value]));
      return `${part.weekday} ${part.day} ${part.month}, ${part.hour}:${part.minute}`;
    };
    for (const element of document.querySelectorAll("time[data-browser-zone]")) {
      const moment = new Date(element.dateTime);
      if (!Number.isNaN(moment.getTime())) element.textContent = text(moment);
      element.removeAttribute("data-browser-zone");
    }
  };
  document.body.addEventListener("htmx:afterSettle", showLocalTimes);
  showLocalTimes();

  const tray = document.getElementById("compare-form");
  if (!tray) return;
  const max = Number(tray.dataset.max || 3);
  const chips = tray.querySelector("[data-compare-chips]");
  const hint = tray.querySelector("[data-compare-hint]");
  const submit = tray.querySelector("[data-compare-submit]");
  const KEY = "daraport.directory.compare";
  let picked = [];
  try {
    picked = JSON.parse(sessionStorage.getItem(KEY) || "[]").slice(0, max);
  } catch (error) {
    picked = [];
  }
  tray.classList.add("has-js");

  const save = () => {
    try {
      sessionStorage.setItem(KEY, JSON.stringify(picked));
    } catch (error) {
      // Private windows may refuse storage: the tray still works on this page.
    }
  };

  const render = () => {
    chips.replaceChildren(
      ...picked.map(({ slug, name }) => {
        const item = document.createElement("li");
        const label = document.createElement("span");
        label.textContent = name;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "compare-chip-remove";
        remove.dataset.slug = slug;
        remove.textContent = "×";
        remove.setAttribute("aria-label", tray.dataset.removeLabel.replace("{name}", name));
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = "s";
        input.value = slug;
        item.append(label, remove, input);
        return item;
      }),
    );
    hint.textContent = tray.dataset.countLabel.replace("{count}", picked.length).replace("{max}", max);
    tray.classList.toggle("is-empty", picked.length === 0);
    submit.disabled = picked.length < 2;
    for (const box of document.querySelectorAll("input[data-compare]")) {
      // The tray's hidden inputs carry the choice now, across pages.
      box.removeAttribute("name");
      box.checked = picked.some((entry) => entry.slug === box.value);
      box.disabled = !box.checked && picked.length >= max;
    }
    save();
  };

  document.addEventListener("change", (event) => {
    const box = event.target;
    if (!box.matches || !box.matches("input[data-compare]")) return;
    picked = picked.filter((entry) => entry.slug !== box.value);
    if (box.checked && picked.length < max) picked.push({ slug: box.value, name: box.dataset.compareName });
    render();
  });

  chips.addEventListener("click", (event) => {
    const button = event.target.closest(".compare-chip-remove");
    if (!button) return;
    picked = picked.filter((entry) => entry.slug !== button.dataset.slug);
    render();
  });

  document.body.addEventListener("htmx:afterSettle", render);
  render();
})();
