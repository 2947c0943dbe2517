"""Argument types for the command line: each turns one word into a value or refuses it.

argparse calls a ``type=`` function on the text of an option and, when it raises
``argparse.ArgumentTypeError``, prints ``error: argument --lr: <message>`` and exits with 2.
Every number the commands take goes through one of these, so ``nan``, ``inf``, negative sizes
and out-of-range seeds are refused before anything runs, with the same wording everywhere.
"""
from __future__ import annotations

import argparse
import math
from typing import Callable

__all__ = ["finite_float", "int_list", "non_negative", "positive", "seed"]

_NAMES = {int: "integer", float: "finite number"}   # int() never gives nan or inf


def _number(kind: type, text: str, wanted: str) -> int | float:
    """``kind(text)``, finite, or ArgumentTypeError saying what was ``wanted``."""
    try:
        value = kind(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
    return value


def positive(kind: type = int) -> Callable[[str], int | float]:
    """``type=positive(int)`` / ``positive(float)``: a finite number > 0."""
    wanted = f"a positive {_NAMES[kind]}"

    def parse(text: str) -> int | float:
        value = _number(kind, text, wanted)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value
    return parse


def non_negative(kind: type = int) -> Callable[[str], int | float]:
    """``type=non_negative(int)`` / ``non_negative(float)``: a finite number >= 0."""
    wanted = f"{'an' if kind is int else 'a'} {_NAMES[kind]} >= 0"

    def parse(text: str) -> int | float:
        value = _number(kind, text, wanted)
        if value < 0:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value
    return parse


def finite_float(text: str) -> float:
    """Any finite number (``nan`` and ``inf`` refused)."""
    return _number(float, text, "a finite number")


def seed(text: str) -> int:
    """A random seed: an integer from 0 to 2**32 - 1, as NumPy's generators take."""
    value = _number(int, text, "an integer seed")
    if not 0 <= value < 2 ** 32:
        raise argparse.ArgumentTypeError(f"a seed is an integer from 0 to 2**32 - 1, got {text}")
    return value


def int_list(text: str) -> list[int]:
    """``64,256,512`` → ``[64, 256, 512]``: comma-separated positive integers."""
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or any(n <= 0 for n in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be positive integers, got {text!r}")
    return sizes
