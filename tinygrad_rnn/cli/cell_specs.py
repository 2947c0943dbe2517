"""Cell lists on the command line: ``rnn,lstm:1,gru``, each entry a cell kind and, for an
LSTM, an optional forget bias after a colon.

One parser for every command that reads such a list (``gradflow --cells``, ``explore --cell``
and ``--compare``); each passes its own option name so that a mistake names the option the
user actually typed.
"""
from __future__ import annotations

from .main import CLIError

KINDS = ("rnn", "lstm", "gru")


def parse_cells(spec: str, default_fb: float, option: str = "--cells") -> list[tuple[str, float]]:
    """``"rnn,lstm:1,gru"`` -> ``[("rnn", 0.0), ("lstm", 1.0), ("gru", 0.0)]``.

    A plain ``lstm`` gets ``default_fb``; errors are :class:`CLIError` messages that start
    with ``option`` (``"--cell: forget bias in 'lstm:x' is not a number"``).
    """
    items = []
    for raw in spec.split(","):
        item = raw.strip().lower()
        if not item:
            continue
        kind, _, fb = item.partition(":")
        if kind not in KINDS:
            raise CLIError(f"{option}: unknown cell {raw.strip()!r}; use rnn, lstm, gru or lstm:<forget bias>")
        if fb and kind != "lstm":
            raise CLIError(f"{option}: only lstm takes a forget bias (got {raw.strip()!r})")
        try:
            items.append((kind, float(fb) if fb else (default_fb if kind == "lstm" else 0.0)))
        except ValueError:
            raise CLIError(f"{option}: forget bias in {raw.strip()!r} is not a number") from None
    if not items:
        raise CLIError(f"{option}: give at least one cell, e.g. rnn,lstm,gru")
    return items
