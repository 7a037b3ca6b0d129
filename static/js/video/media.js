// The person's own camera and microphone: getting them (and finding out which
// one failed and why), switching devices, the microphone level meter and the
// speaker test tone. Nothing here is sent anywhere; room.js decides that.
(() => {
  const ns = (window.DaraportVideo = window.DaraportVideo || {});

  const VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
  const AUDIO = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

  const constraintFor = (base, deviceId) => (deviceId ? { ...base, deviceId: { exact: deviceId } } : { ...base });

  class LocalMedia {
    constructor() {
      this.audio = null;
      this.video = null;
      // kind -> "pending" | "working" | "unused" | a guidance problem (blocked, missing, busy, failed, insecure)
      this.status = { audio: "pending", video: "pending" };
      this.cameraId = "";
      this.micId = "";
      this.listeners = new Set();
    }

    get supported() {
      return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
    }

    onChange(listener) {
      this.listeners.add(listener);
    }

    changed() {
      this.listeners.forEach((listener) => listener(this));
    }

    // Asks for both devices at once (one permission prompt); when that fails,
    // asks for each alone, so one broken device does not hide the other.
    async start({ audio = true, video = true } = {}) {
      if (!this.supported) {
        if (audio) this.status.audio = "insecure";
        if (video) this.status.video = "insecure";
        this.changed();
        return;
      }
      if (audio && video) {
        try {
          const stream = await navigator.mediaDevices.getUserMedia({
            audio: constraintFor(AUDIO, this.micId),
            video: constraintFor(VIDEO, this.cameraId),
          });
          this.adopt("audio", stream.getAudioTracks()[0]);
          this.adopt("video", stream.getVideoTracks()[0]);
          this.changed();
          return;
        } catch (error) {
          // Fall through: find out which of the two is the problem.
        }
      }
      if (audio) await this.startOne("audio");
      if (video) await this.startOne("video");
      this.changed();
    }

    async startOne(kind) {
      const id = kind === "audio" ? this.micId : this.cameraId;
      const base = kind === "audio" ? AUDIO : VIDEO;
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraintFor(base, id) });
        this.adopt(kind, stream.getTracks()[0]);
      } catch (error) {
        // A remembered device that is gone: try the default one before giving up.
        if (id && (error.name === "OverconstrainedError" || error.name === "NotFoundError")) {
          if (kind === "audio") this.micId = "";
          else this.cameraId = "";
          return this.startOne(kind);
        }
        this.drop(kind);
        this.status[kind] = ns.guidance.problemOf(error);
      }
      return this[kind];
    }

    adopt(kind, track) {
      if (this[kind] && this[kind] !== track) this[kind].stop();
      this[kind] = track || null;
      this.status[kind] = track ? "working" : "missing";
      if (!track) return;
      const settings = track.getSettings ? track.getSettings() : {};
      if (settings.deviceId) {
        if (kind === "audio") this.micId = settings.deviceId;
        else this.cameraId = settings.deviceId;
      }
      // Unplugged or taken away by the system while in use.
      track.addEventListener("ended", () => {
        if (this[kind] !== track) return;
        this[kind] = null;
        this.status[kind] = "failed";
        this.changed();
      });
    }

    drop(kind) {
      if (this[kind]) this[kind].stop();
      this[kind] = null;
    }

    // Turns a device off on purpose (camera off, audio-only join): the track
    // is stopped, so the camera light goes out.
    stop(kind) {
      this.drop(kind);
      this.status[kind] = "unused";
      this.changed();
    }

    async switchTo(kind, deviceId) {
      if (kind === "audio") this.micId = deviceId;
      else this.cameraId = deviceId;
      if (!this[kind] && this.status[kind] === "unused") return;
      this.drop(kind);
      await this.startOne(kind);
      this.changed();
    }

    // Device lists; labels are empty until the person has allowed a device.
    async devices() {
      const lists = { audioinput: [], videoinput: [], audiooutput: [] };
      if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return lists;
      try {
        const all = await navigator.mediaDevices.enumerateDevices();
        all.forEach((device) => {
          if (lists[device.kind] && device.deviceId) lists[device.kind].push(device);
        });
      } catch (error) {
        // No list: the default devices still work.
      }
      return lists;
    }

    stopAll() {
      this.drop("audio");
      this.drop("video");
    }
  }

  // One AudioContext for the meter and the test tone. Browsers start it
  // suspended until the person clicks or types, so every gesture resumes it.
  let context = null;
  const audioContext = () => {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    if (!context) {
      context = new Context();
      const resume = () => {
        if (context.state === "suspended") context.resume().catch(() => {});
      };
      ["pointerdown", "keydown", "touchend"].forEach((type) => document.addEventListener(type, resume, { passive: true }));
      resume();
    }
    return context;
  };

  // The microphone level, 0..1, shown in a <meter> about 15 times a second.
  class LevelMeter {
    constructor(meter) {
      this.meter = meter;
      this.source = null;
      this.analyser = null;
      this.samples = null;
      this.timer = null;
    }

    setTrack(track) {
      if (this.source) this.source.disconnect();
      this.source = null;
      if (!track || !this.meter) {
        this.stop();
        return;
      }
      const ctx = audioContext();
      if (!ctx) return;
      if (!this.analyser) {
        this.analyser = ctx.createAnalyser();
        this.analyser.fftSize = 1024;
        this.samples = new Float32Array(this.analyser.fftSize);
      }
      this.source = ctx.createMediaStreamSource(new MediaStream([track]));
      this.source.connect(this.analyser);
      this.track = track;
      if (!this.timer) this.timer = window.setInterval(() => this.sample(), 66);
    }

    sample() {
      if (!this.analyser) return;
      this.analyser.getFloatTimeDomainData(this.samples);
      let sum = 0;
      for (let i = 0; i < this.samples.length; i += 1) sum += this.samples[i] * this.samples[i];
      const rms = Math.sqrt(sum / this.samples.length);
      // Speech sits around 0.02-0.2 RMS; a square root spreads that over the bar.
      const level = this.track && this.track.enabled ? Math.min(1, Math.sqrt(rms * 5)) : 0;
      this.meter.value = level;
    }

    stop() {
      if (this.timer) window.clearInterval(this.timer);
      this.timer = null;
      if (this.meter) this.meter.value = 0;
    }
  }

  // A short two-note chime through the chosen speaker. It goes through an
  // <audio> element because only media elements can pick a speaker everywhere
  // setSinkId exists.
  const playTestTone = async (sinkId) => {
    const ctx = audioContext();
    if (!ctx) return;
    if (ctx.state === "suspended") await ctx.resume();
    const destination = ctx.createMediaStreamDestination();
    const gain = ctx.createGain();
    gain.connect(destination);
    const start = ctx.currentTime + 0.05;
    [
      [660, 0],
      [880, 0.45],
    ].forEach(([frequency, offset]) => {
      const oscillator = ctx.createOscillator();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.4);
    });
    gain.gain.setValueAtTime(0, start);
    gain.gain.linearRampToValueAtTime(0.3, start + 0.03);
    gain.gain.setValueAtTime(0.3, start + 0.8);
    gain.gain.linearRampToValueAtTime(0, start + 0.85);
    const player = new Audio();
    player.srcObject = destination.stream;
    if (sinkId && typeof player.setSinkId === "function") {
      try {
        await player.setSinkId(sinkId);
      } catch (error) {
        // The default speaker plays it instead.
      }
    }
    await player.play();
    await new Promise((resolve) => window.setTimeout(resolve, 1000));
    player.pause();
    player.srcObject = null;
    gain.disconnect();
  };

  const canPickSpeaker = () => typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;

  ns.LocalMedia = LocalMedia;
  ns.LevelMeter = LevelMeter;
  ns.playTestTone = playTestTone;
  ns.canPickSpeaker = canPickSpeaker;
})();
