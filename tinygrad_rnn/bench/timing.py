"""Small timing helpers shared by the benchmarks: medians over interleaved rounds."""
from __future__ import annotations

import statistics
import time
from typing import Callable


def interleaved_medians(runners: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Call every runner once per round, in the same order each round, and collect the
    figure each returns. Interleaving spreads slow phases of the machine over all of them."""
    samples: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            samples[name].append(run())
    return samples


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0
