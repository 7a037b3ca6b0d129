// A metronome for the background effect. Timers in a page are slowed to once
// a second while its tab is hidden, which would make the picture the other
// side sees nearly still; timers in a worker keep their pace.
// {delay, run} asks for one tick after `delay` ms, answered with {run};
// {delay: null} cancels.
let timer = null;
self.onmessage = (event) => {
  if (timer) clearTimeout(timer);
  timer = null;
  const { delay, run } = event.data || {};
  if (typeof delay === "number") {
    timer = setTimeout(() => {
      timer = null;
      self.postMessage({ run });
    }, delay);
  }
};
