/* The admin's Architecture page: the modules drawn with cytoscape.js (from the page's JSON),
   and, while the rules are still being checked, a poll that reloads the page when they are. */
(function () {
  "use strict";

  const POLL_MS = 1000;
  const elements = JSON.parse(document.getElementById("cos-arch-picture").textContent);
  const checking = JSON.parse(document.getElementById("cos-arch-checking").textContent);
  const MODULE = { ok: ["#e8f5e9", "#2e7d32"], error: ["#fdecea", "#ba2121"], checking: ["#f0f0f0", "#888"] };

  const cy = cytoscape({
    container: document.getElementById("cos-arch-canvas"),
    elements: elements,
    style: [
      { selector: "node.module", style: {
        "shape": "round-rectangle", "label": "data(label)", "text-wrap": "wrap",
        "text-valign": "center", "text-halign": "center", "font-size": 12, "font-weight": "bold",
        "width": 120, "height": 46, "border-width": 2, "color": "#222", "padding": 12,
        "background-color": (n) => MODULE[n.data("state")][0],
        "border-color": (n) => MODULE[n.data("state")][1] } },
      { selector: "node.module.checking", style: { "border-style": "dashed" } },
      // A module that emits events is a box around them, its name on top.
      { selector: "node.module:parent", style: { "text-valign": "top", "text-margin-y": -4 } },
      { selector: "node.event", style: {
        "shape": "ellipse", "width": 10, "height": 10, "background-color": "#e07b39",
        "label": "data(label)", "font-size": 10, "color": "#333",
        "text-valign": "center", "text-halign": "right", "text-margin-x": 4 } },
      { selector: "edge", style: {
        "width": 1.5, "curve-style": "bezier", "target-arrow-shape": "triangle" } },
      { selector: "edge.requires", style: {
        "width": 2.5, "line-color": "#264b5d", "target-arrow-color": "#264b5d" } },
      { selector: "edge.emits", style: {
        "line-color": "#e07b39", "target-arrow-color": "#e07b39", "line-style": "dashed" } },
      { selector: "edge.consumes", style: {
        "line-color": "#5a9e4b", "target-arrow-color": "#5a9e4b", "line-style": "dotted", "width": 2 } },
    ],
  });
  cy.layout({ name: "preset", positions: arrange(), fit: false }).run();
  // Fitted once the page is laid out (the canvas has its width) and on each resize.
  const fit = () => { cy.resize(); cy.fit(undefined, 20); };
  window.addEventListener("load", fit);
  window.addEventListener("resize", fit);
  cy.maxZoom(2);

  // Modules in rows by what they require (the framework at the bottom, modules that require
  // others above them); a module's events in columns inside its box; events several modules
  // emit, and channels no module emits to, in a row on top. Drawn the same way every time.
  function arrange() {
    const COL_W = 190, ROW_H = 22, GAP_X = 60, GAP_Y = 80, PER_COLUMN = 6, MAX_ROW_W = 900;
    const positions = {};
    const depth = {};
    const depthOf = (node, seen) => {
      if (node.id() in depth) return depth[node.id()];
      if (seen.has(node.id())) return 0;  // a cycle, which cos.E006 reports
      seen.add(node.id());
      let found = 0;
      node.outgoers("edge.requires").targets().forEach((t) => { found = Math.max(found, 1 + depthOf(t, seen)); });
      depth[node.id()] = found;
      return found;
    };
    const modules = cy.nodes("node.module").sort((a, b) => a.id().localeCompare(b.id()));
    modules.forEach((node) => depthOf(node, new Set()));
    const columns = (count) => Math.max(1, Math.ceil(count / PER_COLUMN));
    const size = (node) => {
      const count = node.children().length;
      if (!count) return [130, 46];
      return [columns(count) * COL_W, Math.ceil(count / columns(count)) * ROW_H];
    };
    // Each level's modules, in rows of at most MAX_ROW_W pixels.
    const rows = [];
    for (let level = Math.max(0, ...Object.values(depth)); level >= 0; level--) {
      let row = [], width = 0;
      modules.filter((node) => depth[node.id()] === level).forEach((node) => {
        if (row.length && width + size(node)[0] > MAX_ROW_W) { rows.push(row); row = []; width = 0; }
        row.push(node);
        width += size(node)[0] + GAP_X;
      });
      if (row.length) rows.push(row);
    }
    let y = 0;
    rows.forEach((row) => {
      const sizes = row.map(size);
      const height = Math.max(...sizes.map((s) => s[1]));
      let x = -(sizes.reduce((sum, s) => sum + s[0], 0) + GAP_X * (row.length - 1)) / 2;
      row.forEach((node, i) => {
        const [width] = sizes[i];
        const events = node.children();
        const perColumn = Math.ceil(events.length / columns(events.length));
        if (!events.length) positions[node.id()] = { x: x + width / 2, y: y + height / 2 };
        events.forEach((event, j) => {
          positions[event.id()] = {
            x: x + Math.floor(j / perColumn) * COL_W, y: y + (j % perColumn) * ROW_H };
        });
        x += width + GAP_X;
      });
      y += height + GAP_Y;
    });
    const free = cy.nodes("node.event").filter((node) => !node.isChild());
    free.forEach((node, i) => {
      positions[node.id()] = { x: (i - (free.length - 1) / 2) * COL_W, y: -GAP_Y };
    });
    return positions;
  }

  // A module's box leads to its rules' table.
  cy.on("tap", "node.module", (event) => {
    const table = document.getElementById("module-" + event.target.data("code"));
    if (table) table.scrollIntoView({ behavior: "smooth" });
  });

  if (checking) {
    const url = new URL(window.location.href);
    url.searchParams.set("ready", "");
    const poll = () => fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { ready: false }))
      .then((answer) => (answer.ready ? window.location.reload() : setTimeout(poll, POLL_MS)))
      .catch(() => setTimeout(poll, POLL_MS * 3));
    setTimeout(poll, POLL_MS);
  }
})();
