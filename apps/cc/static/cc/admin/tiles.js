// The dashboard's tiles, live: each event of the feed adds to its module's last events, each L1
// log to its counts (and the charts); after a break the tiles are read again from the
// dashboard's data, and while the feed is down their health is "unknown". Plain JS, no build step.
"use strict";
(function () {
  const shared = window.cosDashboard;
  if (!shared) return;
  const { setup, labels, moduleOf, describe, span, timeOf, prepend } = shared;
  const TILE_KEEP = 3;
  const ERROR_LEVELS = new Set(["error", "critical"]);
  const RECORDED_KEEP = 1000;
  const recorded = []; // the last L1 logs seen live: {module, when, level, prompt}
  let todayStart = Date.parse(setup.today); // "today" as the server counts it
  let refreshing = false;
  let refreshAgain = false;

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
      const type = document.createElement("code");
      type.className = "cc-type";
      type.textContent = found.type;
      li.append(timeOf(found.when), " ", type, " ", span("cc-channel", message.channel));
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

  window.cosDashboardTiles = { countIn, refresh, unknown: healthUnknown };
})();
