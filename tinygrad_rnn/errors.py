"""The exceptions tinygrad_rnn raises.

Each kind of mistake has its own type, so callers (and tests) can catch exactly what
they expect. Every one also derives from the built-in exception a NumPy or PyTorch user
would reach for first (``ValueError`` for shapes, ``TypeError`` for dtypes, ...).
"""
from __future__ import annotations


class TinygradRNNError(Exception):
    """Base class of every error raised by tinygrad_rnn."""


class ShapeError(TinygradRNNError, ValueError):
    """An op got operands whose shapes do not fit, e.g. ``matmul: (3, 4) @ (5, 2)``."""


class DtypeError(TinygradRNNError, TypeError):
    """A dtype is not allowed here: ``requires_grad`` on integers, mixed float dtypes, ..."""


class UnknownDeviceError(TinygradRNNError, ValueError):
    """A device string that is not ``cpu``, ``cuda``, ``cuda:N``, ``numpy`` or ``cupy``."""


class DeviceUnavailableError(TinygradRNNError, RuntimeError):
    """CUDA was asked for, but CuPy or a GPU is missing. The cause is chained."""


class DeviceMismatchError(TinygradRNNError, RuntimeError):
    """One op was given tensors that live on different devices."""


class BackwardError(TinygradRNNError, RuntimeError):
    """``backward()`` cannot run: no gradient is needed, or a non-scalar root has no ``gradient=``."""


class GraphFreedError(BackwardError):
    """A second backward pass through a graph that the first one already freed."""


class AnomalyError(TinygradRNNError, FloatingPointError):
    """Raised inside ``detect_anomaly()`` by the first op that produces NaN or Inf."""


class GradcheckError(TinygradRNNError, AssertionError):
    """Analytic and numeric gradients disagree in ``gradcheck``."""


class CheckpointError(TinygradRNNError, ValueError):
    """A file is not a readable tinygrad_rnn checkpoint (damaged, truncated, crafted, foreign,
    newer version), or an object cannot be saved into one. The message names the file."""
