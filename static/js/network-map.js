/* Svrazka network map: cytoscape over network/graph.json; every string comes from the page. */
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("network-strings").textContent);
  var URLS = JSON.parse(document.getElementById("network-urls").textContent);
  var form = document.getElementById("network-filters");
  var statusEl = document.getElementById("network-status");
  var asOf = document.getElementById("network-as-of");
  var year = document.getElementById("network-year");
  var hopsEl = document.getElementById("network-hops");
  var search = document.getElementById("network-search");
  var list = document.getElementById("network-node-list");
  var PALETTE = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];
  var focusId = "";
  var known = {}; // label -> id (from every graph seen)
  var cy = null;

  function colourOf(n) {
    if (n.kind === "us") return "#111827";
    var mode = form.querySelector("input[name=colour]:checked").value;
    if (mode === "health") {
      var h = n.health;
      if (h === null || h === undefined) return "#d1d5db";
      return h >= 70 ? "#16a34a" : h >= 40 ? "#ca8a04" : "#dc2626";
    }
    return PALETTE[(n.community || 0) % PALETTE.length];
  }

  function legend() {
    var el = document.getElementById("network-legend");
    var mode = form.querySelector("input[name=colour]:checked").value;
    var rows = mode === "health"
      ? [["#16a34a", T.healthGood], ["#ca8a04", T.healthMid], ["#dc2626", T.healthBad], ["#d1d5db", T.healthUnknown]]
      : PALETTE.slice(0, 6).map(function (c, i) { return [c, T.community + " " + (i + 1)]; });
    rows.push(["#111827", T.us]);
    el.innerHTML = "";
    rows.forEach(function (r) {
      var d = document.createElement("div"); var s = document.createElement("span");
      s.style.background = r[0]; d.appendChild(s); d.appendChild(document.createTextNode(r[1])); el.appendChild(d);
    });
  }

  function params(extra) {
    var p = new URLSearchParams();
    form.querySelectorAll("input[name=kind]:checked").forEach(function (c) { p.append("kind", c.value); });
    ["type", "cause", "tag"].forEach(function (n) { var v = form.elements[n].value; if (v) p.set(n, v); });
    var c = form.elements.country.value.trim(); if (c) p.set("country", c);
    if (asOf.value) p.set("as_of", asOf.value);
    if (focusId) { p.set("focus", focusId); p.set("hops", hopsEl.value || "1"); }
    Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
    return p;
  }

  function updateExports() {
    ["graphml", "gexf", "json"].forEach(function (f) {
      document.getElementById("export-" + f).href = URLS.export + "?" + params({ format: f }).toString();
    });
  }

  function setStatus(text) { statusEl.textContent = text; }

  var seq = 0;
  function load() {
    var mine = ++seq;
    setStatus(T.loading);
    updateExports();
    return fetch(URLS.graph + "?" + params().toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (mine !== seq) return; // a newer request has been made meanwhile
        if (!res.ok) { setStatus(res.body.message || res.body.error || T.error); return; }
        draw(res.body);
      })
      .catch(function () { setStatus(T.error); });
  }

  function draw(data) {
    var els = [];
    data.nodes.forEach(function (n) {
      if (n.kind !== "group") known[n.label] = n.id;
      els.push({ group: "nodes", data: { id: n.id, label: n.label, kind: n.kind, colour: colourOf(n), raw: n,
        size: n.kind === "group" ? Math.min(80, 16 + 6 * Math.sqrt(n.size || 1)) : (n.kind === "us" ? 28 : 16) } });
    });
    data.edges.forEach(function (e) {
      els.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, label: e.label, kind: e.kind, w: 0.5 + 3 * (e.weight || 0) } });
    });
    var n = data.nodes.length;
    var layout = n > 1500 ? { name: "grid", animate: false } : (n > 400 ? { name: "concentric", animate: false, minNodeSpacing: 4 } : { name: "cose", animate: false, numIter: 400 });
    if (cy) cy.destroy();
    cy = cytoscape({
      container: document.getElementById("network-cy"), elements: els, layout: layout,
      textureOnViewport: n > 1500, hideEdgesOnViewport: n > 1500, pixelRatio: n > 1500 ? 1 : "auto",
      style: [
        { selector: "node", style: { "background-color": "data(colour)", width: "data(size)", height: "data(size)", label: n > 300 ? "" : "data(label)", "font-size": 9, "min-zoomed-font-size": 8 } },
        { selector: "node[kind = 'group']", style: { label: "data(label)", shape: "round-rectangle" } },
        { selector: "node[kind = 'organisation']", style: { shape: "round-rectangle" } },
        { selector: "edge", style: { width: "data(w)", "line-color": "#cbd5e1", "curve-style": n > 1500 ? "haystack" : "bezier" } },
        { selector: ".warm", style: { "line-color": "#f59e0b", "background-color": "#f59e0b", width: 6, "z-index": 10 } },
        { selector: ".focused", style: { "border-width": 4, "border-color": "#111827" } },
      ],
    });
    cy.on("tap", "node", function (ev) {
      var d = ev.target.data();
      if (d.kind === "group") return;
      document.getElementById("warm-target").value = d.label;
      focusId = d.id; search.value = d.label; load();
    });
    if (focusId && cy.getElementById(focusId).length) cy.getElementById(focusId).addClass("focused");
    list.innerHTML = "";
    Object.keys(known).slice(0, 2000).forEach(function (label) { var o = document.createElement("option"); o.value = label; list.appendChild(o); });
    var text = data.total_nodes + " " + T.nodes + ", " + data.total_edges + " " + T.edges + " (" + n + ")";
    if (data.aggregated) text = (data.message || T.aggregated) + " — " + text;
    else if (data.message) text = data.message + " — " + text;
    setStatus(text);
    statusEl.dataset.nodes = String(n);
    document.getElementById("network-cy").dataset.nodes = String(n);
  }

  function resolve(value) {
    value = (value || "").trim();
    if (!value) return "";
    if (known[value]) return known[value];
    if (/^(o|p)\d+$/.test(value) || value === "w") return value;
    var low = value.toLowerCase();
    var hit = Object.keys(known).find(function (l) { return l.toLowerCase().indexOf(low) !== -1; });
    return hit ? known[hit] : "";
  }

  function recolour() {
    legend();
    if (!cy) return;
    cy.batch(function () { cy.nodes().forEach(function (n) { n.data("colour", colourOf(n.data("raw"))); }); });
  }

  function esc(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }

  function svg() {
    if (!cy) return;
    var bb = cy.elements().boundingBox();
    var pad = 20, w = Math.max(1, bb.w) + 2 * pad, h = Math.max(1, bb.h) + 2 * pad;
    var out = ['<svg xmlns="http://www.w3.org/2000/svg" width="' + w + '" height="' + h + '" viewBox="' + (bb.x1 - pad) + " " + (bb.y1 - pad) + " " + w + " " + h + '">'];
    cy.edges().forEach(function (e) {
      var a = e.source().position(), b = e.target().position();
      out.push('<line x1="' + a.x + '" y1="' + a.y + '" x2="' + b.x + '" y2="' + b.y + '" stroke="#cbd5e1" stroke-width="' + e.data("w") + '"/>');
    });
    cy.nodes().forEach(function (n) {
      var p = n.position(), r = n.data("size") / 2;
      out.push('<g><title>' + esc(n.data("label")) + '</title><circle cx="' + p.x + '" cy="' + p.y + '" r="' + r + '" fill="' + n.data("colour") + '"/>' +
        '<text x="' + (p.x + r + 2) + '" y="' + (p.y + 3) + '" font-size="9" font-family="sans-serif">' + esc(n.data("label")) + "</text></g>");
    });
    out.push("</svg>");
    download(new Blob([out.join("\n")], { type: "image/svg+xml" }), "network.svg");
  }

  function download(blob, name) {
    var a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click(); setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function warm() {
    var target = resolve(document.getElementById("warm-target").value);
    var ol = document.getElementById("warm-paths");
    ol.innerHTML = "";
    if (!target) { ol.innerHTML = "<li>" + esc(T.notFound) + "</li>"; return; }
    fetch(URLS.paths + "?to=" + encodeURIComponent(target), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        var paths = body.paths || [];
        if (!paths.length) { ol.innerHTML = "<li>" + esc(body.message || body.error || T.noPaths) + "</li>"; return; }
        paths.forEach(function (p, i) {
          var li = document.createElement("li");
          li.innerHTML = '<div class="warm-summary">' + esc(p.summary) + "</div>" +
            (p.ask ? '<div class="muted">' + esc(T.ask) + ": " + esc(p.ask.label) + "</div>" : "") +
            '<div class="muted">' + p.nodes.map(function (n) { return esc(n.label); }).join(" → ") + "</div>";
          li.addEventListener("click", function () { highlight(p); });
          ol.appendChild(li);
          if (i === 0) highlight(p);
        });
      })
      .catch(function () { ol.innerHTML = "<li>" + esc(T.error) + "</li>"; });
  }

  function highlight(path) {
    if (!cy) return;
    cy.elements().removeClass("warm");
    path.nodes.forEach(function (n) { cy.getElementById(n.id).addClass("warm"); });
    (path.steps || []).forEach(function (s) {
      cy.edges().filter(function (e) {
        var a = e.data("source"), b = e.data("target");
        return (a === s.source && b === s.target) || (a === s.target && b === s.source);
      }).addClass("warm");
    });
  }

  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  form.addEventListener("change", function (ev) {
    if (ev.target.name === "colour") { recolour(); return; }
    if (ev.target === year || ev.target === search) return;
    if (ev.target === asOf && asOf.value) year.value = asOf.value.slice(0, 4);
    load();
  });
  year.addEventListener("change", function () {
    var today = asOf.max;
    asOf.value = String(year.value) === today.slice(0, 4) ? today : year.value + "-12-31";
    load();
  });
  document.getElementById("network-focus").addEventListener("click", function () {
    var id = resolve(search.value);
    if (!id) { setStatus(T.notFound); return; }
    focusId = id; load();
  });
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); document.getElementById("network-focus").click(); } });
  document.getElementById("network-clear").addEventListener("click", function () { focusId = ""; search.value = ""; load(); });
  document.getElementById("network-png").addEventListener("click", function () {
    if (cy) download(cy.png({ output: "blob", full: true, bg: "#ffffff" }), "network.png");
  });
  document.getElementById("network-svg").addEventListener("click", svg);
  document.getElementById("warm-ask").addEventListener("click", warm);
  legend();
  // Opened from a person's or organisation's page: ?focus=o12 and/or ?to=o12.
  var opened = new URLSearchParams(window.location.search);
  if (/^(o|p)\d+$/.test(opened.get("focus") || "")) { focusId = opened.get("focus"); search.value = focusId; }
  load();
  if (/^(o|p)\d+$/.test(opened.get("to") || "")) {
    document.getElementById("warm-target").value = opened.get("to");
    warm();
  }
})();
