"""The machinery behind ``tinygrad-rnn check N``: fresh inputs, exact comparisons, "by hand"
guards, and hints that come one level at a time.

A check module ``lessons/checks/NN_topic.py`` defines ``CHECKS``, a list of
``(exercise name, function name, check, hints)``. ``check(fn)`` calls the learner's ``fn`` on
inputs drawn from :func:`rng` and raises ``AssertionError`` with a sentence that names what is
wrong (which output, how far off, on which input). ``hints`` is a list of nudges, each one
deeper than the last (a single string is one nudge); none of them is the answer, which lives only
in ``lessons/solutions/``.

Three helpers keep checks honest:

* :func:`rng` — a generator seeded once per run (the seed is printed, and ``--seed`` repeats a
  run), so a check never sees one fixed case a lookup table could memorise;
* :func:`assert_close` — compares in float64 with a tolerance (1e-10 relative by default) that an
  exact derivative meets and a finite-difference estimate (error ≈ 1e-6) does not, and says so;
* :func:`by_hand` — runs the learner's function while watching every Python call: if code from
  ``tinygrad_rnn`` (or another autograd library: torch, jax, autograd, tensorflow) runs inside
  it, the check fails and names the function that ran.
"""
from __future__ import annotations

import json
import os
import secrets
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

SEED_ENV = "TINYGRAD_RNN_CHECK_SEED"
STATE_ENV = "TINYGRAD_RNN_STATE"

EXACT = 1e-10        # what an exact derivative computed in another order meets easily (≈ 1e-15)
FINITE_DIFF = 1e-6   # the size of error central differences leave behind


class LibraryUsed(AssertionError):
    """The learner's "by hand" function ran code from an autograd library."""


# ---- one seed per run ----------------------------------------------------------------------

_seed: int | None = None
_draws = 0


def new_run(seed: int | None = None) -> int:
    """Start a run of checks: pick (or take) the seed every :func:`rng` of this run derives from."""
    global _seed, _draws
    if seed is None:
        env = os.environ.get(SEED_ENV)
        seed = int(env) if env else secrets.randbelow(10**6)
    _seed, _draws = int(seed), 0
    return _seed


def current_seed() -> int:
    if _seed is None:
        new_run()
    return _seed   # type: ignore[return-value]


def rng() -> np.random.Generator:
    """A generator for one check's inputs: different every run, repeatable with the run's seed.

    Each call gives a new stream (the run's seed and a counter), so checks do not share draws
    and the order in which they run does not change what each one sees.
    """
    global _draws
    seed = current_seed()
    _draws += 1
    return np.random.default_rng([seed, _draws])


# ---- comparing numbers ---------------------------------------------------------------------

def _fmt_inputs(inputs: dict[str, Any] | None) -> str:
    if not inputs:
        return ""
    parts = []
    for k, v in inputs.items():
        if isinstance(v, np.ndarray) and v.size > 4:
            parts.append(f"{k} of shape {v.shape}")
        elif isinstance(v, (float, np.floating)):
            parts.append(f"{k}={float(v):.6g}")
        elif isinstance(v, np.ndarray):
            parts.append(f"{k}={np.array2string(v, precision=4)}")
        else:
            parts.append(f"{k}={v!r}")
    return " on " + ", ".join(parts)


def assert_close(name: str, got: Any, want: Any, inputs: dict[str, Any] | None = None,
                 tol: float = EXACT) -> None:
    """Raise ``AssertionError`` naming ``name`` unless ``got`` matches ``want`` to ``tol``.

    The error is measured relative to the size of ``want`` (its largest element), so tiny
    gradients are held to the same standard as large ones. When the error is the size a
    finite-difference estimate leaves, the message says so.
    """
    where = _fmt_inputs(inputs)
    if got is None:
        raise AssertionError(f"{name} is None{where}; expected an array of shape {np.shape(want)}")
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} should be numbers, got {type(got).__name__}{where}") from None
    w = np.asarray(want, dtype=np.float64)
    if g.shape != w.shape:
        raise AssertionError(f"{name} has shape {g.shape}, expected {w.shape}{where}")
    if not np.isfinite(g).all():
        raise AssertionError(f"{name} contains NaN or inf{where}")
    diff = np.abs(g - w)
    worst = float(diff.max()) if diff.size else 0.0
    scale = max(float(np.abs(w).max()) if w.size else 0.0, 1e-300)
    rel = worst / scale
    if rel <= tol:
        return
    at = ""
    if g.ndim:
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
        at = f" at index {tuple(int(i) for i in idx)} (you: {g[idx]:.10g}, expected: {w[idx]:.10g})"
    else:
        at = f" (you: {float(g):.12g}, expected: {float(w):.12g})"
    msg = f"{name} is off by {worst:.3g} (relative {rel:.2g}; the tolerance is {tol:.0e}){at}{where}"
    if tol <= EXACT and rel < 1e-3:
        msg += (". An error of this size is what a finite-difference estimate leaves; an exact "
                "derivative (the chain rule) agrees to about 1e-15")
    raise AssertionError(msg)


# ---- "by hand": no autograd library inside the learner's function ------------------------

_PACKAGE_DIR = str(Path(__file__).resolve().parent) + os.sep
_FORBIDDEN_PARTS = ("torch", "jax", "autograd", "tensorflow", "tinygrad")


def _forbidden(filename: str) -> str | None:
    if filename == __file__:     # this watch itself, leaving its own block
        return None
    if filename.startswith(_PACKAGE_DIR):
        return "tinygrad_rnn"
    parts = Path(filename).parts
    if "site-packages" in parts or "dist-packages" in parts:
        for part in _FORBIDDEN_PARTS:
            if part in parts:
                return part
    return None


@contextmanager
def watching_libraries() -> Iterator[list[str]]:
    """Record every call into tinygrad_rnn or another autograd library while the block runs.

    Yields a list that fills with ``"module.function (file:line)"`` strings, one per library
    function that ran (the first few). The learner's code runs undisturbed; the check decides.
    """
    seen: list[str] = []
    previous = sys.getprofile()

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and len(seen) < 5:
            lib = _forbidden(frame.f_code.co_filename)
            if lib is not None:
                mod = frame.f_globals.get("__name__", lib)
                seen.append(f"{mod}.{getattr(frame.f_code, 'co_qualname', frame.f_code.co_name)}")
        elif event == "c_call" and len(seen) < 5:
            mod = getattr(arg, "__module__", None) or ""
            if mod.split(".")[0] in ("torch", "jax", "tensorflow"):
                seen.append(f"{mod}.{getattr(arg, '__name__', '?')}")

    previous_threads = threading.getprofile() if hasattr(threading, "getprofile") else None
    sys.setprofile(profile)
    threading.setprofile(profile)      # threads started inside the block are watched too
    try:
        yield seen
    finally:
        sys.setprofile(previous)
        threading.setprofile(previous_threads)   # type: ignore[arg-type]


def by_hand(fn: Callable, *args: Any, what: str = "NumPy only", **kwargs: Any) -> Any:
    """Call the learner's ``fn`` and fail if any autograd library code ran inside it.

    ``what`` names the rule of the exercise ("NumPy only", "math only"). Library calls made
    by the check itself (to compute the expected answer) happen outside this call.
    """
    with watching_libraries() as seen:
        out = fn(*args, **kwargs)
    if seen:
        name = getattr(fn, "__name__", "your function")
        raise LibraryUsed(f"caught: {name}() called {seen[0]}"
                          f"{' (and ' + str(len(seen) - 1) + ' more library functions)' if len(seen) > 1 else ''}. "
                          f"This exercise is {what}: write the computation yourself, without tinygrad_rnn's "
                          f"(or any other library's) tensors and autograd")
    return out


# ---- hints, one level at a time ------------------------------------------------------------

def hint_levels(hints: str | Sequence[str]) -> list[str]:
    return [hints] if isinstance(hints, str) else list(hints)


def state_file() -> Path:
    """Where hint levels are kept: ``$TINYGRAD_RNN_STATE`` or ``~/.tinygrad_rnn/hints.json``."""
    env = os.environ.get(STATE_ENV)
    base = Path(env) if env else Path.home() / ".tinygrad_rnn"
    return base / "hints.json"


def _load_state() -> dict:
    path = state_file()
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_state(state: dict) -> None:
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")


def hint_level(lesson: int, exercise: str) -> int:
    """How many hints of this exercise the learner has seen so far."""
    return int(_load_state().get(str(lesson), {}).get(exercise, 0))


def next_hint(lesson: int, exercise: str, hints: str | Sequence[str]) -> tuple[int, int, str | None]:
    """Advance this exercise's hint level by one and return ``(level, number of levels, text)``.

    ``text`` is ``None`` once every hint has been shown (the level stays at the last one).
    """
    levels = hint_levels(hints)
    state = _load_state()
    per_lesson = state.setdefault(str(lesson), {})
    level = int(per_lesson.get(exercise, 0))
    if level >= len(levels):
        return level, len(levels), None
    level += 1
    per_lesson[exercise] = level
    _save_state(state)
    return level, len(levels), levels[level - 1]


def reset_hints(lesson: int) -> None:
    state = _load_state()
    if state.pop(str(lesson), None) is not None:
        _save_state(state)
