"""A small, drawable model of an autograd graph, built by walking back from root tensors.

The model is plain data (lists of :class:`Node` and :class:`Edge`) so it can be tested,
written as DOT text without Graphviz, or collapsed into one box per time step.

Nodes are numbered in one deterministic traversal (parents before the tensors made from
them, inputs of an op in argument order), never from ``id()``: the same program gives the
same node ids and the same DOT text every time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

from ..errors import ArgumentTypeError, MissingKeyError
from .. import backend
from ..tensor import Function, Tensor
from .labels import op_label, short_param_name

#: kinds of nodes; tensors are one of the first four
PARAMETER, INPUT, OUTPUT, INTERMEDIATE, OP = "parameter", "input", "output", "intermediate", "op"


@dataclass
class Node:
    """One tensor or one op of the graph.

    ``scope`` is the name-scope path of the op (for a tensor: of the op that made it; leaves
    have ``()``). ``grad_norm`` is ‖∂L/∂tensor‖ when the tensor holds a ``.grad``, else None.
    """
    id: str
    kind: str
    name: str                       # tensor name ("h_3", "weight_hh", "") or op name ("matmul")
    scope: tuple[str, ...] = ()
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    grad_norm: float | None = None
    requires_grad: bool = False
    consts: str = ""                # op nodes: the non-tensor arguments, e.g. "0.5"
    tensor: Tensor | None = field(default=None, repr=False, compare=False)
    label: str = ""                 # op nodes: how the op reads as math, e.g. "1 − z"


@dataclass
class Edge:
    """Data flowing from ``src`` to ``dst``; ``arg`` is the argument position when an op
    takes several tensor inputs. ``grad_norm`` is the norm of the gradient flowing back
    along the edge, when known (see :func:`~tinygrad_rnn.viz.backward_with_grads`)."""
    src: str
    dst: str
    arg: int | None = None
    grad_norm: float | None = None


@dataclass
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    roots: list[str]

    def __post_init__(self) -> None:
        self.by_id = {n.id: n for n in self.nodes}

    def tensors(self) -> list[Node]:
        return [n for n in self.nodes if n.kind != OP]

    def ops(self) -> list[Node]:
        return [n for n in self.nodes if n.kind == OP]

    def find(self, name: str) -> Node:
        """The tensor or op node called ``name`` (the first one in node order)."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise MissingKeyError(f"no node named {name!r} in the graph")


_STEP = re.compile(r"^t=(-?\d+)$")


def group_key(scope: tuple[str, ...]) -> tuple[tuple[str, ...], int | None]:
    """The scope path cut after its last ``t=N`` element, and N (None when there is none)."""
    for i in range(len(scope) - 1, -1, -1):
        m = _STEP.match(scope[i])
        if m:
            return scope[:i + 1], int(m.group(1))
    return scope, None


def l2_norm(a: Any) -> float:
    """‖a‖: the Euclidean norm over all elements of a raw array (NumPy or CuPy), summed in
    float64 so that a float32 gradient does not overflow or lose its small parts, as a
    Python float. The one gradient norm every drawing and chart in ``viz`` uses."""
    xp = backend.xp_of(a)
    return float(xp.sqrt(xp.sum(xp.square(a.astype(xp.float64)))))


def grad_norm(t: Tensor) -> float | None:
    """‖t.grad‖ (Euclidean norm over all elements) as a Python float, or None."""
    return None if t.grad is None else l2_norm(t.grad.data)


def _const_text(x: Any) -> str:
    if backend.is_array(x):
        return f"array{tuple(x.shape)}"
    if isinstance(x, float):
        return f"{x:.4g}"
    text = repr(x)
    return text if len(text) <= 24 else text[:21] + "..."


def param_names(params: Any) -> dict[int, str]:
    """``id(parameter) -> name`` from a Module, a dict of name -> tensor, or a list of either."""
    if params is None:
        return {}
    out: dict[int, str] = {}
    items: Iterable[Any] = params if isinstance(params, (list, tuple)) else [params]
    for item in items:
        if hasattr(item, "named_parameters"):
            out.update((id(p), n) for n, p in item.named_parameters())
        elif isinstance(item, dict):
            out.update((id(p), n) for n, p in item.items())
        else:
            raise ArgumentTypeError(f"draw: params must be a Module or a dict of name -> tensor, "
                            f"got {type(item).__name__}")
    return out


def _drawn_name(t: Tensor, names: dict[int, str]) -> str | None:
    """The name a tensor argument has in an op label: its own, or its parameter's short name."""
    if t.name:
        return t.name
    return short_param_name(names[id(t)]) if id(t) in names else None


def _as_roots(roots: Tensor | Sequence[Tensor], what: str = "draw: roots") -> list[Tensor]:
    """``roots`` as a list of Tensors; ``what`` names the caller's argument in the error."""
    items = [roots] if isinstance(roots, Tensor) else list(roots)
    bad = [type(r).__name__ for r in items if not isinstance(r, Tensor)]
    if not items or bad:
        raise ArgumentTypeError(f"{what} must be a Tensor or a list of Tensors, got {bad or 'nothing'}")
    return items


def build_graph(roots: Tensor | Sequence[Tensor], *, hide_params: bool = False,
                params: Any = None) -> Graph:
    """Walk from ``roots`` to the leaves (iteratively) and return the :class:`Graph`.

    Every tensor reached is a node (leaves included, whether or not they require grad) and
    every op is a node between its inputs and its output. ``hide_params=True`` leaves the
    parameters and their edges out (they connect to every time step and crowd the picture).
    ``params`` (a Module or a dict) names the parameters: ``weight_hh``, ``bias_ih``, ...
    """
    root_list = _as_roots(roots)
    names = param_names(params)
    root_ids = {id(r) for r in root_list}
    node_of: dict[int, str] = {}        # id(tensor) -> node id, only for the walk
    op_of: dict[int, str] = {}          # id(op) -> node id: a split is one node for all its outputs
    nodes: list[Node] = []
    edges: list[Edge] = []
    n_tensors = n_ops = 0

    def is_param(t: Tensor) -> bool:
        from ..nn.module import Parameter
        return t._ctx is None and (t._requires_grad or isinstance(t, Parameter))

    # Post-order DFS with an explicit stack: a tensor is emitted after all its inputs.
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in reversed(root_list)]
    visiting: set[int] = set()
    while stack:
        t, expanded = stack.pop()
        key = id(t)
        if key in node_of:
            continue
        if not expanded:
            if key in visiting:
                continue
            visiting.add(key)
            stack.append((t, True))
            if t._ctx is not None:
                for p in reversed(t._ctx.parents):
                    if isinstance(p, Tensor) and id(p) not in node_of:
                        stack.append((p, False))
            continue
        if hide_params and is_param(t) and key not in root_ids:
            node_of[key] = ""            # hidden: remembered so edges to it are skipped
            continue
        ctx: Function | None = t._ctx
        op_id = op_of.get(id(ctx)) if ctx is not None else None
        if ctx is not None and op_id is None:
            op_id = op_of[id(ctx)] = f"f{n_ops}"
            n_ops += 1
            tensor_args = [p for p in ctx.parents if isinstance(p, Tensor)]
            consts = [_const_text(p) for p in ctx.parents if not isinstance(p, Tensor)]
            arg_names = [_drawn_name(p, names) if isinstance(p, Tensor) else None for p in ctx.parents]
            nodes.append(Node(op_id, OP, ctx.name, tuple(ctx.scope), consts=", ".join(consts),
                              label=op_label(ctx.name, ctx.parents, tuple(t.shape), arg_names)))
            in_norms = ctx.__dict__.get("viz_input_grad_norms")
            for i, p in enumerate(ctx.parents):
                if not isinstance(p, Tensor) or not node_of.get(id(p)):
                    continue
                arg = i if len(tensor_args) > 1 else None
                norm = in_norms[i] if in_norms is not None else None
                edges.append(Edge(node_of[id(p)], op_id, arg, norm))
        if key in root_ids:
            kind = OUTPUT
        elif ctx is not None:
            kind = INTERMEDIATE
        elif is_param(t):
            kind = PARAMETER
        else:
            kind = INPUT
        tid = f"t{n_tensors}"
        n_tensors += 1
        node_of[key] = tid
        norm = grad_norm(t)
        nodes.append(Node(tid, kind, t.name or names.get(key, ""),
                          tuple(ctx.scope) if ctx is not None else (),
                          tuple(t.shape), str(t.dtype), norm, t._requires_grad, tensor=t))
        if ctx is not None:
            edges.append(Edge(op_id, tid, None, norm))
    _place_leaves(nodes, edges)
    return Graph(nodes, edges, [node_of[id(r)] for r in root_list])


def _place_leaves(nodes: list[Node], edges: list[Edge]) -> None:
    """Put a leaf into the scope of its consumers when they all share one scope.

    ``x_3`` and the initial state are leaves (no op made them), so they carry no scope of
    their own; drawn inside the step that reads them, the unrolled graph reads step by
    step. Parameters read by every step keep the top level.
    """
    by_id = {n.id: n for n in nodes}
    scopes: dict[str, set[tuple[str, ...]]] = {}
    for e in edges:
        src = by_id[e.src]
        if src.kind in (INPUT, PARAMETER):
            scopes.setdefault(e.src, set()).add(by_id[e.dst].scope)
    for nid, found in scopes.items():
        if len(found) == 1:
            by_id[nid].scope = next(iter(found))


def subgraph(graph: Graph, node_ids: Iterable[str]) -> Graph:
    """The part of ``graph`` made of ``node_ids``, drawable on its own (e.g. one time step).

    Keeps the chosen nodes and the edges among them. Every tensor outside the selection that
    feeds a chosen op is added as an extra leaf, with its edge: the previous step's ``h_2``
    enters step 3 as an input node, a parameter stays a parameter (so it can be drawn as a
    per-step stub). A chosen tensor whose producing op is left out becomes an input too.
    Leaves are placed in the scope of their consumers when they all share one. The nodes
    are copies: ``graph`` is not changed. Roots are the original roots that were kept, or,
    when none was, the chosen nodes nothing inside the selection consumes.
    """
    wanted = list(dict.fromkeys(node_ids))
    missing = [i for i in wanted if i not in graph.by_id]
    if missing:
        raise MissingKeyError(f"subgraph: no node with id {', '.join(map(repr, missing[:5]))} in the graph "
                       f"({len(graph.nodes)} nodes)")
    keep = set(wanted)
    # tensors outside that feed a chosen op (an op outside that makes a chosen tensor is
    # not added: that tensor becomes a leaf itself)
    feeders = {e.src for e in graph.edges
               if e.dst in keep and e.src not in keep and graph.by_id[e.src].kind != OP}
    produced_inside = {e.dst for e in graph.edges if e.src in keep and e.dst in keep}
    nodes: list[Node] = []
    for n in graph.nodes:                     # original order: ids and DOT text stay stable
        if n.id not in keep and n.id not in feeders:
            continue
        copy = replace(n)
        if copy.kind in (INTERMEDIATE, OUTPUT) and copy.id not in produced_inside:
            copy.kind = INPUT                 # made outside the selection: a leaf here
        if copy.id in feeders and copy.kind in (INPUT, PARAMETER):
            copy.scope = ()                   # placed below, next to its consumers
        nodes.append(copy)
    present = {n.id for n in nodes}
    edges = [replace(e) for e in graph.edges if e.src in present and e.dst in keep]
    _place_leaves(nodes, edges)
    roots = [r for r in graph.roots if r in keep]
    if not roots:
        used = {e.src for e in edges}
        roots = [i for i in wanted if i not in used]
    return Graph(nodes, edges, roots)
