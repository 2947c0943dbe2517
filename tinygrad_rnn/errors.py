"""The exceptions tinygrad_rnn raises.

Each kind of mistake has its own type, so callers (and tests) can catch exactly what
they expect. Every one also derives from the built-in exception a NumPy or PyTorch user
would reach for first (``ValueError`` for shapes, ``TypeError`` for dtypes, ...), so
``except ValueError:`` written for PyTorch keeps working, and ``except tg.TinygradRNNError:``
catches everything the library raises on purpose.

Which class, by what went wrong:

| class | also a | raised for |
|---|---|---|
| ShapeError | ValueError | operand shapes that do not fit |
| DtypeError | TypeError | a dtype that is not allowed here |
| ArgumentError | ValueError | any other value out of range or unknown |
| ArgumentTypeError | TypeError | an argument of the wrong type |
| MissingKeyError | KeyError | a name or key that is not there |
| MissingFileError | FileNotFoundError | a file the call needs is not there |
| MissingDependencyError | ImportError | an optional package the feature needs is missing |
| StateError | RuntimeError | a call the object's state does not allow |
| UnsupportedError | NotImplementedError | something not implemented (yet) |
| UnknownDeviceError | ValueError | a device string not understood |
| DeviceUnavailableError | RuntimeError | CUDA asked for but missing |
| DeviceMismatchError | RuntimeError | operands on different devices |
| BackwardError | RuntimeError | backward() cannot run |
| GraphFreedError | BackwardError | a second backward through a freed graph |
| AnomalyError | FloatingPointError | NaN/Inf under detect_anomaly() |
| GradcheckError | AssertionError | gradients disagree in gradcheck |
| CheckpointError | ValueError | a damaged, crafted or foreign checkpoint |
"""
from __future__ import annotations


class TinygradRNNError(Exception):
    """Base class of every error raised by tinygrad_rnn."""


class ShapeError(TinygradRNNError, ValueError):
    """An op got operands whose shapes do not fit, e.g. ``matmul: (3, 4) @ (5, 2)``."""


class DtypeError(TinygradRNNError, TypeError):
    """A dtype is not allowed here: ``requires_grad`` on integers, mixed float dtypes, ..."""


class ArgumentError(TinygradRNNError, ValueError):
    """An argument's value is out of range or unknown: ``LSTM(8, 0)``, ``mode="sideways"``."""


class ArgumentTypeError(TinygradRNNError, TypeError):
    """An argument of the wrong type: a list where a Tensor is needed, a torch.Tensor, ..."""


class MissingKeyError(TinygradRNNError, KeyError):
    """A name or key that is not there (a node of a drawn graph, a scheduler's saved value)."""

    def __str__(self) -> str:      # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class MissingFileError(TinygradRNNError, FileNotFoundError):
    """A file or folder the call needs (MNIST's IDX files, a lesson, a recording) is not there."""


class MissingDependencyError(TinygradRNNError, ImportError):
    """An optional package that this feature needs (graphviz, matplotlib, scikit-learn) is not installed."""


class StateError(TinygradRNNError, RuntimeError):
    """The call is not allowed in the object's present state (a layer without weights yet, ...)."""


class UnsupportedError(TinygradRNNError, NotImplementedError):
    """Something the library does not do (yet), or a method a subclass must define."""


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
