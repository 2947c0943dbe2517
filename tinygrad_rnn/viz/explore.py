"""``tg.viz.explore``: gradient flow through time as one interactive, self-contained HTML page.

    >>> _, last = tg.viz.unroll_cell(cell, x)
    >>> loss = tg.viz.default_loss(cell, last)
    >>> tg.viz.backward_with_grads(loss)          # keeps every node's gradient
    >>> tg.viz.explore(loss, params=cell).save("flow.html")

The page shows, for every run (and every layer and direction of it):

* a **timeline**: one box per time step, coloured by ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖ for an LSTM)
  on the fixed log scale of :mod:`tinygrad_rnn.viz.heat`, wrapped into rows;
* the **gradient-flow chart** ‖∂L/∂h_t‖ against t (log scale) beside it, linked to it;
* **click a step** for its op-level subgraph (laid out by Graphviz when the page is made),
  **hover a node** for its op, name, shape, dtype, value statistics, gradient norm and the
  cell equation that made it;
* with ``compare=``, several runs as aligned timelines on one colour scale;
* from a training run recorded with ``tinygrad-rnn train --record-flow N``, a slider over
  the snapshots with the loss curve under it (:func:`explore_run`).

Everything (data, script, styles, the vendored ``svg-pan-zoom``) is inlined: the file opens
from ``file://`` with no network. In Jupyter or VS Code the :class:`Explorer` shows inline.
"""
from __future__ import annotations

import html
import json
import math
import subprocess
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import ArgumentError
from ..tensor import Tensor
from .graph import _as_roots, build_graph
from .grads import backward_with_grads
from .heat import LOG10_MAX, LOG10_MIN, _ANCHORS, legend_ticks
from .explore_model import Lane, TemplateStore, build_lanes, cells_of, display_name
from .render import GraphvizNotFoundError, find_dot

ASSETS = Path(__file__).parent / "assets"
#: JavaScript libraries inlined into the page: (file under assets/vendor, package, version)
VENDORED = [("svg-pan-zoom.min.js", "svg-pan-zoom", "3.6.2")]
STEPS_PER_ROW = 25

Roots = Tensor | Sequence[Tensor]


class Explorer:
    """One explorer page. ``save(path)`` writes it; notebooks show it inline.

    ``data`` is the JSON the page draws from (see :func:`explore`); ``html()`` is the
    complete page.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @property
    def title(self) -> str:
        return str(self.data.get("title", "Gradient flow explorer"))

    def html(self) -> str:
        """The whole page as one string: styles, data, scripts inline."""
        template = (ASSETS / "explorer.html").read_text(encoding="utf-8")
        vendor = "\n".join((ASSETS / "vendor" / name).read_text(encoding="utf-8")
                           for name, _, _ in VENDORED)
        # "</" inside a <script> would end it early; "<\/" reads the same to JSON.parse
        data = json.dumps(self.data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
        parts = {"TITLE": html.escape(self.title), "CSS": (ASSETS / "explorer.css").read_text(encoding="utf-8"),
                 "DATA": data, "VENDOR_JS": vendor, "JS": (ASSETS / "explorer.js").read_text(encoding="utf-8")}
        for key, value in parts.items():
            template = template.replace("{{" + key + "}}", value)
        return template

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise ArgumentError(f"Explorer.save: the page is HTML, give a path ending in .html, got {str(path)!r}")
        path.write_text(self.html(), encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        # The same page in an iframe: its scripts and styles stay apart from the notebook's.
        return (f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" '
                f'style="width:100%;height:860px;border:1px solid #ddd" '
                f'title="{html.escape(self.title)}"></iframe>')


# -- helpers shared by both kinds of page ----------------------------------------------------------

def _scale() -> dict[str, Any]:
    return {"min": LOG10_MIN, "max": LOG10_MAX, "anchors": _ANCHORS,
            "ticks": [[label, color] for label, color in legend_ticks()]}


def _finite(x: float | None) -> float | None:
    """JSON has no NaN or infinity: those become null (the page shows them as 'not finite')."""
    return x if x is not None and math.isfinite(x) else None


def _short(x: float | None) -> float | None:
    """Four significant digits: statistics for reading, not for recomputing."""
    x = _finite(x)
    return float(f"{x:.4g}") if x is not None else None


def _lane_json(lane: Lane) -> dict[str, Any]:
    return {"label": lane.label, "parts": lane.parts, "steps": lane.steps,
            "norms": {p: [_finite(v) for v in vs] for p, vs in lane.norms.items()},
            "templates": lane.templates,
            "stats": [[[_short(v) for v in node] for node in step] for step in lane.stats]}


# -- step templates drawn by Graphviz ----------------------------------------------------------------

_KIND_ATTRS = {
    "input": 'shape=box, style="filled", color="#2166ac"',
    "from": 'shape=box, style="filled,dashed", color="#2166ac", fontcolor="#2166ac"',
    "param": 'shape=box, style="filled,rounded", color="#1b7837", fontsize=8, height=0.15',
    "tensor": 'shape=box, style="filled,rounded", color="#777777"',
    "output": 'shape=box, style="filled,bold", color="#762a83", peripheries=2',
}


def _node_label(node: dict[str, Any]) -> str:
    name = display_name(node["name"])
    if node["kind"] == "param":
        return name
    top = f"{name} = {node['op']}" if name and node["op"] else (name or node["op"] or "input")
    return f"{top}\n{node['shape']}"


def template_dot(nodes: list[dict[str, Any]], edges: list[tuple[int, int]]) -> str:
    """DOT text of one step: inputs at the top, the new state at the bottom."""
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = ["digraph step {",
             '\tgraph [rankdir=TB, ranksep=0.22, nodesep=0.12, ordering=out, bgcolor="transparent", fontname="Helvetica"]',
             '\tnode [fontname="Helvetica", fontsize=9, height=0.22, margin="0.06,0.02", fillcolor="#ffffff"]',
             '\tedge [arrowsize=0.5, color="#888888"]']
    for i, node in enumerate(nodes):
        style = _KIND_ATTRS.get(node["kind"], _KIND_ATTRS["tensor"])
        bold = ', fontname="Helvetica-Bold"' if node["name"] and node["kind"] == "tensor" else ""
        state = node["kind"] == "tensor" and "{t}" in node["name"]
        if state:
            style = _KIND_ATTRS["output"]
        lines.append(f'\tn{i} [id="sn{i}", label={q(_node_label(node))}, {style}{bold}]')
    for a, b in edges:
        lines.append(f"\tn{a} -> n{b}")
    # the step's inputs share the top rank, so every step of every cell reads top to bottom
    tops = [f"n{i}" for i, n in enumerate(nodes) if n["kind"] in ("from", "input")]
    if tops:
        lines.append("\t{rank=min; " + "; ".join(tops) + "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _render_svg(dot_text: str) -> str | None:
    """SVG markup from the ``dot`` program, or None when Graphviz is not installed."""
    try:
        exe = find_dot()
    except GraphvizNotFoundError:
        return None
    done = subprocess.run([exe, "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True,
                          timeout=60, check=False)
    if done.returncode != 0:
        return None
    svg = done.stdout.decode("utf-8")
    return svg[svg.index("<svg"):]          # drop the XML prolog and doctype


# -- the public functions ----------------------------------------------------------------------------

def _ensure_grads(roots: list[Tensor], label: str) -> None:
    """Run the backward pass that keeps every gradient, unless it already ran."""
    fresh = [r for r in roots if r._ctx is not None and not r._ctx.freed and r.grad is None]
    if len(fresh) == len(roots):
        total = roots[0]
        for r in roots[1:]:
            total = total.sum() + r.sum()
        if total.data.size != 1:
            raise ArgumentError(f"explore: {label}: the root has shape {tuple(total.shape)}; give a scalar "
                             f"loss, or run tg.viz.backward_with_grads(root, gradient) first")
        backward_with_grads(total)


def _run_lanes(label: str, roots: Roots, store: TemplateStore, params: Any) -> list[Lane]:
    items = _as_roots(roots, f"explore: {label}")
    _ensure_grads(items, label)
    graph = build_graph(items, params=params)
    lanes = build_lanes(graph, label, store, cells_of(params) if params is not None else [])
    if not lanes:
        raise ArgumentError(f"explore: {label}: the graph has no time steps (ops recorded under a "
                         f"'t=N' name scope); run the cell with tg.viz.unroll_cell or a layer")
    reached = [v for lane in lanes for vs in lane.norms.values() for v in vs if v is not None]
    if not reached:
        raise ArgumentError(f"explore: {label}: no gradients on the graph's state tensors. A plain "
                         f"loss.backward() keeps gradients on leaves only: call "
                         f"tg.viz.backward_with_grads(loss) instead (or pass the loss before any backward)")
    return lanes


def explore(roots: Roots, *, title: str | None = None,
            compare: Mapping[str, Roots] | Sequence[tuple[str, Roots]] | None = None,
            label: str | None = None, params: Any = None,
            steps_per_row: int = STEPS_PER_ROW) -> Explorer:
    """An :class:`Explorer` page for the graph behind ``roots`` (a loss, or a list of them).

    Call it after :func:`~tinygrad_rnn.viz.backward_with_grads` (or before any backward: it
    then runs that itself). ``compare`` adds more runs, ``{label: loss}`` or a list of
    ``(label, loss)``, drawn as aligned timelines on the same colour scale; ``label`` names
    the first run. ``params`` (a Module, or a list of them) names the parameter stubs
    (``weight_hh``) and gives each step's cell equations. ``steps_per_row`` wraps the
    timelines (25 steps a row: T = 100 fits a 1280 px window).
    """
    if steps_per_row < 1:
        raise ArgumentError(f"explore: steps_per_row must be positive, got {steps_per_row}")
    runs: list[tuple[str, Roots]] = [(label or _default_label(roots), roots)]
    if compare is not None:
        runs += list(compare.items()) if isinstance(compare, Mapping) else list(compare)
    labels = [r[0] for r in runs]
    if len(set(labels)) != len(labels):
        raise ArgumentError(f"explore: run labels must differ, got {labels}")
    store = TemplateStore()
    lanes: list[Lane] = []
    for run_label, run_roots in runs:
        lanes += _run_lanes(run_label, run_roots, store, params)
    for tpl in store.templates:
        tpl.svg = _render_svg(template_dot(tpl.nodes, tpl.edges))
    data = {
        "title": title or "Gradient flow through time",
        "mode": "graph",
        "columns": steps_per_row,
        "scale": _scale(),
        "lanes": [_lane_json(lane) for lane in lanes],
        "templates": [{"nodes": t.nodes, "edges": t.edges, "svg": t.svg} for t in store.templates],
        "graphviz": all(t.svg is not None for t in store.templates),
        "training": None,
    }
    return Explorer(data)


def _default_label(roots: Roots) -> str:
    for r in _as_roots(roots, "explore: roots"):
        if r._ctx is not None and r._ctx.scope:
            return str(r._ctx.scope[0])
    return "run"


def explore_run(run_dirs: str | Path | Sequence[str | Path], *, title: str | None = None,
                steps_per_row: int = STEPS_PER_ROW) -> Explorer:
    """The page for training runs recorded with ``--record-flow N``: the per-step gradient
    norms of every snapshot under a slider (``#training-step``), the loss curves under it.

    Several run folders (trained with the same snapshot steps) become aligned timelines; the
    slider then offers the steps that every run recorded.
    """
    from ..train.flow_record import FLOW_FILE, read_flow, read_losses
    dirs = [Path(run_dirs)] if isinstance(run_dirs, (str, Path)) else [Path(d) for d in run_dirs]
    if not dirs:
        raise ArgumentError("explore_run: give at least one run folder")
    per_run: list[dict[int, dict[str, Any]]] = []
    losses: dict[str, list[list[float | None]]] = {}
    labels: list[str] = []
    for d in dirs:
        snaps = read_flow(d / FLOW_FILE)
        if not snaps:
            raise ArgumentError(f"explore --run: {d / FLOW_FILE} holds no snapshots")
        run_labels = list(snaps[0]["lanes"])
        if any(lab in labels for lab in run_labels):       # two runs of one configuration
            rename = {lab: f"{lab} ({d.name})" for lab in run_labels}
            for snap in snaps:
                snap["lanes"] = {rename[k]: v for k, v in snap["lanes"].items()}
            run_labels = list(rename.values())
        labels += run_labels
        per_run.append({int(snap["step"]): snap for snap in snaps})
        losses[" + ".join(run_labels)] = read_losses(d)
    common = sorted(set.intersection(*(set(r) for r in per_run)))
    if not common:
        raise ArgumentError(f"explore --run: the runs share no snapshot step ({', '.join(map(str, dirs))}); "
                         f"record them with the same --record-flow N")
    snapshots = []
    for step in common:
        lanes_at = {}
        for r in per_run:
            lanes_at.update(r[step]["lanes"])
        snapshots.append({"step": step, "loss": per_run[0][step].get("loss") if len(per_run) == 1 else None,
                          "lanes": lanes_at})
    lanes = []
    for lab in labels:
        rec = snapshots[0]["lanes"][lab]
        parts = [p for p in ("h", "c") if p in rec]
        lanes.append({"label": lab, "parts": parts, "steps": list(range(len(rec[parts[0]]))),
                      "norms": {p: rec[p] for p in parts}, "templates": [], "stats": []})
    data = {
        "title": title or f"Gradient flow over training: {', '.join(d.name for d in dirs)}",
        "mode": "training",
        "columns": steps_per_row,
        "scale": _scale(),
        "lanes": lanes,
        "templates": [],
        "graphviz": False,
        "training": {"snapshots": snapshots, "loss": losses},
    }
    return Explorer(data)


__all__ = ["Explorer", "explore", "explore_run", "template_dot"]
