"""The backward walk (reverse mode over the recorded graph), ``Tensor.backward`` and ``tg.grad``.

Every tensor made by an op remembers the op (``t._ctx``, a :class:`~tinygrad_rnn.tensor.Function`)
and the op remembers its inputs (``parents``). A tensor's gradient is complete once every op
it fed has sent its share, so the walk first counts those consumers (:func:`consumer_counts`),
then starts at the outputs and puts a tensor on the ready stack the moment its last consumer
has reported (Kahn's algorithm: a reversed topological order). Each gradient thus moves on as
soon as it is complete: in an unrolled RNN, the gradient from step t's use of a weight joins
the weight's total right after step t, instead of waiting, one weight-sized array per step,
until the walk has gone through all earlier steps. No recursion anywhere: an unrolled RNN can
be thousands of ops deep, deeper than Python's recursion limit.

Gradients are raw arrays in an ordinary pass. With ``create_graph=True`` they are Tensors and
each op's backward is recorded like any other computation, so a gradient can be differentiated
again (Hessian-vector products, gradient penalties, Newton's method).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager, nullcontext
from typing import Any, Iterator, Sequence

import numpy as np

from . import backend
from .errors import BackwardError, GraphFreedError, ShapeError
from .modes import enable_grad, state
from .tensor import Function, Tensor, _as_array, _check_finite, unbroadcast

__all__ = ["backward", "backward_walk", "consumer_counts", "gc_paused", "grad"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside the block, and back on after if it was on.

    Recording an unrolled RNN makes thousands of small objects per step (ops, tensors, tuples)
    and the backward walk drops as many. They form no reference cycles, so reference counting
    frees every one of them; the collector does not know that, and scans the young objects every
    700 allocations and, every few training steps, all objects of the process. Paused around
    the time loop and the walk, it runs once afterwards: that took a primitive LSTM training
    step (H = 64) about 10 % faster. Garbage with cycles made meanwhile is collected later.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def backward_walk(roots: Sequence[Tensor], root_grads: Sequence[Any], retain_graph: bool,
                  create_graph: bool, inputs: Sequence[Tensor] | None = None) -> dict[int, Any] | None:
    """Send ``root_grads`` back from ``roots`` through the graph, each op once.

    Without ``inputs`` every leaf (and every ``retain_grad()`` tensor) reached accumulates its
    gradient in ``.grad``; with ``inputs`` nothing is written and the gradients of those
    tensors come back as ``{id(tensor): gradient or None}``. Gradients are arrays, or Tensors
    recorded on the graph when ``create_graph``. Saved arrays are freed unless ``retain_graph``.
    """
    pending = consumer_counts(roots)
    grads = _seed(roots, root_grads)
    handed_out = {id(g) for g in grads.values()}   # already owned by someone: copy, don't share
    found = None if inputs is None else {id(t): None for t in inputs}
    ready = [t for t in {id(r): r for r in roots}.values() if not pending.get(id(t))]
    plain = not create_graph and not state.anomaly   # arrays only, nothing recorded or checked
    gathered: dict[int, list] = {}       # multi-output ops: the gradients of their outputs so far
    while ready:
        t = ready.pop()
        g = grads.pop(id(t), None)       # complete: every consumer has sent its share
        ctx = t._ctx
        if g is not None:
            if t._hooks:
                g = _run_hooks(t, g)
            if found is not None or ctx is None or t._retain:
                _deliver(t, g, found, handed_out)
        if ctx is None:
            continue
        if ctx.multi_output:             # one op, several outputs: wait until all are complete
            g = _gather(ctx, t, g, pending, gathered)
            if g is _WAITING:
                continue
        if plain and g is not None:      # the ordinary pass: arrays in, arrays out
            in_grads = ctx.backward(g)
        else:                            # no gradient reached t, or recorded, or checked
            in_grads = _op_backward(ctx, t, g, create_graph)
        if type(in_grads) is not tuple:  # an op with one input may return its gradient alone
            in_grads = (in_grads,)
        for p, need, pg in zip(ctx.parents, ctx.needs, in_grads):
            if not need:
                continue
            key = id(p)
            if pg is not None:               # add this share to p's gradient, in p's shape
                if pg.shape != p.data.shape:
                    pg = unbroadcast(pg, p.data.shape)
                prev = grads.get(key)
                # out of place: a share may be the very array another input got (a + b sends g
                # to both) or one an op keeps, so a sum never writes into an array it was given
                grads[key] = pg if prev is None else prev + pg
            pending[key] -= 1                # one consumer fewer to wait for
            if not pending[key]:
                ready.append(p)
        if not retain_graph:
            ctx.free()
    return found


def consumer_counts(roots: Tensor | Sequence[Tensor]) -> dict[int, int]:
    """For every tensor that leads to ``roots`` and requires grad: how many op inputs it feeds
    (``a + a`` counts twice). One iterative depth-first walk, with an explicit stack: an
    unrolled RNN can be thousands of ops deep, deeper than Python's recursion limit.

    A multi-output op (``split``) is one consumer of its inputs, however many of its outputs
    are used; under ``id(op)`` it counts how many of its outputs lead to ``roots``."""
    stack = [roots] if isinstance(roots, Tensor) else list(roots)
    counts: dict[int, int] = {}
    seen = {id(t) for t in stack}
    while stack:
        ctx = stack.pop()._ctx
        if ctx is None:
            continue
        if ctx.multi_output:             # count its outputs that lead to the roots (keyed by the
            key = id(ctx)                # op: an op and a tensor alive together never share an id)
            counts[key] = counts.get(key, 0) + 1
            if counts[key] > 1:          # its inputs were counted with its first output
                continue
        if ctx.freed:
            raise GraphFreedError(
                f"backward: trying to go through the graph a second time (op {ctx.name!r}); its saved "
                f"values were freed by the first backward. Pass retain_graph=True to the first call")
        for p, need, arr in zip(ctx.parents, ctx.needs, ctx.inputs):
            if need:
                if p.data is not arr:        # replaced since the forward pass read it
                    _modified_error(ctx, p)
                key = id(p)
                counts[key] = counts.get(key, 0) + 1
                if key not in seen:
                    seen.add(key)
                    stack.append(p)
    return counts


def _modified_error(ctx: Function, p: Tensor) -> None:
    """PyTorch's version-counter check, on the arrays: input ``i`` of ``ctx`` no longer holds the
    array the forward pass read, because its ``.data`` was replaced in between (``w.data = w.data
    - lr * g``, ``load_state_dict``, ``astype``): the saved values and the tensor disagree. Writes
    *into* the array (``w.data[0] = 1``, ``w.data -= x``) are not seen, as PyTorch's counter does
    not see writes through ``.data``; they are documented in docs/concepts.md."""
    i = next(k for k, q in enumerate(ctx.parents) if q is p)   # not .index(): == is elementwise
    who = f" {p.name!r}" if p.name else ""
    where = f" (created at {ctx.origin})" if ctx.origin else ""
    raise BackwardError(
        f"backward: one of the variables needed for gradient computation has been modified: "
        f"input {i} of op {ctx.name!r}{where}, a tensor{who} of shape {tuple(p.shape)}, had its .data "
        f"replaced after the forward pass. Change .data only after backward(), or give the op a copy "
        f"(.clone()) if the tensor must change in between")


# ---- the walk's helpers, in the order the loop calls them ------------------------------

def _seed(roots: Sequence[Tensor], root_grads: Sequence[Any]) -> dict[int, Any]:
    """The starting gradients by tensor (a root given twice gets the sum)."""
    grads: dict[int, Any] = {}
    for r, g in zip(roots, root_grads):
        grads[id(r)] = g if id(r) not in grads else grads[id(r)] + g
    return grads


_WAITING = object()   # _gather's answer while some outputs of the op are still incomplete


def _gather(ctx: Function, t: Tensor, g: Any, pending: dict[int, int],
            gathered: dict[int, list]) -> Any:
    """Keep ``g``, the complete gradient of output ``t`` of the multi-output op ``ctx``. Once
    every output that leads to the roots has reported: the tuple of all outputs' gradients
    (None for the others), or None when no gradient reached any of them; before: ``_WAITING``."""
    key = id(ctx)
    slots = gathered.get(key)
    if slots is None:
        slots = gathered[key] = [None] * len(ctx.out_ids)
    slots[ctx.output_index(t)] = g
    pending[key] -= 1
    if pending[key]:
        return _WAITING
    del gathered[key]
    return None if all(s is None for s in slots) else tuple(slots)


def _run_hooks(t: Tensor, g: Any) -> Any:
    """``t``'s hooks in order; each may return a replacement gradient."""
    recorded = isinstance(g, Tensor)
    for hook in list(t._hooks):
        new = hook(g if recorded else Tensor._make(g, False, None))
        if new is not None:
            g = new if recorded else (new.data if isinstance(new, Tensor) else new)
    return g


def _deliver(t: Tensor, g: Any, found: dict[int, Any] | None, handed_out: set[int]) -> None:
    """Where ``t``'s complete gradient goes: to ``found`` if ``tg.grad`` asked for ``t``, else
    into ``.grad`` of a leaf or a ``retain_grad()`` tensor. Others only pass theirs on."""
    if found is not None:
        if id(t) in found:
            found[id(t)] = _owned(g, handed_out)
    elif t._ctx is None or t._retain:
        _accumulate_grad(t, g, handed_out)


def _owned(g: Any, handed_out: set[int]) -> Any:
    """A gradient its receiver may keep and scale in place (clipping, optimizers).

    An op may hand one array to two inputs (``a + b``), and broadcast gradients are read-only
    views, so those are copied; a fresh array is handed over as it is.
    """
    if isinstance(g, Tensor):                       # recorded: copy by an op, keeping the graph
        if g.data.base is not None or id(g) in handed_out:
            g = g.clone()
    elif isinstance(g, np.generic):
        g = np.asarray(g)
    elif g.base is not None or id(g) in handed_out:
        g = g.copy()
    handed_out.add(id(g))
    return g


def _accumulate_grad(t: Tensor, g: Any, handed_out: set[int]) -> None:
    """``t.grad += g``, out of place: ``.grad`` belongs to the user, who may hold on to it."""
    if t.grad is None:
        mine = _owned(g, handed_out)
    elif isinstance(g, Tensor):
        mine = t.grad + g                           # recorded, so ∂(.grad) flows to both
    else:
        mine = t.grad.data + g
    handed_out.add(id(mine))
    t.grad = mine if isinstance(mine, Tensor) else Tensor._make(mine, False, None)


def _op_backward(ctx: Function, out: Tensor, g: Any, create_graph: bool) -> tuple:
    """The gradients ``ctx`` sends its inputs when the pass is recorded or checked for NaN/Inf
    (``detect_anomaly``), or all None when no gradient reached ``out``."""
    if g is None:                  # no gradient reached ``out``: its inputs get none from it
        return (None,) * len(ctx.parents)
    in_grads = _recorded_backward(ctx, out, g) if create_graph else ctx.backward(g)
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    if state.anomaly:
        for ig in in_grads:
            _check_finite(ig.data if isinstance(ig, Tensor) else ig, ctx.name, "backward", ctx.parents, ctx)
    return in_grads


def _recorded_backward(ctx: Function, out: Tensor, g: Tensor) -> tuple:
    """``ctx.backward`` on tensors, recorded: its ``inputs`` and ``output`` are the tensors
    themselves for this call, so the gradients it returns have a graph back to them."""
    if ctx.once_differentiable:
        raise BackwardError(
            f"backward(create_graph=True): op {ctx.name!r} has an array-only backward that cannot be "
            f"differentiated again; build the layer with fused=False (the per-step cells support "
            f"create_graph=True)")
    saved = ctx.inputs, ctx.output
    ctx.inputs = ctx.parents                    # for this call the backward reads the tensors
    ctx.output = None if ctx.multi_output else out
    try:
        in_grads = ctx.backward(g)
    finally:
        ctx.inputs, ctx.output = saved          # and no cycle op -> output tensor stays behind
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    return tuple(ig if ig is None or isinstance(ig, Tensor) else Tensor._make(ig, False, None)
                 for ig in in_grads)


# ---- the entry points: Tensor.backward and tg.grad -------------------------------------

def _root_grad(root: Tensor, gradient: Any, create_graph: bool, op: str) -> Any:
    """The gradient to start from at ``root``: ones for a one-element root, else ``gradient``
    checked against the root's shape, device and dtype. A Tensor when ``create_graph``."""
    if gradient is None:
        if root.data.size != 1:
            raise BackwardError(
                f"{op}: the root has shape {tuple(root.shape)}, so the gradient cannot be implied; "
                f"call .sum() first or pass gradient= with shape {tuple(root.shape)}")
        g = backend.xp_of(root.data).ones_like(root.data)
    elif isinstance(gradient, Tensor) and create_graph and gradient.shape == root.shape \
            and gradient.dtype == root.dtype:
        return gradient                     # it may require grad itself: keep it in the graph
    else:
        g = gradient.data if isinstance(gradient, Tensor) else _as_array(gradient, root.dtype, root.device)
        if g.shape != root.shape:
            raise ShapeError(f"{op}: gradient has shape {tuple(g.shape)} but the tensor has shape {tuple(root.shape)}")
        backend.check_same_device(op, root.data, g)
        if g.dtype != root.dtype:
            g = g.astype(root.dtype)
    return Tensor._make(g, False, None) if create_graph else g


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False) -> None:
    """Accumulate ∂tensors/∂leaf into every leaf's ``.grad`` (``torch.autograd.backward``).

    ``grad_tensors`` (one per tensor, same shape) may be omitted for one-element tensors.
    ``create_graph=True`` records the pass, so each ``.grad`` is a Tensor with its own graph;
    ``retain_graph`` defaults to ``create_graph`` (the graph is freed otherwise).
    """
    roots = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    given = [grad_tensors] if isinstance(tensors, Tensor) or grad_tensors is None else list(grad_tensors)
    if grad_tensors is None:
        given = [None] * len(roots)
    for r in roots:
        if not r._requires_grad:
            raise BackwardError(
                f"backward: tensor of shape {tuple(r.shape)} does not require grad: none of the "
                f"tensors it was computed from has requires_grad=True, or it was made under no_grad()")
    seeds = [_root_grad(r, g, create_graph, "backward") for r, g in zip(roots, given)]
    retain = create_graph if retain_graph is None else retain_graph
    with enable_grad() if create_graph else nullcontext(), gc_paused():   # the recorded pass must record
        backward_walk(roots, seeds, retain, create_graph)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """∂outputs/∂inputs as a tuple, one per input, without touching any ``.grad``
    (``torch.autograd.grad``).

    >>> x = tg.tensor(2.0, requires_grad=True)
    >>> (dx,) = tg.grad(x ** 4, x, create_graph=True)    # 4x³ = 32, a tensor with a graph
    >>> (dxx,) = tg.grad(dx, x)                          # 12x² = 48

    ``grad_outputs``: one gradient per output (may be omitted for one-element outputs).
    ``create_graph=True`` records the pass so the results can be differentiated again;
    ``retain_graph`` defaults to ``create_graph``. An input no gradient reaches is an error
    naming it, or ``None`` with ``allow_unused=True``.
    """
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    given = [None] * len(outs) if grad_outputs is None else \
        [grad_outputs] if isinstance(outputs, Tensor) else list(grad_outputs)
    if len(given) != len(outs):
        raise ShapeError(f"grad: {len(outs)} outputs but {len(given)} grad_outputs")
    for k, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise BackwardError(f"grad: input {k} ({_describe_tensor(t)}) does not require grad, "
                                f"so it has no gradient; create it with requires_grad=True")
    for k, t in enumerate(outs):
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise BackwardError(f"grad: output {k} ({_describe_tensor(t)}) does not require grad: "
                                f"none of the tensors it was computed from has requires_grad=True")
    seeds = [_root_grad(r, g, create_graph, "grad") for r, g in zip(outs, given)]
    retain = create_graph if retain_graph is None else retain_graph
    with enable_grad() if create_graph else nullcontext(), gc_paused():
        found = backward_walk(outs, seeds, retain, create_graph, inputs=ins)
    result = []
    for k, t in enumerate(ins):
        g = found[id(t)]
        if g is None and not allow_unused:
            raise BackwardError(
                f"grad: input {k} ({_describe_tensor(t)}) was not reached: the outputs do not depend "
                f"on it (or no gradient flowed to it); pass allow_unused=True to get None for it")
        result.append(g if g is None or isinstance(g, Tensor) else Tensor._make(g, False, None))
    return tuple(result)


def _describe_tensor(t: Any) -> str:
    if not isinstance(t, Tensor):
        return f"a {type(t).__name__}, not a Tensor"
    name = f"{t.name!r}, " if t.name else ""
    return f"{name}shape {tuple(t.shape)} {t.dtype}"

