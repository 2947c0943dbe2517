"""Loss functions: cross-entropy for classes, squared error for numbers, and the logistic
loss for independent yes/no outputs — each stable for any logits, with PyTorch's meaning.

For a sequence model the usual shapes are logits (B, T, C) and targets (B, T). Flatten
both before the call — ``cross_entropy(logits.reshape(-1, C), targets.reshape(-1))`` — or
put the class axis second, as PyTorch does: ``cross_entropy(logits.permute(0, 2, 1), targets)``.
Mark padding steps with ``ignore_index`` so they count neither in the sum nor in the mean.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..arguments import describe, is_int, probability
from ..errors import ArgumentError, ArgumentTypeError
from .. import backend
from ..errors import DtypeError, ShapeError
from ..tensor import Function, Tensor, check_tensor, refuse_torch_tensor
from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ArgumentError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _float_input(x: Any, op: str) -> Tensor:
    check_tensor(op, "the input", x)
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: the input must be floating point, got {x.dtype} (shape {tuple(x.shape)})")
    return x


def _float_target(target: Any, like: Tensor, op: str) -> Tensor:
    """Targets given as arrays/lists become constants in the input's dtype and device;
    targets given as Tensors must already match (they may carry gradients). A PyTorch
    tensor is refused, not read through NumPy: the input is refused too, so one rule holds."""
    if isinstance(target, Tensor):
        return target
    refuse_torch_tensor(op, "the target", target)
    arr = backend.to_numpy(target) if backend.is_array(target) else np.asarray(target)
    if arr.dtype.kind not in "biuf":
        raise DtypeError(f"{op}: targets must be numbers, got an array of dtype {arr.dtype}")
    return Tensor(arr, dtype=like.dtype, device=like.device)


def _check_same_shape(a: Tensor, b: Tensor, op: str) -> None:
    if tuple(a.shape) != tuple(b.shape):
        raise ShapeError(f"{op}: input has shape {tuple(a.shape)} but target has shape {tuple(b.shape)}; "
                         f"they must match (no broadcasting, which would silently change the loss)")


# ---- cross-entropy ------------------------------------------------------------------------

def cross_entropy(logits: Tensor, targets: Any, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy from raw scores: ℓₙ = −Σ_c qₙ_c · log softmax(zₙ)_c.

    logits: (N, C), or (N, C, d₁, …) with the class axis second (PyTorch's layout).
    targets, either of PyTorch's two forms:

    * integer class indices, shape (N,) or (N, d₁, …), a Tensor or an array: q is one-hot,
      so ℓₙ = −log softmax(zₙ)[yₙ]. Targets equal to ``ignore_index`` add 0 and are left out
      of the mean's count, so a batch of padded sequences averages over its real steps only
      (all ignored → nan, as PyTorch).
    * class probabilities (one-hot included), floating point, the **same shape as logits**:
      q = targets (Keras' ``categorical_crossentropy(from_logits=True)``). The mean divides
      by the number of rows N·d₁·…; ``ignore_index`` does not apply. A target Tensor that
      requires grad gets its gradient, −log softmax(z).

    ``label_smoothing`` ε ∈ [0, 1] mixes q with the uniform distribution, q ← (1 − ε)·q + ε/C,
    as PyTorch (and Keras' ``label_smoothing``) do. ``reduction="none"`` returns the
    per-row losses, shape (N, d₁, …). Built from log_softmax (stable: it subtracts the row
    maximum), so ∂ℓ/∂z = softmax(z) − q.
    """
    op = "cross_entropy"
    logits = _float_input(logits, op)
    if logits.ndim < 2:
        raise ShapeError(f"{op}: logits must be (N, C) or (N, C, d1, ...), got shape {tuple(logits.shape)}")
    eps = probability(label_smoothing, "label_smoothing", op)
    if not is_int(ignore_index):
        raise ArgumentTypeError(f"{op}: ignore_index must be an int, got {describe(ignore_index)}")
    n, c = logits.shape[0], logits.shape[1]
    expected = (n,) + tuple(logits.shape[2:])
    refuse_torch_tensor(op, "the targets", targets)
    t = targets.data if isinstance(targets, Tensor) else targets
    if not backend.is_array(t):
        t = np.asarray(t)
    if t.dtype.kind == "f" and tuple(t.shape) == expected and expected != tuple(logits.shape):
        raise DtypeError(f"{op}: targets of shape {expected} are class indices and must be integer class "
                         f"indices, got dtype {t.dtype}; convert with .astype('int64') (probability "
                         f"targets have the logits' shape {tuple(logits.shape)})")
    if t.dtype.kind == "f":
        return _cross_entropy_probs(logits, targets, eps, reduction, expected)
    if t.dtype.kind not in "iu":
        raise DtypeError(f"{op}: targets must be integer class indices or floating-point class "
                         f"probabilities, got dtype {t.dtype}")
    if tuple(t.shape) != expected:
        raise ShapeError(f"{op}: logits of shape {tuple(logits.shape)} (class axis 1, C={c}) need targets of "
                         f"shape {expected} (class indices) or {tuple(logits.shape)} (probabilities), got "
                         f"{tuple(t.shape)}; for (B, T, C) logits flatten both: "
                         f"logits.reshape(-1, C), targets.reshape(-1)")
    if backend.device_of(t) != logits.device:
        t = backend.to_device(t, logits.device)
    xp = backend.xp_of(logits.data)
    if logits.ndim > 2:   # move the class axis last and flatten: rows are (n, d₁, …) positions
        logits = logits.permute((0,) + tuple(range(2, logits.ndim)) + (1,)).reshape(-1, c)
    t = t.reshape(-1).astype(xp.int64)
    keep = t != ignore_index
    bad = keep & ((t < 0) | (t >= c))
    if bool(bad.any()):
        raise ArgumentError(f"{op}: target {int(t[bad][0])} is out of range for {c} classes "
                         f"(and is not ignore_index={ignore_index})")
    safe = xp.where(keep, t, 0)                       # any valid class; its loss is masked away
    logp = logits.log_softmax(axis=1)
    picked = logp[xp.arange(t.shape[0]), safe]        # log p(yₙ), shape (M,)
    if eps:
        # (1 − ε)·(−log p(yₙ)) + (ε/C)·Σ_c (−log p_c)   (PyTorch's smoothing of index targets)
        picked = picked * (1.0 - eps) + logp.sum(axis=1) * (eps / c)
    losses = -(picked * keep.astype(logits.dtype))
    if reduction == "mean":
        return losses.sum() / float(keep.sum()) if bool(keep.any()) else losses.sum() * float("nan")
    if reduction == "none":
        return losses.reshape(expected)
    return _reduce(losses, reduction, op)


def _cross_entropy_probs(logits: Tensor, targets: Any, eps: float, reduction: str,
                         rows_shape: tuple[int, ...]) -> Tensor:
    """ℓₙ = −Σ_c qₙ_c log softmax(zₙ)_c for probability targets q of the logits' shape."""
    op = "cross_entropy"
    q = _float_target(targets, logits, op)
    if tuple(q.shape) != tuple(logits.shape):
        raise ShapeError(f"{op}: probability targets must have the logits' shape {tuple(logits.shape)} "
                         f"(class axis 1), got {tuple(q.shape)}")
    if q.dtype != logits.dtype:
        raise DtypeError(f"{op}: logits are {logits.dtype} but probability targets are {q.dtype}; convert one")
    backend.check_same_device(op, logits.data, q.data)
    c = logits.shape[1]
    if eps:
        q = q * (1.0 - eps) + eps / c
    losses = -(logits.log_softmax(axis=1) * q).sum(axis=1)      # shape (N, d₁, …)
    if reduction == "none":
        return losses.reshape(rows_shape)
    return _reduce(losses, reduction, op)


# ---- squared error ----------------------------------------------------------------------

def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002 (PyTorch's name)
    """Mean squared error: ℓᵢ = (xᵢ − yᵢ)², averaged (or summed) over every element.

    ``input`` and ``target`` must have the same shape: broadcasting (N, 1) against (N,)
    would silently build an N×N loss, so it is an error here.
    """
    op = "mse_loss"
    input = _float_input(input, op)
    target = _float_target(target, input, op)
    _check_same_shape(input, target, op)
    diff = input - target
    return _reduce(diff * diff, reduction, op)


# ---- logistic loss ----------------------------------------------------------------------

class BCEWithLogits(Function):
    """ℓ = max(x, 0) − x·y + log(1 + e^(−|x|));  ∂ℓ/∂x = σ(x) − y,  ∂ℓ/∂y = −x

    One fused op rather than composed ones: composed from relu and abs, the derivative at
    exactly x = 0 would come out as −y instead of ½ − y (both kinks have slope 0 there), and
    a zero-initialised output layer sits exactly at x = 0.
    """
    name = "bce_with_logits"

    def forward(self, x: Any, y: Any) -> Any:
        xp = backend.xp_of(x)
        return xp.maximum(x, 0) - x * y + xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, g: Any) -> tuple:
        x, y = self.inputs                      # arrays, or tensors when recorded
        half = 0.5 * x
        tanh = half.tanh() if isinstance(half, Tensor) else backend.xp_of(half).tanh(half)
        sig = 0.5 * (1 + tanh)                     # σ(x) without overflow for any x
        return g * (sig - y), -g * x


def binary_cross_entropy_with_logits(logits: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """Logistic loss of independent binary outputs, from raw scores x and targets y ∈ [0, 1]:

        ℓ = −y·log σ(x) − (1 − y)·log(1 − σ(x)) = max(x, 0) − x·y + log(1 + e^(−|x|))

    The right-hand form never exponentiates a positive number, so logits of ±1000 give exact
    losses instead of inf/nan. Use it for multi-hot targets (e.g. the Reber grammar's sets of
    legal next symbols). Same shape for logits and targets.
    """
    op = "binary_cross_entropy_with_logits"
    logits = _float_input(logits, op)
    targets = _float_target(targets, logits, op)
    _check_same_shape(logits, targets, op)
    if targets.dtype != logits.dtype:
        raise DtypeError(f"{op}: logits are {logits.dtype} but targets are {targets.dtype}; convert one")
    backend.check_same_device(op, logits.data, targets.data)
    return _reduce(BCEWithLogits.apply(logits, targets), reduction, op)


# ---- module forms -----------------------------------------------------------------------

class CrossEntropyLoss(Module):
    """``CrossEntropyLoss()(logits, targets)`` is :func:`cross_entropy` with fixed options."""

    def __init__(self, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__()
        if not is_int(ignore_index):
            raise ArgumentTypeError(f"CrossEntropyLoss: ignore_index must be an int, got {describe(ignore_index)}")
        if reduction not in _REDUCTIONS:
            raise ArgumentError(f"CrossEntropyLoss: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        self.ignore_index, self.reduction = int(ignore_index), reduction
        self.label_smoothing = probability(label_smoothing, "label_smoothing", "CrossEntropyLoss")

    def forward(self, logits: Tensor, targets: Any) -> Tensor:
        return cross_entropy(logits, targets, ignore_index=self.ignore_index, reduction=self.reduction,
                             label_smoothing=self.label_smoothing)


class MSELoss(Module):
    """``MSELoss()(input, target)`` is :func:`mse_loss` with a fixed reduction."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return mse_loss(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(Module):
    """``BCEWithLogitsLoss()(logits, targets)`` is :func:`binary_cross_entropy_with_logits`."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, logits: Tensor, targets: Any) -> Tensor:
        return binary_cross_entropy_with_logits(logits, targets, reduction=self.reduction)
