"""DOT text (Graphviz's input language) from a :class:`~tinygrad_rnn.viz.graph.Graph`.

Pure string building: needs neither the ``dot`` program nor the ``graphviz`` package.
Nodes are grouped into nested clusters by their name-scope path, so an unrolled layer
reads as ``lstm > layer0 > forward > t=0, t=1, ...``, one box per time step.

What makes an unrolled graph fit a screen:

* **Steps stack.** Edges from one step to the next (``h_2`` into step 3) do not set the
  layout's ranks, so every step is laid out from the same starting line and the steps
  stack (one band per step) instead of running into one very long line.
* **Steps in time order.** Only the final step's edges into what follows the steps (a
  loss) set ranks; the other steps' (``l_0 + l_1 + ...``, a sum of every step's loss) do
  not, or dot would reorder the stacked steps to shorten them.
* **Lanes in order.** Layer 0 before layer 1, forward before backward, in both directions
  of drawing: dot keeps sibling clusters in writing order (see :class:`ScopeTree`).
* **Parameters as stubs** (``params="stubs"``): a parameter is drawn once per use, as a
  small labelled node (``W_hh``) next to the op that reads it, instead of one node with an
  edge into every step. ``"shared"`` draws the one node; ``"hidden"`` leaves them out.
* **Tensors fold into ops** (``tensors="named"``): a tensor without a name (``a + b``'s
  result) is drawn as the op that made it, filled with the heat of its gradient; named
  tensors (gates ``i f g o``, states ``h_3 c_3``, inputs ``x_3``) stay boxes.
* **One order every step.** The nodes of a step are written in one fixed order of the
  gates as the cells name them (``i f g o c h`` for an LSTM, ``r z n h`` for a GRU), the
  fan-out into the gates keeps that order (``ordering=out``), and the gates of a step side
  by side are tied in a row in that order (LSTM ``i f g o``; GRU ``r z``, then ``n``
  after ``1 − z``), so every step reads the same: left to right ("TB"), top down ("LR").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

import numpy as np

from ..errors import ArgumentError
from .graph import INPUT, INTERMEDIATE, OP, OUTPUT, PARAMETER, Edge, Graph, Node, group_key
from .heat import LOG10_MAX, LOG10_MIN, NO_GRAD_COLOR, edge_width, format_norm, heat_color, \
    legend_ticks, text_color
from .labels import short_param_name

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
STUB_STYLE = {"shape": "box", "style": "filled,rounded", "color": KIND_STYLE[PARAMETER]["color"],
              "fontsize": "8", "height": "0.2", "width": "0.3", "margin": "0.03"}
# a tensor box's padding around its text, in inches (dot's default is 0.11,0.055): the
# tighter boxes keep a two-step LSTM drawn top to bottom within 1330 px
BOX_MARGIN = "0.06,0.04"
CLUSTER_COLORS = ["#4d4d4d", "#878787", "#bababa", "#d9d9d9"]   # outer to inner scope

_SIZE = re.compile(r"(\d+(\.\d*)?|\.\d+)(,(\d+(\.\d*)?|\.\d+))?")
PARAM_MODES = ("stubs", "shared", "hidden")
TENSOR_MODES = ("named", "all")
STATE_MODES = ("stubs", "edges")

#: the order of the named tensors of a step, as the cells name them: LSTM i, f, g, o, c, h;
#: GRU r, z, n, h (inputs first). Every step writes its nodes in this order.
GATE_ORDER = ("x", "i", "f", "g", "o", "c", "r", "z", "n", "h")


@dataclass
class DotOptions:
    """How a graph is drawn. Every field has a default; the collapsed view reads
    ``steps_per_row``, the op-level view ``params`` and ``tensors``."""
    rankdir: str = "LR"
    show_values: bool = False
    show_grads: bool = True
    show_shapes: bool = True
    legend: bool = True
    label: str | None = None       # caption on top of the picture: say what it shows
    clusters: bool = True
    params: str = "stubs"          # "stubs" | "shared" | "hidden" (see the module docstring)
    states: str = "stubs"          # "stubs": h_2 enters step 3 as a small h_2 node; "edges"
    tensors: str = "named"         # "named": unnamed intermediates fold into their op; "all"
    steps_per_row: int = 10        # collapsed view: time steps per row before it wraps
    size: str | None = None        # Graphviz's size, "W,H" in inches: a larger drawing is scaled
                                   # down to fit (at 96 dpi, "13.8,30" keeps a PNG <= 1325 px wide)

    def check(self) -> None:
        if self.rankdir not in ("LR", "TB", "RL", "BT"):
            raise ArgumentError(f"draw: rankdir must be 'LR' or 'TB' (or 'RL', 'BT'), got {self.rankdir!r}")
        if self.params not in PARAM_MODES:
            raise ArgumentError(f"draw: params must be one of {', '.join(PARAM_MODES)}, got {self.params!r}")
        if self.states not in STATE_MODES:
            raise ArgumentError(f"draw: states must be one of {', '.join(STATE_MODES)}, got {self.states!r}")
        if self.tensors not in TENSOR_MODES:
            raise ArgumentError(f"draw: tensors must be one of {', '.join(TENSOR_MODES)}, got {self.tensors!r}")
        if isinstance(self.steps_per_row, bool) or not isinstance(self.steps_per_row, int) \
                or self.steps_per_row < 1:
            raise ArgumentError(f"draw: steps_per_row must be a positive integer, got {self.steps_per_row!r}")
        if self.size is not None and not (isinstance(self.size, str) and _SIZE.fullmatch(self.size)
                                          and all(float(v) > 0 for v in self.size.split(","))):
            raise ArgumentError(f"draw: size must be Graphviz's \"W,H\" or \"W\" in inches "
                                f"(positive numbers, e.g. \"13.8,30\"), got {self.size!r}")


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


def tooltip(n: Node) -> str:
    """What hovering a node in an SVG shows: name, shape, dtype, gradient norm."""
    parts = [n.name or n.kind]
    if n.shape is not None:
        parts.append(f"{n.shape} {n.dtype}")
    if n.grad_norm is not None:
        parts.append(f"|grad| {format_norm(n.grad_norm)}")
    return "  ".join(parts)


def op_text(n: Node) -> str:
    return n.label or (n.name + (f"({n.consts})" if n.consts else ""))


# -- what is drawn: stubs, folded tensors, a fixed order ------------------------------------

@dataclass
class Drawn:
    """One node as drawn. ``node`` is the graph node whose id it keeps. An op and the
    tensor it makes are one node: ``op`` is set when the node is a named tensor (a box that
    also says which op made it), ``folded`` when it is an op (its unnamed output's gradient
    fills it). A stub stands for one use of ``stub_of`` (``stub_grad``: the gradient sent to
    the parameter at that use); ``transposed`` when the use is ``W.T``. An entry stands for
    a state made in another step (``entry_of``), drawn where this step reads it, in the
    colour of that state's gradient."""
    node: Node
    folded: Node | None = None
    op: Node | None = None
    stub_of: Node | None = None
    stub_grad: float | None = None
    transposed: bool = False
    entry_of: Drawn | None = None

    @property
    def id(self) -> str:
        return self.node.id

    @property
    def scope(self) -> tuple[str, ...]:
        return self.node.scope


@dataclass
class View:
    nodes: list[Drawn]
    edges: list[Edge]
    gate: dict[str, int] = field(default_factory=dict)   # node id -> place in GATE_ORDER


COMMUTATIVE = ("add", "mul", "maximum", "minimum")


def _gate_name(name: str) -> str:
    """``h_3`` -> ``h``; ``f`` -> ``f``."""
    base, _, num = name.rpartition("_")
    return base if base and num.lstrip("-").isdigit() else name


def drawn_view(graph: Graph, opts: DotOptions) -> View:
    """The nodes and edges actually written, in writing order (see the module docstring)."""
    by_id, roots = graph.by_id, set(graph.roots)
    hidden = {n.id for n in graph.nodes
              if opts.params == "hidden" and n.kind == PARAMETER and n.id not in roots}
    edges = [e for e in graph.edges if e.src not in hidden and e.dst not in hidden]
    # an op and the tensor it makes become one node (tensors="named")
    merged: dict[str, str] = {}                 # graph id -> drawn id
    drawn: dict[str, Drawn] = {}
    if opts.tensors == "named":
        outputs: dict[str, int] = {}            # a split makes several tensors
        for e in edges:
            if by_id[e.src].kind == OP:
                outputs[e.src] = outputs.get(e.src, 0) + 1
        for e in edges:
            op, t = by_id[e.src], by_id[e.dst]
            if op.kind != OP or t.kind != INTERMEDIATE:
                continue
            if outputs[op.id] > 1:              # several outputs: the op stays an op node, its
                if not t.name:                  # unnamed outputs fold into it, unfilled (no one
                    merged[t.id] = op.id        # output's gradient speaks for the others)
                    drawn.setdefault(op.id, Drawn(op))
            elif t.name:
                merged[op.id] = t.id
                drawn[t.id] = Drawn(t, op=op)
            else:
                merged[t.id] = op.id
                drawn[op.id] = Drawn(op, folded=t)
    for n in graph.nodes:
        if n.id not in hidden and n.id not in merged and n.id not in drawn:
            drawn[n.id] = Drawn(n)
    out_edges: list[Edge] = []
    for e in edges:
        src, dst = merged.get(e.src, e.src), merged.get(e.dst, e.dst)
        if src != dst:
            out_edges.append(replace(e, src=src, dst=dst))
    if opts.params == "stubs":
        out_edges = _stubs(drawn, out_edges, roots)
    if opts.states == "stubs" and opts.clusters:
        out_edges = _entries(drawn, out_edges)
    # graph order (parents first); a stub or an entry takes the place of the node it copies
    order = {n.id: i for i, n in enumerate(graph.nodes)}
    nodes = sorted(drawn.values(), key=lambda d: order.get(d.id, order.get(_copied_id(d), 0)))
    return _fixed_order(nodes, out_edges)


def _copied_id(d: Drawn) -> str:
    source = d.stub_of if d.stub_of is not None else (d.entry_of.node if d.entry_of is not None else d.node)
    return source.id


def _stubs(drawn: dict[str, Drawn], edges: list[Edge], roots: set[str]) -> list[Edge]:
    """Replace each parameter by one stub per use; a use that is ``W.T`` becomes a ``Wᵀ`` stub."""
    params = {i for i, d in drawn.items() if d.node.kind == PARAMETER and i not in roots}
    into: dict[str, list[Edge]] = {}
    for e in edges:
        into.setdefault(e.dst, []).append(e)
    out: list[Edge] = []
    uses: dict[str, int] = {}
    for e in edges:
        if e.src not in params:
            out.append(e)
            continue
        p = drawn[e.src].node
        consumer = drawn[e.dst]
        if consumer.folded is not None and consumer.node.name == "permute" \
                and consumer.node.label.endswith("ᵀ") and len(into[e.dst]) == 1:
            consumer.stub_of, consumer.stub_grad, consumer.transposed = p, e.grad_norm, True
            continue                                   # the transpose node itself is the stub
        k = uses[p.id] = uses.get(p.id, -1) + 1
        stub_id = f"{p.id}s{k}"
        drawn[stub_id] = Drawn(replace(p, id=stub_id, scope=consumer.scope), stub_of=p, stub_grad=e.grad_norm)
        out.append(replace(e, src=stub_id))
    for i in params:
        if any(e.src == i or e.dst == i for e in out):
            continue
        del drawn[i]                                   # every use has its stub
    return out


def _entries(drawn: dict[str, Drawn], edges: list[Edge]) -> list[Edge]:
    """An edge from one step into another (``h_2`` into step 3) becomes a small entry node
    named like its source inside the step that reads it: no edge crosses the picture."""
    out: list[Edge] = []
    made: dict[tuple[str, tuple[str, ...]], str] = {}
    count: dict[str, int] = {}
    for e in edges:
        src, dst = drawn[e.src], drawn[e.dst]
        (src_path, src_t), (dst_path, dst_t) = group_key(src.scope), group_key(dst.scope)
        if src_t is None or dst_t is None or src_path == dst_path:
            out.append(e)
            continue
        key = (e.src, tuple(dst_path))         # one entry per state and reading step
        if key not in made:
            count[e.src] = count.get(e.src, -1) + 1
            entry_id = made[key] = f"{e.src}e{count[e.src]}"
            drawn[entry_id] = Drawn(replace(src.node, id=entry_id, scope=dst.scope), entry_of=src)
        out.append(replace(e, src=made[key]))
    return out


def _fixed_order(nodes: list[Drawn], edges: list[Edge]) -> View:
    """Nodes sorted by the gate they lead to; edges by the gate they feed.

    A node's gate is its own name's place in :data:`GATE_ORDER`, else the first gate among
    its consumers inside its step (the chunk that becomes ``a_f`` leads to ``f``). Sorting
    by it writes every step in the same order, whatever order the backward walk met the
    nodes in. ``nodes`` come parents first.
    """
    step_of = {d.id: group_key(d.scope)[0] for d in nodes}
    pos = {d.id: i for i, d in enumerate(nodes)}
    out: dict[str, list[str]] = {}
    for e in edges:
        out.setdefault(e.src, []).append(e.dst)
    rank = {g: i for i, g in enumerate(GATE_ORDER)}
    last = len(GATE_ORDER)
    gate: dict[str, int] = {}
    for d in reversed(nodes):                          # consumers before producers
        g = rank.get(_gate_name(d.node.name)) if d.node.kind != OP and d.stub_of is None and d.node.name else None
        if g is None:
            found = [gate[c] for c in out.get(d.id, ()) if c in gate and step_of[c] == step_of[d.id]]
            g = min(found) if found else last
        gate[d.id] = g
    nodes_sorted = sorted(nodes, key=lambda d: (gate[d.id], pos[d.id]))
    edges_sorted = sorted(edges, key=lambda e: (gate.get(e.dst, last), pos.get(e.dst, 0), pos.get(e.src, 0)))
    return View(nodes_sorted, edges_sorted, gate)


def _fan_out_groups(view: View, rankdir: str = "TB") -> list[tuple[tuple[str, ...], str]]:
    """Rows of one step that must keep the gate order, each tied in that order (``rank=same``
    with invisible edges, inside the step): dot keeps such a row in order, first gate on
    the left (``"TB"``) or on top (``"LR"``), so every step draws its gates alike.

    A row is the children of a fan-out (``a`` to its four chunks) that have no other input,
    or one of :func:`_gate_rows` (LSTM ``i f c_{t-1} g o``; GRU ``r z``; ``x_t``, ``W_ihᵀ``).
    """
    ins: dict[str, int] = {}
    kids: dict[str, list[str]] = {}
    for e in view.edges:
        ins[e.dst] = ins.get(e.dst, 0) + 1
        kids.setdefault(e.src, []).append(e.dst)
    scope = {d.id: d.scope for d in view.nodes}
    rows: list[tuple[tuple[str, ...], list[str]]] = []
    for src, dsts in kids.items():
        alone = [d for d in dict.fromkeys(dsts) if ins[d] == 1 and scope[d] == scope[src]]
        gates = {view.gate.get(d) for d in alone}
        if len(alone) < 2 or len(gates) < len(alone):
            continue
        rows.append((scope[src], sorted(alone, key=lambda d: view.gate[d])))
    rows += _gate_rows(view)
    lines, seen = [], set()
    for path, row in rows:
        if frozenset(row) in seen:
            continue
        seen.add(frozenset(row))
        if rankdir in ("LR", "RL"):              # dot lays a left-to-right row out bottom up
            row.reverse()
        lines.append((path, "{rank=same; " + " -> ".join(row) + ' [style="invis"]}'))
    return lines


def _gate_rows(view: View) -> list[tuple[tuple[str, ...], list[str]]]:
    """Rows inside each ``t=N`` step: the gates (``i f g o``, ``r z n``) at one depth in the
    step (the longest path to them from the step's inputs), with a state that only one of
    them reads; a gate alone at its depth after its partner operand; and the leaf operands
    of an op in argument order."""
    rank = {g: i for i, g in enumerate(GATE_ORDER)}
    step = {d.id: d.scope for d in view.nodes if group_key(d.scope)[1] is not None}
    out: dict[str, list[str]] = {}
    waiting = dict.fromkeys(step, 0)                   # inputs inside the step not yet seen
    for e in view.edges:
        if e.src in step and step.get(e.dst) == step[e.src]:
            out.setdefault(e.src, []).append(e.dst)
            waiting[e.dst] += 1
    depth = dict.fromkeys(step, 0)
    ready = [i for i, n in waiting.items() if n == 0]
    while ready:                                       # parents before children (Kahn)
        i = ready.pop()
        for c in out.get(i, ()):
            depth[c] = max(depth[c], depth[i] + 1)
            waiting[c] -= 1
            if waiting[c] == 0:
                ready.append(c)
    rows: dict[tuple[tuple[str, ...], int], list[str]] = {}
    gate: dict[str, int] = {}
    for d in view.nodes:
        name = _gate_name(d.node.name) if d.node.kind != OP and d.stub_of is None and d.entry_of is None else ""
        if d.id in step and name in rank and name not in ("x", "c", "h"):
            gate[d.id] = rank[name]
            rows.setdefault((step[d.id], depth[d.id]), []).append(d.id)
    # states from another step (entries) and initial states (inputs), not parameter stubs
    state = {d.id for d in view.nodes if d.id in step and d.stub_of is None
             and (d.entry_of is not None or d.node.kind == INPUT)}
    ins: dict[str, list[str]] = {}
    for e in view.edges:
        if e.src in step and step.get(e.dst) == step[e.src]:
            ins.setdefault(e.dst, []).append(e.src)
    out_rows = []
    for (path, _), ids in rows.items():
        if len(ids) < 2:
            continue
        row = []
        for g in sorted(ids, key=gate.get):
            row.append(g)
            # a state read only by a product with this gate (c_{t-1} in f ⊙ c_{t-1}) sits on
            # the row next to it, not wherever dot finds room
            for c in out.get(g, ()):
                row += [p for p in ins.get(c, ()) if p in state and out.get(p) == [c] and p not in row]
        out_rows.append((path, row))
    # a gate alone at its depth (GRU n, made from r) sits next to its partner operand made
    # from an earlier gate alone (1 − z in (1 − z) ⊙ n): after it, as after that gate
    for (path, _), ids in rows.items():
        if len(ids) != 1:
            continue
        g = ids[0]
        for c in out.get(g, ()):
            for p in ins.get(c, ()):
                made_from = ins.get(p, [])
                if p != g and len(made_from) == 1 and gate.get(made_from[0], len(rank)) < gate[g]:
                    out_rows.append((path, [p, g]))
    # the leaf operands of an op (x_t and W_ihᵀ in x_t @ W_ihᵀ) in argument order, so that
    # the inputs of every step come in one order too
    leaves = set(step) - {e.dst for e in view.edges}
    args: dict[str, list[tuple[int, str]]] = {}
    for e in view.edges:
        if e.src in leaves and step.get(e.dst) == step[e.src] and e.arg is not None:
            args.setdefault(e.dst, []).append((e.arg, e.src))
    for op, operands in args.items():
        if len(operands) > 1 and len({a for a, _ in operands}) == len(operands):
            out_rows.append((step[op], [i for _, i in sorted(operands)]))
    return out_rows


# -- DOT statements ----------------------------------------------------------------------------

def expression(op: Node) -> str:
    """An op's label as the right-hand side of ``name = ...``: a bare ``+`` reads ``· + ·``."""
    text = op_text(op)
    return f"· {text} ·" if text in ("+", "−", "⊙", "÷", "@", "^") else text


def node_line(d: Drawn, opts: DotOptions, heat: bool) -> str:
    n = d.node
    if d.stub_of is not None:
        name = short_param_name(d.stub_of.name) if d.stub_of.name else "param"
        name += "ᵀ" if d.transposed else ""
        fill, font = KIND_STYLE[PARAMETER]["fill"], "#000000"
        if heat and d.stub_grad is not None:
            fill, font = heat_color(d.stub_grad), text_color(d.stub_grad)
        tip = (f"{d.stub_of.name or 'parameter'} {d.stub_of.shape}{' transposed' if d.transposed else ''}; "
               f"gradient sent to it here: {format_norm(d.stub_grad) if d.stub_grad is not None else 'none'}")
        return f"{n.id} " + attrs(label=name, tooltip=tip, **{**STUB_STYLE, "fillcolor": fill, "fontcolor": font})
    if d.entry_of is not None:
        src = d.entry_of
        name = src.node.name if src.node.kind != OP and src.node.name else "·"
        fill, font = KIND_STYLE[INPUT]["fill"], "#000000"
        grad = src.folded.grad_norm if src.folded is not None else src.node.grad_norm
        if heat and grad is not None:
            fill, font = heat_color(grad), text_color(grad)
        origin = group_key(src.scope)[0][-1]
        tip = f"{name} from step {origin.removeprefix('t=')}" + (f"  |grad| {format_norm(grad)}" if grad is not None else "")
        return f"{n.id} " + attrs(label=name, tooltip=tip, **{**STUB_STYLE, "color": KIND_STYLE[INPUT]["color"],
                                                                   "style": "filled,rounded,dashed",
                                                                   "fillcolor": fill, "fontcolor": font})
    if n.kind == OP:
        style = dict(OP_STYLE)
        tip = op_text(n)
        if d.folded is not None:
            tip = f"{op_text(n)}: {tooltip(d.folded)}"
            if heat and d.folded.grad_norm is not None:
                style["fillcolor"] = heat_color(d.folded.grad_norm)
                style["fontcolor"] = text_color(d.folded.grad_norm)
            elif heat:
                style["fillcolor"], style["style"] = NO_GRAD_COLOR, "filled,dashed"
        return f"{n.id} {attrs(label=op_text(n), tooltip=tip, **style)}"
    st = KIND_STYLE[n.kind]
    fill, font, style = st["fill"], "#000000", st["style"]
    if heat:
        if n.grad_norm is not None:
            fill, font = heat_color(n.grad_norm), text_color(n.grad_norm)
        else:
            fill, style = NO_GRAD_COLOR, style + ",dashed"
    label = tensor_label(n, opts)
    tip = tooltip(n)
    if d.op is not None:                    # the op that made it, as math: "i = σ"
        label = label.replace(n.name, f"{n.name} = {expression(d.op)}", 1) if n.name else label
        tip = f"{n.name} = {expression(d.op)}  " + tip[len(n.name):].strip()
    return f"{n.id} " + attrs(label=label, shape=st["shape"], style=style,
                              color=st["color"], fillcolor=fill, fontcolor=font,
                              peripheries=st.get("peripheries"), fontsize="10", margin=BOX_MARGIN, tooltip=tip)


def heat_legend_html(title: str = "gradient norm |dL/d node| (log10, clipped)") -> str:
    cells = "".join(f'<TD BGCOLOR="{c}" WIDTH="34"><FONT POINT-SIZE="8" COLOR="{"#ffffff" if i > 4 else "#000000"}">'
                    f"{lab}</FONT></TD>" for i, (lab, c) in enumerate(legend_ticks()))
    n = int(LOG10_MAX - LOG10_MIN) + 1
    return (f'<TR><TD COLSPAN="{n}"><FONT POINT-SIZE="9">{html_escape(title)}</FONT></TD></TR>'
            f"<TR>{cells}</TR>")


def legend_line(heat: bool, kinds: bool = True, opts: DotOptions | None = None) -> str:
    rows = ""
    n = int(LOG10_MAX - LOG10_MIN) + 1
    if kinds:
        spans = [(n // 4, "parameter", KIND_STYLE[PARAMETER]["color"]),
                 (n // 4, "input", KIND_STYLE[INPUT]["color"]),
                 (n // 4, "output", KIND_STYLE[OUTPUT]["color"]),
                 (n - 3 * (n // 4), "intermediate (ellipse: op)", KIND_STYLE[INTERMEDIATE]["color"])]
        cells = "".join(f'<TD COLSPAN="{s}"><FONT POINT-SIZE="9" COLOR="{c}"><B>{lab}</B></FONT></TD>'
                        for s, lab, c in spans)
        rows += f"<TR>{cells}</TR>"
        notes = []
        if heat:
            notes.append("outline = kind of tensor; fill = heat; white dashed = no gradient reached it")
        if opts is not None and opts.tensors == "named":
            notes.append("an op is filled with the heat of the unnamed tensor it makes")
        if opts is not None and opts.params == "stubs":
            notes.append("small green-edged W_hh, b_ih: a parameter, drawn at each use; "
                         "fill = gradient sent to it there")
        for note in notes:
            rows += f'<TR><TD COLSPAN="{n}"><FONT POINT-SIZE="8">{html_escape(note)}</FONT></TD></TR>'
    if heat:
        rows += heat_legend_html()
    return rows


def title_html(label: str | None, legend_rows: str) -> str:
    """The picture's title: the caption (its lines centred) above the legend table, one
    block on top, so that the legend never widens the drawing beside it."""
    parts = []
    if label:
        text = "<BR/>".join(html_escape(line) for line in label.split("\n"))
        parts.append(f'<TR><TD><FONT POINT-SIZE="12">{text}</FONT></TD></TR>')
    if legend_rows:
        parts.append('<TR><TD><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
                     f"{legend_rows}</TABLE></TD></TR>")
    return '<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="4">' + "".join(parts) + "</TABLE>"


def graph_header(opts: DotOptions, legend_rows: str = "") -> list[str]:
    """Graph, node and edge defaults; the caption and the legend (if any) as the title."""
    label: dict[str, str | None] = {"label": opts.label}
    if legend_rows:
        label = {"label_html": title_html(opts.label, legend_rows)}
    lines = [f"graph {attrs(rankdir=opts.rankdir, fontname='Helvetica', fontsize='12', labelloc='t', **label, newrank='true', ranksep='0.3', nodesep='0.15', size=opts.size)}",
             f"node {attrs(fontname='Helvetica')}",
             f"edge {attrs(fontname='Helvetica', fontsize='8', arrowsize='0.6')}"]
    return lines


def _step_sort_key(name: str, backward: bool) -> tuple[int, float, str]:
    """Children of one scope: ``t=N`` clusters in processing order, others as they came."""
    path, t = group_key((name,))
    if t is None:
        return (0, 0.0, "")
    return (1, float(-t if backward else t), name)


class ScopeTree:
    """Nested clusters from name-scope paths; ``t=N`` children in processing order, other
    children (layers, directions) in the order they came.

    ``reverse``: write every list of sibling clusters backwards. dot places the first written
    of sibling clusters at the top of a left-to-right drawing but on the right of a
    top-to-bottom one, so a top-to-bottom drawing is written in reverse to read like the
    left-to-right one: steps, layers and directions all left to right."""

    def __init__(self, reverse: bool = False, leads_out: set[tuple[str, ...]] | None = None,
                 path: tuple[str, ...] = ()) -> None:
        self.children: dict[str, ScopeTree] = {}
        self.members: list[str] = []
        self.reverse = reverse
        self.leads_out = leads_out if leads_out is not None else set()
        self.path = path

    def add(self, path: tuple[str, ...], line: str) -> None:
        node = self
        for part in path:
            node = node.children.setdefault(part, ScopeTree(self.reverse, self.leads_out, node.path + (part,)))
        node.members.append(line)

    def order(self) -> list[str]:
        """The children in writing order. Sibling clusters that each have an edge setting
        ranks out of this one (the two directions of the last layer, both feeding the
        output) come out of dot in the reverse of their writing order: they are written
        reversed among themselves, so that forward still comes before backward."""
        first = {k: i for i, k in enumerate(self.children)}
        keys = sorted(first, key=lambda k: (_step_sort_key(k, self.path[-1:] == ("backward",))[:2], first[k]))
        out = [k for k in keys if self.path + (k,) in self.leads_out]
        if len(out) > 1:
            flipped = iter(reversed(out))
            keys = [next(flipped) if k in out else k for k in keys]
        return keys[::-1] if self.reverse else keys

    def lines(self, counter: list[int], depth: int = 0, indent: str = "") -> list[str]:
        out = [indent + m for m in self.members]
        for key in self.order():
            child = self.children[key]
            k = counter[0]
            counter[0] += 1
            color = CLUSTER_COLORS[min(depth, len(CLUSTER_COLORS) - 1)]
            out.append(f"{indent}subgraph cluster_{k} {{")
            out.append(f"{indent}\tgraph {attrs(label=key, style='rounded', color=color, fontcolor='#333333', fontsize='11')}")
            out.extend(child.lines(counter, depth + 1, indent + "\t"))
            out.append(f"{indent}}}")
        return out


def body_lines(graph: Graph, opts: DotOptions) -> list[str]:
    """The statements inside ``digraph G { ... }``, one per list item."""
    opts.check()
    view = drawn_view(graph, opts)
    heat = opts.show_grads and any(n.grad_norm is not None for n in graph.nodes)
    lines = graph_header(opts, legend_line(heat, opts=opts) if opts.legend else "")
    # out-edges keep the order they are written in (gate order): every step lays out alike
    lines.insert(1, 'graph [ordering="out"]')
    # dot's last pass over the whole graph would undo the gate order that the rows of a
    # step (``_fan_out_groups``) set inside each cluster
    lines.insert(2, 'graph [remincross="false"]')
    step_of = {d.id: group_key(d.scope) for d in view.nodes}
    scope_of = {d.id: d.scope for d in view.nodes}
    kind_of = {d.id: d.node.name if d.node.kind == OP else "" for d in view.nodes}
    final = _final_steps(step_of.values())
    across_ports = ("s", "n") if opts.rankdir in ("LR", "RL") else ("e", "w")
    edge_lines, leads_out = [], set()
    for e in view.edges:
        width = edge_width(e.grad_norm) if heat else None
        (src_path, src_t), (dst_path, dst_t) = step_of[e.src], step_of[e.dst]
        # a step's inputs from another step do not push it along: the steps stack
        across = opts.clusters and src_t is not None and dst_t is not None and src_path != dst_path
        # only the final step's edges out of the steps (into a loss) set ranks: edges from
        # every step into a sum or a chain of adds (l_0 + l_1 + ...) would make dot reorder
        # the stacked steps to shorten them, and they would no longer read in time order
        loose = opts.clusters and src_t is not None and dst_t is None \
            and final.get(src_path[:-1]) != src_t
        if opts.clusters and not (across or loose):
            leads_out.update(_clusters_left(scope_of[e.src], scope_of[e.dst]))
        show_arg = e.arg is not None and kind_of[e.dst] not in COMMUTATIVE
        edge_lines.append(f"{e.src} -> {e.dst} " + attrs(
            label=str(e.arg) if show_arg else None, penwidth=width,
            constraint="false" if across or loose else None,
            tailport=across_ports[0] if across else None, headport=across_ports[1] if across else None))
    tree = ScopeTree(reverse=opts.rankdir in ("TB", "BT"), leads_out=leads_out)
    for d in view.nodes:
        tree.add(d.scope if opts.clusters else (), node_line(d, opts, heat))
    for path, line in _fan_out_groups(view, opts.rankdir):
        tree.add(path if opts.clusters else (), line)
    lines.extend(tree.lines([0]))
    lines.extend(edge_lines)
    return lines


def _clusters_left(src: tuple[str, ...], dst: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The clusters an edge from scope ``src`` to scope ``dst`` leaves together with their
    parent: ``h_2`` of ``lstm > layer1 > forward > t=2`` into a ``stack`` in ``lstm`` leaves
    ``layer1 > forward`` and its ``t=2`` (the parent ``layer1`` it leaves too, but stays in
    ``lstm``)."""
    shared = 0
    while shared < min(len(src), len(dst)) and src[shared] == dst[shared]:
        shared += 1
    return [src[:k] for k in range(shared + 2, len(src) + 1)]


def _final_steps(keys: Iterable[tuple[tuple[str, ...], int | None]]) -> dict[tuple[str, ...], int]:
    """The step each lane (the scope path above ``t=N``) processes last: the largest N, the
    smallest in a ``backward`` lane."""
    final: dict[tuple[str, ...], int] = {}
    for path, t in keys:
        if t is None:
            continue
        lane = path[:-1]
        backward = "backward" in lane
        if lane not in final or (t < final[lane] if backward else t > final[lane]):
            final[lane] = t
    return final


def wrap(lines: Iterable[str], name: str = "G") -> str:
    """The complete DOT text (same bytes as ``graphviz.Digraph(name).source`` with this body)."""
    return f"digraph {name} {{\n" + "".join(f"\t{line}\n" for line in lines) + "}\n"


def graph_to_dot(graph: Graph, opts: DotOptions | None = None) -> str:
    """DOT text of ``graph``: a whole unrolled graph, or a part cut out with
    :func:`~tinygrad_rnn.viz.graph.subgraph` (one time step, its inputs as leaves)."""
    return wrap(body_lines(graph, opts or DotOptions()))
