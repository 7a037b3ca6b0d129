// What to tell someone whose camera or microphone did not start: the words
// are in the page (templates/video/_guidance.html), one block per error and
// per browser; this picks the blocks that fit and shows them.
(() => {
  const ns = (window.DaraportVideo = window.DaraportVideo || {});

  // Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
  const detectBrowser = (ua = navigator.userAgent) => {
    if (/\bEdg(e|A|iOS)?\//.test(ua)) return "edge";
    if (/\b(Firefox|FxiOS)\//.test(ua)) return "firefox";
    if (/\b(OPR|Opera|SamsungBrowser)\//.test(ua)) return "other";
    if (/\b(Chrome|HeadlessChrome|Chromium|CriOS)\//.test(ua)) return "chrome";
    if (/\bSafari\//.test(ua) && /\bVersion\//.test(ua)) return "safari";
    return "other";
  };

  // getUserMedia's error names, old and new, mapped to what the person can do.
  const problemOf = (error) => {
    const name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return "blocked";
    if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") return "missing";
    if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") return "busy";
    if (name === "InsecureContext") return "insecure";
    return "failed";
  };

  const SECTION_FOR = {
    blocked: "NotAllowedError",
    missing: "NotFoundError",
    busy: "NotReadableError",
    insecure: "InsecureContext",
    failed: "OtherError",
  };

  const box = () => document.getElementById("device-guidance");

  // Shows the guidance for every problem given (for example the camera is
  // blocked and the microphone is busy); an empty list hides it.
  const show = (problems) => {
    const root = box();
    if (!root) return;
    const wanted = new Set(problems.map((problem) => SECTION_FOR[problem]).filter(Boolean));
    const browser = detectBrowser();
    root.querySelectorAll("[data-error]").forEach((section) => {
      section.hidden = !wanted.has(section.dataset.error);
      const perBrowser = section.querySelectorAll("[data-browser]");
      const fits = [...perBrowser].some((block) => block.dataset.browser === browser);
      perBrowser.forEach((block) => {
        block.hidden = block.dataset.browser !== (fits ? browser : "other");
      });
    });
    root.dataset.browser = browser;
    root.hidden = wanted.size === 0;
  };

  ns.guidance = { detectBrowser, problemOf, show, hide: () => show([]) };
})();
