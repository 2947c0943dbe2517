// The tinygrad_rnn gradient-flow explorer. Reads the JSON in #explorer-data (written by
// tinygrad_rnn/viz/explore.py) and draws: the legend, one timeline per lane, the
// gradient-flow chart, a step's op graph on click, and the details of whatever is hovered.
// DOM contract for tests: [data-step][data-cell][data-grad-norm] per step box,
// [data-node] per op node, #details, #step-graph, and #training-step (training mode).
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("explorer-data").textContent);
  const SVGNS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"];
  const lanes = DATA.lanes;
  let openBox = null, panZoom = null, selectedNode = null;

  // ---- the colour scale: the same anchors and range as tinygrad_rnn/viz/heat.py ----
  function rgb(hex) { return [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16)); }
  function heatFraction(norm) {
    if (!(norm > 0)) return 0;
    if (!isFinite(norm)) return 1;
    const f = (Math.log10(norm) - DATA.scale.min) / (DATA.scale.max - DATA.scale.min);
    return Math.min(Math.max(f, 0), 1);
  }
  function heatColor(norm) {
    if (norm === null || norm === undefined) return "#ffffff";
    const A = DATA.scale.anchors, x = heatFraction(norm) * (A.length - 1);
    const k = Math.min(Math.floor(x), A.length - 2), w = x - k;
    const a = rgb(A[k]), b = rgb(A[k + 1]);
    return "#" + a.map((c, i) => Math.round(c + (b[i] - c) * w).toString(16).padStart(2, "0")).join("");
  }
  function fmt(x) {
    if (x === null || x === undefined) return "—";
    if (x === 0) return "0";
    const ax = Math.abs(x);
    return (ax >= 1e-3 && ax < 1e4) ? x.toPrecision(4) : x.toExponential(2);
  }
  function el(tag, attrs, parent, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function sel(tag, attrs, parent) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function esc(s) { return String(s).replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c])); }

  // ---- legend ----
  (function legend() {
    const box = document.getElementById("legend");
    el("span", {}, box, "gradient norm:");
    const bar = el("span", {class: "bar"}, box);
    DATA.scale.ticks.forEach(([label, color], i) => {
      const s = el("span", {style: `background:${color};color:${i > 4 ? "#fff" : "#000"}`}, bar, label);
      s.title = `‖grad‖ ≈ ${label}`;
    });
    el("span", {class: "muted"}, box, "(log scale, fixed range: the same colour means the same size in every run; white: no gradient)");
  })();

  // ---- timelines ----
  const boxes = [];   // boxes[laneIndex][k] for the k-th step of the lane
  function drawTimelines() {
    const root = document.getElementById("timelines");
    const C = DATA.columns;
    lanes.forEach((lane, li) => {
      const div = el("div", {class: "lane"}, root);
      el("div", {class: "lane-label"}, div, lane.label + (lane.parts.length > 1 ? "  (top band h, bottom band c)" : ""));
      const grid = el("div", {class: "rows", style: `grid-template-columns: 46px repeat(${C}, minmax(0, 1fr))`}, div);
      boxes.push([]);
      lane.steps.forEach((t, k) => {
        if (k % C === 0) el("div", {class: "row-label"}, grid, "t=" + t);
        const b = el("div", {class: "step", "data-step": String(t), "data-cell": lane.label,
                             "data-lane": String(li), "data-index": String(k)}, grid);
        lane.parts.forEach(() => el("i", {}, b));
        b.addEventListener("mouseenter", () => highlight(t, li, k));
        b.addEventListener("mouseleave", () => highlight(null));
        b.addEventListener("click", () => openStep(li, k));
        boxes[li].push(b);
      });
    });
    recolour();
  }
  function recolour() {
    lanes.forEach((lane, li) => {
      lane.steps.forEach((t, k) => {
        const b = boxes[li][k];
        const first = lane.norms[lane.parts[0]][k];
        b.setAttribute("data-grad-norm", first === null ? "0" : String(first));
        lane.parts.forEach((p, j) => {
          const v = lane.norms[p][k];
          b.children[j].style.background = heatColor(v);
        });
        b.title = `${lane.label}, t=${t}: ` + lane.parts.map(p => `‖∂L/∂${p}‖ = ${fmt(lane.norms[p][k])}`).join(", ");
      });
    });
  }

  // ---- the gradient-flow chart ----
  // the run legend sits under the axis title: one line per lane
  const chart = {W: 460, H: 300 + 13 * lanes.length, L: 46, R: 10, T: 10, B: 42 + 13 * lanes.length};
  function logRange() {
    let lo = Infinity, hi = -Infinity;
    const seen = v => { if (v > 0 && isFinite(v)) { const l = Math.log10(v); lo = Math.min(lo, l); hi = Math.max(hi, l); } };
    lanes.forEach(l => l.parts.forEach(p => l.norms[p].forEach(seen)));
    if (DATA.training) DATA.training.snapshots.forEach(s => Object.values(s.lanes).forEach(r => ["h", "c"].forEach(p => (r[p] || []).forEach(seen))));
    if (lo === Infinity) { lo = -8; hi = 0; }
    lo = Math.floor(lo); hi = Math.ceil(hi);
    if (hi === lo) hi = lo + 1;
    return [lo, hi];
  }
  const [yLo, yHi] = logRange();
  const lastStep = Math.max(0, ...lanes.map(l => Math.max(...l.steps)));
  const tMax = Math.max(1, lastStep);
  // x-axis labels: round steps (1, 2 or 5 × 10^k apart, at most six gaps) from 0, plus the
  // last step, where the loss is; a round step within half a gap of the last one is left out
  function stepTicks(last) {
    if (last < 1) return [0];
    const raw = last / 6, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const every = Math.max(1, [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw));
    const ticks = [];
    for (let t = 0; t < last; t += every) if (t === 0 || last - t > every / 2) ticks.push(t);
    ticks.push(last);
    return ticks;
  }
  function cx(t) { return chart.L + (chart.W - chart.L - chart.R) * t / tMax; }
  function cy(v) { return chart.T + (chart.H - chart.T - chart.B) * (1 - (Math.log10(v) - yLo) / (yHi - yLo)); }
  let cursor = null;
  function drawChart() {
    const host = document.getElementById("chart");
    host.innerHTML = "";
    const svg = sel("svg", {viewBox: `0 0 ${chart.W} ${chart.H}`, role: "img"}, host);
    sel("line", {class: "axis", x1: chart.L, x2: chart.L, y1: chart.T, y2: chart.H - chart.B}, svg);
    sel("line", {class: "axis", x1: chart.L, x2: chart.W - chart.R, y1: chart.H - chart.B, y2: chart.H - chart.B}, svg);
    const every = Math.max(1, Math.ceil((yHi - yLo) / 8));
    for (let e = yLo; e <= yHi; e += every) {
      const y = cy(Math.pow(10, e));
      sel("line", {x1: chart.L - 3, x2: chart.W - chart.R, y1: y, y2: y, stroke: "#eee"}, svg);
      sel("text", {x: chart.L - 5, y: y + 3, "text-anchor": "end"}, svg).textContent = "1e" + e;
    }
    stepTicks(lastStep).forEach(t => {
      sel("line", {class: "axis", x1: cx(t), x2: cx(t), y1: chart.H - chart.B, y2: chart.H - chart.B + 3}, svg);
      sel("text", {class: "xtick", x: cx(t), y: chart.H - chart.B + 13, "text-anchor": "middle"}, svg).textContent = String(t);
    });
    sel("text", {x: (chart.L + chart.W) / 2, y: chart.H - chart.B + 26, "text-anchor": "middle"}, svg).textContent = "time step t (the loss is at the last step)";
    lanes.forEach((lane, li) => {
      const color = PALETTE[li % PALETTE.length];
      lane.parts.forEach(p => {
        let d = "";
        lane.steps.forEach((t, k) => {
          const v = lane.norms[p][k];
          if (v > 0 && isFinite(v)) d += (d ? "L" : "M") + cx(t).toFixed(1) + "," + cy(v).toFixed(1);
        });
        if (d) sel("path", {class: "line " + p, d: d, stroke: color}, svg);
      });
      const ly = chart.H - 6 - 13 * (lanes.length - 1 - li);
      sel("line", {x1: chart.L, x2: chart.L + 18, y1: ly - 3, y2: ly - 3, stroke: color, "stroke-width": 2}, svg);
      sel("text", {class: "legend-item", x: chart.L + 22, y: ly}, svg).textContent = lane.label;
    });
    cursor = sel("line", {class: "cursor", y1: chart.T, y2: chart.H - chart.B, visibility: "hidden"}, svg);
    svg.addEventListener("mousemove", ev => {
      const r = svg.getBoundingClientRect();
      const x = (ev.clientX - r.left) * chart.W / r.width;
      const t = Math.round((x - chart.L) / (chart.W - chart.L - chart.R) * tMax);
      if (t >= 0 && t <= tMax) highlight(t);
    });
    svg.addEventListener("mouseleave", () => highlight(null));
  }
  // ---- linking: one step highlighted in every timeline and in the chart ----
  function highlight(t, li, k) {
    document.querySelectorAll(".step.hl").forEach(b => b.classList.remove("hl"));
    if (t === null) { cursor.setAttribute("visibility", "hidden"); return; }
    document.querySelectorAll(`.step[data-step="${t}"]`).forEach(b => b.classList.add("hl"));
    cursor.setAttribute("x1", cx(t)); cursor.setAttribute("x2", cx(t));
    cursor.setAttribute("visibility", "visible");
    if (selectedNode === null) showStep(t);
  }
  function showStep(t) {
    let rows = `<tr><th>time step</th><td>t = ${t}</td></tr>`;
    lanes.forEach(lane => {
      const k = lane.steps.indexOf(t);
      if (k < 0) return;
      rows += `<tr><th>${esc(lane.label)}</th><td>` + lane.parts.map(p => `‖∂L/∂${p}<sub>${t}</sub>‖ = ${fmt(lane.norms[p][k])}`).join("<br>");
      if (lane.gate && lane.gate[k] !== null && lane.gate[k] !== undefined) rows += `<br>mean forget gate f = ${fmt(lane.gate[k])}`;
      rows += "</td></tr>";
    });
    document.getElementById("details").innerHTML = `<h2>Step ${t}</h2><table>${rows}</table>`;
  }

  // ---- one step's op graph ----
  function realName(pattern, t) {
    return pattern.replace(/\{t([+-]\d+)?\}/g, (_, d) => String(t + (d ? parseInt(d, 10) : 0)));
  }
  function openStep(li, k) {
    const lane = lanes[li], t = lane.steps[k];
    if (openBox) openBox.classList.remove("open");
    openBox = boxes[li][k]; openBox.classList.add("open");
    selectedNode = null;
    const host = document.getElementById("step-graph");
    const title = document.getElementById("step-title");
    if (DATA.mode !== "graph") { showStep(t); return; }
    const tpl = DATA.templates[lane.templates[k]];
    const stats = lane.stats[k];
    title.textContent = `${lane.label}, step t = ${t}: every op (colour = ‖∂L/∂tensor‖; drag to pan, wheel to zoom)`;
    host.hidden = false;
    if (panZoom) { panZoom.destroy(); panZoom = null; }
    host.innerHTML = "";
    host.setAttribute("data-open-lane", String(li)); host.setAttribute("data-open-step", String(t));
    if (tpl.svg) {
      host.innerHTML = tpl.svg;
      const svg = host.querySelector("svg");
      svg.removeAttribute("width"); svg.removeAttribute("height");
      svg.querySelectorAll("g.node").forEach(g => {
        const i = parseInt(g.id.slice(2), 10);      // ids are "sn<i>"
        g.setAttribute("data-node", String(i));
        const shape = g.querySelector("polygon, ellipse, path");
        const norm = stats[i][0];
        if (shape && tpl.nodes[i].kind !== "param") shape.setAttribute("fill", heatColor(norm));
        if (shape && tpl.nodes[i].kind !== "param" && heatFraction(norm) > 0.6) g.querySelectorAll("text").forEach(x => x.setAttribute("fill", "#ffffff"));
        g.querySelector("title") && g.querySelector("title").remove();   // the panel explains it
        g.addEventListener("mouseenter", () => { if (selectedNode === null) showNode(li, k, i); });
        g.addEventListener("click", ev => { ev.stopPropagation(); selectNode(g, li, k, i); });
      });
      if (typeof svgPanZoom === "function") {
        panZoom = svgPanZoom(svg, {zoomEnabled: true, controlIconsEnabled: true, fit: true, center: true, minZoom: 0.2, maxZoom: 20});
      }
    } else {
      // no Graphviz when the page was made: the same nodes as a table
      const table = el("table", {}, host);
      tpl.nodes.forEach((n, i) => {
        const tr = el("tr", {"data-node": String(i)}, table);
        el("td", {style: `background:${heatColor(stats[i][0])}`}, tr, realName(n.name, t) || n.op);
        el("td", {}, tr, n.op);
        tr.addEventListener("mouseenter", () => showNode(li, k, i));
      });
    }
    showStep(t);
  }
  function selectNode(g, li, k, i) {
    document.querySelectorAll("#step-graph g.node.sel").forEach(x => x.classList.remove("sel"));
    if (selectedNode === i) { selectedNode = null; return; }
    g.classList.add("sel"); selectedNode = i;
    showNode(li, k, i);
  }
  function showNode(li, k, i) {
    const lane = lanes[li], t = lane.steps[k];
    const node = DATA.templates[lane.templates[k]].nodes[i];
    const [g, lo, mean, hi] = lane.stats[k][i];
    const kind = {param: "parameter (a stub: the same tensor feeds every step)", from: "from another step",
                  input: "input", tensor: "tensor made by an op", output: "output"}[node.kind] || node.kind;
    const rows = [
      ["op", node.op ? `<code>${esc(node.op)}</code>` : "— (not made by an op here)"],
      ["tensor", node.name ? `<code>${esc(realName(node.name, t))}</code>` : "(unnamed)"],
      ["kind", kind],
      ["shape", esc(node.shape)], ["dtype", esc(node.dtype)],
      ["values", `min ${fmt(lo)}, mean ${fmt(mean)}, max ${fmt(hi)}`],
      ["‖∂L/∂tensor‖", `<span class="grad-norm">${fmt(g)}</span>`],
      ["equation", node.eq ? `<code>${esc(node.eq)}</code>` : "—"],
    ];
    document.getElementById("details").innerHTML =
      `<h2>${esc(lane.label)}, step ${t}</h2><table>` + rows.map(([a, b]) => `<tr><th>${a}</th><td>${b}</td></tr>`).join("") + "</table>";
  }

  // ---- training snapshots: a slider over them, the loss curve under it ----
  function drawTraining() {
    const tr = DATA.training, host = document.getElementById("training");
    if (!tr) { host.remove(); return; }
    const snaps = tr.snapshots;
    const label = el("label", {for: "training-step"}, host);
    const slider = el("input", {type: "range", id: "training-step", min: "0", max: String(snaps.length - 1), value: String(snaps.length - 1), step: "1"}, host);
    const lossHost = el("div", {id: "loss-chart"}, host);
    const W = 460, H = 150, L = 46, R = 10, T = 8, B = 28;
    const curves = Object.entries(tr.loss).map(([name, rows]) => [name, rows.filter(p => p[1] !== null && isFinite(p[1]))]);
    const pts = [].concat(...curves.map(c => c[1]));
    const svg = sel("svg", {viewBox: `0 0 ${W} ${H}`}, lossHost);
    const sMax = Math.max(1, ...pts.map(p => p[0]), ...snaps.map(s => s.step));
    const lMin = Math.min(...pts.map(p => p[1])), lMax = Math.max(...pts.map(p => p[1]));
    const x = s => L + (W - L - R) * s / sMax;
    const y = v => T + (H - T - B) * (1 - (v - lMin) / ((lMax - lMin) || 1));
    sel("line", {class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#999"}, svg);
    sel("line", {class: "axis", x1: L, x2: L, y1: T, y2: H - B, stroke: "#999"}, svg);
    curves.forEach(([name, rows], i) => {
      if (!rows.length) return;
      const color = curves.length > 1 ? PALETTE[i % PALETTE.length] : "#333";
      const path = sel("path", {d: rows.map((p, j) => (j ? "L" : "M") + x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1)).join(""), fill: "none", stroke: color, "stroke-width": 1.4}, svg);
      sel("title", {}, path).textContent = name;
    });
    if (pts.length) {
      sel("text", {x: L - 4, y: T + 8, "text-anchor": "end", "font-size": 10}, svg).textContent = fmt(lMax);
      sel("text", {x: L - 4, y: H - B, "text-anchor": "end", "font-size": 10}, svg).textContent = fmt(lMin);
    }
    sel("text", {x: (L + W) / 2, y: H - 6, "text-anchor": "middle", "font-size": 10}, svg).textContent = "training step (training loss" + (curves.length > 1 ? ", one colour per run as in the chart above)" : ")");
    const marker = sel("line", {y1: T, y2: H - B, stroke: "#d62728", "stroke-width": 1.5}, svg);
    function show(i) {
      const s = snaps[i];
      label.textContent = `snapshot ${i + 1} of ${snaps.length}: training step ${s.step}` + (s.loss !== null && s.loss !== undefined ? `, loss ${fmt(s.loss)}` : "");
      lanes.forEach(lane => {
        const rec = s.lanes[lane.label] || {};
        lane.parts.forEach(p => { lane.norms[p] = rec[p] || lane.norms[p].map(() => null); });
        lane.gate = rec.f || null;
      });
      marker.setAttribute("x1", x(s.step)); marker.setAttribute("x2", x(s.step));
      recolour(); drawChart();
    }
    slider.addEventListener("input", () => show(parseInt(slider.value, 10)));
    show(snaps.length - 1);
  }

  if (DATA.mode !== "graph") {   // snapshots hold per-step numbers only, no ops to open
    document.getElementById("step-title").textContent = "Recorded during training: per-step numbers only (hover or click a step)";
  }
  drawTimelines();
  drawChart();
  drawTraining();
  document.body.setAttribute("data-ready", "1");
})();
