"""Checks for lesson 1's exercises (run with ``tinygrad-rnn check 1``).

Every run draws fresh inputs (the seed is printed). ``neuron_grads`` must be the chain rule:
it runs with a watch on tinygrad_rnn (and other autograd libraries), and its answer must agree
with autograd to 1e-10 relative, including at points where the neuron is saturated and a
finite-difference estimate is off by far more than that.
"""
import math

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lesson_checks import assert_close, by_hand, rng


def check_central_difference(fn):
    r = rng()
    a, b, c = r.uniform(-2, 2, 3)
    funcs = [("sin", math.sin), ("exp", math.exp), (f"{a:.3f}·x³ + {b:.3f}·x²", lambda v: a * v ** 3 + b * v ** 2),
             ("tanh", math.tanh)]
    for label, f in funcs:
        x = float(r.uniform(-1.5, 1.5))
        h = float(10.0 ** r.uniform(-4, -1))
        calls = []

        def watched(v, f=f):
            calls.append(v)
            return f(v)
        got = by_hand(fn, watched, x, h, what="plain Python")
        if not isinstance(got, (float, int, np.floating)):
            raise AssertionError(f"central_difference returned {type(got).__name__}, expected a float")
        where = sorted(round((v - x) / h, 6) for v in calls)
        if where != [-1.0, 1.0]:
            raise AssertionError(f"for f = {label} at x = {x:.4f} with h = {h:.3g} you evaluated f at x + {where} · h; "
                                 f"a central difference evaluates it exactly twice, at x − h and x + h")
        want = (f(x + h) - f(x - h)) / (2 * h)
        assert_close(f"the estimate of f'(x) for f = {label}", got, want, {"x": x, "h": h}, tol=1e-12)
    got = fn(math.sin, 0.3)
    if abs(got - math.cos(0.3)) > 1e-8:
        raise AssertionError(f"with the default h, sin'(0.3) came out {got:.10f} instead of {math.cos(0.3):.10f}: "
                             f"is the default h still 1e-5?")


def _autograd(w, x, b, y):
    tw, tb = (tg.tensor(v, dtype=tg.float64, requires_grad=True) for v in (w, b))
    L = ((tw * x + tb).tanh() - y) ** 2
    L.backward()
    return tw.grad.item(), tb.grad.item()


def _exact(w, x, b, y):
    """∂L/∂w and ∂L/∂b to the last bit: tanh′(q) as 1/cosh²(q), which loses nothing near
    saturation (1 − tanh² does, a little, and so may the learner's: the cases keep |q| ≤ 5)."""
    q = w * x + b
    dq = 2 * (math.tanh(q) - y) / math.cosh(q) ** 2
    return dq * x, dq


def check_neuron_grads(fn):
    r = rng()
    cases = []
    for _ in range(4):                   # ordinary neurons, |w·x + b| ≤ 5
        w, x, b, y = (float(v) for v in r.uniform(-2, 2, 4))
        cases.append((w, x, b * 0.5, y))
    # nearly saturated neurons: 3 ≤ |w·x + b| ≤ 5, where tanh′ is small and nudging is inexact
    for _ in range(3):
        q = float(r.uniform(3, 5) * r.choice([-1, 1]))
        x = float(r.uniform(1, 2.5) * r.choice([-1, 1]))
        b, y = float(r.uniform(-1, 1)), float(r.uniform(-1, 1))
        cases.append(((q - b) / x, x, b, y))
    for w, x, b, y in cases:
        got = by_hand(fn, w, x, b, y, what="by hand with math.tanh: the chain rule, no library")
        if not (isinstance(got, tuple) and len(got) == 2):
            raise AssertionError(f"neuron_grads should return a pair (dL_dw, dL_db), got {got!r}")
        want = _exact(w, x, b, y)
        lib = _autograd(w, x, b, y)      # the library agrees with the formula (guards the check itself)
        if abs(lib[0] - want[0]) > 1e-9 * abs(want[0]) + 1e-300:
            raise AssertionError("internal: tinygrad_rnn's autograd disagrees with the exact formula")
        inputs = {"w": w, "x": x, "b": b, "y": y}
        # 1e-11: the chain rule in float64 lands within a few 1e-13 here (|q| ≤ 5), while even
        # extrapolated finite differences leave 1e-11 or more behind
        assert_close("∂L/∂w", got[0], want[0], inputs, tol=1e-11)
        assert_close("∂L/∂b", got[1], want[1], inputs, tol=1e-11)


CHECKS = [
    ("1. central difference", "central_difference", check_central_difference, [
        "nudge x both ways by the same h, and compare how far f moved with how far x moved",
        "f moved f(x + h) − f(x − h) while x moved from x − h to x + h: how far is that?",
        "slope = rise / run, with run = 2h; return a float",
    ]),
    ("2. the neuron's gradients by the chain rule", "neuron_grads", check_neuron_grads, [
        "run the forward pass first and keep every intermediate value (q, s, d): the backward walk needs them",
        "walk back one operation at a time: ∂L/∂d from L = d², then ∂L/∂s from d = s − y, then ∂L/∂q from s = tanh q",
        "tanh′(q) is 1 − tanh²(q) = 1 − s²; and q = w·x + b, so ∂q/∂w = x and ∂q/∂b = 1",
    ]),
]
