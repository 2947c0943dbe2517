"""Gradients on every node, for drawings.

After ``loss.backward()`` only leaves keep ``.grad`` (intermediate gradients are dropped as
soon as they have been passed on, which keeps training memory small). A drawing wants the
gradient of *every* tensor, so this helper asks for them first, then runs the ordinary
backward pass of the engine, then measures the gradient that flowed along each edge::

    loss = model(x).sum()
    tg.viz.backward_with_grads(loss)     # instead of loss.backward()
    tg.viz.draw(loss)                    # every node now shows ‖∂L/∂node‖
"""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor, unbroadcast
from .graph import l2_norm


def _graph_tensors(root: Tensor) -> list[Tensor]:
    """Every tensor that leads to ``root`` and requires grad (iterative walk)."""
    seen: set[int] = set()
    out: list[Tensor] = []
    stack = [root]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        out.append(t)
        if t._ctx is not None:
            stack.extend(p for p, need in zip(t._ctx.parents, t._ctx.needs) if need)
    return out


def retain_all_grads(root: Tensor) -> int:
    """Call ``retain_grad()`` on every non-leaf tensor behind ``root``; returns how many."""
    count = 0
    for t in _graph_tensors(root):
        if t._ctx is not None:
            t.retain_grad()
            count += 1
    return count


def backward_with_grads(loss: Tensor, gradient: Any = None, edge_grads: bool = True,
                        retain_graph: bool = False) -> None:
    """``loss.backward()``, keeping ``.grad`` on every tensor of the graph.

    With ``edge_grads=True`` it also records, for every op, the norm of the gradient it
    sent to each of its inputs (what flowed back along each edge; an input used by several
    ops gets the sum of those). It does so by running each op's backward once more on its
    output's final gradient, so it costs about one extra backward pass; the numbers are
    stored on the op (``op.viz_input_grad_norms``) and drawn as edge widths.

    The graph is freed afterwards unless ``retain_graph=True``, exactly like ``backward``.
    """
    tensors = _graph_tensors(loss)
    for t in tensors:
        if t._ctx is not None:
            t.retain_grad()
    loss.backward(gradient, retain_graph=retain_graph or edge_grads)
    if not edge_grads:
        return
    several: dict[int, tuple[Any, list]] = {}   # multi-output ops: their outputs' gradients
    for t in tensors:
        ctx = t._ctx
        if ctx is None or ctx.freed:
            continue
        if ctx.multi_output:         # one backward for all outputs of a split, run below
            slots = several.setdefault(id(ctx), (ctx, [None] * len(ctx.out_ids)))[1]
            slots[ctx.output_index(t)] = None if t.grad is None else t.grad.data
        elif t.grad is not None:
            _edge_norms(ctx, t.grad.data, retain_graph)
    for ctx, slots in several.values():
        if any(s is not None for s in slots):
            _edge_norms(ctx, tuple(slots), retain_graph)


def _edge_norms(ctx: Any, out_grad: Any, retain_graph: bool) -> None:
    """Run ``ctx``'s backward on its output's gradient (a tuple of them for a multi-output op)
    and keep the norm of what it sends each input as ``ctx.viz_input_grad_norms``."""
    grads = ctx.backward(out_grad)
    if not isinstance(grads, tuple):
        grads = (grads,)
    norms = []
    for p, need, g in zip(ctx.parents, ctx.needs, grads):
        if not need or g is None:
            norms.append(None)
            continue
        norms.append(l2_norm(unbroadcast(g, p.data.shape)))
    if not retain_graph:
        ctx.free()               # what the engine's own backward would have freed
    ctx.viz_input_grad_norms = tuple(norms)
