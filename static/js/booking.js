// The hold countdown on a held appointment: "9:41" instead of "until
// 14:32". Without JavaScript the "until" time stays, and the server decides
// either way whether the hold still stands.
(() => {
  const clock = document.querySelector("time[data-countdown]");
  if (!clock) return;
  const until = Date.parse(clock.getAttribute("datetime"));
  if (Number.isNaN(until)) return;
  const over = document.querySelector(".pb-countdown-over");

  const tick = () => {
    const left = Math.max(0, Math.round((until - Date.now()) / 1000));
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
