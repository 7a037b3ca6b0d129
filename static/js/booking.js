// The hold countdown on a held appointment: "9:41" instead of "until
// 14:32". Without JavaScript the "until" time stays, and the server decides
// either way whether the hold still stands. It counts from the server's clock
// when the page was made, not the device's: a device clock that is a few
// minutes off would otherwise show a wrong time left.
(() => {
  const clock = document.querySelector("time[data-countdown]");
  if (!clock) return;
  const until = Date.parse(clock.getAttribute("datetime"));
  const servedAt = Date.parse(clock.dataset.servedAt);
  if (Number.isNaN(until) || Number.isNaN(servedAt)) return;
  const loadedAt = Date.now();
  const over = document.querySelector(".pb-countdown-over");

  const tick = () => {
    const now = servedAt + (Date.now() - loadedAt);
    const left = Math.max(0, Math.round((until - now) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    clock.textContent = `${minutes}:${seconds}`;
    if (left === 0) {
      clock.hidden = true;
      if (over) over.hidden = false;
      return false;
    }
    return true;
  };

  clock.setAttribute("role", "timer");
  if (tick()) {
    const timer = setInterval(() => {
      if (!tick()) clearInterval(timer);
    }, 1000);
  }
})();
