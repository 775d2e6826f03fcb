// cc's dashboard, live: the feed of every event the signed-in user may see (/ws/events/, session
// auth), newest first, with filters and pause; each event also updates its module's tile and the
// charts. The page's last events come with it (backfill), the feed resumes after them with
// `since`. While the feed is down the tiles' health says "unknown" and a countdown leads to the
// next try ("retry now" skips it). Plain JS, no build step.
"use strict";
(function () {
  const panel = document.getElementById("cc-live");
  const config = document.getElementById("cc-dashboard-setup");
  if (!panel || !config) return;
  const setup = JSON.parse(config.textContent);
  const labels = setup.labels;
  const list = panel.querySelector(".cc-live-events");
  const status = panel.querySelector(".cc-live-status");
  const retryButton = panel.querySelector(".cc-retry");
  const pauseButton = panel.querySelector(".cc-pause");
  const heldNote = panel.querySelector(".cc-held");
  const filters = panel.querySelector(".cc-live-filters");
  const typeList = document.getElementById("cc-live-types");
  const KEEP = 200; // lines the feed keeps: older ones drop off
  const TILE_KEEP = 3;
  const MAX_RETRY_MS = 30000;
  const MEMORY_PREFIX = "mem0.recorded.";
  const ERROR_LEVELS = new Set(["error", "critical"]);
  // Times are written by the browser's Intl in the page's language; where the browser has no
  // data for it (Chromium has none for Luxembourgish), in the nearest language it has.
  const NEAREST = { lb: "de" };
  const pageLanguage = document.documentElement.lang || "en";
  const language = Intl.RelativeTimeFormat.supportedLocalesOf([pageLanguage]).length
    ? pageLanguage
    : NEAREST[pageLanguage] || undefined;
  const relative = new Intl.RelativeTimeFormat(language, { numeric: "auto", style: "short" });
  const seen = new Set(); // event ids shown: a replay after a break repeats none
  const seenTypes = new Set();
  const RECORDED_KEEP = 1000;
  const recorded = []; // the last L1 logs seen live: {module, when, level, prompt}
  let todayStart = Date.parse(setup.today); // "today" as the server counts it
  let cursor = setup.since; // resume after the newest event shown
  let socket = null;
  let retryMs = 1000;
  let retryAt = 0;
  let retryTimer = null;
  let countdownTimer = null;
  let paused = false;
  let refreshing = false;
  let refreshAgain = false;
  let lastMessageAt = Date.now();
  let heartbeatMs = 30000;
  let held = [];

  function interpolate(text, values) {
    return text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
  }

  function moduleOf(channel) {
    const name = channel.startsWith(MEMORY_PREFIX) ? channel.slice(MEMORY_PREFIX.length) : channel;
    return name.split(".")[0];
  }

  // --- lines -------------------------------------------------------------------------------

  function describe(message) {
    const event = message.event;
    const data = event.data || {};
    const module = event.source || moduleOf(message.channel);
    const recorded = message.channel.startsWith(MEMORY_PREFIX);
    const level = recorded ? data.level || "info" : "";
    const type = (recorded && data.event_type) || event.type;
    // Other events have no message: their title or name, when they carry one, says what they are about.
    const about = [data.message, data.title, data.name].find((value) => typeof value === "string");
    const text = recorded ? data.message || "" : about || "";
    const template = setup.recordUrls[moduleOf(message.channel)];
    const url = recorded && event.base_log_id && template ? template.replace("__id__", encodeURIComponent(event.base_log_id)) : "";
    return { module, level, type, text, url, when: event.timestamp, recorded };
  }

  function ago(when) {
    const seconds = Math.round((new Date(when).getTime() - Date.now()) / 1000);
    const steps = [[60, "second"], [3600, "minute"], [86400, "hour"], [Infinity, "day"]];
    let unit = 1;
    for (const [limit, name] of steps) {
      if (Math.abs(seconds) < limit) return relative.format(Math.round(seconds / unit), name);
      unit = limit;
    }
    return "";
  }

  function span(className, text) {
    const element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  function line(message) {
    const found = describe(message);
    const li = document.createElement("li");
    li.className = `cc-line cc-level-${found.level || "none"}`;
    Object.assign(li.dataset, { module: found.module, level: found.level, type: found.type });
    const time = document.createElement("time");
    time.dateTime = found.when || "";
    time.title = found.when ? new Date(found.when).toLocaleString(language) : "";
    time.textContent = found.when ? ago(found.when) : "";
    const type = document.createElement("code");
    type.className = "cc-type";
    type.textContent = found.type;
    li.append(time, span("cc-module", setup.modules[found.module] || found.module));
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

  function prepend(target, li, keep) {
    const placeholder = target.querySelector(".cc-none");
    if (placeholder) placeholder.remove();
    target.prepend(li);
    while (target.children.length > keep) target.lastElementChild.remove();
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

  function refreshTimes() {
    for (const time of document.querySelectorAll(".cc-board time[datetime]")) {
      if (!time.dateTime) continue;
      time.textContent = ago(time.dateTime);
      time.title = new Date(time.dateTime).toLocaleString(language);
    }
  }

  // --- tiles and charts ----------------------------------------------------------------------

  function tileOf(module) {
    return document.querySelector(`.cc-tile[data-module="${CSS.escape(module)}"]`);
  }

  function bump(tile, name, by) {
    const value = tile && tile.querySelector(`[data-count="${name}"] .cc-count-value`);
    if (value) value.textContent = String(Number(value.textContent) + by);
  }

  function countIn(message) {
    const found = describe(message);
    const module = moduleOf(message.channel);
    const tile = tileOf(module);
    if (tile) {
      const events = tile.querySelector(".cc-events");
      const li = document.createElement("li");
      const time = document.createElement("time");
      time.dateTime = found.when || "";
      time.textContent = found.when ? ago(found.when) : "";
      time.title = found.when ? new Date(found.when).toLocaleString(language) : "";
      const type = document.createElement("code");
      type.className = "cc-type";
      type.textContent = found.type;
      li.append(time, " ", type, " ", span("cc-channel", message.channel));
      prepend(events, li, TILE_KEEP);
    }
    if (!found.recorded || !found.when) return;
    const log = { module, when: Date.parse(found.when), level: found.level, prompt: Boolean((message.event.data || {}).prompt) };
    recorded.push(log);
    if (recorded.length > RECORDED_KEEP) recorded.shift();
    countLog(log, 1);
    if (window.cosDashboardCharts) window.cosDashboardCharts.add(module, found.when, found.level, 1);
  }

  function countLog(log, by) {
    const tile = tileOf(log.module);
    if (log.when >= todayStart) {
      bump(tile, "logs_today", by);
      if (ERROR_LEVELS.has(log.level)) bump(tile, "errors_today", by);
    }
    if (log.prompt) bump(tile, "prompt_traces", by);
  }

  function showHealth(tile, health) {
    const word = tile.querySelector(".cc-health-word");
    tile.classList.remove("cc-health-up", "cc-health-down", "cc-health-unknown");
    if (health === null) {
      tile.classList.add("cc-health-unknown");
      word.textContent = labels.unknown;
      return;
    }
    tile.classList.add(health.up ? "cc-health-up" : "cc-health-down");
    word.textContent = health.up ? labels.healthy : labels.unhealthy;
    word.parentElement.title = health.error || "";
    tile.querySelector(".cc-latency").textContent = health.latency_ms.toFixed(1);
  }

  function refresh() {
    // After a break, or a module enabled or disabled: the tiles' health, state and counts and
    // the charts, read again; asked again while one is on its way, it runs once more after it.
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    fetch(setup.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((answer) => (answer.ok ? answer.json() : Promise.reject(answer.status)))
      .then((data) => {
        // The answer counts what was written up to its `until`: logs seen live after that are
        // counted on top, whichever arrived first.
        const until = Date.parse(data.activity.until);
        const later = recorded.filter((log) => log.when > until);
        todayStart = Date.parse(data.today);
        for (const [module, state] of Object.entries(data.tiles)) {
          const tile = tileOf(module);
          if (!tile) continue;
          showHealth(tile, state.health);
          tile.classList.toggle("cc-enabled", state.enabled);
          tile.classList.toggle("cc-disabled", !state.enabled);
          tile.querySelector(".cc-state").textContent = state.enabled ? labels.enabled : labels.disabled;
          for (const count of state.counts) {
            const value = tile.querySelector(`[data-count="${count.name}"] .cc-count-value`);
            if (value) value.textContent = String(count.value);
          }
        }
        for (const log of later) countLog(log, 1);
        if (window.cosDashboardCharts) {
          window.cosDashboardCharts.load(data.activity);
          for (const log of later) window.cosDashboardCharts.add(log.module, log.when, log.level, 1);
        }
      })
      .catch(() => {}) // the tiles stay "unknown" until the next try
      .finally(() => {
        refreshing = false;
        if (refreshAgain) {
          refreshAgain = false;
          refresh();
        }
      });
  }

  function healthUnknown() {
    for (const tile of document.querySelectorAll(".cc-tile")) showHealth(tile, null);
  }

  // --- the feed ----------------------------------------------------------------------------

  function receive(message) {
    const id = message.event && message.event.id;
    if (id && seen.has(id)) return;
    if (id) seen.add(id);
    if (seen.size > 4 * KEEP) seen.delete(seen.values().next().value);
    cursor = message.cursor || cursor;
    countIn(message);
    if (paused) {
      held.push(message);
      if (held.length > KEEP) held.shift();
      heldNote.textContent = interpolate(labels.held, { count: held.length });
    } else {
      addToFeed(message);
    }
    if (message.event.type === "cc.module.enabled" || message.event.type === "cc.module.disabled") refresh();
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
        if (document.querySelector(".cc-health-unknown")) refresh(); // back after a break
      } else if (message.type === "event") {
        receive(message);
      }
    });
    opened.addEventListener("close", (closed) => {
      if (socket !== opened) return; // replaced by a "retry now"
      healthUnknown();
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
  refreshTimes();
  setInterval(refreshTimes, 15000);
  setInterval(watch, 5000);
  refresh(); // the charts' data
  connect();
  // For tests and the curious: the socket in use, and a way to break it.
  window.cosLiveFeed = { socket: () => socket, retryNow };
})();
