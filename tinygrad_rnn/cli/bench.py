"""``tinygrad-rnn bench``: benchmarks that print figures (filled in below)."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="benchmarks: per-op overhead (ops) and training-step speed")
    p.add_argument("what", choices=["ops"], help="what to time")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bench.ops import main as bench_ops
    return bench_ops(args)
