"""Checks for lesson 6's exercises (run with ``tinygrad-rnn check 6``).

Inputs are drawn fresh every run (the seed is printed); the NumPy exercises run with a watch on
tinygrad_rnn (loading the weights into a library cell is caught).
"""
import math

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lesson_checks import by_hand, rng

RULE = "NumPy only"


def check_lstm1997_step_numpy(fn):
    r = rng()
    for _ in range(2):
        B, I, H = (int(v) for v in r.integers(1, 6, 3))
        w = {"weight_ih": r.normal(0, 0.7, (3 * H, I)), "weight_hh": r.normal(0, 0.7, (3 * H, H)),
             "bias_ih": r.normal(0, 0.7, 3 * H), "bias_hh": r.normal(0, 0.7, 3 * H)}
        x, h, c = r.normal(size=(B, I)), r.normal(size=(B, H)), r.normal(size=(B, H))
        got = by_hand(fn, x.copy(), h.copy(), c.copy(), **{k: v.copy() for k, v in w.items()}, what=RULE)
        if not (isinstance(got, tuple) and len(got) == 2):
            raise AssertionError(f"lstm1997_step_numpy should return a pair (h_new, c_new), got {type(got).__name__}")
        cell = tg.nn.LSTMCell(I, H, forget_gate=False, dtype=tg.float64)
        cell.load_state_dict(w)
        ref = cell(tg.tensor(x, dtype=tg.float64), (tg.tensor(h, dtype=tg.float64), tg.tensor(c, dtype=tg.float64)))
        for name, g, want in (("c_new", got[1], ref[1].numpy()), ("h_new", got[0], ref[0].numpy())):
            g = np.asarray(g)
            if g.shape != want.shape:
                raise AssertionError(f"{name} has shape {g.shape}, expected {want.shape}")
            if not np.allclose(g, want, atol=1e-10):
                raise AssertionError(f"{name} differs from tg.nn.LSTMCell(forget_gate=False) by up to "
                                     f"{np.abs(g - want).max():.3g} (B={B}, I={I}, H={H})")


def check_hard_sigmoid_numpy(fn):
    x = np.concatenate([np.array([-4.0, -3.0, -2.5, -1.0, 0.0, 0.5, 2.0, 2.5, 2.9, 3.5]), rng().uniform(-5, 5, 6)])
    by_hand_values = {2: [0.0, 0.0, 0.0, 0.3, 0.5, 0.6, 0.9, 1.0, 1.0, 1.0],
               3: [0.0, 0.0, 1 / 12, 1 / 3, 0.5, 7 / 12, 5 / 6, 11 / 12, 2.9 / 6 + 0.5, 1.0]}
    library = {2: "hard_sigmoid", 3: "hardsigmoid"}
    for version in (2, 3):
        got = np.asarray(by_hand(fn, x.copy(), version, what=RULE), dtype=float)
        if got.shape != x.shape:
            raise AssertionError(f"for Keras {version} the result has shape {got.shape}, expected {x.shape}")
        want = tg.nn.activations.get(library[version])(tg.tensor(x, dtype=tg.float64)).numpy()
        if not np.allclose(want[:10], by_hand_values[version]):      # guards the check itself
            raise AssertionError(f"internal: the library's {library[version]} disagrees with the closed form")
        if not np.allclose(got, want, atol=1e-12):
            k = int(np.argmax(np.abs(got - want)))
            raise AssertionError(f"Keras {version}: at x = {x[k]} you return {got[k]:.4f}, expected {want[k]:.4f}")
    try:
        fn(x, 1)
    except ValueError:
        pass
    else:
        raise AssertionError("hard_sigmoid_numpy(x, 1) should raise ValueError (only Keras 2 and 3 are defined)")


def check_first_saturated_step(fn):
    r = rng()
    cases = [(np.full(20, 0.5), 0.99), (np.full(20, -0.5), 0.99), (np.full(10, 0.01), 0.99),
             (r.uniform(-0.2, 0.6, 200), float(r.uniform(0.9, 0.999))), (r.uniform(-0.6, 0.2, 200), float(r.uniform(0.3, 0.7))),
             (np.array([3.0]), 0.99), (r.uniform(-0.05, 0.05, 50), 0.99)]
    for writes, threshold in cases:
        got = by_hand(fn, writes.copy(), threshold, what=RULE)
        c, want = 0.0, -1
        for t, w in enumerate(writes):           # the carousel, one step at a time
            c += w
            if abs(math.tanh(c)) > threshold:
                want = t
                break
        if got != want:
            raise AssertionError(f"for writes starting {np.round(writes[:4], 3)} ({len(writes)} steps) and threshold "
                                 f"{threshold} you returned {got}, expected {want}")


CHECKS = [
    ("1. one step of the 1997 cell", "lstm1997_step_numpy", check_lstm1997_step_numpy, [
        "like lesson 5's step, with three gate blocks instead of four: i, g, o (there is no f)",
        "one (B, 3H) array of pre-activations from two products and two biases, cut into three along axis 1",
        "the carousel keeps the old state whole: c_new = c + i ⊙ g, then h_new = o ⊙ tanh(c_new)",
    ]),
    ("2. the two hard sigmoids", "hard_sigmoid_numpy", check_hard_sigmoid_numpy, [
        "both are straight lines through (0, 0.5), cut off at 0 and at 1; only the slope differs",
        "slope 0.2 for Keras 2 and 1/6 for Keras 3; np.clip(…, 0, 1) does the cutting",
        "any other version is a ValueError, raised before computing anything",
    ]),
    ("3. when the 1997 cell saturates", "first_saturated_step", check_first_saturated_step, [
        "the state after step t is the sum of every write up to and including t",
        "np.cumsum(writes) gives all the states at once; the output saturates where |tanh(c_t)| passes the threshold",
        "the first True of a boolean array: np.argmax on it, or np.nonzero(...)[0][0]; return −1 when there is none",
    ]),
]
