"""What every Keras-style layer shares: lazy building, weights, losses, masks.

A Keras layer does not know its input size when it is made: ``LSTM(128)`` builds its
weights on its first call, from the input's last axis. Then:

* ``layer.weights`` lists its parameters in Keras' order (``kernel``, ``recurrent_kernel``,
  ``bias``), ``get_weights()`` returns them as NumPy arrays and ``set_weights(list)`` loads
  such a list (a tf_keras layer's ``get_weights()`` included), checking every shape;
* ``layer.losses`` holds the regularization terms of its last call (weight regularizers and
  the activity regularizer), ready to add to the loss;
* ``compute_mask(inputs, mask)`` says which (batch, time) steps the next layer should skip,
  as Keras' mask propagation does (``Embedding(mask_zero=True)``, ``Masking``).

NumPy arrays given as inputs become Tensors of the layer's dtype (Keras converts them too);
a Tensor of another dtype is an error, never a silent cast.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Sequence

import numpy as np

from ...errors import StateError
from ... import backend
from ...dtypes import as_dtype, get_default_dtype
from ...errors import DtypeError, ShapeError
from ...nn.module import Module, Parameter
from ...tensor import Tensor
from .. import constraints as constraints_mod
from .. import initializers as initializers_mod
from .. import regularizers as regularizers_mod

__all__ = ["Layer"]


class Layer(Module):
    """Base class of the Keras-style layers: ``build(input_shape)`` once, then ``forward``.

    Subclasses make their weights in :meth:`build` with :meth:`add_weight` and compute in
    ``forward(inputs, ...)``. Calling the layer builds it if needed, converts NumPy inputs,
    runs ``forward`` and records ``losses``.
    """

    def __init__(self, *, name: str | None = None, dtype: Any = None, activity_regularizer: Any = None,
                 trainable: bool = True) -> None:
        super().__init__()
        self.name = name or _snake(type(self).__name__)
        self.dtype = None if dtype is None else as_dtype(dtype)
        self.activity_regularizer = regularizers_mod.get(activity_regularizer, "activity_regularizer")
        self.trainable = trainable
        self.built = False
        self._regularized: list[tuple[Parameter, Callable[[Tensor], Tensor]]] = []
        self._losses: list[Tensor] = []

    # -- weights --
    def add_weight(self, name: str, shape: Sequence[int], initializer: Any = "glorot_uniform",
                   regularizer: Any = None, constraint: Any = None, *, owner: Module | None = None) -> Parameter:
        """A new parameter ``name`` of ``shape`` (Keras layout), drawn by ``initializer``,
        with an optional regularizer (its term joins ``losses`` at every call) and
        constraint (applied by the optimizer after each update). It becomes the attribute
        ``name`` of ``owner`` (the layer itself, or its cell)."""
        shape = tuple(int(n) for n in shape)
        arr = np.asarray(initializers_mod.get(initializer, f"{name} initializer")(shape))
        if arr.shape != shape:
            raise ShapeError(f"{type(self).__name__}: the {name} initializer returned shape {arr.shape}, "
                             f"expected {shape}")
        p = Parameter(backend.to_device(arr.astype(self.dtype), self._device()), requires_grad=self.trainable,
                      name=name)
        p.constraint = constraints_mod.get(constraint, f"{name} constraint")
        reg = regularizers_mod.get(regularizer, f"{name} regularizer")
        if reg is not None:
            self._regularized.append((p, reg))
        setattr(self if owner is None else owner, name, p)
        return p

    @property
    def weights(self) -> list[Parameter]:
        """The layer's parameters in Keras' order (those of sub-layers after its own)."""
        return self.parameters()

    @property
    def trainable_weights(self) -> list[Parameter]:
        return [p for p in self.weights if p.requires_grad]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as NumPy arrays, in Keras' order (a tf_keras layer's
        ``set_weights`` takes them)."""
        self._require_built("get_weights")
        return [p.numpy().copy() for p in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Load a list of arrays (e.g. a tf_keras layer's ``get_weights()``), shapes checked,
        converted to each weight's dtype; nothing changes unless all of them fit."""
        self._require_built("set_weights")
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ShapeError(f"{type(self).__name__}.set_weights: expected {len(params)} arrays "
                             f"({', '.join(_label(p) for p in params)}), got {len(weights)}")
        staged = []
        for p, w in zip(params, weights):
            arr = np.asarray(w.numpy() if hasattr(w, "numpy") else w)
            if arr.shape != tuple(p.shape):
                raise ShapeError(f"{type(self).__name__}.set_weights: {p.name or 'a weight'} has shape {tuple(p.shape)}, "
                                 f"got an array of shape {arr.shape}")
            staged.append(backend.to_device(np.array(arr, dtype=p.dtype), p.device))
        for p, arr in zip(params, staged):
            p.data = arr
            p.grad = None

    def _device(self) -> str:
        """Where new weights and converted inputs go: the layer's weights' device, else the
        default device (``tg.set_default_device``); ``layer.to(device)`` moves a built layer."""
        params = self.parameters()
        return params[0].device if params else backend.parse_device(None)

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise StateError(f"{type(self).__name__}.{what}: the layer has no weights yet; call it on an "
                               f"input first (Keras layers build on their first call) or call build(input_shape)")

    # -- calling --
    def build(self, input_shape: tuple[int, ...]) -> None:
        """Make the weights for inputs of ``input_shape`` (subclasses)."""

    def _ensure_built(self, x: Any) -> None:
        if self.built:
            return
        if self.dtype is None:
            self.dtype = (x.dtype if isinstance(x, Tensor) and x.dtype.kind == "f" else as_dtype(get_default_dtype()))
        self.build(tuple(x.shape))
        self.built = True

    def _as_tensor(self, x: Any, what: str = "input") -> Tensor:
        """A Tensor input as it is (dtype checked); a NumPy array or list as a Tensor of the
        layer's dtype, as Keras converts its inputs."""
        if isinstance(x, Tensor):
            if self.dtype is not None and x.dtype.kind == "f" and x.dtype != self.dtype:
                raise DtypeError(f"{type(self).__name__}: the {what} is {x.dtype} but the layer's weights are "
                                 f"{self.dtype}; convert one (x.astype(...) or dtype= at construction)")
            return x
        if hasattr(x, "detach") and hasattr(x, "numpy"):      # a torch tensor
            x = x.detach().cpu().numpy()
        arr = backend.to_numpy(x) if backend.is_array(x) else np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise DtypeError(f"{type(self).__name__}: the {what} must be numbers, got dtype {arr.dtype}")
        if self.dtype is None:
            self.dtype = as_dtype(get_default_dtype())
        return Tensor(backend.to_device(arr.astype(self.dtype), self._device()))

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(inputs, (list, tuple)):
            inputs = self._as_tensor(inputs)
        self._ensure_built(inputs if not isinstance(inputs, (list, tuple)) else inputs[0])
        outputs = self.forward(inputs, *args, **kwargs)
        self._record_losses(outputs)
        return outputs

    def _record_losses(self, outputs: Any) -> None:
        """Keras' losses of a call: each weight's regularization, then the activity
        regularizer of every output divided by its batch size."""
        losses = [reg(p) for p, reg in self._regularized]
        if self.activity_regularizer is not None:
            flat = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            for out in flat:
                if isinstance(out, Tensor):
                    losses.append(self.activity_regularizer(out) / float(out.shape[0]))
        self._losses = losses

    @property
    def losses(self) -> list[Tensor]:
        """The regularization terms of the last call (scalars in the graph): add
        ``sum(layer.losses)`` to the loss, as Keras' ``fit`` does."""
        own = list(self._losses)
        for _, m in self._modules.items():
            if isinstance(m, Layer):
                own += m.losses
        return own

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The (B, T) mask the next layer should use: by default the one that came in."""
        return mask


def _snake(name: str) -> str:
    """Keras' default layer names: ``LSTM`` -> ``lstm``, ``SimpleRNN`` -> ``simple_rnn``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _label(p: Parameter) -> str:
    return f"{p.name} {tuple(p.shape)}" if p.name else str(tuple(p.shape))
