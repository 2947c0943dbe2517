"""Matrix products, as NumPy's ``@``: 1-D (vectors), 2-D, and batched with broadcasting.

2-D products of arrays go through :func:`tinygrad_rnn.threads.matmul`, so that the thread
policy (big products cut into blocks and shared between the cores) covers the recorded path too."""
from __future__ import annotations

from typing import Any

from ..errors import ShapeError
from ..tensor import Function, Tensor
from ..threads import matmul as _product


def _swap(x: Any) -> Any:
    """Transpose the last two axes (of an array, or of a tensor in a recorded backward)."""
    return x.transpose(-1, -2) if isinstance(x, Tensor) else x.swapaxes(-1, -2)


class MatMul(Function):
    """C = A @ B;  ∂L/∂A = ∂L/∂C @ Bᵀ,  ∂L/∂B = Aᵀ @ ∂L/∂C

    Batch axes broadcast like NumPy; the backward walk sums the gradients of broadcast batch
    axes back to each input's shape. A 1-D operand is a vector, treated as a one-row (A) or
    one-column (B) matrix whose extra axis is removed again.
    """
    name = "matmul"

    def forward(self, a: Any, b: Any) -> Any:
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"matmul: {tuple(a.shape)} @ {tuple(b.shape)}: operands must have at least one dimension")
        ka = a.shape[-1]
        kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if ka != kb:
            raise ShapeError(f"matmul: {tuple(a.shape)} @ {tuple(b.shape)}: inner dimensions {ka} and {kb} differ")
        return _product(a, b)

    def backward(self, g: Any) -> tuple:
        a, b = self.inputs
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:                  # dot product: g is a scalar
            return g * b, g * a
        if a.ndim == 1:                                  # (k) @ (..., k, n) -> (..., n)
            if self.needs[0]:
                ga = (g[..., None, :] @ _swap(b))[..., 0, :]
            if self.needs[1]:
                gb = a[:, None] * g[..., None, :]
            return ga, gb
        if b.ndim == 1:                                  # (..., m, k) @ (k) -> (..., m)
            if self.needs[0]:
                ga = g[..., :, None] * b
            if self.needs[1]:
                gb = (_swap(a) @ g[..., :, None])[..., 0]
            return ga, gb
        if isinstance(g, Tensor):                        # recorded: products of tensors
            return (g @ _swap(b) if self.needs[0] else None,
                    _swap(a) @ g if self.needs[1] else None)
        if self.needs[0]:
            ga = _product(g, _swap(b))
        if self.needs[1]:
            if a.ndim == b.ndim == 2 and b.flags.f_contiguous and not b.flags.c_contiguous:
                # B is a transposed view (x @ W.T): write ∂L/∂B = (gᵀ A)ᵀ in B's memory order, so
                # that W's gradient, after the transpose's backward, comes out in W's own (C) order
                # like W: the optimizer's update and clipping then run on two arrays of one layout,
                # which at (1024, 256) is ~20× faster than across layouts (PyTorch's mm does the same)
                gb = _product(g.T, a).T
            else:
                gb = _product(_swap(a), g)
        return ga, gb
