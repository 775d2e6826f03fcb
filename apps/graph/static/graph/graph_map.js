/* The graph's picture in the admin (apps/graph/admin.py): find a node through the Graph API,
   draw its neighbourhood with cytoscape.js, click a node to add its neighbours. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("graph-map-config").textContent);
  const texts = JSON.parse(document.getElementById("graph-map-texts").textContent);
  const status = document.querySelector(".graph-map-status");
  const results = document.querySelector(".graph-map-results");
  const legend = document.querySelector(".graph-map-legend");
  const details = document.querySelector(".graph-map-details");
  const MAX_FIT_ZOOM = 1.5;
  const PALETTE = ["#417690", "#e07b39", "#5a9e4b", "#a35bb5", "#c9a227", "#d1495b",
                   "#2a9d8f", "#8d6e63", "#607d8b", "#ef6fb0"];
  // Known labels keep their colour from page to page; others take the next free one.
  const colours = new Map(config.labels.map((label, i) => [label, PALETTE[i % PALETTE.length]]));

  function colourOf(label) {
    if (!colours.has(label)) colours.set(label, PALETTE[colours.size % PALETTE.length]);
    return colours.get(label);
  }

  function say(text, values) {
    status.textContent = text.replace(/%\((\w+)\)s/g, (_, name) => String(values?.[name] ?? ""));
  }

  const cy = cytoscape({
    container: document.getElementById("graph-map-canvas"),
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)", "label": "data(caption)", "font-size": 11,
        "text-valign": "bottom", "text-margin-y": 4, "width": 28, "height": 28,
        "text-wrap": "ellipsis", "text-max-width": 140 } },
      { selector: "node.root", style: { "border-width": 4, "border-color": "#264b5d" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#ba2121" } },
      { selector: "edge", style: {
        "width": 1.5, "line-color": "#9aa5ab", "target-arrow-color": "#9aa5ab",
        "target-arrow-shape": "triangle", "curve-style": "bezier", "label": "data(type)",
        "font-size": 9, "color": "#555", "text-rotation": "autorotate",
        "text-background-color": "#fff", "text-background-opacity": 0.8 } },
    ],
  });

  window.cosGraphMap = cy;  // for the browser test and the console

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" },
                                        credentials: "same-origin" });
    if (!response.ok) {
      const error = new Error(String(response.status));
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  function sayFailure(error) {
    if (error.status === 503) say(texts.unavailable);
    else if (error.status === 404) say(texts.notFound);
    else say(texts.failed, { status: error.status ?? "?" });
  }

  // A list answer, a paginated one or {"results": [...]}: the nodes either way.
  function listed(body) {
    return Array.isArray(body) ? body : (body.results ?? []);
  }

  function caption(node) {
    return node.name || node.properties?.code || node.uid;
  }

  function addNodes(nodes) {
    for (const node of nodes) {
      if (cy.getElementById(node.uid).nonempty()) continue;
      cy.add({ group: "nodes", data: {
        id: node.uid, caption: caption(node), label: node.label,
        colour: colourOf(node.label), node } });
    }
  }

  function addRelationships(relationships) {
    for (const rel of relationships) {
      // The L1 sync's relationships (CREATED_BY, FLOWS_TO...) have no uid: their ends and type
      // name them (at most one of a type between two nodes: the sync MERGEs them).
      const id = rel.uid ?? `${rel.source}-${rel.type}-${rel.target}`;
      if (cy.getElementById(id).nonempty()) continue;
      if (cy.getElementById(rel.source).empty() || cy.getElementById(rel.target).empty()) continue;
      cy.add({ group: "edges", data: {
        id, source: rel.source, target: rel.target, type: rel.type } });
    }
  }

  function drawLegend() {
    legend.replaceChildren();
    const shown = new Set(cy.nodes().map((node) => node.data("label")));
    for (const label of [...shown].sort()) {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "graph-map-swatch";
      swatch.style.backgroundColor = colourOf(label);
      item.append(swatch, document.createTextNode(label));
      item.dataset.label = label;
      legend.append(item);
    }
  }

  function showDetails(node) {
    details.replaceChildren();
    const rows = [["label", node.labels?.join(", ") || node.label], ["name", node.name],
                  ["module", node.module], ["uid", node.uid],
                  ...Object.entries(node.properties ?? {})];
    for (const [key, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      const term = document.createElement("dt");
      const description = document.createElement("dd");
      term.textContent = key;
      description.textContent = typeof value === "object" ? JSON.stringify(value) : String(value);
      details.append(term, description);
    }
  }

  // Rings around the node last expanded: its neighbours, then theirs.
  function relayout(root) {
    cy.layout({ name: "breadthfirst", roots: root, circle: true, directed: false,
                spacingFactor: 1.1, padding: 40, animate: false }).run();
    // Then let the springs pull apart what the rings lay across each other.
    cy.layout({ name: "cose", randomize: false, animate: false, padding: 40,
                idealEdgeLength: () => 100, nodeRepulsion: () => 400000, nodeOverlap: 20,
                edgeElasticity: () => 100, gravity: 80, numIter: 1000 }).run();
    // A few nodes would otherwise be fitted to a giant size.
    if (cy.zoom() > MAX_FIT_ZOOM) cy.zoom(MAX_FIT_ZOOM);
    cy.center();
  }

  // Add `uid`'s neighbourhood to the picture (or draw only it, when `fresh`).
  async function expand(uid, fresh) {
    say(texts.loading);
    let body;
    try {
      body = await getJSON(`${config.api}nodes/${encodeURIComponent(uid)}/neighbourhood/?depth=1`);
    } catch (error) {
      sayFailure(error);
      return;
    }
    if (fresh) cy.elements().remove();
    if (body.root && typeof body.root === "object") addNodes([body.root]);
    addNodes(body.nodes);
    addRelationships(body.relationships);
    cy.nodes().removeClass("root");
    const root = cy.getElementById(body.root?.uid ?? body.root ?? uid);
    root.addClass("root");
    relayout(root.nonempty() ? root : undefined);
    drawLegend();
    if (root.nonempty()) showDetails(root.data("node"));
    say(body.truncated ? texts.truncated : texts.shown,
        { nodes: cy.nodes().length, relationships: cy.edges().length });
    document.body.dataset.graphMap = "drawn";  // for tests: the picture is complete
  }

  function listResults(nodes) {
    results.replaceChildren();
    for (const node of nodes) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "graph-map-result";
      const swatch = document.createElement("span");
      swatch.className = "graph-map-swatch";
      swatch.style.backgroundColor = colourOf(node.label);
      button.append(swatch, document.createTextNode(`${caption(node)} (${node.label})`));
      button.addEventListener("click", () => expand(node.uid, true));
      item.append(button);
      results.append(item);
    }
  }

  async function search(q, label) {
    say(texts.searching);
    const query = new URLSearchParams({ q, limit: "25" });
    if (label) query.set("label", label);
    let nodes;
    try {
      nodes = listed(await getJSON(`${config.api}search/?${query}`));
    } catch (error) {
      sayFailure(error);
      return;
    }
    listResults(nodes);
    if (!nodes.length) {
      say(texts.noResults);
      return;
    }
    say(texts.found, { count: nodes.length });
    await expand(nodes[0].uid, true);  // the best match at once; the list offers the others
  }

  async function focusModule(code) {
    let nodes;
    try {
      const query = new URLSearchParams({ label: "Module", code });
      nodes = listed(await getJSON(`${config.api}nodes/?${query}`));
    } catch (error) {
      sayFailure(error);
      return;
    }
    if (!nodes.length) {
      say(texts.noModule, { module: code });
      return;
    }
    await expand(nodes[0].uid, true);
  }

  cy.on("tap", "node", (event) => {
    showDetails(event.target.data("node"));
    expand(event.target.id(), false);
  });

  document.querySelector(".graph-map-search").addEventListener("submit", (event) => {
    event.preventDefault();
    const q = document.getElementById("graph-map-q").value.trim();
    const label = document.getElementById("graph-map-label").value;
    if (q) search(q, label);  // the label only narrows a search
  });

  if (config.node) expand(config.node, true);
  else if (config.module) focusModule(config.module);
  else say(texts.nothing);
})();
