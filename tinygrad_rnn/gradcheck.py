"""Check analytic gradients against central finite differences, in float64.

For a random direction v over the outputs, backward gives the analytic vector-Jacobian
product vᵀJ. For every input element j we also estimate it numerically:

    (vᵀJ)ⱼ ≈ vᵀ(f(x + ε eⱼ) − f(x − ε eⱼ)) / 2ε

and compare. A random v catches a wrong derivative with probability 1 while needing one
backward pass instead of one per output element.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import backend
from .errors import GradcheckError
from .tensor import Tensor


def gradcheck(fn: Callable[..., Tensor], inputs: Sequence[Tensor] | Tensor, eps: float = 1e-6,
              atol: float = 1e-6, rtol: float = 1e-4, raise_exception: bool = True,
              seed: int = 0) -> bool:
    """Compare ``fn``'s gradients with central differences for every input that requires grad.

    ``fn(*inputs)`` must return a Tensor (a tuple's first element is used). Inputs are
    copied to float64 first. On a mismatch raises :class:`GradcheckError` naming the input,
    the worst element and both gradients (or returns False with ``raise_exception=False``).
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    # C-contiguous float64 copies, so that the flat view below really perturbs each input
    xs = [Tensor(x.data.astype(np.float64, order="C"), requires_grad=x.requires_grad)
          if isinstance(x, Tensor) and x.dtype.kind == "f" else x for x in inputs]
    if not any(isinstance(x, Tensor) and x.requires_grad for x in xs):
        raise GradcheckError("gradcheck: no input has requires_grad=True, so there is nothing to check")

    def run() -> Any:
        out = fn(*xs)
        return out[0] if isinstance(out, (tuple, list)) else out

    out = run()
    xp = backend.xp_of(out.data)
    v = xp.asarray(np.random.default_rng(seed).standard_normal(out.shape))
    out.backward(v)
    for k, x in enumerate(xs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        analytic = np.zeros(x.shape) if x.grad is None else backend.to_numpy(x.grad.data).astype(np.float64)
        numeric = np.zeros(x.shape)
        flat = x.data.reshape(-1)       # a view: editing it perturbs x in place
        for j in range(flat.size):
            orig = float(flat[j])
            flat[j] = orig + eps
            plus = float((run().data * v).sum())
            flat[j] = orig - eps
            minus = float((run().data * v).sum())
            flat[j] = orig
            numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        err = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if err.size and err.max() > 0:
            worst = np.unravel_index(int(np.argmax(err)), err.shape)
            msg = (f"gradcheck: input {k} (shape {tuple(x.shape)}): gradients differ; worst element {tuple(int(i) for i in worst)}: "
                   f"analytic {analytic[worst]:.10g}, numeric {numeric[worst]:.10g} "
                   f"(|diff| {abs(analytic[worst] - numeric[worst]):.3g} > atol {atol} + rtol {rtol}·|numeric|)")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True
