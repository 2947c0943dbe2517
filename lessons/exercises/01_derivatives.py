"""Exercises for lesson 1: derivatives and the chain rule.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 1``.
Use only ``math`` here: the point is to do by hand what autograd does for you.
"""
import math  # noqa: F401  (you will need it)


def central_difference(f, x: float, h: float = 1e-5) -> float:
    """Estimate f'(x) by nudging x both ways: (f(x + h) − f(x − h)) / (2h).

    f is a Python function of one float; return a float.
    """
    # TODO: evaluate f on both sides of x and divide by the width of the step
    raise NotImplementedError


def neuron_grads(w: float, x: float, b: float, y: float) -> tuple[float, float]:
    """Return (∂L/∂w, ∂L/∂b) for L = (tanh(w·x + b) − y)², by the chain rule.

    Compute the forward values first (q = w·x + b, s = tanh q, d = s − y), then walk back:
    ∂L/∂d = 2d, ∂L/∂s = ∂L/∂d, ∂L/∂q = ∂L/∂s · (1 − s²), then ∂L/∂w and ∂L/∂b from q = w·x + b.
    No finite differences and no tinygrad_rnn here: just arithmetic with math.tanh.
    """
    # TODO: forward pass, then the backward walk
    raise NotImplementedError
