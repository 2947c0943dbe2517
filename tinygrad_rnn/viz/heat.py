"""The one colour scale every drawing uses for gradient magnitude.

A node's colour says how large ‖∂L/∂node‖ (the Euclidean norm of its gradient) is, on a
log10 scale with a *fixed* range: 1e-8 (palest) to 1e0 (darkest). Norms outside the range
are clipped to its ends, so one colour always means the same magnitude in every picture and
two pictures can be compared side by side. A gradient that fades away through time fades
to near-white; one that survives stays dark.
"""
from __future__ import annotations

import math

LOG10_MIN = -8.0   # norms at or below 1e-8 get the palest colour
LOG10_MAX = 0.0    # norms at or above 1e0 get the darkest colour

# Anchor colours at log10 = -8, -6, -4, -2, 0 (an orange-red sequential ramp): pale means
# little gradient arrived here, dark means a lot did.
_ANCHORS = ["#fff7ec", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000"]

NO_GRAD_COLOR = "#ffffff"   # tensors that received no gradient at all


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)


def heat_fraction(norm: float) -> float:
    """Position of ``norm`` on the scale: 0.0 at 1e-8 (or below, or zero), 1.0 at 1e0 (or above)."""
    if not norm > 0 or math.isnan(norm):
        return 0.0
    if math.isinf(norm):
        return 1.0
    frac = (math.log10(norm) - LOG10_MIN) / (LOG10_MAX - LOG10_MIN)
    return min(max(frac, 0.0), 1.0)


def heat_color(norm: float) -> str:
    """``"#rrggbb"`` for a gradient norm: linear interpolation between the anchors in log10."""
    x = heat_fraction(norm) * (len(_ANCHORS) - 1)
    k = min(int(x), len(_ANCHORS) - 2)
    w = x - k
    a, b = _rgb(_ANCHORS[k]), _rgb(_ANCHORS[k + 1])
    r, g, bl = (round(ca + (cb - ca) * w) for ca, cb in zip(a, b))
    return f"#{r:02x}{g:02x}{bl:02x}"


def text_color(norm: float) -> str:
    """Black text on the pale half of the scale, white on the dark half (stays legible)."""
    return "#ffffff" if heat_fraction(norm) > 0.6 else "#000000"


def edge_width(norm: float | None, low: float = 0.6, high: float = 5.0) -> float:
    """Pen width of an edge that carries a gradient of this norm (same log scale as colour)."""
    if norm is None:
        return 1.0
    return round(low + (high - low) * heat_fraction(norm), 2)


def format_norm(norm: float) -> str:
    """Short text for a norm: ``3.1e-04``; ``0`` for an exact zero."""
    return "0" if norm == 0 else f"{norm:.1e}"


def legend_ticks() -> list[tuple[str, str]]:
    """``(label, colour)`` for every decade of the scale, for legends."""
    return [(f"1e{e}" if e else "1e0", heat_color(10.0 ** e))
            for e in range(int(LOG10_MIN), int(LOG10_MAX) + 1)]
