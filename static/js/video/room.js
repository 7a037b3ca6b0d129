// The video room (templates/video/room.html): prejoin, waiting room, the
// call, and getting back into it when a connection drops.
//
// Signalling runs over the session's WebSocket (video/consumers.py): the
// specialist offers, the patient answers, ICE candidates both ways; every
// frame carries the session id and a number that only grows. Media goes
// peer to peer. The socket opens with the page, so a patient is "waiting"
// from the moment they arrive; the call itself starts when they join.
//
// #call-state always says one of prejoin, waiting, connecting, connected,
// reconnecting, ended; window.daraportCall.{pc, ws} are the live objects.
(() => {
  const room = document.getElementById("video-room");
  const ns = window.DaraportVideo;
  if (!room || !ns) return;

  const $ = (id) => document.getElementById(id);
  const data = room.dataset;
  const words = $("video-words").dataset;
  const isSpecialist = data.role === "specialist";
  const csrfToken = room.querySelector("input[name=csrfmiddlewaretoken]").value;
  const iceServers = JSON.parse($("ice-servers").textContent || "[]");
  const usesRelay = iceServers.some((server) =>
    [].concat(server.urls || []).some((url) => /^turns?:/.test(url)),
  );

  const DISCONNECTED_GRACE_MS = 2000; // ICE "disconnected" often heals alone
  const RESTART_RETRY_MS = 8000;
  const SLOW_CONNECT_MS = 20000;
  const NO_CONNECT_MS = 45000;
  const CHECK_TIMEOUT_MS = 8000;
  const OK_STATUSES = ["working", "unused", "pending"]; // device statuses that need no help
  const TERMINAL_CLOSES = { 4401: "signed-out", 4403: "refused", 4409: "replaced", 4410: "ended" };

  const ui = {
    state: $("call-state"),
    status: $("call-status"),
    problem: $("call-problem"),
    prejoin: $("prejoin"),
    controls: $("call-controls"),
    stage: $("video-stage"),
    remote: $("remote-video"),
    self: $("self-video"),
    selfView: $("self-view"),
    selfOff: $("self-camera-off"),
    peerOff: $("peer-camera-off"),
    overlay: $("stage-overlay"),
    overlayText: $("stage-overlay-text"),
    reconnecting: $("reconnecting"),
    admitForm: $("admit-form"),
    admitButton: $("admit-button"),
    noShow: $("no-show-confirm"),
    noShowForm: $("no-show-form"),
    noShowError: $("no-show-error"),
    join: $("join-button"),
    joinAudio: $("join-audio-only"),
    joinCamera: $("join-camera-only"),
    retry: $("retry-devices"),
    cameraStatus: $("camera-status"),
    micStatus: $("mic-status"),
    check: $("connection-check"),
    cameraSelect: $("camera-select"),
    micSelect: $("microphone-select"),
    speakerField: $("speaker-field"),
    speakerSelect: $("speaker-select"),
    soundTest: $("sound-test"),
    backgroundSelect: $("background-select"),
    settings: $("device-settings"),
    toggleMic: $("toggle-mic"),
    toggleCamera: $("toggle-camera"),
    toggleSelf: $("toggle-self-view"),
    fullscreen: $("fullscreen"),
    chat: $("video-chat"),
    chatToggle: $("chat-toggle"),
    ended: $("ended"),
    endedText: $("ended-text"),
    cameraLive: $("camera-live"),
    micLive: $("mic-live"),
  };

  // --- State --------------------------------------------------------------

  const call = { pc: null, ws: null, state: "prejoin", background: null };
  window.daraportCall = call;

  let joined = false;
  let admitted = false;
  let peerPresent = false;
  let everConnected = false; // this page has had a working call
  let ended = false;
  let serverReached = false;
  let micMuted = false;
  let cameraOff = false; // by choice, or paused by the background effect
  let pausedByBackground = false;
  let signalNumber = 0;
  let freshPeerNeeded = true;
  let answerReceived = false;
  let pendingOffer = null; // the patient's offer that came before they joined
  let pendingCandidates = [];
  let remoteStream = new MediaStream();
  let statusChannel = null;
  let peerCameraOn = true;
  let peerMicOn = true;
  const timers = {};

  const clearTimer = (name) => {
    if (timers[name]) window.clearTimeout(timers[name]);
    timers[name] = null;
  };
  const setTimer = (name, ms, fn) => {
    clearTimer(name);
    timers[name] = window.setTimeout(() => {
      timers[name] = null;
      fn();
    }, ms);
  };

  const media = new ns.LocalMedia();
  const meter = new ns.LevelMeter($("mic-level"));
  const background = new ns.Background({
    base: data.mediapipeBase,
    tickerUrl: data.tickerUrl,
    onOutput: (track) => outgoingVideoChanged(track),
    onProblem: (kind) => backgroundProblem(kind),
  });
  call.background = background;

  // --- Small helpers ------------------------------------------------------

  const iceUp = () => {
    const pc = call.pc;
    return Boolean(pc) && (pc.iceConnectionState === "connected" || pc.iceConnectionState === "completed");
  };

  const showProblem = (text) => {
    ui.problem.textContent = text || "";
    ui.problem.hidden = !text;
  };

  const post = (url, body) =>
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, "X-Requested-With": "fetch" },
      body,
    });

  // Reads the reason out of a refusal, whatever shape the server gave it.
  const reasonOf = async (response) => {
    const type = response.headers.get("Content-Type") || "";
    try {
      if (type.includes("json")) {
        const payload = await response.json();
        return payload.message || payload.error || payload.detail || "";
      }
      const text = await response.text();
      if (!type.includes("html")) return text.trim().slice(0, 300);
      const doc = new DOMParser().parseFromString(text, "text/html");
      const node = doc.querySelector("[role=alert], .form-errors, .message-error, .message, main p");
      return node ? node.textContent.trim() : "";
    } catch (error) {
      return "";
    }
  };

  // --- What the page shows --------------------------------------------------

  const computeState = () => {
    if (ended) return "ended";
    if (!joined) return "prejoin";
    if (everConnected) return peerPresent && iceUp() ? "connected" : "reconnecting";
    if (admitted && peerPresent) return iceUp() ? "connected" : "connecting";
    return "waiting";
  };

  const overlayText = (state) => {
    if (state === "waiting") {
      if (!isSpecialist) return admitted ? words.statusWaitingForPeer : words.statusWaitingPatient;
      return peerPresent && !admitted ? words.statusAdmit : words.statusWaitingForPeer;
    }
    if (state === "connecting") return words.statusConnecting;
    return "";
  };

  const statusText = (state) => {
    if (state === "prejoin") {
      if (isSpecialist && peerPresent && !admitted) return words.statusPeerWaiting;
      if (!isSpecialist && admitted && peerPresent) return words.statusReadyForYou;
      const problem = ["audio", "video"].some((kind) => !OK_STATUSES.includes(media.status[kind]));
      return problem ? words.statusPrejoinNoMedia : words.statusPrejoin;
    }
    if (state === "waiting") return !isSpecialist && !admitted ? words.statusInWaitingRoom : overlayText(state);
    if (state === "connecting") return words.statusConnecting;
    if (state === "connected") return words.statusConnected;
    if (state === "reconnecting") {
      if (!peerPresent) return call.peerGoneLong ? words.statusPeerLeft : words.statusPeerGone;
      return words.statusReconnecting;
    }
    return "";
  };

  const render = () => {
    const state = computeState();
    if (state !== call.state) {
      call.state = state;
      if (state === "connected") {
        clearTimer("slowConnect");
        clearTimer("noConnect");
        showProblem("");
      }
    }
    ui.state.textContent = state;
    room.dataset.state = state;

    let status = statusText(state);
    if (joined && !ended && !serverReached) status = words.statusServerLost;
    if (ui.status.textContent !== status) ui.status.textContent = status;

    ui.prejoin.hidden = joined || ended;
    ui.controls.hidden = !joined || ended;

    const text = overlayText(state);
    ui.overlay.hidden = !text;
    if (ui.overlayText.textContent !== text) ui.overlayText.textContent = text;
    if (ui.admitForm) ui.admitForm.hidden = !(isSpecialist && state === "waiting" && peerPresent && !admitted);
    ui.reconnecting.hidden = state !== "reconnecting";
    ui.peerOff.hidden = !(state === "connected" && !peerCameraOn);
    $("peer-muted").hidden = !(state === "connected" && !peerMicOn);

    // A no-show can only be recorded while the patient is not here.
    if (ui.noShow) ui.noShow.hidden = ended || peerPresent || everConnected;

    renderLive();
  };

  const renderLive = () => {
    const cameraLive = Boolean(media.video) && media.video.readyState === "live";
    const micLive = Boolean(media.audio) && media.audio.readyState === "live" && media.audio.enabled;
    ui.cameraLive.dataset.live = cameraLive ? "on" : "off";
    ui.cameraLive.querySelector("[data-live-text]").textContent = cameraLive ? words.cameraLive : words.cameraOff;
    ui.micLive.dataset.live = micLive ? "on" : "off";
    ui.micLive.querySelector("[data-live-text]").textContent = micLive ? words.micLive : words.micOff;

    // The label says what a click does; data-active styles the "off" look.
    const label = (button, on) => {
      if (!button) return;
      button.dataset.active = on ? "yes" : "no";
      button.textContent = on ? button.dataset.on : button.dataset.off;
    };
    label(ui.toggleMic, micLive);
    label(ui.toggleCamera, Boolean(media.video));
    ui.selfOff.hidden = Boolean(media.video);
  };

  // --- Devices and the prejoin ----------------------------------------------

  const STATUS_WORD = {
    working: "Working",
    unused: "Unused",
    blocked: "Blocked",
    missing: "Missing",
    busy: "Busy",
    failed: "Failed",
    insecure: "Failed",
  };

  const renderDevices = () => {
    const word = (prefix, status) => words[prefix + (STATUS_WORD[status] || "")] || "";
    if (media.status.video !== "pending") ui.cameraStatus.textContent = word("camera", media.status.video);
    if (media.status.audio !== "pending") ui.micStatus.textContent = word("mic", media.status.audio);
    ui.cameraStatus.dataset.status = media.status.video;
    ui.micStatus.dataset.status = media.status.audio;

    const problems = ["audio", "video"]
      .map((kind) => media.status[kind])
      .filter((status) => !OK_STATUSES.includes(status));
    ns.guidance.show(problems);

    const hasAudio = Boolean(media.audio);
    const hasVideo = Boolean(media.video);
    const audioProblem = !OK_STATUSES.includes(media.status.audio);
    const videoProblem = !OK_STATUSES.includes(media.status.video);
    ui.join.disabled = false;
    ui.joinAudio.hidden = !hasAudio || (!hasVideo && !videoProblem);
    ui.joinCamera.hidden = !hasVideo || (!hasAudio && !audioProblem);
    // With one device broken, the obvious button joins with the one that works.
    ui.join.hidden = (hasAudio && !hasVideo && videoProblem) || (hasVideo && !hasAudio && audioProblem);
    if (ui.join.hidden) {
      ui.joinAudio.hidden = !hasAudio;
      ui.joinCamera.hidden = !hasVideo;
    }
    // When "Join now" is gone, the join that works becomes the main button.
    [ui.joinAudio, ui.joinCamera].forEach((button) => {
      button.classList.toggle("secondary", !ui.join.hidden);
      button.classList.toggle("outline", !ui.join.hidden);
    });
    ui.retry.hidden = problems.length === 0;
    ui.cameraSelect.disabled = false;
    ui.micSelect.disabled = false;
  };

  const fillSelect = (select, devices, chosen, fallbackLabel) => {
    const current = select.value;
    const first = select.options[0].textContent;
    select.replaceChildren();
    const add = (value, label) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      select.append(option);
    };
    if (!devices.length) add("", first);
    devices.forEach((device, index) => add(device.deviceId, device.label || `${fallbackLabel} ${index + 1}`));
    const wanted = chosen || current;
    if ([...select.options].some((option) => option.value === wanted)) select.value = wanted;
  };

  const refreshDeviceLists = async () => {
    const lists = await media.devices();
    fillSelect(ui.cameraSelect, lists.videoinput, media.cameraId, ui.cameraSelect.labels[0].textContent);
    fillSelect(ui.micSelect, lists.audioinput, media.micId, ui.micSelect.labels[0].textContent);
    if (ns.canPickSpeaker() && lists.audiooutput.length) {
      fillSelect(ui.speakerSelect, lists.audiooutput, ui.speakerSelect.value, ui.speakerSelect.labels[0].textContent);
      ui.speakerField.hidden = false;
    }
  };

  // The camera track changed (switched, turned off, blocked): the background
  // effect takes it and gives back what to show and send.
  media.onChange(() => {
    background.setSource(cameraOff ? null : media.video);
    meter.setTrack(media.audio);
    if (media.audio) media.audio.enabled = !micMuted;
    replaceOutgoing("audio", media.audio);
    renderDevices();
    sendStatus();
    render();
  });

  function outgoingVideoChanged(track) {
    ui.self.srcObject = track ? new MediaStream([track]) : null;
    if (track) ui.self.play().catch(() => {});
    replaceOutgoing("video", track);
    sendStatus();
    renderLive();
  }

  function backgroundProblem(kind) {
    // Keep the background private: the camera pauses rather than showing it.
    cameraOff = true;
    pausedByBackground = true;
    media.stop("video");
    showProblem(kind === "slow" ? words.problemSlowBackground : words.problemBackgroundFailed);
  }

  const startDevices = async () => {
    ui.retry.disabled = true;
    const wantVideo = !cameraOff;
    await media.start({ audio: true, video: wantVideo });
    ui.retry.disabled = false;
    await refreshDeviceLists();
  };

  if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
    navigator.mediaDevices.addEventListener("devicechange", refreshDeviceLists);
  }

  ui.cameraSelect.addEventListener("change", () => media.switchTo("video", ui.cameraSelect.value));
  ui.micSelect.addEventListener("change", () => media.switchTo("audio", ui.micSelect.value));
  ui.speakerSelect.addEventListener("change", () => {
    if (typeof ui.remote.setSinkId === "function") ui.remote.setSinkId(ui.speakerSelect.value).catch(() => {});
  });
  ui.retry.addEventListener("click", () => {
    cameraOff = false;
    startDevices();
  });

  ui.soundTest.addEventListener("click", async () => {
    ui.soundTest.disabled = true;
    ui.soundTest.textContent = ui.soundTest.dataset.playing;
    try {
      await ns.playTestTone(ui.speakerField.hidden ? "" : ui.speakerSelect.value);
    } catch (error) {
      // Nothing to hear is the answer the person needs; the help text says what to try.
    }
    ui.soundTest.textContent = words.soundTest;
    ui.soundTest.disabled = false;
  });

  ui.backgroundSelect.addEventListener("change", async () => {
    const choice = ui.backgroundSelect.value;
    background.setMode(choice);
    if (choice === "none" && pausedByBackground) {
      // The effect had paused the camera; without it the camera can come back.
      pausedByBackground = false;
      cameraOff = false;
      showProblem("");
      media.startOne("video").then(() => media.changed());
    }
    const body = new URLSearchParams({ background: choice });
    try {
      const response = await post(data.preferenceUrl, body);
      if (!response.ok) showProblem(words.problemPreference);
    } catch (error) {
      showProblem(words.problemPreference);
    }
  });

  // --- Joining ----------------------------------------------------------------

  // A reload of a tab that was in the call goes straight back in, with the
  // same choices; a page opened afresh starts at the prejoin.
  const REJOIN_KEY = `daraport-video:${data.session}`;
  const rememberJoin = (choice) => {
    try {
      if (choice) window.sessionStorage.setItem(REJOIN_KEY, JSON.stringify(choice));
      else window.sessionStorage.removeItem(REJOIN_KEY);
    } catch (error) {
      // Storage turned off: a reload shows the prejoin again.
    }
  };
  const rememberedJoin = () => {
    try {
      return JSON.parse(window.sessionStorage.getItem(REJOIN_KEY));
    } catch (error) {
      return null;
    }
  };

  const join = ({ audio = true, video = true } = {}) => {
    if (joined || ended) return;
    rememberJoin({ audio, video });
    if (!video && media.video) {
      cameraOff = true;
      media.stop("video");
    }
    if (!audio && media.audio) media.stop("audio");
    joined = true;
    freshPeerNeeded = true;
    ui.settings.open = false;
    if (ui.chat && window.matchMedia("(min-width: 1024px)").matches) setChatOpen(true);
    if (pendingOffer) {
      const offer = pendingOffer;
      pendingOffer = null;
      handleOffer(offer);
    }
    maybeStartPeer();
    render();
  };

  ui.join.addEventListener("click", () => join());
  ui.joinAudio.addEventListener("click", () => join({ video: false }));
  ui.joinCamera.addEventListener("click", () => join({ audio: false }));
  const leave = $("leave-call");
  if (leave) leave.addEventListener("click", () => rememberJoin(null));

  // --- In-call controls ---------------------------------------------------------

  ui.toggleMic.addEventListener("click", async () => {
    if (!media.audio) {
      await media.startOne("audio");
      micMuted = false;
      media.changed();
      return;
    }
    micMuted = media.audio.enabled;
    media.audio.enabled = !micMuted;
    sendStatus();
    renderLive();
  });

  ui.toggleCamera.addEventListener("click", async () => {
    if (media.video) {
      cameraOff = true;
      media.stop("video");
      return;
    }
    cameraOff = false;
    pausedByBackground = false;
    showProblem("");
    await media.startOne("video");
    if (!media.video) showProblem(`${words[`camera${STATUS_WORD[media.status.video]}`] || ""}`);
    media.changed();
  });

  ui.toggleSelf.addEventListener("click", () => {
    const hide = !ui.selfView.hidden;
    ui.selfView.hidden = hide;
    ui.toggleSelf.dataset.active = hide ? "no" : "yes";
    ui.toggleSelf.textContent = hide ? ui.toggleSelf.dataset.off : ui.toggleSelf.dataset.on;
  });

  // Full screen shows the whole room (video, controls, live indicators).
  const canFullscreen = document.fullscreenEnabled && typeof room.requestFullscreen === "function";
  const canVideoFullscreen = typeof ui.remote.webkitEnterFullscreen === "function";
  ui.fullscreen.hidden = !(canFullscreen || canVideoFullscreen);
  ui.fullscreen.addEventListener("click", () => {
    if (!canFullscreen) {
      ui.remote.webkitEnterFullscreen();
      return;
    }
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else room.requestFullscreen().catch(() => showProblem(words.fullScreenUnsupported));
  });
  document.addEventListener("fullscreenchange", () => {
    const on = document.fullscreenElement === room;
    ui.fullscreen.dataset.active = on ? "no" : "yes";
    ui.fullscreen.textContent = on ? ui.fullscreen.dataset.off : ui.fullscreen.dataset.on;
  });

  // The chat loads when first opened (hx-trigger="video-chat-open from:body once").
  const setChatOpen = (open) => {
    if (!ui.chat) return;
    ui.chat.hidden = !open;
    if (ui.chatToggle) ui.chatToggle.setAttribute("aria-expanded", String(open));
    room.classList.toggle("video-chat-open", open);
    if (open) document.body.dispatchEvent(new CustomEvent("video-chat-open"));
  };
  if (ui.chatToggle) {
    ui.chatToggle.addEventListener("click", () => {
      setChatOpen(ui.chat.hidden);
      if (!ui.chat.hidden && !window.matchMedia("(min-width: 1024px)").matches) ui.chat.scrollIntoView({ block: "start" });
    });
  }

  room.querySelectorAll("[data-close-details]").forEach((button) => {
    button.addEventListener("click", () => {
      const details = button.closest("details");
      details.open = false;
      details.querySelector("summary").focus();
    });
  });

  // Let in: a real form, posted with fetch so the page stays.
  if (ui.admitForm) {
    ui.admitForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      ui.admitButton.disabled = true;
      try {
        const response = await post(data.admitUrl, new FormData(ui.admitForm));
        if (!response.ok) throw new Error(String(response.status));
        // The call starts on the state frame that says the patient is in.
        showProblem("");
      } catch (error) {
        showProblem(words.problemAdmit);
      }
      ui.admitButton.disabled = false;
      render();
    });
  }

  if (ui.noShowForm) {
    ui.noShowForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      ui.noShowError.hidden = true;
      try {
        const response = await post(data.noShowUrl, new FormData(ui.noShowForm));
        if (response.ok) {
          window.location.assign(response.redirected ? response.url : data.backUrl);
          return;
        }
        ui.noShowError.textContent = (await reasonOf(response)) || words.problemNoShowFailed;
      } catch (error) {
        ui.noShowError.textContent = words.problemNoShowFailed;
      }
      ui.noShowError.hidden = false;
    });
  }

  // --- Peer connection ------------------------------------------------------------

  const transceiverOf = (pc, kind) =>
    pc.getTransceivers().find((transceiver) => transceiver.receiver && transceiver.receiver.track.kind === kind);

  const outgoingTrack = (kind) => (kind === "audio" ? media.audio : background.output);

  function replaceOutgoing(kind, track) {
    const pc = call.pc;
    if (!pc || !joined) return;
    const transceiver = transceiverOf(pc, kind);
    if (transceiver && transceiver.sender.track !== (track || null)) {
      transceiver.sender.replaceTrack(track || null).catch(() => {});
    }
  }

  const attachLocalTracks = (pc) => {
    ["audio", "video"].forEach((kind) => {
      const transceiver = transceiverOf(pc, kind);
      if (!transceiver) return;
      transceiver.direction = "sendrecv";
      transceiver.sender.replaceTrack(outgoingTrack(kind) || null).catch(() => {});
    });
  };

  // Camera and microphone on/off travel peer to peer on a data channel, so
  // the other side can say "camera off" instead of showing a still frame.
  function sendStatus() {
    if (!statusChannel || statusChannel.readyState !== "open") return;
    statusChannel.send(
      JSON.stringify({ camera: Boolean(background.output), microphone: Boolean(media.audio && media.audio.enabled) }),
    );
  }

  const closePeer = () => {
    clearTimer("disconnected");
    clearTimer("restartRetry");
    if (call.pc) {
      call.pc.onicecandidate = null;
      call.pc.ontrack = null;
      call.pc.oniceconnectionstatechange = null;
      call.pc.close();
    }
    call.pc = null;
    statusChannel = null;
    answerReceived = false;
    pendingCandidates = [];
    remoteStream.getTracks().forEach((track) => remoteStream.removeTrack(track));
  };

  const newPeer = () => {
    closePeer();
    const pc = new RTCPeerConnection({ iceServers });
    call.pc = pc;
    remoteStream = new MediaStream();
    ui.remote.srcObject = remoteStream;
    peerCameraOn = true;
    peerMicOn = true;

    statusChannel = pc.createDataChannel("status", { negotiated: true, id: 0 });
    statusChannel.onopen = sendStatus;
    statusChannel.onmessage = (event) => {
      try {
        const status = JSON.parse(event.data);
        peerCameraOn = status.camera !== false;
        peerMicOn = status.microphone !== false;
      } catch (error) {
        return;
      }
      render();
    };

    pc.onicecandidate = (event) => {
      const c = event.candidate;
      sendSignal("ice", {
        candidate: c ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } : null,
      });
    };
    pc.ontrack = (event) => {
      remoteStream.addTrack(event.track);
      ui.remote.srcObject = remoteStream;
      ui.remote.play().catch(() => {});
    };
    pc.oniceconnectionstatechange = () => iceChanged(pc);
    return pc;
  };

  const sdpSessionId = (sdp) => {
    const match = /^o=\S+ (\d+)/m.exec(sdp || "");
    return match ? match[1] : null;
  };

  // The specialist offers whenever a new call must begin: on joining, when
  // the patient is let in, when either side comes back.
  function maybeStartPeer() {
    if (!isSpecialist || !joined || ended || !admitted || !peerPresent || !freshPeerNeeded) return;
    if (!call.ws || call.ws.readyState !== WebSocket.OPEN) return;
    freshPeerNeeded = false;
    makeOffer(false);
  }

  async function makeOffer(iceRestart) {
    let pc = call.pc;
    if (!iceRestart || !pc) {
      pc = newPeer();
      pc.addTransceiver("audio", { direction: "sendrecv" });
      pc.addTransceiver("video", { direction: "sendrecv" });
      attachLocalTracks(pc);
      iceRestart = false;
    }
    try {
      if (pc.signalingState !== "stable") await pc.setLocalDescription({ type: "rollback" });
      const offer = await pc.createOffer(iceRestart ? { iceRestart: true } : {});
      if (pc !== call.pc) return;
      await pc.setLocalDescription(offer);
      sendSignal("offer", { sdp: pc.localDescription.sdp });
    } catch (error) {
      if (pc === call.pc) setTimer("restartRetry", RESTART_RETRY_MS, () => makeOffer(false));
    }
  }

  async function handleOffer(message) {
    let pc = call.pc;
    const current = pc && pc.remoteDescription ? sdpSessionId(pc.remoteDescription.sdp) : null;
    const fresh = !pc || freshPeerNeeded || current !== sdpSessionId(message.sdp);
    if (fresh) {
      const queued = pendingCandidates; // candidates that came with this offer
      pc = newPeer();
      pendingCandidates = queued;
      freshPeerNeeded = false;
    }
    try {
      await pc.setRemoteDescription({ type: "offer", sdp: message.sdp });
      if (fresh) attachLocalTracks(pc);
      await flushCandidates(pc);
      const answer = await pc.createAnswer();
      if (pc !== call.pc) return;
      await pc.setLocalDescription(answer);
      sendSignal("answer", { sdp: pc.localDescription.sdp });
      startConnectTimers();
    } catch (error) {
      // An offer this connection cannot take: start over with a new one.
      if (!fresh) {
        freshPeerNeeded = true;
        handleOffer(message);
      }
    }
  }

  async function handleAnswer(message) {
    const pc = call.pc;
    if (!pc || pc.signalingState !== "have-local-offer") return;
    try {
      await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
      answerReceived = true;
      await flushCandidates(pc);
      startConnectTimers();
    } catch (error) {
      makeOffer(false);
    }
  }

  async function handleCandidate(candidate) {
    const pc = call.pc;
    if (!candidate) return;
    if (!pc || !pc.remoteDescription) {
      pendingCandidates.push(candidate);
      return;
    }
    try {
      await pc.addIceCandidate(candidate);
    } catch (error) {
      // A candidate of an earlier connection; it does not belong to this one.
    }
  }

  async function flushCandidates(pc) {
    const waiting = pendingCandidates;
    pendingCandidates = [];
    for (const candidate of waiting) {
      try {
        await pc.addIceCandidate(candidate);
      } catch (error) {
        // As above.
      }
    }
  }

  // Without these a call that can never connect (a blocking network, an
  // expired relay credential) would sit in "connecting" with no word.
  function startConnectTimers() {
    if (iceUp()) return;
    setTimer("slowConnect", SLOW_CONNECT_MS, () => {
      if (!iceUp()) showProblem(words.problemSlowConnect);
    });
    setTimer("noConnect", NO_CONNECT_MS, () => {
      if (iceUp()) return;
      showProblem(words.problemNoConnect);
      restartIce();
    });
  }

  // Only while the other side is here: when they come back, both start anew.
  function restartIce() {
    if (ended || !joined || !peerPresent) return;
    if (isSpecialist) makeOffer(true);
    else sendSignal("restart", {});
    setTimer("restartRetry", RESTART_RETRY_MS, () => {
      if (call.pc && !iceUp()) restartIce();
    });
  }

  function iceChanged(pc) {
    if (pc !== call.pc) return;
    const state = pc.iceConnectionState;
    if (state === "connected" || state === "completed") {
      everConnected = true;
      clearTimer("disconnected");
      clearTimer("restartRetry");
    } else if (state === "disconnected") {
      setTimer("disconnected", DISCONNECTED_GRACE_MS, () => {
        if (pc === call.pc && pc.iceConnectionState === "disconnected") restartIce();
      });
    } else if (state === "failed") {
      clearTimer("disconnected");
      restartIce();
    }
    render();
  }

  // --- Signalling socket -------------------------------------------------------------

  let socketDelay = 1000;
  let socketFailures = 0;
  let checkResult = { server: null, network: null };

  function sendSignal(kind, extra) {
    const ws = call.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    signalNumber += 1;
    ws.send(JSON.stringify({ type: "signal", session: data.session, n: signalNumber, kind, ...extra }));
    return true;
  }

  const connectSocket = () => {
    if (ended) return;
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${window.location.host}${data.wsPath}`);
    call.ws = ws;
    let opened = false;
    setTimer("socketCheck", CHECK_TIMEOUT_MS, () => {
      if (!serverReached) finishCheck("server", false);
    });

    ws.addEventListener("open", () => {
      opened = true;
      socketFailures = 0;
      socketDelay = 1000;
    });
    ws.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (ws === call.ws) receive(message);
    });
    ws.addEventListener("close", (event) => {
      if (ws !== call.ws) return;
      serverReached = false;
      const terminal = TERMINAL_CLOSES[event.code];
      if (terminal) {
        finish(terminal);
        return;
      }
      if (!opened) socketFailures += 1;
      if (!opened && !checkResult.server) finishCheck("server", false);
      render();
      // A refusal before the socket opens looks like any network failure;
      // after a few, the page itself says whether the room is still open.
      if (socketFailures >= 3) askThePage();
      else scheduleReconnect();
    });
  };

  const scheduleReconnect = () => {
    const delay = socketDelay + Math.random() * 500;
    socketDelay = Math.min(socketDelay * 2, 15000);
    setTimer("reconnect", delay, connectSocket);
  };

  const askThePage = async () => {
    socketFailures = 0;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
      if (response.redirected && new URL(response.url).pathname !== window.location.pathname) {
        finish("signed-out");
        return;
      }
      if (response.status === 404 || response.status === 403) {
        finish("refused");
        return;
      }
      if (response.ok && !(await response.text()).includes('id="video-room"')) {
        // The room closed (ended, or outside its hours): show the page that says so.
        finish("ended");
        window.location.reload();
        return;
      }
    } catch (error) {
      // The server is unreachable: keep trying.
    }
    scheduleReconnect();
  };

  function receive(message) {
    if (message.type === "state") {
      const firstOnThisSocket = !serverReached;
      serverReached = true;
      if (!checkResult.server) finishCheck("server", true);
      if (checkResult.server === "failed") finishCheck("server", true);
      const wasPresent = peerPresent;
      admitted = Boolean(message.admitted);
      peerPresent = Boolean(message.peer_present);
      if (firstOnThisSocket && joined && call.pc) {
        // Our own socket came back: to the other side we reappeared, and
        // both sides start a new connection.
        closePeer();
        freshPeerNeeded = true;
      }
      if (peerPresent && !wasPresent) {
        clearTimer("peerLeft");
        call.peerGoneLong = false;
        closePeer();
        freshPeerNeeded = true;
      } else if (!peerPresent && wasPresent) {
        call.peerGoneLong = false;
        pendingOffer = null;
        setTimer("peerLeft", 30000, () => {
          call.peerGoneLong = true;
          render();
        });
      }
      maybeStartPeer();
      render();
      return;
    }
    if (message.type === "signal") {
      receiveSignal(message);
      return;
    }
    if (message.type === "ended") {
      finish("ended", message.reason);
      return;
    }
    // An offer sent just before the server saw the admission: offer again
    // on the next state frame.
    if (message.type === "error" && message.code === "not_admitted") freshPeerNeeded = true;
    if (message.type === "error" && window.console) {
      window.console.warn("video signalling refused a frame:", message.code, message.message);
    }
  }

  function receiveSignal(message) {
    if (message.kind === "offer" && !isSpecialist) {
      if (!joined) {
        pendingOffer = message;
        pendingCandidates = [];
        return;
      }
      handleOffer(message);
    } else if (message.kind === "answer" && isSpecialist) {
      handleAnswer(message);
    } else if (message.kind === "ice") {
      handleCandidate(message.candidate);
    } else if (message.kind === "restart" && isSpecialist && joined) {
      if (call.pc && call.pc.remoteDescription) makeOffer(true);
      else {
        freshPeerNeeded = true;
        maybeStartPeer();
      }
    }
  }

  // --- Connection check (prejoin) -----------------------------------------------------

  // Can the browser find a network route at all (ICE candidates), and a
  // relay when one is configured? Runs once, beside the socket check.
  const checkNetwork = async () => {
    if (typeof RTCPeerConnection !== "function") {
      finishCheck("network", "none");
      return;
    }
    const pc = new RTCPeerConnection({ iceServers });
    const types = new Set();
    pc.createDataChannel("check");
    const done = new Promise((resolve) => {
      const timer = window.setTimeout(resolve, CHECK_TIMEOUT_MS);
      pc.onicecandidate = (event) => {
        if (!event.candidate) {
          window.clearTimeout(timer);
          resolve();
          return;
        }
        const type = / typ (\w+)/.exec(event.candidate.candidate);
        if (type) types.add(type[1]);
      };
    });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await done;
    } catch (error) {
      // Treated as finding nothing.
    }
    pc.close();
    if (!types.size) finishCheck("network", "none");
    else if (usesRelay && !types.has("relay")) finishCheck("network", "no-relay");
    else finishCheck("network", "ok");
  };

  function finishCheck(part, result) {
    if (part === "server") {
      checkResult.server = result ? "ok" : "failed";
      clearTimer("socketCheck");
    } else {
      checkResult.network = result;
    }
    let text = words.checkChecking;
    if (checkResult.server === "failed") text = words.checkNoServer;
    else if (checkResult.network === "none") text = words.checkNoNetwork;
    else if (checkResult.server === "ok" && checkResult.network === "no-relay") text = words.checkNoRelay;
    else if (checkResult.server === "ok" && checkResult.network === "ok") text = words.checkReady;
    ui.check.textContent = text;
    ui.check.dataset.result = text === words.checkReady ? "ready" : text === words.checkChecking ? "checking" : "problem";
  }

  // --- The end ----------------------------------------------------------------------

  const END_TEXT = {
    completed_by_specialist: "endedCompleted",
    timed_out: "endedTimedOut",
    no_show: "endedNoShow",
    "signed-out": "endedSignedOut",
    refused: "endedRefused",
    replaced: "endedReplaced",
  };

  function finish(kind, reason) {
    if (ended) return;
    ended = true;
    if (kind !== "replaced") rememberJoin(null);
    Object.keys(timers).forEach(clearTimer);
    closePeer();
    background.setSource(null);
    media.stopAll();
    meter.stop();
    if (call.ws && call.ws.readyState <= WebSocket.OPEN) call.ws.close(1000);
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});

    ui.endedText.textContent = words[END_TEXT[reason] || END_TEXT[kind]] || ui.endedText.textContent;
    const back = $("ended-back");
    if (kind === "signed-out") {
      back.textContent = words.endedSignIn;
      back.href = data.loginUrl;
    } else if (kind === "replaced") {
      back.textContent = words.endedUseHere;
      back.href = window.location.href;
    }
    ui.ended.hidden = false;
    room.querySelector(".video-body").hidden = true;
    showProblem("");
    render();
    back.focus();
  }

  window.addEventListener("pagehide", () => {
    if (call.ws) call.ws.close(1000);
    closePeer();
  });

  // --- Start ------------------------------------------------------------------------

  ui.backgroundSelect.value = data.background || "none";
  background.setMode(ui.backgroundSelect.value);
  ui.check.dataset.result = "checking";
  render();
  connectSocket();
  checkNetwork();
  startDevices().then(() => {
    const again = rememberedJoin();
    if (again) join(again);
    render();
  });
})();
