// cc's live feed panel: every event the signed-in user may see, from /ws/events/ (session
// auth), newest first; each event also refreshes its module's tile. Plain JS, no build step.
"use strict";
(function () {
  const panel = document.getElementById("cc-live");
  if (!panel) return;
  const list = panel.querySelector(".cc-live-events");
  const status = panel.querySelector(".cc-live-status");
  const KEEP = 50;
  const MEMORY_PREFIX = "mem0.recorded.";
  let cursor = null; // the last stream cursor seen: resume from it after a break
  let retryMs = 1000;

  function moduleOf(channel) {
    const name = channel.startsWith(MEMORY_PREFIX) ? channel.slice(MEMORY_PREFIX.length) : channel;
    return name.split(".")[0];
  }

  function setStatus(label, live) {
    status.textContent = panel.dataset[label];
    status.classList.toggle("cc-is-live", live);
  }

  function item(message) {
    const li = document.createElement("li");
    const time = document.createElement("time");
    time.textContent = message.event.timestamp || "";
    const type = document.createElement("code");
    const logged = message.event.data && message.event.data.event_type; // mem0.recorded: what was logged
    type.textContent = logged ? `${message.event.type} · ${logged}` : message.event.type;
    const channel = document.createElement("span");
    channel.className = "cc-channel";
    channel.textContent = message.channel;
    li.append(time, " ", type, " ", channel);
    return li;
  }

  function prepend(target, li, keep) {
    const placeholder = target.querySelector(".cc-none");
    if (placeholder) placeholder.remove();
    target.prepend(li);
    while (target.children.length > keep) target.lastElementChild.remove();
  }

  function show(message) {
    prepend(list, item(message), KEEP);
    const tile = document.querySelector(`.cc-tile[data-module="${moduleOf(message.channel)}"] .cc-events`);
    if (tile) prepend(tile, item(message), 3);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${panel.dataset.wsPath}`);
    setStatus("labelConnecting", false);
    socket.addEventListener("open", () => {
      const subscribe = { action: "subscribe", channels: panel.dataset.channels.split(",") };
      if (cursor) subscribe.since = cursor;
      socket.send(JSON.stringify(subscribe));
    });
    socket.addEventListener("message", (received) => {
      const message = JSON.parse(received.data);
      if (message.type === "subscribed") {
        setStatus("labelLive", true);
        retryMs = 1000;
      } else if (message.type === "event") {
        cursor = message.cursor;
        show(message);
      }
    });
    socket.addEventListener("close", (closed) => {
      setStatus("labelClosed", false);
      if (closed.code === 4401 || closed.code === 4403) return; // retrying would not help
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    });
  }

  connect();
})();
