"""Checks for lesson 1's exercises (run with ``tinygrad-rnn check 1``)."""
import math
import random


def check_central_difference(fn):
    rng = random.Random(1)
    cases = [(math.sin, math.cos), (math.exp, math.exp), (lambda v: v ** 3, lambda v: 3 * v ** 2)]
    for f, exact in cases:
        x = rng.uniform(-1.5, 1.5)
        for h in (1e-2, 1e-4):
            got = fn(f, x, h)
            if not isinstance(got, (float, int)):
                raise AssertionError(f"central_difference returned {type(got).__name__}, expected a float")
            want = (f(x + h) - f(x - h)) / (2 * h)
            if abs(got - want) > 1e-9 * max(1.0, abs(want)):
                raise AssertionError(f"for f'({x:.3f}) with h = {h:g} you returned {got:.10f}; the central "
                                     f"difference is {want:.10f} (the exact derivative is {exact(x):.10f})")
    # with the default h the estimate must be close to the true slope
    got = fn(math.sin, 0.3)
    if abs(got - math.cos(0.3)) > 1e-8:
        raise AssertionError(f"with the default h, sin'(0.3) came out {got:.10f} instead of {math.cos(0.3):.10f}")


def check_neuron_grads(fn):
    rng = random.Random(2)
    for _ in range(5):
        w, x, b, y = (rng.uniform(-2, 2) for _ in range(4))
        got = fn(w, x, b, y)
        if not (isinstance(got, tuple) and len(got) == 2):
            raise AssertionError(f"neuron_grads should return a pair (dL_dw, dL_db), got {got!r}")

        def loss(w_, b_):
            return (math.tanh(w_ * x + b_) - y) ** 2
        eps = 1e-6
        num_w = (loss(w + eps, b) - loss(w - eps, b)) / (2 * eps)
        num_b = (loss(w, b + eps) - loss(w, b - eps)) / (2 * eps)
        for name, g, n in (("∂L/∂w", got[0], num_w), ("∂L/∂b", got[1], num_b)):
            if abs(g - n) > 1e-6 * max(1.0, abs(n)):
                raise AssertionError(f"at w={w:.3f}, x={x:.3f}, b={b:.3f}, y={y:.3f} your {name} is {g:.6f} but "
                                     f"nudging the input says {n:.6f}")


CHECKS = [
    ("1. central difference", "central_difference", check_central_difference,
     "evaluate f at x + h and at x − h, and divide their difference by the distance between them, 2h"),
    ("2. the neuron's gradients by the chain rule", "neuron_grads", check_neuron_grads,
     "∂L/∂q = 2·(s − y)·(1 − s²); then ∂L/∂w = ∂L/∂q · x and ∂L/∂b = ∂L/∂q"),
]
