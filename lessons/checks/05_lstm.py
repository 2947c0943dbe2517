"""Checks for lesson 5's exercises (run with ``tinygrad-rnn check 5``).

Inputs are drawn fresh every run (the seed is printed). The NumPy exercises run with a watch on
tinygrad_rnn: loading the weights into ``tg.nn.LSTMCell`` (or using any autograd) is caught. The
backward must agree with autograd to 1e-10, which only exact derivatives reach.
"""
import math

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lesson_checks import assert_close, by_hand, rng

RULE = "NumPy only: the LSTM's equations by hand"
NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _case(r):
    B, I, H = (int(v) for v in r.integers(1, 6, 3))
    w = {"weight_ih": r.normal(0, 0.7, (4 * H, I)), "weight_hh": r.normal(0, 0.7, (4 * H, H)),
         "bias_ih": r.normal(0, 0.7, 4 * H), "bias_hh": r.normal(0, 0.7, 4 * H)}
    x, h, c = r.normal(size=(B, I)), r.normal(size=(B, H)), r.normal(size=(B, H))
    return B, I, H, w, x, h, c


def _f64(a, grad=False):
    return tg.tensor(np.asarray(a, dtype=float), dtype=tg.float64, requires_grad=grad)


def check_lstm_step_numpy(fn):
    r = rng()
    for _ in range(3):
        B, I, H, w, x, h, c = _case(r)
        got = by_hand(fn, x.copy(), h.copy(), c.copy(), **{k: v.copy() for k, v in w.items()}, what=RULE)
        if not (isinstance(got, tuple) and len(got) == 2):
            raise AssertionError(f"lstm_step_numpy should return a pair (h_new, c_new), got {type(got).__name__}")
        h_got, c_got = (np.asarray(v) for v in got)
        cell = tg.nn.LSTMCell(I, H, dtype=tg.float64)
        cell.load_state_dict(w)
        h_ref, c_ref = cell(tg.tensor(x, dtype=tg.float64), (tg.tensor(h, dtype=tg.float64), tg.tensor(c, dtype=tg.float64)))
        h_ref, c_ref = h_ref.numpy(), c_ref.numpy()
        for name, g, ref in (("c_new", c_got, c_ref), ("h_new", h_got, h_ref)):
            assert_close(name, g, ref, {"B": B, "I": I, "H": H})


def check_lstm_step_backward(fn):
    r = rng()
    for case in range(4):
        B, I, H, w, x, h, c = _case(r)
        dh, dc = r.normal(size=(B, H)), r.normal(size=(B, H))
        if case == 1:
            dc = np.zeros((B, H))          # only the output is used: all of c_new's gradient comes through h_new
        if case == 2:
            dh = np.zeros((B, H))          # only the belt is used
        got = by_hand(fn, x.copy(), h.copy(), c.copy(), **{k: v.copy() for k, v in w.items()},
                      dh_new=dh.copy(), dc_new=dc.copy(), what=RULE)
        want_keys = {"x", "h", "c", *NAMES}
        if not isinstance(got, dict) or set(got) != want_keys:
            raise AssertionError(f"lstm_step_backward should return a dict with the keys {sorted(want_keys)}, got "
                                 f"{sorted(got) if isinstance(got, dict) else type(got).__name__}")
        cell = tg.nn.LSTMCell(I, H, dtype=tg.float64)
        cell.load_state_dict(w)
        tx, th, tc = _f64(x, True), _f64(h, True), _f64(c, True)
        h_new, c_new = cell(tx, (th, tc))
        ((h_new * _f64(dh)).sum() + (c_new * _f64(dc)).sum()).backward()
        want = {"x": tx.grad, "h": th.grad, "c": tc.grad, **{k: getattr(cell, k).grad for k in NAMES}}
        used = {0: "dh_new and dc_new both nonzero", 1: "dc_new = 0 (only h_new is used)",
                2: "dh_new = 0 (only c_new is used)", 3: "dh_new and dc_new both nonzero"}[case]
        for k in ("c", "h", "x", "bias_ih", "bias_hh", "weight_ih", "weight_hh"):
            assert_close(f"∂L/∂{k}", got[k], want[k].numpy(), {"B": B, "I": I, "H": H, "with": used})


def check_steps_until_forgotten(fn):
    r = rng()
    cases = [(float(r.uniform(-2, 4)), float(10 ** r.uniform(-4, -0.05))) for _ in range(12)]
    for b, fraction in cases:
        got = fn(b, fraction)
        if isinstance(got, float) and got.is_integer():
            got = int(got)
        if not isinstance(got, (int, np.integer)):
            raise AssertionError(f"steps_until_forgotten({b}, {fraction}) returned {got!r}; expected a whole number")
        f = 1.0 / (1.0 + math.exp(-b))
        ok = f ** got < fraction and (got == 0 or f ** (got - 1) >= fraction)
        if not ok:
            raise AssertionError(f"for b = {b:.6g} (f = σ(b) = {f:.4f}) and fraction {fraction} you returned {got}, "
                                 f"but f^{got} = {f ** got:.4g}; the answer is the first n with f^n below {fraction}")


def check_tf1_bias_to_pytorch(fn):
    r = rng()
    H = int(r.integers(2, 6))
    tf_bias = r.normal(size=4 * H)
    original = tf_bias.copy()
    for fb in (1.0, 0.0, float(r.uniform(0.5, 3))):
        got = np.asarray(fn(tf_bias, fb), dtype=float)
        if not np.array_equal(tf_bias, original):
            raise AssertionError("tf1_bias_to_pytorch changed its input array; build a new one instead")
        if got.shape != (4 * H,):
            raise AssertionError(f"expected a bias of shape ({4 * H},), got {got.shape}")
        blocks = {"i": tf_bias[0:H], "f": tf_bias[2 * H:3 * H] + fb, "g": tf_bias[H:2 * H], "o": tf_bias[3 * H:]}
        for k, name in enumerate("ifgo"):
            if not np.allclose(got[k * H:(k + 1) * H], blocks[name]):
                raise AssertionError(f"with forget_bias = {fb}, block {k} of your result (rows {k * H}:{(k + 1) * H}) "
                                     f"should be gate {name} but holds {np.round(got[k * H:(k + 1) * H], 3)}")
    # the ported bias must give the same forget gate as TF1's formula σ(b_f + forget_bias)
    cell = tg.nn.LSTMCell(1, H, dtype=tg.float64)
    sd = cell.state_dict()
    sd["weight_ih"][:] = 0.0
    sd["weight_hh"][:] = 0.0
    sd["bias_ih"][:] = np.asarray(fn(tf_bias, 1.0), dtype=float)
    sd["bias_hh"][:] = 0.0
    cell.load_state_dict(sd)
    c0 = np.ones((1, H))
    _, c1 = cell(tg.zeros(1, 1, dtype=tg.float64), (tg.zeros(1, H, dtype=tg.float64), tg.tensor(c0)))
    sig = lambda a: 1.0 / (1.0 + np.exp(-a))
    want = sig(tf_bias[2 * H:3 * H] + 1.0) * c0 + sig(tf_bias[0:H]) * np.tanh(tf_bias[H:2 * H])
    if not np.allclose(c1.numpy(), want, atol=1e-12):
        raise AssertionError("a cell loaded with your bias does not compute TF1's c_t = σ(f + forget_bias)·c + σ(i)·tanh(j)")


CHECKS = [
    ("1. one LSTM step in NumPy", "lstm_step_numpy", check_lstm_step_numpy, [
        "all four gates' pre-activations come from two matrix products and two biases, one (B, 4H) array",
        "cut that array into four (B, H) blocks in the order i, f, g, o (np.split along axis 1)",
        "σ for i, f, o and tanh for g; then c_new = f ⊙ c + i ⊙ g and h_new = o ⊙ tanh(c_new)",
    ]),
    ("2. one LSTM step backward, by hand", "lstm_step_backward", check_lstm_step_backward, [
        "redo the forward pass and keep i, f, g, o and tanh(c_new); each δ is the gradient of L with respect to one "
        "of the four pre-activations (or to c)",
        "c_new gets gradient from two places: dc_new directly, and through h_new = o ⊙ tanh(c_new) "
        "(times o ⊙ (1 − tanh²(c_new))); call the sum δc",
        "from δc: δf = δc ⊙ c ⊙ f(1 − f), δi = δc ⊙ g ⊙ i(1 − i), δg = δc ⊙ i ⊙ (1 − g²), and ∂L/∂c = δc ⊙ f; "
        "δo = dh_new ⊙ tanh(c_new) ⊙ o(1 − o)",
        "stack δa = [δi | δf | δg | δo] (B, 4H): then the weights, biases, x and h are those of one linear map "
        "a = x W_ihᵀ + h W_hhᵀ + b (transposes, and sums over the batch for the biases)",
    ]),
    ("3. steps until forgotten", "steps_until_forgotten", check_steps_until_forgotten, [
        "after n steps with the input gate shut the belt holds σ(b)ⁿ of its content; find the first n where that is "
        "below the fraction",
        "f = 1 / (1 + exp(−b)); either multiply a running product by f, counting steps, or solve n·log f < log fraction",
        "with logarithms, an exact power (say 0.5⁷ for 0.0078125) sits on the boundary: a loop has no such trap",
    ]),
    ("4. TF1 bias to PyTorch layout", "tf1_bias_to_pytorch", check_tf1_bias_to_pytorch, [
        "the same four blocks of H numbers, in another order, and one of them shifted by a constant",
        "TF1 keeps the blocks as i, j, f, o and PyTorch as i, f, g, o (g is TF1's j)",
        "forget_bias goes into the forget block only; np.split(tf_bias, 4) and np.concatenate build the new array",
    ]),
]
