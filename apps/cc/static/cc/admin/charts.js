// cc's dashboard charts (Chart.js, vendored): L1 logs per minute and module over the last hour,
// and per hour and level over the last 24 hours. Filled from the page's setup (and from the
// dashboard's data endpoint after a break), then counted on from live events
// (window.cosDashboardCharts.add). Plain JS, no build step.
"use strict";
(function () {
  const MINUTE = 60 * 1000;
  const HOUR = 60 * MINUTE;
  const PALETTE = ["#417690", "#e0a800", "#5b8c3a", "#b24592", "#3f51b5", "#d35400", "#00897b", "#7f8c8d"];
  const LEVEL_COLOURS = { debug: "#9e9e9e", info: "#417690", warning: "#e0a800", error: "#ba2121", critical: "#6a0dad" };
  const counts = new Map(); // `${module}|${minute ms}|${level}` -> logs
  let setup = null;
  let charts = null;
  let redrawing = false;
  const NEAREST = { lb: "de" }; // languages the browser may lack, and the nearest it has
  const pageLanguage = document.documentElement.lang || "en";
  const locale = Intl.DateTimeFormat.supportedLocalesOf([pageLanguage]).length
    ? pageLanguage
    : NEAREST[pageLanguage] || undefined;

  function floorTo(ms, step) {
    return Math.floor(ms / step) * step;
  }

  function add(module, when, level, n) {
    const minute = floorTo(new Date(when).getTime(), MINUTE);
    const key = `${module}|${minute}|${level}`;
    counts.set(key, (counts.get(key) || 0) + n);
    redraw();
  }

  function load(activity) {
    counts.clear();
    for (const [module, minute, level, n] of activity.rows) add(module, minute, level, n);
    redraw();
  }

  function buckets(count, step, now) {
    const last = floorTo(now, step);
    return Array.from({ length: count }, (_, i) => last - (count - 1 - i) * step);
  }

  function series(starts, step, keyOf) {
    // keyOf(module, level) -> the dataset a count goes to (null: not drawn here)
    const found = new Map();
    const first = starts[0];
    for (const [key, n] of counts) {
      const [module, minute, level] = key.split("|");
      const at = Number(minute);
      if (at < first || at >= starts[starts.length - 1] + step) continue;
      const name = keyOf(module, level);
      if (!found.has(name)) found.set(name, new Array(starts.length).fill(0));
      found.get(name)[Math.floor((at - first) / step)] += n;
    }
    return found;
  }

  function timeLabel(ms) {
    return new Date(ms).toLocaleTimeString(locale, {
      hour: "2-digit",
      minute: "2-digit",
    });
  }

  function redraw() {
    if (!charts || redrawing) return;
    redrawing = true;
    requestAnimationFrame(() => {
      redrawing = false;
      const now = Date.now();
      const minutes = buckets(60, MINUTE, now);
      const perModule = series(minutes, MINUTE, (module) => module);
      charts.minutes.data.labels = minutes.map(timeLabel);
      charts.minutes.data.datasets = Object.keys(setup.modules)
        .filter((module) => perModule.has(module))
        .map((module, i) => ({
          label: setup.modules[module],
          data: perModule.get(module),
          backgroundColor: PALETTE[i % PALETTE.length],
        }));
      charts.minutes.update();
      const hours = buckets(24, HOUR, now);
      const perLevel = series(hours, HOUR, (_, level) => level);
      charts.levels.data.labels = hours.map(timeLabel);
      charts.levels.data.datasets = Object.keys(setup.levels)
        .filter((level) => perLevel.has(level))
        .map((level) => ({
          label: setup.levels[level],
          data: perLevel.get(level),
          backgroundColor: LEVEL_COLOURS[level] || "#999",
        }));
      charts.levels.update();
      document.body.dataset.ccCharts = "drawn"; // for tests and people alike: data is shown
    });
  }

  function themed() {
    // Text and grid in the admin's colours (its light and dark themes set these variables).
    const style = getComputedStyle(document.body);
    const colour = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
    window.Chart.defaults.color = colour("--body-quiet-color", "#666");
    window.Chart.defaults.borderColor = colour("--hairline-color", "#e8e8e8");
  }

  function stackedBars(canvas) {
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true, ticks: { maxTicksLimit: 8, maxRotation: 0 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
  }

  function start() {
    const minutes = document.getElementById("cc-chart-minutes");
    const levels = document.getElementById("cc-chart-levels");
    const config = document.getElementById("cc-dashboard-setup");
    if (!minutes || !levels || !config || !window.Chart) return;
    setup = JSON.parse(config.textContent);
    themed();
    charts = { minutes: stackedBars(minutes), levels: stackedBars(levels) };
    if (setup.activity) load(setup.activity);
    redraw();
    setInterval(redraw, MINUTE); // the windows move on with the clock
  }

  window.cosDashboardCharts = { add, load };
  start();
})();
