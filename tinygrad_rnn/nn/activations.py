"""Activation functions chosen by name, as Keras lets you write ``activation="tanh"``.

:func:`get` turns a name or a callable into a function ``Tensor -> Tensor``. Every named
activation is a primitive op or a composition of them, so gradients come from the engine.

The two hard sigmoids differ, and old code depends on which one it got:

* ``"hard_sigmoid"`` — Keras 2 (standalone Keras ≤ 2.x, tf.keras in TF ≤ 2.15, tf_keras):
  clip(0.2·x + 0.5, 0, 1), linear for −2.5 < x < 2.5 with slope 0.2. This is the gate
  activation of Keras ≤ 2.2's LSTM and GRU (``recurrent_activation='hard_sigmoid'``).
* ``"hardsigmoid"`` — PyTorch's ``F.hardsigmoid`` and Keras 3's ``hard_sigmoid``:
  clip(x/6 + 0.5, 0, 1) = relu6(x + 3)/6, linear for −3 < x < 3 with slope 1/6.
"""
from __future__ import annotations

from typing import Callable, Union

from ..errors import ArgumentError
from ..tensor import Tensor, check_tensor

Activation = Callable[[Tensor], Tensor]
ActivationSpec = Union[str, Activation, None]


def identity(x: Tensor) -> Tensor:
    """f(x) = x (Keras' ``"linear"``, and ``activation=None``)."""
    return check_tensor("identity", "the input", x)   # a torch.Tensor would pass straight through


def hard_sigmoid(x: Tensor) -> Tensor:
    """Keras 2: clip(0.2·x + 0.5, 0, 1)."""
    return check_tensor("hard_sigmoid", "the input", x).hard_sigmoid()


def hardsigmoid(x: Tensor) -> Tensor:
    """PyTorch / Keras 3: clip(x/6 + 0.5, 0, 1)."""
    return (check_tensor("hardsigmoid", "the input", x) * (1.0 / 6.0) + 0.5).clip(0.0, 1.0)


_BY_NAME: dict[str, Activation] = {
    "tanh": Tensor.tanh,
    "sigmoid": Tensor.sigmoid,
    "relu": Tensor.relu,
    "hard_sigmoid": hard_sigmoid,
    "hardsigmoid": hardsigmoid,
    "linear": identity,
    "identity": identity,
}


def get(spec: ActivationSpec, what: str = "activation") -> Activation:
    """The activation for ``spec``: a name from the table above, a callable, or ``None``
    (the identity, as in Keras). ``what`` names the argument in error messages."""
    if spec is None:
        return identity
    if callable(spec):
        return spec
    if isinstance(spec, str) and spec.lower() in _BY_NAME:
        return _BY_NAME[spec.lower()]
    raise ArgumentError(f"unknown {what} {spec!r}: use one of {sorted(_BY_NAME)} or a callable Tensor -> Tensor")


def name_of(fn: Activation) -> str:
    """A short name for ``repr``: the table's key, or the callable's ``__name__``."""
    for key, value in _BY_NAME.items():
        if value is fn:
            return key
    return getattr(fn, "__name__", type(fn).__name__)
