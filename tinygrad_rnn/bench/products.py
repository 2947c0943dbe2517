"""``tinygrad-rnn bench lstm|gru|rnn --products``: the matrix products of one training step,
each timed alone, as this library runs them (NumPy) and as PyTorch's ``mm`` runs them.

One training step of the layer (primitive and fused, the step of :mod:`.worker`) runs once with
the library's product function wrapped (both paths before any timing, so that every product is
timed in the same process state), which notes every product's operand shapes and memory
layouts. Each distinct product is then timed alone on copies of its operands with the same
layouts: through :func:`tinygrad_rnn.threads.matmul` under the current thread setting, and as
``torch.from_numpy(a) @ torch.from_numpy(b)`` on PyTorch's own threads (the same arrays, no
copy), in interleaved rounds. Times a product's count in one step gives what the step's
products cost each library, without anything else of the step: it tells a gap in the products
(the BLAS kernels and their threads) from one in the code around them.
"""
from __future__ import annotations

import argparse
import time
from collections import Counter
from typing import Any, Callable

import numpy as np

from .timing import median


def _layout(x: np.ndarray) -> str:
    return "C" if x.flags.c_contiguous else "F" if x.flags.f_contiguous else "strided"


def recorded_products(spec: dict, fused: bool) -> tuple[Counter, dict]:
    """Run one training step of ``spec`` and return how often each product occurs in it, keyed by
    (shape of a, layout of a, shape of b, layout of b), with one copy of its operands per key."""
    from .. import threads
    from ..fused import sequence
    from ..ops import matmul as op_matmul
    from .worker import make_tinygrad
    counts: Counter = Counter()
    operands: dict = {}
    original = threads.matmul

    def noting(a: Any, b: Any, out: Any = None) -> Any:
        if type(a) is np.ndarray and a.ndim == 2 and b.ndim == 2:
            key = (a.shape, _layout(a), b.shape, _layout(b))
            counts[key] += 1
            if key not in operands:
                operands[key] = (np.array(a, order="K"), np.array(b, order="K"))
        return original(a, b) if out is None else original(a, b, out)

    step, sync = make_tinygrad(spec, fused=fused)
    step()                                   # warm: shapes of the first step can differ (no h₀ grad)
    op_matmul._product, sequence.matmul = noting, noting
    try:
        step()
        sync()
    finally:
        op_matmul._product, sequence.matmul = original, original
    return counts, operands


def _per_call(fn: Callable[[], Any], budget: float = 0.01) -> float:
    """Seconds per call of ``fn``, from as many calls as fit in about ``budget`` seconds, after
    three untimed calls (PyTorch's threads sleep after a while idle and take time to wake)."""
    for _ in range(3):
        fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    n = max(1, int(budget / once))
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def time_products(counts: Counter, operands: dict, rounds: int) -> list[dict]:
    """Median seconds per product, ours and PyTorch's, for every recorded product."""
    import torch
    from .. import threads
    rows = []
    for key, count in sorted(counts.items(), key=lambda kv: -kv[1] * np.prod(kv[0][0]) * kv[0][2][1]):
        a, b = operands[key]
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        ours, theirs = [], []
        for _ in range(rounds):              # interleaved, so a slow spell of the machine hits both
            ours.append(_per_call(lambda: threads.matmul(a, b)))
            theirs.append(_per_call(lambda: ta @ tb))
        rows.append({"a": list(key[0]), "a_layout": key[1], "b": list(key[2]), "b_layout": key[3],
                     "per_step": count, "ours": median(ours), "torch": median(theirs)})
    return rows


def main(args: argparse.Namespace) -> int:
    import json
    import torch
    from .. import threads
    out = []
    for hidden in args.hidden:
        spec = {"cell": args.what, "hidden": hidden, "batch": args.batch, "steps": args.steps,
                "input": args.input, "output": 1, "dtype": args.dtype, "device": args.device}
        # record both paths before timing any product: how fast OpenBLAS runs a small product
        # can depend on what the process ran before (here small products ran faster once a
        # product of 512³ multiply-adds had run), so every row is timed in the same state
        recorded = {path: recorded_products(spec, fused=path == "fused") for path in ("primitive", "fused")}
        for path, (counts, operands) in recorded.items():
            rows = time_products(counts, operands, args.rounds)
            out.append({"hidden": hidden, "path": path, "products": rows,
                        "ours_total": sum(r["per_step"] * r["ours"] for r in rows),
                        "torch_total": sum(r["per_step"] * r["torch"] for r in rows)})
    if args.json:
        print(json.dumps({"what": args.what, "setting": str(threads.setting()),
                          "torch_threads": torch.get_num_threads(), "rows": out}))
        return 0
    ours_label = f"NumPy ({threads.setting()})"
    torch_label = f"PyTorch ({torch.get_num_threads()} thr.)"
    for row in out:
        print(f"\n{args.what.upper()} {row['path']} training step, H = {row['hidden']}, batch {args.batch}, "
              f"{args.steps} steps, {args.input} inputs, {args.dtype}: its matrix products, each alone "
              f"(µs per product, median of {args.rounds} interleaved rounds)")
        print(f"  {'product':<32}{'layouts':>8}{'per step':>10}{ours_label:>18}{torch_label:>18}{'ratio':>8}")
        for r in row["products"]:
            shape = f"{r['a'][0]}×{r['a'][1]} @ {r['b'][0]}×{r['b'][1]}"
            print(f"  {shape:<32}{r['a_layout'] + r['b_layout']:>8}{r['per_step']:>10}"
                  f"{r['ours'] * 1e6:18.1f}{r['torch'] * 1e6:18.1f}{r['ours'] / r['torch']:7.2f}×")
        print(f"  {'all products of one step (ms)':<50}{row['ours_total'] * 1e3:18.2f}"
              f"{row['torch_total'] * 1e3:18.2f}{row['ours_total'] / row['torch_total']:7.2f}×")
    return 0
