// cc's dashboard, live: the feed of every event the signed-in user may see (/ws/events/, session
// auth), newest first, with filters and pause; each event also updates its module's tile and the
// charts (tiles.js, charts.js). The page's last events come with it (backfill), the feed resumes
// after them with `since`. While the feed is down the tiles' health says "unknown" and a
// countdown leads to the next try ("retry now" skips it). Plain JS, no build step.
"use strict";
(function () {
  const panel = document.getElementById("cc-live");
  const shared = window.cosDashboard;
  const tiles = window.cosDashboardTiles;
  if (!panel || !shared || !tiles) return;
  const { setup, labels, interpolate, describe, span, timeOf, prepend } = shared;
  const list = panel.querySelector(".cc-live-events");
  const status = panel.querySelector(".cc-live-status");
  const retryButton = panel.querySelector(".cc-retry");
  const pauseButton = panel.querySelector(".cc-pause");
  const heldNote = panel.querySelector(".cc-held");
  const filters = panel.querySelector(".cc-live-filters");
  const typeList = document.getElementById("cc-live-types");
  const KEEP = 200; // lines the feed keeps: older ones drop off
  const MAX_RETRY_MS = 30000;
  const seen = new Set(); // event ids shown: a replay after a break repeats none
  const seenTypes = new Set();
  let cursor = setup.since; // resume after the newest event shown
  let socket = null;
  let retryMs = 1000;
  let retryAt = 0;
  let retryTimer = null;
  let countdownTimer = null;
  let paused = false;
  let lastMessageAt = Date.now();
  let heartbeatMs = 30000;
  let held = [];

  function line(message) {
    const found = describe(message);
    const li = document.createElement("li");
    li.className = `cc-line cc-level-${found.level || "none"}`;
    Object.assign(li.dataset, { module: found.module, level: found.level, type: found.type });
    const type = document.createElement("code");
    type.className = "cc-type";
    type.textContent = found.type;
    li.append(timeOf(found.when), span("cc-module", setup.modules[found.module] || found.module));
    if (found.level) li.append(span("cc-level", setup.levels[found.level] || found.level));
    li.append(type);
    if (found.url) {
      const link = document.createElement("a");
      link.className = "cc-message";
      link.href = found.url;
      link.title = labels.openRecord;
      link.textContent = found.text || labels.openRecord;
      li.append(link);
    } else if (found.text) {
      li.append(span("cc-message", found.text));
    }
    li.hidden = !matches(li);
    return li;
  }

  function matches(li) {
    const wanted = new FormData(filters);
    const type = String(wanted.get("type") || "").trim().toLowerCase();
    return (
      (!wanted.get("module") || li.dataset.module === wanted.get("module")) &&
      (!wanted.get("level") || li.dataset.level === wanted.get("level")) &&
      (!type || li.dataset.type.toLowerCase().includes(type))
    );
  }

  function applyFilters() {
    for (const li of list.querySelectorAll(".cc-line")) li.hidden = !matches(li);
  }

  function addToFeed(message) {
    const type = describe(message).type;
    if (!seenTypes.has(type)) {
      seenTypes.add(type);
      const option = document.createElement("option");
      option.value = type;
      typeList.append(option);
    }
    prepend(list, line(message), KEEP);
  }

  // --- the feed ----------------------------------------------------------------------------

  function receive(message) {
    const id = message.event && message.event.id;
    if (id && seen.has(id)) return;
    if (id) seen.add(id);
    if (seen.size > 4 * KEEP) seen.delete(seen.values().next().value);
    cursor = message.cursor || cursor;
    tiles.countIn(message);
    if (paused) {
      held.push(message);
      if (held.length > KEEP) held.shift();
      heldNote.textContent = interpolate(labels.held, { count: held.length });
    } else {
      addToFeed(message);
    }
    if (message.event.type === "cc.module.enabled" || message.event.type === "cc.module.disabled") tiles.refresh();
  }

  function setStatus(text, state) {
    status.textContent = text;
    status.dataset.state = state;
    status.classList.toggle("cc-is-live", state === "live");
    retryButton.hidden = state !== "waiting";
  }

  function feedUrl() {
    if (panel.dataset.wsUrl) return panel.dataset.wsUrl; // a test may point it elsewhere
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}${panel.dataset.wsPath}`;
  }

  function watch() {
    // A connection that died without a close (a sleeping laptop, a dropped network) sends no
    // heartbeat: past two of them, close it and go the usual way of a break.
    if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastMessageAt > 2 * heartbeatMs) {
      socket.close();
    }
  }

  function connect() {
    clearTimeout(retryTimer);
    clearInterval(countdownTimer);
    setStatus(labels.connecting, "connecting");
    lastMessageAt = Date.now();
    const opened = new WebSocket(feedUrl());
    socket = opened;
    opened.addEventListener("open", () => {
      const subscribe = { action: "subscribe", channels: panel.dataset.channels.split(",") };
      if (cursor) subscribe.since = cursor;
      opened.send(JSON.stringify(subscribe));
    });
    opened.addEventListener("message", (received) => {
      const message = JSON.parse(received.data);
      lastMessageAt = Date.now();
      if (message.type === "welcome" && message.heartbeat_s > 0) heartbeatMs = message.heartbeat_s * 1000;
      if (message.type === "subscribed") {
        setStatus(labels.live, "live");
        retryMs = 1000;
        if (document.querySelector(".cc-health-unknown")) tiles.refresh(); // back after a break
      } else if (message.type === "event") {
        receive(message);
      }
    });
    opened.addEventListener("close", (closed) => {
      if (socket !== opened) return; // replaced by a "retry now"
      tiles.unknown();
      if (closed.code === 4401 || closed.code === 4403) {
        setStatus(labels.stopped, "stopped"); // retrying would not help
        return;
      }
      waitAndRetry();
    });
  }

  function waitAndRetry() {
    retryAt = Date.now() + retryMs;
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    const tick = () => {
      const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      setStatus(interpolate(labels.retrying, { seconds }), "waiting");
    };
    tick();
    countdownTimer = setInterval(tick, 250);
    retryTimer = setTimeout(connect, retryAt - Date.now());
  }

  function retryNow() {
    const old = socket;
    socket = null;
    if (old && old.readyState <= WebSocket.OPEN) old.close();
    connect();
  }

  function togglePause() {
    paused = !paused;
    pauseButton.textContent = paused ? labels.resume : labels.pause;
    pauseButton.setAttribute("aria-pressed", String(paused));
    panel.classList.toggle("cc-paused", paused);
    if (!paused) {
      for (const message of held) addToFeed(message);
      held = [];
      heldNote.textContent = "";
    }
  }

  retryButton.addEventListener("click", retryNow);
  pauseButton.addEventListener("click", togglePause);
  filters.addEventListener("input", applyFilters);
  filters.addEventListener("change", applyFilters);
  for (const message of setup.backfill) {
    if (message.event && message.event.id) seen.add(message.event.id);
    addToFeed(message);
  }
  setInterval(watch, 5000);
  connect();
  // For tests and the curious: the socket in use, and a way to break it.
  window.cosLiveFeed = { socket: () => socket, retryNow };
})();
