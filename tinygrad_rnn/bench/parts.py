"""``tinygrad-rnn bench lstm|gru|rnn --parts``: where a fused training step's time goes.

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


def _timed(acc: dict, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[name] += time.perf_counter() - t0
    return wrapper


def measure(spec: dict, steps_timed: int) -> dict:
    """Seconds per training step, in total and per part, for the fused layer of ``spec``."""
    from ..fused import sequence, steps
    from .worker import make_tinygrad
    acc: dict = defaultdict(float)
    T, B = spec["steps"], spec["batch"]
    saved = {name: getattr(steps, name) for name in ("lstm_forward", "lstm_backward", "gru_forward", "gru_backward")}
    saved_mm = sequence.matmul

    def product(a: Any, b: Any, out: Any = None) -> Any:
        # the per-step products take one step's batch: (B, ·) @ (·, ·)
        name = PARTS[0] if a.shape[0] == B and T * B not in a.shape else PARTS[1]
        t0 = time.perf_counter()
        try:
            return saved_mm(a, b) if out is None else saved_mm(a, b, out)
        finally:
            acc[name] += time.perf_counter() - t0

    sequence.matmul = product
    for name, fn in saved.items():
        setattr(steps, name, _timed(acc, PARTS[2] if name.endswith("forward") else PARTS[3], fn))
    try:
        step, sync = make_tinygrad(spec, fused=True)
        for _ in range(spec["warmup"]):
            step()
        sync()
        acc.clear()
        t0 = time.perf_counter()
        for _ in range(steps_timed):
            step()
        sync()
        total = (time.perf_counter() - t0) / steps_timed
    finally:
        sequence.matmul = saved_mm
        for name, fn in saved.items():
            setattr(steps, name, fn)
    parts = {name: acc[name] / steps_timed for name in PARTS}
    parts["everything else"] = total - sum(parts.values())
    return {"total": total, "parts": parts}


def main(args: argparse.Namespace) -> int:
    import json
    rows = []
    for hidden in args.hidden:
        spec = {"cell": args.what, "hidden": hidden, "batch": args.batch, "steps": args.steps,
                "input": args.input, "output": 1, "dtype": args.dtype, "device": args.device,
                "warmup": args.warmup}
        rows.append({"hidden": hidden, **measure(spec, args.iters)})
    if args.json:
        print(json.dumps({"what": args.what, "rows": rows}))
        return 0
    for row in rows:
        print(f"\n{args.what.upper()} fused training step, H = {row['hidden']}, batch {args.batch}, "
              f"{args.steps} steps, {args.input} inputs, {args.dtype}, {args.device}: "
              f"{row['total'] * 1e3:.1f} ms ({args.iters} steps after {args.warmup} of warm-up, this process)")
        for name, seconds in row["parts"].items():
            print(f"  {name:<30}{seconds * 1e3:9.1f} ms {100 * seconds / row['total']:6.1f} %")
    return 0
