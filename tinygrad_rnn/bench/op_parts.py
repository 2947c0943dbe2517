"""``bench lstm|gru|rnn --parts --only tinygrad-primitive,torch-primitive``: where a primitive
training step's time goes, by kind of op, in our engine and in PyTorch's.

The primitive path records every equation of the cell as ops, step by step; so does PyTorch's
version of it (``torch-primitive`` in :mod:`.worker`: the same equations on torch tensors).
Both run the same training step (same sizes, loss and update), timed in this process:

* ours with a timer around every op's ``forward`` and ``backward`` (each :class:`Function`
  subclass wrapped for the run, then restored);
* PyTorch's under its own profiler: each ``aten::`` op called from Python or from the autograd
  engine, with the ops it calls inside (``linear`` is a product, ``chunk`` a shape op), counted
  as backward when the autograd engine called it.

Each op lands in one of :data:`KINDS` by what it computes. What no op accounts for is
"everything else": for us the engine (recording, the backward walk), the time loop and the
update; for PyTorch its autograd engine, its Python-side dispatch and the profiler's own
bookkeeping. Both timers cost something per op, so each total is printed twice: timed as
above, and from a plain run of the same step in the same process.
"""
from __future__ import annotations

import os
import sys
from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Iterator

KINDS = ("matrix products", "σ and tanh", "other elementwise", "shape ops")

# PyTorch's aten ops by kind (an op not named here counts as everything else)
_TORCH_KINDS = {
    "matrix products": {"mm", "addmm", "bmm", "matmul", "mv", "dot", "linear"},
    "σ and tanh": {"sigmoid", "tanh", "sigmoid_backward", "tanh_backward"},
    "other elementwise": {"add", "add_", "sub", "sub_", "rsub", "mul", "mul_", "div", "div_", "neg", "pow",
                          "sum", "mean", "fill_", "zero_", "zeros", "zeros_like", "ones_like", "copy_",
                          "empty", "empty_like", "clone", "where", "maximum", "minimum", "clamp", "exp", "log",
                          "addcmul_", "mse_loss", "mse_loss_backward"},
    "shape ops": {"t", "transpose", "permute", "split", "chunk", "slice", "select", "view", "reshape",
                  "_reshape_alias", "as_strided", "cat", "stack", "unsqueeze", "squeeze", "expand",
                  "narrow", "unbind", "contiguous", "select_backward", "slice_backward", "unsafe_split",
                  "split_with_sizes", "unsafe_chunk", "expand_as", "new_zeros", "narrow_copy", "numpy_T", "detach"},
}
_TORCH_KIND_OF = {name: kind for kind, names in _TORCH_KINDS.items() for name in names}


def kind_of(op: type) -> str:
    """The kind of one of our ops, by its class: its module says most of it."""
    if op.name == "matmul":
        return "matrix products"
    if op.name in ("sigmoid", "tanh"):
        return "σ and tanh"
    if op.__module__.endswith(".shape"):
        return "shape ops"
    return "other elementwise"


def _all_ops() -> Iterator[type]:
    from ..tensor import Function
    seen, stack = set(), [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                yield sub


def _result(acc: dict, total: float, plain: float, steps_timed: int) -> dict:
    parts = {kind: {phase: acc[kind, phase] / steps_timed for phase in ("forward", "backward")}
             for kind in KINDS}
    calls = {kind: sum(acc[(kind, phase), "calls"] for phase in ("forward", "backward")) / steps_timed
             for kind in KINDS}
    timed = sum(v for p in parts.values() for v in p.values())
    return {"total": total, "plain_total": plain, "parts": parts, "calls": calls,
            "everything else": total - timed}


def measure_tinygrad(spec: dict, steps_timed: int) -> dict:
    """Seconds per primitive training step of our engine: in total (with the op timers and in a
    plain run), per kind of op and pass, and op calls per step per kind."""
    from .parts import _timed, seconds_per_step
    from .worker import make_tinygrad
    acc: dict = defaultdict(float)
    step, sync = make_tinygrad(spec, fused=False)
    for _ in range(spec["warmup"]):
        step()
    plain = seconds_per_step(step, sync, steps_timed)
    wrapped = []
    for op in _all_ops():
        for phase in ("forward", "backward"):
            if phase in vars(op):                      # wrap each method once, where it is defined
                wrapped.append((op, phase, vars(op)[phase]))
                setattr(op, phase, _timed(acc, (kind_of(op), phase), vars(op)[phase]))
    try:
        step()                                         # one untimed step with the timers on
        acc.clear()
        total = seconds_per_step(step, sync, steps_timed)
    finally:
        for op, phase, fn in wrapped:
            setattr(op, phase, fn)
    return _result(acc, total, plain, steps_timed)


def measure_torch(spec: dict, steps_timed: int) -> dict:
    """The same for PyTorch's primitive ops (``torch-primitive``), from its profiler."""
    from torch.profiler import ProfilerActivity, profile
    from .parts import seconds_per_step
    from .worker import make_torch
    step, sync = make_torch(spec, primitive=True)
    for _ in range(spec["warmup"]):
        step()
    plain = seconds_per_step(step, sync, steps_timed)
    prof = profile(activities=[ProfilerActivity.CPU])
    with _stderr_silenced():          # the profiler's start and stop lines are not ours to print
        prof.start()
    try:
        total = seconds_per_step(step, sync, steps_timed)
    finally:
        with _stderr_silenced():
            prof.stop()
    acc: dict = defaultdict(float)
    for ev in prof.events():
        if not ev.name.startswith("aten::") or _has_ancestor(ev, "aten::"):
            continue                  # an op inside another op counts with the outer one
        kind = _TORCH_KIND_OF.get(ev.name.removeprefix("aten::"))
        if kind is None:
            continue
        phase = "backward" if _has_ancestor(ev, "autograd::engine") else "forward"
        acc[kind, phase] += ev.cpu_time_total * 1e-6
        acc[(kind, phase), "calls"] += 1
    return _result(acc, total, plain, steps_timed)


def _has_ancestor(ev: Any, prefix: str) -> bool:
    """Whether an event that encloses ``ev`` in PyTorch's profile is named ``prefix...``: an
    ``aten::`` op inside another, or a backward node's ``autograd::engine::evaluate_function``."""
    p = ev.cpu_parent
    while p is not None:
        if p.name.startswith(prefix):
            return True
        p = p.cpu_parent
    return False


@contextmanager
def _stderr_silenced() -> Iterator[None]:
    """File descriptor 2 to /dev/null inside the block (C++ code writes there directly)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


MEASURES = {"tinygrad-primitive": measure_tinygrad, "torch-primitive": measure_torch}


def table(what: str, hidden: int, args: Any, rows: dict[str, dict]) -> str:
    """The printed comparison: one column group per implementation, ms per training step."""
    names = list(rows)
    head = (f"\n{what.upper()} primitive training step, H = {hidden}, batch {args.batch}, {args.steps} steps, "
            f"{args.input} inputs, {args.dtype}, {args.device}: ms per step ({args.iters} steps after "
            f"{args.warmup} of warm-up, this process)")
    lines = [head, f"  {'':<22}" + "".join(f"{n:>30}" for n in names),
             f"  {'part':<22}" + "".join(f"{'forward':>10}{'backward':>10}{'calls':>10}" for _ in names)]
    for kind in KINDS:
        cells = "".join(f"{r['parts'][kind]['forward'] * 1e3:10.2f}{r['parts'][kind]['backward'] * 1e3:10.2f}"
                        f"{r['calls'][kind]:10g}" for r in rows.values())
        lines.append(f"  {kind:<22}{cells}")
    lines.append(f"  {'everything else':<22}" + "".join(f"{r['everything else'] * 1e3:20.2f}{'':10}" for r in rows.values()))
    lines.append(f"  {'total, timed':<22}" + "".join(f"{r['total'] * 1e3:20.2f}{'':10}" for r in rows.values()))
    lines.append(f"  {'total, plain run':<22}" + "".join(f"{r['plain_total'] * 1e3:20.2f}{'':10}" for r in rows.values()))
    return "\n".join(lines)
