// Background blur and "hide my background" (a plain colour), done on the
// person's own device with MediaPipe selfie segmentation served from
// /static/vendor/ (never a CDN). The camera picture goes through a canvas;
// the canvas's own video track is what the self-view shows and what is sent,
// so the other side never receives the unprocessed background.
//
// A slow machine gets a lower frame rate, then a lower resolution, rather than
// a frozen picture; when even the lowest step is hopeless the camera is
// paused (the room decides) instead of showing the background.
(() => {
  const ns = (window.DaraportVideo = window.DaraportVideo || {});

  // Tried in this order when frames take too long; back up when there is room.
  const LEVELS = [
    { fps: 24, width: 640 },
    { fps: 15, width: 640 },
    { fps: 15, width: 480 },
    { fps: 10, width: 480 },
    { fps: 10, width: 320 },
  ];
  const COLOUR = "#d5e0dc";
  const SETTLE_MS = 2000; // after a change, measure this long before the next
  const STEP_UP_AFTER_MS = 10000;
  const HOPELESS_MS = 1000; // one frame a second or worse at the lowest step

  class Background {
    constructor({ base, tickerUrl, onOutput, onProblem }) {
      this.base = base;
      this.onOutput = onOutput;
      this.onProblem = onProblem;
      this.mode = "none";
      this.source = null;
      this.output = null;
      this.segmenter = null;
      this.loading = null;
      this.failed = false;
      this.level = 0;
      this.average = null;
      this.lastChange = 0;
      this.run = 0;
      this.running = false;

      this.input = document.createElement("video");
      this.input.muted = true;
      this.input.playsInline = true;
      this.scratch = document.createElement("canvas");
      this.canvas = document.createElement("canvas");
      this.context = this.canvas.getContext("2d");
      this.canvasTrack = null;

      this.ticker = null;
      try {
        this.ticker = new Worker(tickerUrl);
        this.ticker.onmessage = (event) => this.tick(event.data.run);
      } catch (error) {
        this.ticker = null; // page timers instead
      }
    }

    // What the effect does now, for the room's tests and benchmarks.
    get stats() {
      const level = LEVELS[this.level];
      return {
        mode: this.mode,
        ready: Boolean(this.segmenter),
        fps: level.fps,
        width: this.canvas.width,
        height: this.canvas.height,
        msPerFrame: this.average === null ? null : Math.round(this.average),
      };
    }

    setSource(track) {
      this.source = track || null;
      this.refresh();
    }

    setMode(mode) {
      this.mode = mode === "blur" || mode === "colour" ? mode : "none";
      this.refresh();
    }

    refresh() {
      if (!this.source) {
        this.stop();
        this.emit(null);
        return;
      }
      if (this.mode === "none") {
        this.stop();
        this.emit(this.source);
        return;
      }
      if (this.failed) {
        this.stop();
        this.emit(null);
        this.onProblem("failed");
        return;
      }
      this.load();
      if (this.input.srcObject === null || this.input.srcObject.getVideoTracks()[0] !== this.source) {
        this.input.srcObject = new MediaStream([this.source]);
        this.input.play().catch(() => {});
      }
      if (!this.canvasTrack || this.canvasTrack.readyState === "ended") {
        this.drawVeiled(); // a first frame, so the track has a size at once
        this.canvasTrack = this.canvas.captureStream().getVideoTracks()[0];
      }
      this.emit(this.canvasTrack);
      this.start();
    }

    emit(track) {
      if (track === this.output) return;
      this.output = track;
      this.onOutput(track);
    }

    load() {
      if (this.loading) return;
      if (typeof window.SelfieSegmentation !== "function") {
        this.fail();
        return;
      }
      const segmenter = new window.SelfieSegmentation({ locateFile: (file) => this.base + file });
      segmenter.setOptions({ modelSelection: 1, selfieMode: false });
      segmenter.onResults((results) => this.draw(results));
      this.loading = segmenter
        .initialize()
        .then(() => {
          this.segmenter = segmenter;
        })
        .catch(() => this.fail());
    }

    fail() {
      this.failed = true;
      this.refresh();
    }

    start() {
      if (this.running) return;
      this.running = true;
      this.run += 1;
      this.lastChange = performance.now();
      this.tick(this.run);
    }

    stop() {
      this.running = false;
      this.run += 1;
      if (this.ticker) this.ticker.postMessage({ delay: null });
      if (this.timer) window.clearTimeout(this.timer);
      this.timer = null;
    }

    schedule(delay) {
      const run = this.run;
      if (this.ticker) this.ticker.postMessage({ delay, run });
      else this.timer = window.setTimeout(() => this.tick(run), delay);
    }

    async tick(run) {
      if (!this.running || run !== this.run) return;
      const started = performance.now();
      const video = this.input;
      if (video.readyState >= 2 && video.videoWidth) {
        this.fit(video.videoWidth, video.videoHeight);
        if (this.segmenter) {
          this.scratch.getContext("2d").drawImage(video, 0, 0, this.scratch.width, this.scratch.height);
          try {
            await this.segmenter.send({ image: this.scratch });
          } catch (error) {
            this.fail();
            return;
          }
          this.measure(performance.now() - started);
        } else {
          this.drawVeiled();
        }
      }
      if (!this.running || run !== this.run) return;
      const interval = 1000 / LEVELS[this.level].fps;
      this.schedule(Math.max(0, interval - (performance.now() - started)));
    }

    fit(sourceWidth, sourceHeight) {
      const width = Math.min(LEVELS[this.level].width, sourceWidth);
      const height = Math.round((width * sourceHeight) / sourceWidth / 2) * 2;
      [this.scratch, this.canvas].forEach((canvas) => {
        if (canvas.width !== width || canvas.height !== height) {
          canvas.width = width;
          canvas.height = height;
        }
      });
    }

    // The person sharp, the rest blurred or one colour. The mask is soft at
    // the edges, so hair does not look cut out.
    draw(results) {
      if (!this.running) return;
      const ctx = this.context;
      const { width, height } = this.canvas;
      ctx.save();
      ctx.clearRect(0, 0, width, height);
      ctx.drawImage(results.segmentationMask, 0, 0, width, height);
      ctx.globalCompositeOperation = "source-in";
      ctx.drawImage(results.image, 0, 0, width, height);
      ctx.globalCompositeOperation = "destination-over";
      if (this.mode === "blur") {
        ctx.filter = `blur(${Math.max(6, Math.round(width / 40))}px)`;
        ctx.drawImage(results.image, 0, 0, width, height);
      } else {
        ctx.fillStyle = COLOUR;
        ctx.fillRect(0, 0, width, height);
      }
      ctx.restore();
    }

    // Until the model is ready, the whole picture is heavily blurred: the
    // person sees that the camera works, the other side sees no background.
    drawVeiled() {
      const ctx = this.context;
      const video = this.input;
      if (!this.canvas.width) {
        this.canvas.width = 640;
        this.canvas.height = 360;
      }
      const { width, height } = this.canvas;
      ctx.save();
      ctx.fillStyle = COLOUR;
      ctx.fillRect(0, 0, width, height);
      if (video.readyState >= 2) {
        ctx.filter = `blur(${Math.round(width / 16)}px)`;
        ctx.drawImage(video, 0, 0, width, height);
      }
      ctx.restore();
    }

    // Processing time per frame (a moving average) against the frame budget.
    measure(spent) {
      this.average = this.average === null ? spent : this.average * 0.8 + spent * 0.2;
      const now = performance.now();
      if (now - this.lastChange < SETTLE_MS) return;
      const budget = 1000 / LEVELS[this.level].fps;
      const lowest = this.level === LEVELS.length - 1;
      if (this.average > budget * 0.8 && !lowest) {
        this.changeLevel(this.level + 1, now);
      } else if (lowest && this.average > HOPELESS_MS) {
        this.changeLevel(this.level, now);
        this.stop();
        this.emit(null);
        this.onProblem("slow");
      } else if (this.level > 0 && now - this.lastChange > STEP_UP_AFTER_MS) {
        const better = LEVELS[this.level - 1];
        const cost = this.average * (better.width / LEVELS[this.level].width) ** 2;
        if (cost < (1000 / better.fps) * 0.5) this.changeLevel(this.level - 1, now);
      }
    }

    changeLevel(level, now) {
      this.level = level;
      this.lastChange = now;
      this.average = null;
    }
  }

  ns.Background = Background;
})();
