"""Keras' ``Dense``, ``Embedding`` and ``Masking``: the layers around a recurrent one."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import ArgumentError
from ... import backend
from ...errors import DtypeError, ShapeError
from ...nn import activations
from .. import activations as keras_activations
from ...tensor import Tensor
from .base import Layer

__all__ = ["Dense", "Embedding", "Masking"]


class Dense(Layer):
    """``Dense(units, activation=None, use_bias=True, kernel_initializer='glorot_uniform',
    bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None,
    activity_regularizer=None, kernel_constraint=None, bias_constraint=None)``.

    y = activation(x·kernel + bias) on the last axis: x (..., I) -> y (..., units);
    ``kernel`` (I, units) (PyTorch's ``Linear.weight`` transposed), ``bias`` (units,).
    A mask passes through unchanged (a (B, T, I) input keeps its steps).
    """

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise ArgumentError(f"Dense: units must be a positive int, got {units!r}")
        self.units = int(units)
        self.activation = keras_activations.get(activation, "activation")
        self.use_bias = use_bias
        self._options = (kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         kernel_constraint, bias_constraint)
        self.bias: Any = None

    def build(self, input_shape: tuple[int, ...]) -> None:
        k_init, b_init, k_reg, b_reg, k_con, b_con = self._options
        self.add_weight("kernel", (input_shape[-1], self.units), k_init, k_reg, k_con)
        if self.use_bias:
            self.add_weight("bias", (self.units,), b_init, b_reg, b_con)

    def forward(self, x: Tensor, mask: Any = None) -> Tensor:
        if x.shape[-1] != self.kernel.shape[0]:
            raise ShapeError(f"Dense({self.units}): input has {x.shape[-1]} features, the layer was built "
                             f"for {self.kernel.shape[0]} (input shape {tuple(x.shape)})")
        y = x @ self.kernel
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    def extra_repr(self) -> str:
        return f"{self.units}, activation={activations.name_of(self.activation)!r}"


class Embedding(Layer):
    """``Embedding(input_dim, output_dim, embeddings_initializer='uniform',
    embeddings_regularizer=None, activity_regularizer=None, embeddings_constraint=None,
    mask_zero=False, input_length=None)``.

    ids (B, T) integers in [0, input_dim) -> vectors (B, T, output_dim), rows of
    ``embeddings`` (input_dim, output_dim), drawn U(−0.05, 0.05) by default. With
    ``mask_zero=True`` id 0 is padding: :meth:`compute_mask` gives ``ids != 0``, the mask
    the recurrent layer takes (``lstm(emb(ids), mask=emb.compute_mask(ids))``).
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, activity_regularizer: Any = None,
                 embeddings_constraint: Any = None, mask_zero: bool = False, input_length: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if input_dim <= 0 or output_dim <= 0:
            raise ArgumentError(f"Embedding: input_dim and output_dim must be positive, got {input_dim}, {output_dim}")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.mask_zero, self.input_length = mask_zero, input_length
        self._options = (embeddings_initializer, embeddings_regularizer, embeddings_constraint)

    def _ids(self, ids: Any) -> Any:
        idx = ids.data if isinstance(ids, Tensor) else ids
        if hasattr(idx, "detach") and hasattr(idx, "numpy"):
            idx = idx.detach().cpu().numpy()
        if not backend.is_array(idx):
            idx = np.asarray(idx)
        if idx.dtype.kind not in "iu":
            raise DtypeError(f"Embedding: ids must be integers, got dtype {idx.dtype}")
        return idx

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        idx = self._ids(inputs)
        if not self.built:
            if self.dtype is None:
                from ...dtypes import as_dtype, get_default_dtype
                self.dtype = as_dtype(get_default_dtype())
            self.build(tuple(idx.shape))
            self.built = True
        out = self.forward(idx, *args, **kwargs)
        self._record_losses(out)
        return out

    def build(self, input_shape: tuple[int, ...]) -> None:
        init, reg, con = self._options
        self.add_weight("embeddings", (self.input_dim, self.output_dim), init, reg, con)

    def forward(self, idx: Any) -> Tensor:
        idx = backend.to_device(idx, self.embeddings.device)       # host ids index a GPU table too
        if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= self.input_dim):
            bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
            raise ArgumentError(f"Embedding({self.input_dim}, {self.output_dim}): id {bad} is out of range; "
                             f"ids must be in [0, {self.input_dim - 1}]")
        return self.embeddings[idx]

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """``ids != 0`` (B, T) with ``mask_zero``, else None."""
        if not self.mask_zero:
            return None
        return np.asarray(backend.to_numpy(self._ids(inputs))) != 0

    def extra_repr(self) -> str:
        return f"{self.input_dim}, {self.output_dim}" + (", mask_zero=True" if self.mask_zero else "")


class Masking(Layer):
    """``Masking(mask_value=0.0)``: a step whose features all equal ``mask_value`` is padding.

    The output is the input with those steps zeroed (as Keras); :meth:`compute_mask` gives
    the (B, T) mask ``any(x != mask_value, axis=-1)`` for the next layer.
    """

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def _keep(self, x: Any) -> np.ndarray:
        arr = x.numpy() if isinstance(x, Tensor) else np.asarray(x)
        return np.any(arr != self.mask_value, axis=-1)

    def forward(self, x: Tensor, mask: Any = None) -> Tensor:
        keep = self._keep(x)
        return x * Tensor(backend.to_device(keep[..., None].astype(x.dtype), x.device))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return self._keep(inputs)

    def extra_repr(self) -> str:
        return f"mask_value={self.mask_value}"
