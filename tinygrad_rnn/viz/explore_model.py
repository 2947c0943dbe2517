"""What the explorer page shows, as plain data: timelines, step subgraphs and node statistics.

An unrolled recurrent graph is the same small graph repeated once per time step. The page
therefore keeps each distinct step *structure* once (a template: nodes, edges and their
layout) and, for every step, only the numbers that change: each node's gradient norm and
value statistics. That keeps a 200-step, three-cell page to a few hundred kilobytes.

In a step subgraph an op and the tensor it makes are one node ("f = sigmoid"): the tensor's
name, shape and gradient with the op that computed it. Tensors from outside the step enter
as small stubs: parameters by name (``weight_hh``) once per step, the previous step's state
as ``h_{t-1}``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from .. import backend
from .cell_equations import cell_equations
from .graph import INPUT, OP, OUTPUT, PARAMETER, Graph, Node, group_key

_NUMBERED = re.compile(r"^([A-Za-z]\w*?)_(-?\d+)$")
_PART_ORDER = {"h": 0, "c": 1}

# How an op reads in a node label: symbols for arithmetic, the name otherwise.
_SYMBOL = {"add": "+", "sub": "−", "mul": "⊙", "div": "÷", "matmul": "@", "pow": "^"}


def op_text(name: str, args: list[str], consts: str = "") -> str:
    """How an op reads: ``sub`` of the constant 1 and a tensor reads ``1 − ·``, ``mul`` of a
    tensor and 0.5 reads ``· ⊙ 0.5``; other ops read ``name(consts)``. ``args`` holds ``·``
    for each tensor input and the value of each scalar constant folded into the label."""
    sym = _SYMBOL.get(name)
    if sym is not None and len(args) == 2:
        return f"{args[0]} {sym} {args[1]}"
    shown = [a for a in args if a != "·"] + ([consts] if consts else [])
    return f"{name}({', '.join(shown)})" if shown else name


def generic_name(name: str, step: int) -> str:
    """``h_12`` at step 12 -> ``h_{t}``; ``h_11`` -> ``h_{t-1}``; other names unchanged."""
    m = _NUMBERED.match(name)
    if not m:
        return name
    d = int(m.group(2)) - step
    if abs(d) > 1:
        return name
    return f"{m.group(1)}_{{t{'' if d == 0 else f'{d:+d}'}}}"


def display_name(pattern: str) -> str:
    """``h_{t-1}`` as it reads in a drawing: ``h_t-1``."""
    return pattern.replace("{", "").replace("}", "")


def _stats(node: Node) -> list[float | None]:
    """[‖grad‖, min, mean, max] of a tensor node (None where unknown)."""
    out: list[float | None] = [node.grad_norm]
    t = node.tensor
    if t is None or t.data is None or t.data.size == 0:
        return out + [None, None, None]
    a = backend.to_numpy(t.data).astype(np.float64, copy=False)
    return out + [float(a.min()), float(a.mean()), float(a.max())]


# -- equations: read from each cell's source, as that cell computes them (cell_equations.py) --

def cells_of(modules: Any) -> list[Any]:
    """Every recurrent cell inside ``modules`` (a Module, or a list of them)."""
    from ..nn.cell_base import RNNCellBase
    items = modules if isinstance(modules, (list, tuple)) else [modules]
    found = []
    for m in items:
        if isinstance(m, RNNCellBase):
            found.append(m)
        elif hasattr(m, "modules"):
            found.extend(c for c in m.modules() if isinstance(c, RNNCellBase))
    return found


def equations_for(names: set[str], cells: Iterable[Any], used: set[int] = frozenset()) -> dict[str, str]:
    """The equations of the cell behind a lane: the one whose parameters the lane's ops read
    (``used``: ids of those tensors), so that two LSTMs on one page, one with peepholes or a
    forget bias, each show their own; without a match, the cell whose named tensors cover
    most of ``names``."""
    cells = list(cells)
    owners = [c for c in cells if any(id(p) in used for p in c.parameters())]
    if owners:
        return cell_equations(owners[0])
    best: dict[str, str] = {}
    score = 0
    for cell in cells:
        eqs = cell_equations(cell)
        s = len(names & set(eqs))
        if s > score:
            best, score = eqs, s
    return best


# -- templates and lanes --------------------------------------------------------------------------

@dataclass
class Template:
    """One step structure: its nodes (merged op + output tensor, or stubs) and edges."""
    nodes: list[dict[str, Any]]
    edges: list[tuple[int, int]]
    svg: str | None = None


@dataclass
class Lane:
    """One timeline: one (cell, layer, direction) of one run, step by step."""
    label: str
    parts: list[str]
    steps: list[int] = field(default_factory=list)
    norms: dict[str, list[float | None]] = field(default_factory=dict)
    templates: list[int] = field(default_factory=list)       # template index per step
    stats: list[list[list[float | None]]] = field(default_factory=list)   # per step, per node


class TemplateStore:
    """Step structures, each stored once, looked up by their signature."""

    def __init__(self) -> None:
        self.templates: list[Template] = []
        self._index: dict[Any, int] = {}

    def add(self, nodes: list[dict[str, Any]], edges: list[tuple[int, int]]) -> int:
        key = (tuple(tuple(sorted((k, str(v)) for k, v in n.items())) for n in nodes), tuple(edges))
        if key not in self._index:
            self._index[key] = len(self.templates)
            self.templates.append(Template(nodes, edges))
        return self._index[key]


def _step_groups(graph: Graph) -> dict[tuple[str, ...], dict[int, list[Node]]]:
    """Tensor nodes of each (lane path, step): those made by the step's ops and the leaves
    placed inside it (``x_t``), in graph order."""
    producer = {e.dst: graph.by_id[e.src] for e in graph.edges if graph.by_id[e.src].kind == OP}
    groups: dict[tuple[str, ...], dict[int, list[Node]]] = {}
    for n in graph.nodes:
        if n.kind == OP:
            continue
        scope = producer[n.id].scope if n.id in producer else n.scope
        path, step = group_key(scope)
        if step is None:
            continue
        groups.setdefault(path[:-1], {}).setdefault(step, []).append(n)
    return groups


def build_lanes(graph: Graph, label: str, store: TemplateStore, cells: list[Any]) -> list[Lane]:
    """One :class:`Lane` per (layer, direction) path of ``graph`` that has time steps; with
    more than one, each lane's label says which (``"LSTM: lstm / layer1 / backward"``)."""
    producer = {e.dst: graph.by_id[e.src] for e in graph.edges if graph.by_id[e.src].kind == OP}
    inputs_of: dict[str, list[str]] = {}          # op id -> ids of its tensor inputs, in order
    for e in graph.edges:
        if graph.by_id[e.dst].kind == OP:
            inputs_of.setdefault(e.dst, []).append(e.src)
    groups = _step_groups(graph)
    lanes = []
    for path, steps in groups.items():
        names = {n.name for members in steps.values() for n in members if n.name}
        used = {id(graph.by_id[src].tensor) for members in steps.values() for n in members
                if n.id in producer for src in inputs_of.get(producer[n.id].id, [])
                if graph.by_id[src].kind == PARAMETER}
        eqs = equations_for(names, cells, used)
        lane_label = label if len(groups) == 1 else f"{label}: {' / '.join(path)}"
        parts = sorted({m.group(1) for members in steps.values() for n in members
                        if (m := _NUMBERED.match(n.name)) and m.group(1) != "x"},
                       key=lambda p: (_PART_ORDER.get(p, 9), p))
        lane = Lane(lane_label, parts, norms={p: [] for p in parts})
        for t in sorted(steps, reverse="backward" in path):
            members = steps[t]
            nodes, edges, stats = _step_structure(graph, t, members, producer, inputs_of, eqs)
            lane.steps.append(t)
            lane.templates.append(store.add(nodes, edges))
            lane.stats.append(stats)
            for p in parts:
                hit = next((n for n in members if n.name == f"{p}_{t}"), None)
                lane.norms[p].append(hit.grad_norm if hit is not None else None)
        lanes.append(lane)
    return lanes


def _constant(n: Node, producer: dict[str, Node]) -> str:
    """The value of a scalar constant leaf (``1`` in ``1 - z``) as text, else ``""``."""
    if n.id in producer or n.kind == PARAMETER or n.requires_grad or n.tensor is None:
        return ""
    data = n.tensor.data
    if data is None or data.size != 1:
        return ""
    return f"{float(backend.to_numpy(data).reshape(())):g}"


def _base(name: str) -> str:
    """``h_12`` / ``h_{t-1}`` -> ``h``; other names unchanged."""
    m = _NUMBERED.match(name) or re.match(r"^([A-Za-z]\w*?)_\{t[^}]*\}$", name)
    return m.group(1) if m else name


def _in_equation_order(members: list[Node], member_ids: set[str], producer: dict[str, Node],
                       inputs_of: dict[str, list[str]], eqs: dict[str, str]) -> list[Node]:
    """The step's tensors sorted by the cell equation they lead to (i, f, g, c, o, h: the
    order of the cell's source), then in the order they were recorded; so the gates are
    drawn in the same order in every step and every cell of a kind."""
    order = {name: k for k, name in enumerate(eqs)}
    rank = {n.id: order.get(_base(n.name), len(order)) if n.name else len(order) for n in members}
    for n in reversed(members):          # consumers come after their inputs in ``members``
        op = producer.get(n.id)
        for src in inputs_of.get(op.id, []) if op is not None else []:
            if src in member_ids:
                rank[src] = min(rank[src], rank[n.id])
    position = {n.id: k for k, n in enumerate(members)}
    return sorted(members, key=lambda n: (rank[n.id], position[n.id]))


def _step_structure(graph: Graph, t: int, members: list[Node], producer: dict[str, Node],
                    inputs_of: dict[str, list[str]], eqs: dict[str, str]
                    ) -> tuple[list[dict[str, Any]], list[tuple[int, int]], list[list[float | None]]]:
    """Nodes, edges and per-node numbers of one step (see the module docstring)."""
    index: dict[str, int] = {}
    nodes: list[dict[str, Any]] = []
    stats: list[list[float | None]] = []

    def add(key: str, info: dict[str, Any], numbers: list[float | None]) -> int:
        if key not in index:
            index[key] = len(nodes)
            nodes.append(info)
            stats.append(numbers)
        return index[key]

    def op_label(n: Node, op: Node) -> str:
        # the Function keeps its arguments in call order: tensors and constants alike
        ctx = n.tensor._ctx if n.tensor is not None else None
        if ctx is None:
            return op.name
        from ..tensor import Tensor
        tensor_ids = iter(inputs_of.get(op.id, []))
        args = []
        for p in ctx.parents:
            if isinstance(p, Tensor):
                src = next(tensor_ids, None)
                args.append((_constant(graph.by_id[src], producer) if src else "") or "·")
            elif isinstance(p, (int, float)):
                args.append(f"{p:g}")
        return op_text(op.name, args, "" if len(args) == len(ctx.parents) else op.consts)

    def tensor_info(n: Node, kind: str) -> dict[str, Any]:
        op = producer.get(n.id)
        return {"kind": kind, "name": generic_name(n.name, t) if n.name else "",
                "op": op_label(n, op) if op is not None else "",
                "shape": "×".join(map(str, n.shape or ())) or "scalar", "dtype": n.dtype or ""}

    # the step's own tensors first (their order is the order the cell computed them);
    # scalar constants (the 1 of 1 − z) are folded into the label of the op that reads them
    members = [n for n in members if not _constant(n, producer)]
    member_ids = {n.id for n in members}
    members = _in_equation_order(members, member_ids, producer, inputs_of, eqs)
    for n in members:
        kind = "input" if n.id not in producer else ("output" if n.kind == OUTPUT else "tensor")
        add(n.id, tensor_info(n, kind), _stats(n))
    edges: list[tuple[int, int]] = []
    for n in members:
        op = producer.get(n.id)
        if op is None:
            continue
        for src_id in inputs_of.get(op.id, []):
            src = graph.by_id[src_id]
            if _constant(src, producer):
                continue
            if src_id in member_ids:
                a = index[src_id]
            elif src.kind == PARAMETER:     # a stub per parameter per step, not one shared node
                info = {"kind": "param", "name": src.name or "param", "op": "",
                        "shape": "×".join(map(str, src.shape or ())), "dtype": src.dtype or ""}
                a = add("param:" + src_id, info, _stats(src))
            else:                            # the previous step's state, or an input from outside
                info = tensor_info(src, "from")
                info["op"] = ""
                a = add("from:" + src_id, info, _stats(src))
            edges.append((a, index[n.id]))
    _attach_equations(nodes, edges, eqs)
    return nodes, edges, stats


def _attach_equations(nodes: list[dict[str, Any]], edges: list[tuple[int, int]],
                      eqs: dict[str, str]) -> None:
    """The cell equation behind each node: its own name's, or the one it feeds into."""
    if not eqs:
        return
    consumers: dict[int, list[int]] = {}
    for a, b in edges:
        consumers.setdefault(a, []).append(b)

    for i, n in enumerate(nodes):
        if n["kind"] in ("param", "from", "input"):
            continue
        own = eqs.get(_base(n["name"])) if n["name"] else None
        if own:
            n["eq"] = own
            continue
        # walk forward to the named tensors this node feeds (iteratively, first ones found)
        seen, frontier, found = {i}, [i], []
        while frontier and not found:
            nxt = []
            for k in frontier:
                for c in consumers.get(k, []):
                    if c in seen:
                        continue
                    seen.add(c)
                    name = _base(nodes[c]["name"])
                    if name and name in eqs:
                        found.append(name)
                    else:
                        nxt.append(c)
            frontier = nxt
        found = list(dict.fromkeys(found))
        if len(found) == 1:
            n["eq"] = eqs[found[0]]
        elif found and "*" in eqs:
            n["eq"] = eqs["*"] + f"   (feeds {', '.join(found)})"
