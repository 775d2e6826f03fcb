// What the dashboard's scripts share: its setup (words, URLs, modules, backfill; from the
// page's json_script), and how an event of the live feed reads: module, level, type, message,
// link to its record, time. Plain JS, no build step.
"use strict";
(function () {
  const config = document.getElementById("cc-dashboard-setup");
  if (!config) return;
  const setup = JSON.parse(config.textContent);
  const MEMORY_PREFIX = "mem0.recorded.";
  // Times are written by the browser's Intl in the page's language; where the browser has no
  // data for it (Chromium has none for Luxembourgish), in the nearest language it has.
  const NEAREST = { lb: "de" };
  const pageLanguage = document.documentElement.lang || "en";
  const language = Intl.RelativeTimeFormat.supportedLocalesOf([pageLanguage]).length
    ? pageLanguage
    : NEAREST[pageLanguage] || undefined;
  const relative = new Intl.RelativeTimeFormat(language, { numeric: "auto", style: "short" });

  function interpolate(text, values) {
    return text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
  }

  function moduleOf(channel) {
    const name = channel.startsWith(MEMORY_PREFIX) ? channel.slice(MEMORY_PREFIX.length) : channel;
    return name.split(".")[0];
  }

  function moduleOf(channel) {
    const name = channel.startsWith(MEMORY_PREFIX) ? channel.slice(MEMORY_PREFIX.length) : channel;
    return name.split(".")[0];
  }

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

  function timeOf(when) {
    // A <time>: relative, the absolute local time on hover (refreshTimes keeps it current).
    const time = document.createElement("time");
    time.dateTime = when || "";
    time.title = when ? new Date(when).toLocaleString(language) : "";
    time.textContent = when ? ago(when) : "";
    return time;
  }

  function refreshTimes() {
    for (const time of document.querySelectorAll(".cc-board time[datetime]")) {
      if (!time.dateTime) continue;
      time.textContent = ago(time.dateTime);
      time.title = new Date(time.dateTime).toLocaleString(language);
    }
  }

  function prepend(target, li, keep) {
    const placeholder = target.querySelector(".cc-none");
    if (placeholder) placeholder.remove();
    target.prepend(li);
    while (target.children.length > keep) target.lastElementChild.remove();
  }

  window.cosDashboard = { setup, labels: setup.labels, interpolate, moduleOf, describe, span, timeOf, prepend, refreshTimes };
  refreshTimes();
  setInterval(refreshTimes, 15000);
})();
