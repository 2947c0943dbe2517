"""``tinygrad-rnn bench lstm|gru|rnn --parts``: where a fused training step's time goes (and, with
``--only tinygrad-primitive,torch-primitive``, a primitive one's, by kind of op: :mod:`.op_parts`).

One process, the fused layer of :mod:`.worker` (same sizes, same loss, same update), with the
matrix products and the step functions of ``fused/steps.py`` wrapped by timers. Times are wall
time on the calling thread: a product shared with helper threads (``blocks.py``) counts once,
for as long as the caller waited for it. The wrappers cost about a microsecond a call.
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict
from typing import Any, Callable

PARTS = ("per-step products", "once-per-sequence products", "gate math forward", "gate math backward")
# once-per-sequence: the input projection of all steps (with its bias), ∂L/∂x and the weight gradients


def _account(acc: dict, name: str, t0: float) -> None:
    acc[name] += time.perf_counter() - t0
    acc[name, "calls"] += 1


def seconds_per_step(step: Callable[[], None], sync: Callable[[], None], steps_timed: int) -> float:
    """Wall seconds per call of ``step``, over ``steps_timed`` calls (device work finished)."""
    sync()
    t0 = time.perf_counter()
    for _ in range(steps_timed):
        step()
    sync()
    return (time.perf_counter() - t0) / steps_timed


def _timed(acc: dict, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _account(acc, name, t0)
    return wrapper


def measure(spec: dict, steps_timed: int) -> dict:
    """Seconds per training step, in total and per part, and calls per part per training step,
    for the fused layer of ``spec``."""
    from ..fused import sequence, steps
    from .worker import make_tinygrad
    acc: dict = defaultdict(float)
    T, B = spec["steps"], spec["batch"]
    saved = {name: getattr(steps, name) for name in ("lstm_forward", "lstm_backward", "gru_forward", "gru_backward")}
    saved_seq = {name: getattr(sequence, name) for name in ("matmul", "_project", "_weight_grads")}
    inside = [0]                  # > 0 while in _project or _weight_grads, timed as a whole

    def whole(fn: Callable[..., Any]) -> Callable[..., Any]:
        timed = _timed(acc, PARTS[1], fn)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            inside[0] += 1
            try:
                return timed(*args, **kwargs)
            finally:
                inside[0] -= 1
        return wrapper

    def product(a: Any, b: Any, out: Any = None) -> Any:
        if inside[0]:
            return saved_seq["matmul"](a, b) if out is None else saved_seq["matmul"](a, b, out)
        # outside those two, only ∂L/∂x takes all steps at once: (T·B, ·) @ (·, I)
        name = PARTS[1] if a.shape[0] == T * B and T > 1 else PARTS[0]
        t0 = time.perf_counter()
        try:
            return saved_seq["matmul"](a, b) if out is None else saved_seq["matmul"](a, b, out)
        finally:
            _account(acc, name, t0)

    sequence.matmul, sequence._project, sequence._weight_grads = (
        product, whole(saved_seq["_project"]), whole(saved_seq["_weight_grads"]))
    for name, fn in saved.items():
        setattr(steps, name, _timed(acc, PARTS[2] if name.endswith("forward") else PARTS[3], fn))
    try:
        step, sync = make_tinygrad(spec, fused=True)
        for _ in range(spec["warmup"]):
            step()
        sync()
        acc.clear()
        total = seconds_per_step(step, sync, steps_timed)
    finally:
        for name, fn in saved_seq.items():
            setattr(sequence, name, fn)
        for name, fn in saved.items():
            setattr(steps, name, fn)
    parts = {name: acc[name] / steps_timed for name in PARTS}
    parts["everything else"] = total - sum(parts.values())
    calls = {name: acc[name, "calls"] / steps_timed for name in PARTS}
    return {"total": total, "parts": parts, "calls": calls}


FUSED = "tinygrad-fused"
CHOICES = (FUSED, "tinygrad-primitive", "torch-primitive")   # what --parts --only takes


def main(args: argparse.Namespace) -> int:
    """The fused step's parts (the default), and/or the primitive steps' op kinds side by side
    (:mod:`.op_parts`) when ``--only`` names them."""
    import json
    from . import op_parts
    which = [w.strip() for w in (args.only or FUSED).split(",") if w.strip()]
    fused_rows, op_rows = [], []
    for hidden in args.hidden:
        spec = {"cell": args.what, "hidden": hidden, "batch": args.batch, "steps": args.steps,
                "input": args.input, "output": 1, "dtype": args.dtype, "device": args.device,
                "warmup": args.warmup}
        if FUSED in which:
            fused_rows.append({"hidden": hidden, **measure(spec, args.iters)})
        measured = {name: op_parts.MEASURES[name](spec, args.iters) for name in which if name != FUSED}
        if measured:
            op_rows.append({"hidden": hidden, **measured})
    if args.json:
        print(json.dumps({"what": args.what, "rows": fused_rows, "primitive": op_rows}))
        return 0
    for row in fused_rows:
        print(f"\n{args.what.upper()} fused training step, H = {row['hidden']}, batch {args.batch}, "
              f"{args.steps} steps, {args.input} inputs, {args.dtype}, {args.device}: "
              f"{row['total'] * 1e3:.1f} ms ({args.iters} steps after {args.warmup} of warm-up, this process)")
        for name, seconds in row["parts"].items():
            calls = row["calls"].get(name)
            print(f"  {name:<30}{seconds * 1e3:9.1f} ms {100 * seconds / row['total']:6.1f} %"
                  + (f"  ({calls:g} calls)" if calls else ""))
    for row in op_rows:
        print(op_parts.table(args.what, row["hidden"], args, {k: v for k, v in row.items() if k != "hidden"}))
    return 0
