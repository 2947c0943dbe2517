"""DOT text (Graphviz's input language) from a :class:`~tinygrad_rnn.viz.graph.Graph`.

Pure string building: needs neither the ``dot`` program nor the ``graphviz`` package.
Nodes are grouped into nested clusters by their name-scope path, so an unrolled layer
reads as ``lstm > layer0 > forward > t=0, t=1, ...``, one box per time step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from .graph import INPUT, INTERMEDIATE, OP, OUTPUT, PARAMETER, Graph, Node, group_key
from .heat import LOG10_MAX, LOG10_MIN, NO_GRAD_COLOR, edge_width, format_norm, heat_color, \
    legend_ticks, text_color

# Kinds are told apart by outline colour and shape; the fill is left free for the heat.
KIND_STYLE = {
    PARAMETER: {"shape": "box", "style": "filled,rounded,bold", "color": "#1b7837", "fill": "#d9f0d3"},
    INPUT: {"shape": "box", "style": "filled", "color": "#2166ac", "fill": "#d1e5f0"},
    OUTPUT: {"shape": "box", "style": "filled,bold", "color": "#762a83", "fill": "#e7d4e8",
             "peripheries": "2"},
    INTERMEDIATE: {"shape": "box", "style": "filled", "color": "#666666", "fill": "#f7f7f7"},
}
OP_STYLE = {"shape": "ellipse", "style": "filled", "color": "#999999", "fillcolor": "#eeeeee",
            "fontsize": "9", "height": "0.25", "margin": "0.02"}
CLUSTER_COLORS = ["#4d4d4d", "#878787", "#bababa", "#d9d9d9"]   # outer to inner scope


@dataclass
class DotOptions:
    rankdir: str = "LR"
    show_values: bool = False
    show_grads: bool = True
    show_shapes: bool = True
    legend: bool = True
    label: str | None = None       # caption on top of the picture: say what it shows
    clusters: bool = True

    def check(self) -> None:
        if self.rankdir not in ("LR", "TB", "RL", "BT"):
            raise ValueError(f"draw: rankdir must be 'LR' or 'TB' (or 'RL', 'BT'), got {self.rankdir!r}")


def quote(text: str) -> str:
    """A DOT string literal: backslashes and quotes escaped, newlines as centred line breaks."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def attrs(**kw: Any) -> str:
    """``[a="1", b="x"]`` in the given order (deterministic); ``label_html`` is written raw."""
    parts = []
    for k, v in kw.items():
        if v is None:
            continue
        if k == "label_html":
            parts.append(f"label=<{v}>")
        else:
            parts.append(f"{k}={quote(str(v))}")
    return "[" + ", ".join(parts) + "]"


def values_text(t: Any, limit: int = 6) -> str:
    """The first values of a tensor, e.g. ``[0.12, -0.5, ...]``."""
    flat = np.asarray(t.numpy()).ravel()
    shown = ", ".join(f"{v:.3g}" for v in flat[:limit])
    return f"[{shown}{', ...' if flat.size > limit else ''}]"


def tensor_label(n: Node, opts: DotOptions) -> str:
    lines = []
    if n.name:
        lines.append(n.name)
    if opts.show_shapes:
        lines.append(f"{n.shape} {n.dtype}")
    if opts.show_values and n.tensor is not None:
        lines.append(values_text(n.tensor))
    if opts.show_grads and n.grad_norm is not None:
        lines.append(f"|grad| {format_norm(n.grad_norm)}")
    return "\n".join(lines) or " "


def node_line(n: Node, opts: DotOptions, heat: bool) -> str:
    if n.kind == OP:
        label = n.name + (f"({n.consts})" if n.consts else "")
        return f"{n.id} {attrs(label=label, **OP_STYLE)}"
    st = KIND_STYLE[n.kind]
    fill, font, style = st["fill"], "#000000", st["style"]
    if heat:
        if n.grad_norm is not None:
            fill, font = heat_color(n.grad_norm), text_color(n.grad_norm)
        else:
            fill, style = NO_GRAD_COLOR, style + ",dashed"
    return f"{n.id} " + attrs(label=tensor_label(n, opts), shape=st["shape"], style=style,
                              color=st["color"], fillcolor=fill, fontcolor=font,
                              peripheries=st.get("peripheries"), fontsize="10")


def heat_legend_html(title: str = "gradient norm |dL/d node| (log10, clipped)") -> str:
    cells = "".join(f'<TD BGCOLOR="{c}" WIDTH="34"><FONT POINT-SIZE="8" COLOR="{"#ffffff" if i > 4 else "#000000"}">'
                    f"{lab}</FONT></TD>" for i, (lab, c) in enumerate(legend_ticks()))
    n = int(LOG10_MAX - LOG10_MIN) + 1
    return (f'<TR><TD COLSPAN="{n}"><FONT POINT-SIZE="9">{html_escape(title)}</FONT></TD></TR>'
            f"<TR>{cells}</TR>")


def legend_line(heat: bool, kinds: bool = True) -> str:
    rows = ""
    if kinds:
        n = int(LOG10_MAX - LOG10_MIN) + 1
        spans = [(n // 4, "parameter", KIND_STYLE[PARAMETER]["color"]),
                 (n // 4, "input", KIND_STYLE[INPUT]["color"]),
                 (n // 4, "output", KIND_STYLE[OUTPUT]["color"]),
                 (n - 3 * (n // 4), "intermediate (ellipse: op)", KIND_STYLE[INTERMEDIATE]["color"])]
        cells = "".join(f'<TD COLSPAN="{s}"><FONT POINT-SIZE="9" COLOR="{c}"><B>{lab}</B></FONT></TD>'
                        for s, lab, c in spans)
        rows += f"<TR>{cells}</TR>"
        if heat:
            rows += (f'<TR><TD COLSPAN="{n}"><FONT POINT-SIZE="8">outline = kind of tensor; fill = heat; '
                     f'white dashed = no gradient reached it</FONT></TD></TR>')
    if heat:
        rows += heat_legend_html()
    if not rows:
        return ""
    return ('legend [shape=plaintext, margin="0", label=<<TABLE BORDER="0" CELLBORDER="1" '
            f'CELLSPACING="0" CELLPADDING="3">{rows}</TABLE>>]')


def graph_header(opts: DotOptions) -> list[str]:
    lines = [f"graph {attrs(rankdir=opts.rankdir, fontname='Helvetica', fontsize='12', labelloc='t', label=opts.label, newrank='true', ranksep='0.3', nodesep='0.15')}",
             f"node {attrs(fontname='Helvetica')}",
             f"edge {attrs(fontname='Helvetica', fontsize='8', arrowsize='0.6')}"]
    return lines


class ScopeTree:
    """Nested clusters from name-scope paths, numbered in first-appearance order."""

    def __init__(self) -> None:
        self.children: dict[str, ScopeTree] = {}
        self.members: list[str] = []

    def add(self, path: tuple[str, ...], line: str) -> None:
        node = self
        for part in path:
            node = node.children.setdefault(part, ScopeTree())
        node.members.append(line)

    def lines(self, counter: list[int], depth: int = 0, indent: str = "") -> list[str]:
        out = [indent + m for m in self.members]
        for name, child in self.children.items():
            k = counter[0]
            counter[0] += 1
            color = CLUSTER_COLORS[min(depth, len(CLUSTER_COLORS) - 1)]
            out.append(f"{indent}subgraph cluster_{k} {{")
            out.append(f"{indent}\tgraph {attrs(label=name, style='rounded', color=color, fontcolor='#333333', fontsize='11')}")
            out.extend(child.lines(counter, depth + 1, indent + "\t"))
            out.append(f"{indent}}}")
        return out


def body_lines(graph: Graph, opts: DotOptions) -> list[str]:
    """The statements inside ``digraph G { ... }``, one per list item."""
    opts.check()
    heat = opts.show_grads and any(n.grad_norm is not None for n in graph.nodes)
    lines = graph_header(opts)
    tree = ScopeTree()
    for n in graph.nodes:
        tree.add(n.scope if opts.clusters else (), node_line(n, opts, heat))
    lines.extend(tree.lines([0]))
    for e in graph.edges:
        width = edge_width(e.grad_norm) if heat else None
        lines.append(f"{e.src} -> {e.dst} " + attrs(label=None if e.arg is None else str(e.arg),
                                                    penwidth=width))
    if opts.clusters:
        lines.extend(step_order_edges(graph))
    if opts.legend:
        leg = legend_line(heat)
        if leg:
            lines.append(leg)
    return lines


def step_order_edges(graph: Graph) -> list[str]:
    """Invisible edges that lay the time steps out one after the other.

    Within a step, the input side (x_t @ W_ih.T, ...) does not depend on the previous step,
    so Graphviz would start every step at the left edge and the step boxes would overlap.
    An invisible edge from the previous step's last node (its new state) to every node of
    the next step that has no input inside that step keeps the steps in a row. Steps are
    ordered by t, descending inside a ``"backward"`` scope (the processing order).
    """
    groups: dict[tuple[str, ...], dict[int, list[Node]]] = {}
    for n in graph.nodes:
        path, step = group_key(n.scope)
        if step is not None:
            groups.setdefault(path[:-1], {}).setdefault(step, []).append(n)
    fed_inside: set[str] = set()
    for e in graph.edges:
        if group_key(graph.by_id[e.src].scope)[0] == group_key(graph.by_id[e.dst].scope)[0]:
            fed_inside.add(e.dst)
    order = {n.id: i for i, n in enumerate(graph.nodes)}
    lines = []
    for outer, steps in groups.items():
        ts = sorted(steps, reverse="backward" in outer)
        for prev, nxt in zip(ts, ts[1:]):
            last = max(steps[prev], key=lambda n: order[n.id])
            for n in steps[nxt]:
                if n.id not in fed_inside:
                    lines.append(f"{last.id} -> {n.id} [style=\"invis\"]")
    return lines


def wrap(lines: Iterable[str], name: str = "G") -> str:
    """The complete DOT text (same bytes as ``graphviz.Digraph(name).source`` with this body)."""
    return f"digraph {name} {{\n" + "".join(f"\t{line}\n" for line in lines) + "}\n"


def graph_to_dot(graph: Graph, opts: DotOptions | None = None) -> str:
    return wrap(body_lines(graph, opts or DotOptions()))
