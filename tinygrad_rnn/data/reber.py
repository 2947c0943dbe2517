"""The embedded Reber grammar (Hochreiter & Schmidhuber 1997, experiment 1).

Strings over the 7 symbols B, T, P, S, X, V, E come from a small automaton. A net reads
one symbol per step (one-hot, 7 inputs) and, at every step, predicts which symbols may come
next (7 outputs). Most of that is local, but the *embedded* grammar wraps a Reber string
in B T … T E or B P … P E: the symbol before last repeats the second one, so the net must
carry it across the whole inner string (at least 9 steps).

The Reber automaton (each branch taken with probability 0.5)::

    start --B--> s1     s1: T→s2 | P→s3     s2: S→s2 | X→s4     s3: T→s3 | V→s5
    s4: X→s3 | S→s6     s5: P→s4 | V→s6     s6 --E--> end

Examples: BTSSXXTVVE, BPVVE; embedded: BTBPVVETE.

The 1997 data: 256 training strings and 256 *different* test strings, activations reset
after each string; a trial succeeds when, at every step of every string, the outputs of
the legal next symbols are the most active ones (:func:`reber_correct`).
"""
from __future__ import annotations

import numpy as np

from ..errors import ArgumentError
from . import Seed, as_generator, check_count, pad_sequences

SYMBOLS = "BTPSXVE"
INDEX = {s: i for i, s in enumerate(SYMBOLS)}

# state -> the two (symbol, next state) branches; s6 always emits E and ends
_REBER = {1: (("T", 2), ("P", 3)), 2: (("S", 2), ("X", 4)), 3: (("T", 3), ("V", 5)),
          4: (("X", 3), ("S", 6)), 5: (("P", 4), ("V", 6))}


def reber_string(rng: np.random.Generator) -> str:
    """One string of the plain Reber grammar, e.g. ``"BTSSXXTVVE"``."""
    out, state = ["B"], 1
    while state != 6:
        symbol, state = _REBER[state][int(rng.integers(2))]
        out.append(symbol)
    out.append("E")
    return "".join(out)


def embedded_reber_string(rng: np.random.Generator) -> str:
    """B, then T or P, a full Reber string, the same T or P again, then E."""
    outer = "TP"[int(rng.integers(2))]
    return "B" + outer + reber_string(rng) + outer + "E"


def legal_next(string: str) -> list[str]:
    """For each position of an embedded Reber string, the set of symbols that may follow it
    (as a string, e.g. ``"TP"``; empty after the final E). Raises ValueError if the string
    does not belong to the grammar."""
    sets: list[str] = []
    # walk the outer frame: B, T|P, <inner string>, same T|P, E
    if len(string) < 9 or string[0] != "B" or string[1] not in "TP" or string[2] != "B":
        raise ArgumentError(f"legal_next: {string!r} is not an embedded Reber string")
    outer = string[1]
    sets += ["TP", "B"]                   # after B: T or P;  after T/P: the inner B
    state, i = 1, 3                       # inside the inner string, after its B
    sets.append("TP")                     # after the inner B
    while state != 6:
        branches = dict(_REBER[state])
        symbol = string[i] if i < len(string) else ""
        if symbol not in branches:
            raise ArgumentError(f"legal_next: {string!r} breaks the grammar at position {i} ({symbol!r})")
        state = branches[symbol]
        sets.append("E" if state == 6 else "".join(s for s, _ in _REBER[state]))
        i += 1
    if string[i:] != "E" + outer + "E":
        raise ArgumentError(f"legal_next: {string!r} does not end with E{outer}E after its inner string")
    sets += [outer, "E", ""]              # after the inner E: the remembered symbol; then E; then nothing
    return sets


def one_hot(string: str) -> np.ndarray:
    """(len, 7) float32, one row per symbol."""
    out = np.zeros((len(string), len(SYMBOLS)), dtype=np.float32)
    out[np.arange(len(string)), [INDEX[s] for s in string]] = 1.0
    return out


def multi_hot(sets: list[str]) -> np.ndarray:
    """(len, 7) float32 with a 1 for every symbol in each set."""
    out = np.zeros((len(sets), len(SYMBOLS)), dtype=np.float32)
    for t, allowed in enumerate(sets):
        out[t, [INDEX[s] for s in allowed]] = 1.0
    return out


def encode_example(string: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs: every symbol but the last (one-hot); targets: the legal successors of each.

    Both are (len − 1, 7) float32; row t of the targets is multi-hot over the symbols that
    may follow input t. Train with ``binary_cross_entropy_with_logits`` (or MSE on sigmoids,
    as in 1997), score with :func:`reber_correct`.
    """
    return one_hot(string[:-1]), multi_hot(legal_next(string)[:-1])


def embedded_reber(n_train: int = 256, n_test: int = 256, seed: Seed = None) -> dict[str, np.ndarray | list[str]]:
    """The 1997 data set: training and test strings with no test string in the training set.

    Returns a dict with ``train_inputs``/``test_inputs`` (N, L_max, 7) float32 padded with
    zeros at the end, ``train_targets``/``test_targets`` (N, L_max, 7) float32 multi-hot,
    ``train_lengths``/``test_lengths`` (N,) int64 (real steps per string) and the strings
    themselves (``train_strings``, ``test_strings``). Training strings may repeat, as when
    they are drawn from the grammar.
    """
    n_train = check_count("embedded_reber", "n_train", n_train)      # pad_sequences needs one string
    n_test = check_count("embedded_reber", "n_test", n_test)
    rng = as_generator(seed, "embedded_reber")
    train = [embedded_reber_string(rng) for _ in range(n_train)]
    seen = set(train)
    test: list[str] = []
    while len(test) < n_test:
        s = embedded_reber_string(rng)
        if s not in seen:
            test.append(s)
    out: dict[str, np.ndarray | list[str]] = {}
    for name, strings in (("train", train), ("test", test)):
        pairs = [encode_example(s) for s in strings]
        out[f"{name}_inputs"], out[f"{name}_lengths"] = pad_sequences([p[0] for p in pairs])
        out[f"{name}_targets"], _ = pad_sequences([p[1] for p in pairs])
        out[f"{name}_strings"] = strings
    return out


def reber_correct(outputs: np.ndarray, targets: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
    """Per sequence, whether every step is predicted correctly by the 1997 criterion.

    outputs: (N, L, 7) any monotone activations (logits or sigmoids); targets: (N, L, 7)
    multi-hot legal sets; lengths: (N,) real steps (default: all L). A step is correct when
    the weakest legal symbol's output is strictly above the strongest illegal one, i.e. the
    k legal symbols are the k most active outputs. A step whose target row is all zero (the
    padding of ``embedded_reber``) has nothing to predict and counts as correct, so the
    lengths may also be left out. Returns (N,) bool; the 1997 trial
    succeeds when all are True on both training and test strings.
    """
    outputs, targets = np.asarray(outputs, dtype=np.float64), np.asarray(targets) > 0.5
    if outputs.shape != targets.shape or outputs.ndim != 3:
        raise ArgumentError(f"reber_correct: outputs {outputs.shape} and targets {targets.shape} must both be (N, L, 7)")
    n, L, _ = outputs.shape
    lengths = np.full(n, L) if lengths is None else np.asarray(lengths)
    weakest_legal = np.where(targets, outputs, np.inf).min(axis=2)
    strongest_illegal = np.where(targets, -np.inf, outputs).max(axis=2)
    step_ok = weakest_legal > strongest_illegal
    real = np.arange(L)[None, :] < lengths[:, None]
    return np.all(step_ok | ~real, axis=1)
