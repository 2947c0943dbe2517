"""Keras' ``Sequential``: layers called one after another, the mask passed along.

Keras attaches a mask to the tensor an ``Embedding(mask_zero=True)`` or ``Masking`` layer
returns, and every later layer receives it. Here the container does that job: it asks each
layer for ``compute_mask(inputs, mask)`` and hands the result to the next layer that takes a
``mask``::

    model = Sequential([layers.Embedding(10_000, 64, mask_zero=True),
                        layers.LSTM(64, dropout=0.2),
                        layers.Dense(1)])
    logits = model(ids)                          # ids (B, T) with 0 as padding
    loss = bce(logits, y) + sum(model.losses)

There is no ``compile``/``fit``: a training loop is five lines (see ``docs/keras.md``).
"""
from __future__ import annotations

import inspect
from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import ShapeError
from ..nn.module import Module, ModuleList, Parameter
from ..tensor import Tensor
from .layers.base import Layer

__all__ = ["Sequential"]


class Sequential(Module):
    """``Sequential(layers)``: ``model(x)`` runs ``x`` through the layers in order.

    ``training`` (when given) goes to every layer that takes it; the mask from
    ``compute_mask`` goes to every layer that takes ``mask``. ``weights``, ``get_weights()``,
    ``set_weights()`` and ``losses`` gather those of the layers, in order (a Keras model's
    ``get_weights()`` loads with ``set_weights()`` once the model has been called).
    """

    def __init__(self, layers: Iterable[Layer] = (), name: str | None = None) -> None:
        super().__init__()
        self.layers = ModuleList(list(layers))
        self.name = name or "sequential"

    def add(self, layer: Layer) -> None:
        self.layers.append(layer)

    def forward(self, x: Any, training: bool | None = None, mask: Any = None) -> Any:
        for layer in self.layers:
            kwargs: dict[str, Any] = {}
            params = _call_parameters(layer)
            if training is not None and "training" in params:
                kwargs["training"] = training
            if mask is not None and "mask" in params:
                kwargs["mask"] = mask
            y = layer(x, **kwargs)
            mask = layer.compute_mask(x, mask) if hasattr(layer, "compute_mask") else None
            x = y
        return x

    @property
    def weights(self) -> list[Parameter]:
        return self.parameters()

    @property
    def trainable_weights(self) -> list[Parameter]:
        return [p for p in self.parameters() if p.requires_grad]

    @property
    def losses(self) -> list[Tensor]:
        return [term for layer in self.layers for term in getattr(layer, "losses", [])]

    def get_weights(self) -> list[np.ndarray]:
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights: Sequence[Any]) -> None:
        weights = list(weights)
        counts = [len(layer.weights) for layer in self.layers]
        if sum(counts) != len(weights):
            raise ShapeError(f"Sequential.set_weights: the layers hold {sum(counts)} weights "
                             f"({', '.join(f'{type(layer).__name__}: {n}' for layer, n in zip(self.layers, counts))}), "
                             f"got {len(weights)} arrays; call the model once first so that every layer is built")
        start = 0
        for layer, n in zip(self.layers, counts):
            if n:
                layer.set_weights(weights[start:start + n])
            start += n

    def extra_repr(self) -> str:
        return self.name


def _call_parameters(layer: Any) -> set[str]:
    try:
        return set(inspect.signature(layer.forward).parameters)
    except (TypeError, ValueError):
        return set()
