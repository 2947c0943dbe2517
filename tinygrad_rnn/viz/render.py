"""Turning DOT text into SVG/PNG/PDF with Graphviz's ``dot`` program.

The program is found on ``PATH``; when it is missing, :class:`GraphvizNotFoundError` says
how to install it on each system. DOT text itself never needs it (write the ``.dot`` file
and render it later with ``dot -Tpng file.dot -o file.png``).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from ..errors import TinygradRNNError

FORMATS = ("svg", "png", "pdf", "dot")

INSTALL_HINT = (
    "install Graphviz (it provides the `dot` program) and make sure `dot` is on your PATH: "
    "Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install -c conda-forge graphviz; Windows: winget install graphviz "
    "(or choco install graphviz), then add its bin folder (e.g. C:\\Program Files\\Graphviz\\bin) to PATH")


class GraphvizNotFoundError(TinygradRNNError, RuntimeError):
    """The Graphviz ``dot`` program is not installed or not on ``PATH``."""


class GraphvizRenderError(TinygradRNNError, RuntimeError):
    """``dot`` ran but failed (its own message is included)."""


def find_dot() -> str:
    """Full path of the ``dot`` program, or :class:`GraphvizNotFoundError`."""
    path = shutil.which("dot")
    if path is None:
        raise GraphvizNotFoundError(f"cannot render: the Graphviz `dot` program was not found; {INSTALL_HINT}")
    return path


def format_of(path: str | Path, fmt: str | None = None) -> str:
    """The output format: ``fmt`` if given, else the file's suffix (``.svg`` -> ``svg``)."""
    f = (fmt or Path(path).suffix.lstrip(".")).lower()
    if f == "gv":
        f = "dot"
    if f not in FORMATS:
        raise ArgumentError(f"render: unknown format {f or '(none)'!r} for {str(path)!r}; "
                         f"use one of {', '.join(FORMATS)} (as --format or the file suffix)")
    return f


def dot_source(graph: Any) -> str:
    """DOT text from a string or anything with a ``.source`` (a ``graphviz.Digraph``)."""
    if isinstance(graph, str):
        return graph
    source = getattr(graph, "source", None)
    if isinstance(source, str):
        return source
    raise ArgumentTypeError(f"render: expected DOT text or a graphviz.Digraph, got {type(graph).__name__}")


def render(graph: Any, path: str | Path, format: str | None = None, timeout: float = 120.0) -> Path:
    """Write ``graph`` (DOT text or a ``graphviz.Digraph``) to ``path`` as svg/png/pdf/dot.

    ``dot`` format writes the text and needs no Graphviz; the others run ``dot -T<format>``
    (without a shell) and raise :class:`GraphvizNotFoundError` when it is missing.
    """
    path = Path(path)
    fmt = format_of(path, format)
    text = dot_source(graph)
    if fmt == "dot":
        path.write_text(text, encoding="utf-8")
        return path
    exe = find_dot()
    proc = subprocess.run([exe, f"-T{fmt}", "-o", str(path)], input=text.encode("utf-8"),
                          capture_output=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GraphvizRenderError(f"render: dot -T{fmt} failed (exit {proc.returncode}): "
                                  f"{' '.join(msg[-3:]) or 'no message'}")
    return path
