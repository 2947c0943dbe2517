"""Keras' activation names, for ``activation=`` and ``recurrent_activation=``.

Everything :mod:`tinygrad_rnn.nn.activations` knows (``tanh``, ``sigmoid``, ``relu``,
``hard_sigmoid`` — Keras 2's 0.2·x + 0.5 —, ``linear``, ``None``) plus Keras' other
element-wise activations, each composed of primitive ops so gradients come from the engine:

==================  ===============================================================
``softsign``        x / (1 + |x|)
``softplus``        log(1 + eˣ), computed as relu(x) + log(1 + e^(−|x|)) (no overflow)
``elu``             x for x > 0, e^x − 1 otherwise (α = 1)
``selu``            λ·elu_α(x), λ = 1.0507…, α = 1.6733… (Klambauer et al. 2017)
``swish``/``silu``  x·σ(x)
``mish``            x·tanh(softplus(x))
``exponential``     eˣ
==================  ===============================================================

A callable ``Tensor -> Tensor`` works too (any activation, as in Keras).
"""
from __future__ import annotations

from ..errors import ArgumentError
from ..functional import where
from ..nn import activations as nn_activations
from ..nn.activations import Activation, ActivationSpec
from ..tensor import Tensor, check_tensor

__all__ = ["get", "softsign", "softplus", "elu", "selu", "swish", "mish", "exponential"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def softsign(x: Tensor) -> Tensor:
    x = check_tensor("softsign", "the input", x)
    return x / (x.abs() + 1.0)


def softplus(x: Tensor) -> Tensor:
    x = check_tensor("softplus", "the input", x)
    # log(1 + eˣ) = max(x, 0) + log(1 + e^(−|x|)): the exponent is never positive
    return x.relu() + ((-x.abs()).exp() + 1.0).log()


def _elu(x: Tensor, alpha: float) -> Tensor:
    # e^min(x, 0): the branch not taken stays finite, so its (masked) gradient is 0, not nan
    negative = (x.minimum(0.0).exp() - 1.0) * alpha
    return where(x.data > 0, x, negative)


def elu(x: Tensor) -> Tensor:
    x = check_tensor("elu", "the input", x)
    return _elu(x, 1.0)


def selu(x: Tensor) -> Tensor:
    x = check_tensor("selu", "the input", x)
    return _elu(x, _SELU_ALPHA) * _SELU_SCALE


def swish(x: Tensor) -> Tensor:
    x = check_tensor("swish", "the input", x)
    return x * x.sigmoid()


def mish(x: Tensor) -> Tensor:
    x = check_tensor("mish", "the input", x)
    return x * softplus(x).tanh()


def exponential(x: Tensor) -> Tensor:
    x = check_tensor("exponential", "the input", x)
    return x.exp()


_KERAS: dict[str, Activation] = {"softsign": softsign, "softplus": softplus, "elu": elu, "selu": selu,
                                 "swish": swish, "silu": swish, "mish": mish, "exponential": exponential}


def get(spec: ActivationSpec, what: str = "activation") -> Activation:
    """The activation for a Keras name, a callable, or None (linear)."""
    if isinstance(spec, str) and spec.lower() in _KERAS:
        return _KERAS[spec.lower()]
    try:
        return nn_activations.get(spec, what)
    except ValueError:
        known = sorted(set(_KERAS) | {"tanh", "sigmoid", "relu", "hard_sigmoid", "linear"})
        raise ArgumentError(f"unknown {what} {spec!r}: use one of {known}, None or a callable Tensor -> Tensor") \
            from None
