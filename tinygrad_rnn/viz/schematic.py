"""Schematic drawings of one LSTM step and one GRU step, with their equations beside the boxes.

Unlike :func:`tinygrad_rnn.viz.draw`, which draws the graph a real computation recorded, these
are textbook pictures: a box per gate, a circle per pointwise operation, the wires between them,
and the cell's equations (PyTorch's form, the one ``tg.nn.LSTMCell`` and ``tg.nn.GRUCell``
compute) in a panel on the right, each equation in the colour of the box that computes it.

    >>> fig = cell_schematic("lstm", "lstm_cell.png")      # doctest: +SKIP

matplotlib is imported only when a schematic is drawn.
"""
from __future__ import annotations

import os
from typing import Any
from ..errors import ArgumentError

CELLS = ("lstm", "gru")

# one colour per part of the cell, shared by its box and its equation
_GATE = "#fde7b0"        # σ gates
_CAND = "#cfe3f7"        # tanh candidate
_STATE = "#d9f0d3"       # the state that runs along the top
_OP = "#ffffff"          # pointwise ⊙ and +
_EDGE = "#444444"
_TEXT = "#222222"
_EQ = {"gate": "#9a6a00", "cand": "#1f5f99", "state": "#2e7d32", "plain": _TEXT}


def cell_schematic(cell: str = "lstm", path: str | os.PathLike | None = None, *,
                   dpi: int = 110) -> Any:
    """Draw one step of an LSTM (``"lstm"``) or GRU (``"gru"``) cell as a schematic.

    Returns the matplotlib ``Figure``; with ``path`` it is also saved there (PNG, SVG or PDF by
    the file's suffix) and closed. The drawing shows the inputs x_t and h_{t−1} (and c_{t−1}
    for the LSTM) on the left, the gates as boxes, the pointwise products and sums as circles,
    the new state on the right, and the cell's equations beside it.
    """
    kind = str(cell).lower()
    if kind not in CELLS:
        raise ArgumentError(f"cell_schematic: cell must be one of {CELLS}, got {cell!r}")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, ax = plt.subplots(figsize=(13.3, 5.2))
    ax.set_xlim(-0.6, 17.8)
    ax.set_ylim(-1.7, 5.75)
    ax.set_aspect("equal")
    ax.axis("off")
    (_lstm if kind == "lstm" else _gru)(ax)
    fig.tight_layout(pad=0.3)
    if path is not None:
        fig.savefig(os.fspath(path), dpi=dpi, facecolor="white")
        plt.close(fig)
    return fig


# ---- drawing helpers ---------------------------------------------------------------------

def _box(ax: Any, x: float, y: float, text: str, color: str, name: str = "", w: float = 0.9,
         h: float = 0.62) -> None:
    from matplotlib.patches import FancyBboxPatch  # noqa: PLC0415
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04,rounding_size=0.12",
                                fc=color, ec=_EDGE, lw=1.2, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=14, color=_TEXT, zorder=4)
    if name:
        ax.text(x + w / 2 + 0.08, y - h / 2 - 0.05, name, ha="left", va="top", fontsize=12,
                color=_TEXT, zorder=4)


def _op(ax: Any, x: float, y: float, text: str) -> None:
    from matplotlib.patches import Circle  # noqa: PLC0415
    ax.add_patch(Circle((x, y), 0.27, fc=_OP, ec=_EDGE, lw=1.2, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=14, color=_TEXT, zorder=4)


def _wire(ax: Any, points: list[tuple[float, float]], arrow: bool = True, color: str = _EDGE) -> None:
    """A wire through ``points``; the last segment ends in an arrow head at the last point."""
    xs, ys = zip(*points)
    ax.plot(xs[:-1], ys[:-1], color=color, lw=1.4, zorder=1, solid_capstyle="round")
    ax.annotate("", xy=points[-1], xytext=points[-2], zorder=2,
                arrowprops=dict(arrowstyle="-|>" if arrow else "-", color=color, lw=1.4,
                                shrinkA=0, shrinkB=0 if not arrow else 13, mutation_scale=14))


def _label(ax: Any, x: float, y: float, text: str, **kw: Any) -> None:
    ax.text(x, y, text, fontsize=kw.pop("fontsize", 14), color=kw.pop("color", _TEXT), **kw)


def _equations(ax: Any, x: float, y: float, title: str, lines: list[tuple[str, str, str]]) -> None:
    """The panel beside the drawing: one equation per line, coloured like its box."""
    from matplotlib.patches import FancyBboxPatch  # noqa: PLC0415
    step = 0.66
    height = step * len(lines) + 0.9
    ax.add_patch(FancyBboxPatch((x - 0.25, y - height + 0.45), 7.85, height, boxstyle="round,pad=0.05",
                                fc="#fafafa", ec="#bbbbbb", lw=1.0, zorder=0))
    ax.text(x, y, title, fontsize=12, color="#555555", va="center")
    for k, (tex, note, part) in enumerate(lines):
        yy = y - 0.75 - k * step
        ax.text(x, yy, tex, fontsize=13.5, color=_EQ[part], va="center")
        ax.text(x + 7.45, yy, note, fontsize=10.5, color="#666666", va="center", ha="right")


# ---- the two cells -----------------------------------------------------------------------

def _lstm(ax: Any) -> None:
    top, bus, gates = 4.2, 0.0, 1.45
    # inputs on the left; x_t and h_{t-1} meet on the bus that feeds every gate
    _label(ax, -0.5, top, r"$c_{t-1}$", va="center")
    _label(ax, -0.5, bus + 0.35, r"$h_{t-1}$", va="center")
    _label(ax, -0.5, -1.2, r"$x_t$", va="center")
    _wire(ax, [(0.35, -1.2), (0.9, -1.2), (0.9, bus)], arrow=False)
    _wire(ax, [(0.35, bus + 0.35), (0.9, bus + 0.35), (0.9, bus)], arrow=False)
    _wire(ax, [(0.9, bus), (7.0, bus)], arrow=False)
    ax.text(3.9, bus - 0.42, r"$[\,x_t,\ h_{t-1}\,]$: each gate sees both", fontsize=11,
            color="#555555", ha="center", va="center")
    # the four gates
    xf, xi, xg, xo = 1.9, 3.2, 4.5, 6.2
    for x, sym, name, color in ((xf, r"$\sigma$", r"$f_t$", _GATE), (xi, r"$\sigma$", r"$i_t$", _GATE),
                                (xg, r"$\tanh$", r"$g_t$", _CAND), (xo, r"$\sigma$", r"$o_t$", _GATE)):
        _wire(ax, [(x, bus), (x, gates)])
        _box(ax, x, gates, sym, color, name)
    # the belt: c_{t-1} --(⊙ f)--(+ i⊙g)--> c_t
    _op(ax, xf, top, r"$\odot$")
    _op(ax, 3.85, 2.75, r"$\odot$")
    _op(ax, 3.85, top, r"$+$")
    _wire(ax, [(0.35, top), (xf, top)])
    _wire(ax, [(xf, gates + 0.31), (xf, top)])
    _wire(ax, [(xi, gates + 0.31), (xi, 2.75), (3.85, 2.75)])
    _wire(ax, [(xg, gates + 0.31), (xg, 2.75), (3.85, 2.75)])
    _wire(ax, [(3.85, 2.75), (3.85, top)])
    _wire(ax, [(xf, top), (3.85, top)])
    _wire(ax, [(3.85, top), (9.0, top)])
    ax.add_patch(_state_band(0.0, top, 9.0))
    _label(ax, 9.1, top, r"$c_t$", va="center")
    ax.text(2.9, top + 0.45, "the cell state (the belt): no weight matrix on this path", fontsize=11,
            color=_EQ["state"], ha="left", va="center")
    # the output: h_t = o ⊙ tanh(c_t)
    xt = 7.4
    _wire(ax, [(xt, top), (xt, 3.0)])
    _box(ax, xt, 3.0, r"$\tanh$", _CAND, w=0.95)
    _op(ax, xt, gates, r"$\odot$")
    _wire(ax, [(xt, 3.0 - 0.31), (xt, gates)])
    _wire(ax, [(xo + 0.45, gates), (xt, gates)])
    _wire(ax, [(xt, gates), (8.4, gates), (8.4, bus + 0.35), (9.0, bus + 0.35)])
    _label(ax, 9.1, bus + 0.35, r"$h_t$", va="center")
    _equations(ax, 10.0, 5.0, "LSTMCell (PyTorch's form), σ = sigmoid, ⊙ = elementwise", [
        (r"$i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi})$", "input gate", "gate"),
        (r"$f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})$", "forget gate", "gate"),
        (r"$g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg})$", "candidate", "cand"),
        (r"$o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho})$", "output gate", "gate"),
        (r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$", "cell state", "state"),
        (r"$h_t = o_t \odot \tanh(c_t)$", "hidden state", "plain"),
    ])


def _gru(ax: Any) -> None:
    top, bus, gates, cand = 4.2, 0.0, 1.3, 2.75
    _label(ax, -0.5, top, r"$h_{t-1}$", va="center")
    _label(ax, -0.5, -1.2, r"$x_t$", va="center")
    # h_{t-1} runs along the top and also drops to the bus, where it meets x_t
    _wire(ax, [(0.45, top), (0.9, top), (0.9, bus)], arrow=False)
    _wire(ax, [(0.35, -1.2), (0.9, -1.2), (0.9, bus)], arrow=False)
    _wire(ax, [(0.9, bus), (6.9, bus)], arrow=False)
    ax.text(2.6, bus - 0.42, r"$[\,x_t,\ h_{t-1}\,]$", fontsize=11, color="#555555",
            ha="center", va="center")
    xr, xn, xz, xo = 1.9, 3.6, 6.9, 8.1
    # the reset gate scales the recurrent part of the candidate, after its product (reset_after)
    _wire(ax, [(xr, bus), (xr, gates)])
    _box(ax, xr, gates, r"$\sigma$", _GATE, r"$r_t$")
    _op(ax, xr, cand, r"$\odot$")
    _wire(ax, [(xr, gates + 0.31), (xr, cand)])
    _wire(ax, [(xr, top), (xr, cand)])
    ax.text(xr + 0.12, 3.5, r"$W_{hn}h_{t-1}+b_{hn}$", fontsize=10.5, color="#555555", ha="left", va="center")
    _box(ax, xn, cand, r"$\tanh$", _CAND, r"$n_t$", w=0.95)
    _wire(ax, [(xr, cand), (xn, cand)])
    _wire(ax, [(xn, bus), (xn, cand)])
    ax.text(xn + 0.12, 0.75, r"$W_{in}x_t+b_{in}$", fontsize=10.5, color="#555555", ha="left", va="center")
    # the update gate: z keeps the old state, 1 − z lets the candidate in
    _op(ax, xo, cand, r"$\odot$")
    _wire(ax, [(xn + 0.48, cand), (xo, cand)])
    _wire(ax, [(xz, bus), (xz, gates)])
    _box(ax, xz, gates, r"$\sigma$", _GATE, r"$z_t$")
    ax.plot([xz, xz], [cand - 0.16, cand + 0.16], color="white", lw=7, zorder=1.5)   # z passes over n
    _wire(ax, [(xz, gates + 0.31), (xz, top)])
    _box(ax, xo, 1.95, r"$1-$", _OP, w=0.75, h=0.46)
    _wire(ax, [(xz, 1.95), (xo - 0.375, 1.95)])
    _wire(ax, [(xo, 1.95 + 0.23), (xo, cand)])
    _op(ax, xz, top, r"$\odot$")
    _op(ax, xo, top, r"$+$")
    _wire(ax, [(0.9, top), (xz, top)])
    _wire(ax, [(xo, cand), (xo, top)])
    _wire(ax, [(xz, top), (xo, top)])
    _wire(ax, [(xo, top), (9.2, top)])
    ax.add_patch(_state_band(0.0, top, 9.2))
    _label(ax, 9.3, top, r"$h_t$", va="center")
    ax.text(4.0, top + 0.5, "the state: z keeps it, 1 − z lets the candidate in", fontsize=11,
            color=_EQ["state"], ha="left", va="center")
    _equations(ax, 10.0, 5.0, "GRUCell (PyTorch's form, reset after the product)", [
        (r"$r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr})$", "reset gate", "gate"),
        (r"$z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})$", "update gate", "gate"),
        (r"$n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))$", "candidate", "cand"),
        (r"$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$", "new state", "state"),
    ])


def _state_band(x0: float, y: float, x1: float) -> Any:
    """The pale band behind the state line along the top."""
    from matplotlib.patches import Rectangle  # noqa: PLC0415
    return Rectangle((x0, y - 0.42), x1 - x0, 0.84, fc=_STATE, ec="none", alpha=0.55, zorder=0)
