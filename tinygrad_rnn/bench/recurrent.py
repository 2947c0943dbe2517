"""``tinygrad-rnn bench lstm|gru|rnn``: one training step, five ways, side by side.

Implementations: tinygrad_rnn's primitive path (the cell's equations as recorded ops),
tinygrad_rnn's fused path (one whole-sequence op), PyTorch's primitive ops and its
``nn.LSTM``/``nn.GRU``/``nn.RNN`` (when PyTorch is installed), the hand-written NumPy
forward + BPTT in ``numpy_reference.py`` (CPU only), and — when installed — DeZero's LSTM/RNN
layers and the same model in HIPS autograd, the two Python engines this project is compared with. Every round starts each implementation
in a fresh process (``worker.py``), in the same order; the table shows the median over
rounds of each process's median step time, the ratios, and peak training memory.

With ``--contended`` every round runs each implementation twice, once on the quiet machine
and once while a process this command starts keeps one core busy (a Python loop that never
sleeps, like a browser tab spinning), and the table shows both times and their ratio: how
much a busy laptop slows a training step. ``--blas-threads`` passes a BLAS thread setting
(``tinygrad_rnn.threads``) to every worker, e.g. ``system`` to see NumPy's own default;
``auto,system`` runs both, interleaved, as rows of one table.
"""
from __future__ import annotations

import argparse
import importlib.util
import contextlib
import json
import os
import subprocess
import sys
from typing import Iterator

from ..errors import StateError
from .timing import median

IMPLS = ["tinygrad-primitive", "tinygrad-fused", "tinygrad-fused-numpy", "torch-primitive", "torch-nn", "numpy", "dezero", "hips-autograd"]
# optional comparisons: a row appears when its package is installed (CPU only for the last three);
# tinygrad-fused-numpy is the fused path with NumPy steps, shown when numba runs the fused row
_NEEDS = {"tinygrad-fused-numpy": "numba", "torch-primitive": "torch", "torch-nn": "torch", "dezero": "dezero", "hips-autograd": "autograd"}


def _available(device: str, cell: str) -> list[str]:
    out = []
    for impl in IMPLS:
        package = _NEEDS.get(impl)
        if package and importlib.util.find_spec(package) is None:
            continue
        if impl in ("numpy", "tinygrad-fused-numpy", "dezero", "hips-autograd") and device != "cpu":
            continue
        if impl == "dezero" and cell == "gru":     # DeZero has no GRU layer
            continue
        out.append(impl)
    return out


# one core kept busy: a loop that never sleeps or waits (what a spinning browser tab does)
BUSY_LOOP = "while True: pass"


@contextlib.contextmanager
def busy_core(on: bool = True) -> Iterator[None]:
    """Keep one core busy with a separate process for the duration (nothing when ``on`` is False)."""
    if not on:
        yield
        return
    proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    try:
        yield
    finally:
        proc.kill()
        proc.wait()


def _worker_env(blas_threads: str | None) -> dict | None:
    if blas_threads is None:
        return None
    return dict(os.environ, TINYGRAD_RNN_BLAS_THREADS=blas_threads)


def _run_worker(spec: dict, blas_threads: str | None = None) -> dict:
    proc = subprocess.run([sys.executable, "-m", "tinygrad_rnn.bench.worker", json.dumps(spec)],
                          capture_output=True, text=True, env=_worker_env(blas_threads))
    if proc.returncode != 0:
        raise StateError(f"{spec['impl']} failed:\n{proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(args: argparse.Namespace) -> int:
    impls = _available(args.device, args.what)
    only = getattr(args, "only", None)
    if only:
        wanted = [s.strip() for s in only.split(",") if s.strip()]
        impls = [i for i in impls if i in wanted]
    contended = bool(getattr(args, "contended", False))
    blas = getattr(args, "blas_threads", None)
    rows = _rows(impls, blas)
    labels = [label for label, _, _ in rows]
    if "torch-nn" not in impls and not only:
        print("(PyTorch is not installed: its rows are skipped; pip install torch to compare)")
    results = []
    for hidden in args.hidden:
        spec = {"cell": args.what, "hidden": hidden, "batch": args.batch, "steps": args.steps,
                "input": args.input, "output": 1, "dtype": args.dtype, "device": args.device,
                "warmup": args.warmup, "iters": args.iters}
        conditions = ("quiet", "contended") if contended else ("quiet",)
        runs: dict = {(label, cond): [] for cond in conditions for label in labels}
        for _ in range(args.rounds):
            for cond in conditions:          # interleaved: quiet, then busy, every round
                with busy_core(cond == "contended"):
                    for label, impl, setting in rows:
                        runs[label, cond].append(_run_worker({**spec, "impl": impl}, setting))
        row: dict = {"hidden": hidden}
        for label in labels:
            rs = runs[label, "quiet"]
            row[label] = {"ms": median([median(r["times"]) for r in rs]) * 1e3,
                          "peak_mib": median([r["peak_mib"] for r in rs])}
            if contended:
                busy = runs[label, "contended"]
                row[label]["contended_ms"] = median([median(r["times"]) for r in busy]) * 1e3
                row[label]["contended_ratio"] = row[label]["contended_ms"] / row[label]["ms"]
        results.append(row)
        if not args.json:
            (_print_contended if contended else _print_row)(args, row, labels)
    if args.json:
        print(json.dumps({"cell": args.what, "batch": args.batch, "steps": args.steps,
                          "input": args.input, "dtype": args.dtype, "device": args.device,
                          "rounds": args.rounds, "contended": contended, "blas_threads": blas,
                          "results": results}))
    return 0


def _rows(impls: list[str], blas: str | None) -> list[tuple[str, str, str | None]]:
    """(label, implementation, BLAS setting) per table row. With several settings
    (``--blas-threads auto,system``) the rows that import tinygrad_rnn appear once per setting,
    labelled ``impl [setting]``, so before and after run interleaved in one command; PyTorch's
    rows do not read the setting and appear once."""
    settings = [s.strip() for s in blas.split(",") if s.strip()] if blas else [None]
    rows = []
    for impl in impls:
        if len(settings) > 1 and (impl.startswith("tinygrad") or impl == "numpy"):
            rows += [(f"{impl} [{s}]", impl, s) for s in settings]
        else:
            rows.append((impl, impl, settings[0]))
    return rows


def _print_contended(args: argparse.Namespace, row: dict, impls: list[str]) -> None:
    print(f"\n{args.what.upper()} training step, H = {row['hidden']}, batch {args.batch}, "
          f"{args.steps} steps, {args.input} inputs, {args.dtype}: quiet vs one core kept busy "
          f"(median of {args.rounds} interleaved rounds x {args.iters} steps, fresh process each"
          f"{', BLAS threads ' + args.blas_threads if args.blas_threads else ''})")
    print(f"{'implementation':<31}{'quiet ms':>10}{'busy ms':>10}{'busy/quiet':>12}")
    for impl in impls:
        r = row[impl]
        print(f"{impl:<31}{r['ms']:>10.2f}{r['contended_ms']:>10.2f}{r['contended_ratio']:>11.2f}x")


def _print_row(args: argparse.Namespace, row: dict, impls: list[str]) -> None:
    # the NumPy row (with --blas-threads, its first setting) is the yardstick, else nn.LSTM
    ref = next((i for i in impls if i.split()[0] == "numpy"), "torch-nn" if "torch-nn" in row else impls[0])
    print(f"\n{args.what.upper()} training step, H = {row['hidden']}, batch {args.batch}, "
          f"{args.steps} steps, {args.input} inputs, {args.dtype}, {args.device} "
          f"(median of {args.rounds} rounds x {args.iters} steps, fresh process each)")
    label = "vs " + ref.split()[0]
    width = max(14, len(label) + 2)          # a long yardstick name must not run into 'ms/step'
    nn_column = ref != "torch-nn" and "torch-nn" in row   # not twice, and not a column of dashes
    print(f"{'implementation':<31}{'ms/step':>10}{label:>{width}}"
          + (f"{'vs torch-nn':>13}" if nn_column else "") + f"{'peak MiB':>10}")
    for impl in impls:
        ms = row[impl]["ms"]
        vs_ref = ms / row[ref]["ms"]
        vs_nn = f"{ms / row['torch-nn']['ms']:.2f}x" if "torch-nn" in row else "-"
        print(f"{impl:<31}{ms:>10.2f}{vs_ref:>{width - 1}.2f}x" + (f"{vs_nn:>13}" if nn_column else "")
              + f"{row[impl]['peak_mib']:>10.1f}")
