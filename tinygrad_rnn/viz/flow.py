"""How much gradient reaches each time step: the vanishing-gradient picture, measured.

Two quantities, both per time step t of one run:

* :func:`gradient_flow` — ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖ for an LSTM), read with gradient hooks
  on the state tensors during one backward pass. By default L = Σ h_T, the sum of every
  element of the last hidden state, so ∂L/∂h_T is all ones and the curve shows how that
  unit gradient shrinks (or grows) on its way back to step 0.
* :func:`jacobian_norms` — ‖∂h_T/∂h_t‖, the spectral norm (largest singular value) of the
  Jacobian of the last hidden state with respect to the state at step t. This product of
  per-step Jacobians is what the vanishing-gradient argument (Hochreiter 1991; Bengio et
  al. 1994) is about: if it decays like λ^(T−t), no loss at step T can teach step t.

:func:`plot_gradient_flow` draws several runs on one log-scale chart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ArgumentError, MissingDependencyError
from .. import backend
from ..nn.cell_base import RNNCellBase
from ..tensor import Tensor
from .graph import l2_norm
from .unroll import unroll_cell


@dataclass
class GradientFlow:
    """Per-step gradient norms of one run. ``norms["h"][t]`` = ‖∂L/∂h_t‖ (t = 0 … T−1)."""
    label: str
    norms: dict[str, np.ndarray] = field(default_factory=dict)
    loss: float = float("nan")

    @property
    def steps(self) -> int:
        return len(next(iter(self.norms.values()))) if self.norms else 0


def default_loss(cell: RNNCellBase, last_state: Any) -> Tensor:
    """L = Σ h_T: the sum of every element of the last output (so ∂L/∂h_T = 1)."""
    return cell.output(last_state).sum()


def gradient_flow(cell: RNNCellBase, inputs: Tensor, state: Any = None,
                  loss_fn: Callable[[RNNCellBase, Any], Tensor] | None = None,
                  label: str | None = None) -> GradientFlow:
    """Run ``cell`` over ``inputs`` (T, B, I), backpropagate L, return ‖∂L/∂state_t‖ per step.

    ``loss_fn(cell, last_state) -> scalar`` defaults to :func:`default_loss` (L = Σ h_T).
    Norms are Euclidean over the whole (B, H) gradient. A step the gradient never reaches
    gets 0. The cell's parameters get their ``.grad`` as in any backward pass.
    """
    states, last = unroll_cell(cell, inputs, state)
    names = cell.state_names
    T = len(states)
    norms = {name: np.zeros(T) for name in names}

    def recorder(name: str, t: int) -> Callable[[Tensor], None]:
        def hook(g: Tensor) -> None:
            norms[name][t] = l2_norm(g.data)
        return hook

    for t, parts in enumerate(states):
        for name, part in zip(names, parts):
            if part.requires_grad:
                part.register_hook(recorder(name, t))
    loss = (loss_fn or default_loss)(cell, last)
    loss.backward()
    return GradientFlow(label or type(cell).__name__, norms, float(loss.item()))


def jacobian_norms(cell: RNNCellBase, inputs: Tensor, state: Any = None, wrt: str = "h",
                   norm: str = "spectral") -> np.ndarray:
    """‖∂h_T/∂s_t‖ for every step t and every sequence of the batch: shape (T, B).

    ``s`` is the state part named ``wrt`` ("h", or "c" for an LSTM; the other parts are
    held fixed, as in the graph). Row k of the Jacobian is found by backpropagating the
    unit vector e_k of h_T — one backward pass per output unit, all sequences of the batch
    at once (they do not interact). ``norm="spectral"`` (default) is the largest singular
    value; ``"fro"`` the Frobenius norm. The last step gives ∂h_T/∂h_T = I: norm 1.
    """
    if norm not in ("spectral", "fro"):
        raise ArgumentError(f"jacobian_norms: norm must be 'spectral' or 'fro', got {norm!r}")
    names = cell.state_names
    if wrt not in names:
        raise ArgumentError(f"jacobian_norms: wrt must be one of {names} for {type(cell).__name__}, got {wrt!r}")
    states, last = unroll_cell(cell, inputs, state)
    k_part = names.index(wrt)
    h_T = cell.output(last)
    T, (B, H_out) = len(states), h_T.shape
    width = states[0][k_part].shape[1]
    jac = np.zeros((T, B, H_out, width))
    current = [0]

    def recorder(t: int) -> Callable[[Tensor], None]:
        def hook(g: Tensor) -> None:
            jac[t, :, current[0], :] = backend.to_numpy(g.data)
        return hook

    for t, parts in enumerate(states):
        parts[k_part].register_hook(recorder(t))
    xp = backend.xp_of(h_T.data)
    for k in range(H_out):
        current[0] = k
        seed = xp.zeros(h_T.shape, dtype=h_T.dtype)
        seed[:, k] = 1
        h_T.backward(seed, retain_graph=k < H_out - 1)
    if norm == "fro":
        return np.sqrt((jac ** 2).sum(axis=(2, 3)))
    return np.linalg.norm(jac, ord=2, axis=(2, 3))


def plot_gradient_flow(flows: Sequence[GradientFlow], path: str | None = None,
                       title: str | None = None, parts: Sequence[str] = ("h", "c")) -> Any:
    """One log-scale chart of ‖∂L/∂h_t‖ (solid) and ‖∂L/∂c_t‖ (dashed) against t.

    Returns the matplotlib ``Figure``; with ``path`` it is also saved (PNG, SVG or PDF by
    the suffix). Needs matplotlib (an optional extra: ``pip install matplotlib``).
    """
    try:
        from matplotlib.figure import Figure  # noqa: PLC0415  (optional extra)
    except ImportError:
        raise MissingDependencyError("plot_gradient_flow needs matplotlib: pip install matplotlib") from None
    if not flows:
        raise ArgumentError("plot_gradient_flow: give at least one GradientFlow")
    fig = Figure(figsize=(8, 4.5), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]
    for i, flow in enumerate(flows):
        color = colors[i % len(colors)]
        for part in parts:
            if part not in flow.norms:
                continue
            y = flow.norms[part]
            t = np.arange(len(y))
            pos = y > 0        # a log axis cannot show exact zeros (underflow): leave them out
            ax.plot(t[pos], y[pos], color=color, linestyle="-" if part == "h" else "--",
                    linewidth=1.8 if part == "h" else 1.3,
                    label=f"{flow.label}: |dL/d{part}_t|")
    ax.set_yscale("log")
    ax.set_xlabel("time step t  (the loss is computed at the last step, on the right)")
    ax.set_ylabel("gradient norm (log scale)")
    ax.set_title(title or "Gradient flowing back through time")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig
