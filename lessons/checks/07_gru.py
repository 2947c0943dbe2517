"""Checks for lesson 7's exercises (run with ``tinygrad-rnn check 7``).

Inputs are drawn fresh every run (the seed is printed); the NumPy exercises run with a watch on
tinygrad_rnn, and the backward must agree with autograd to 1e-10.
"""
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lesson_checks import assert_close, by_hand, rng

RULE = "NumPy only: the GRU's equations by hand"
NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _f64(a, grad=False):
    return tg.tensor(np.asarray(a, dtype=float), dtype=tg.float64, requires_grad=grad)


def check_gru_step_numpy(fn):
    r = rng()
    for reset_after in (True, False):
        for _ in range(2):
            B, I, H = (int(v) for v in r.integers(1, 6, 3))
            w = {"weight_ih": r.normal(0, 0.8, (3 * H, I)), "weight_hh": r.normal(0, 0.8, (3 * H, H)),
                 "bias_ih": r.normal(0, 0.8, 3 * H)}
            if reset_after:
                w["bias_hh"] = r.normal(0, 0.8, 3 * H)
            x, h = r.normal(size=(B, I)), r.normal(size=(B, H))
            got = by_hand(fn, x.copy(), h.copy(), **{k: v.copy() for k, v in w.items()}, reset_after=reset_after,
                          what=RULE)
            cell = tg.nn.GRUCell(I, H, reset_after=reset_after, dtype=tg.float64)
            cell.load_state_dict(w)
            want = cell(_f64(x), _f64(h)).numpy()
            got = np.asarray(got)
            form = "reset_after=True" if reset_after else "reset_after=False"
            if got.shape != want.shape:
                raise AssertionError(f"with {form} h_new has shape {got.shape}, expected {want.shape}")
            if not np.allclose(got, want, atol=1e-10):
                raise AssertionError(f"with {form} your h_new differs from tg.nn.GRUCell by up to "
                                     f"{np.abs(got - want).max():.3g} (B={B}, I={I}, H={H})")


def check_gru_step_backward(fn):
    r = rng()
    for case in range(3):
        B, I, H = (int(v) for v in r.integers(1, 6, 3))
        w = {"weight_ih": r.normal(0, 0.8, (3 * H, I)), "weight_hh": r.normal(0, 0.8, (3 * H, H)),
             "bias_ih": r.normal(0, 0.8, 3 * H), "bias_hh": r.normal(0, 0.8, 3 * H)}
        x, h, dh = r.normal(size=(B, I)), r.normal(size=(B, H)), r.normal(size=(B, H))
        got = by_hand(fn, x.copy(), h.copy(), **{k: v.copy() for k, v in w.items()}, dh_new=dh.copy(), what=RULE)
        want_keys = {"x", "h", *NAMES}
        if not isinstance(got, dict) or set(got) != want_keys:
            raise AssertionError(f"gru_step_backward should return a dict with the keys {sorted(want_keys)}, got "
                                 f"{sorted(got) if isinstance(got, dict) else type(got).__name__}")
        cell = tg.nn.GRUCell(I, H, dtype=tg.float64)
        cell.load_state_dict(w)
        tx, th = _f64(x, True), _f64(h, True)
        (cell(tx, th) * _f64(dh)).sum().backward()
        want = {"x": tx.grad, "h": th.grad, **{k: getattr(cell, k).grad for k in NAMES}}
        for k in ("h", "x", "bias_hh", "bias_ih", "weight_hh", "weight_ih"):
            assert_close(f"∂L/∂{k}", got[k], want[k].numpy(), {"B": B, "I": I, "H": H})


def check_count_parameters(fn):
    makers = {"rnn": lambda I, H, ra: tg.nn.RNNCell(I, H), "lstm": lambda I, H, ra: tg.nn.LSTMCell(I, H),
              "gru": lambda I, H, ra: tg.nn.GRUCell(I, H, reset_after=ra)}
    for kind, make in makers.items():
        for I, H in [(1, 1)] + [tuple(int(v) for v in rng().integers(1, 40, 2)) for _ in range(2)]:
            for ra in ((True, False) if kind == "gru" else (True,)):
                want = sum(int(np.prod(p.shape)) for p in make(I, H, ra).parameters())
                got = (by_hand(fn, kind, I, H, reset_after=ra, what="from the formula (do not build a cell)")
                       if kind == "gru" else by_hand(fn, kind, I, H, what="from the formula (do not build a cell)"))
                if got != want:
                    extra = f", reset_after={ra}" if kind == "gru" else ""
                    raise AssertionError(f"count_parameters({kind!r}, {I}, {H}{extra}) returned {got}; the library's "
                                         f"cell has {want} parameters")
    try:
        fn("transformer", 3, 4)
    except ValueError:
        pass
    else:
        raise AssertionError("count_parameters('transformer', 3, 4) should raise ValueError")


def check_keras_gru_to_pytorch(fn):
    r = rng()
    B, I, H = (int(v) for v in r.integers(1, 6, 3))
    kernel, recurrent = r.normal(0, 0.7, (I, 3 * H)), r.normal(0, 0.7, (H, 3 * H))
    bias = r.normal(0, 0.7, (2, 3 * H))
    x, h = r.normal(size=(B, I)), r.normal(size=(B, H))
    # Keras's GRU (reset_after=True) evaluated from its own equations, in its own layout
    sig = lambda a: 1.0 / (1.0 + np.exp(-a))
    xk, hk = x @ kernel + bias[0], h @ recurrent + bias[1]
    z = sig(xk[:, :H] + hk[:, :H])
    rg = sig(xk[:, H:2 * H] + hk[:, H:2 * H])
    hh = np.tanh(xk[:, 2 * H:] + rg * hk[:, 2 * H:])
    want = z * h + (1 - z) * hh
    copies = (kernel.copy(), recurrent.copy(), bias.copy())
    got = by_hand(fn, kernel, recurrent, bias, what=RULE)
    if not all(np.array_equal(a, b) for a, b in zip(copies, (kernel, recurrent, bias))):
        raise AssertionError("keras_gru_to_pytorch changed the Keras arrays it was given; build new ones instead")
    if not isinstance(got, dict) or set(got) != {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}:
        raise AssertionError("return a dict with exactly the keys weight_ih, weight_hh, bias_ih, bias_hh")
    shapes = {"weight_ih": (3 * H, I), "weight_hh": (3 * H, H), "bias_ih": (3 * H,), "bias_hh": (3 * H,)}
    for k, shape in shapes.items():
        if np.shape(got[k]) != shape:
            raise AssertionError(f"{k} has shape {np.shape(got[k])}, expected {shape}")
    cell = tg.nn.GRUCell(I, H, dtype=tg.float64)
    cell.load_state_dict({k: np.asarray(v, dtype=float) for k, v in got.items()})
    out = cell(_f64(x), _f64(h)).numpy()
    if not np.allclose(out, want, atol=1e-12):
        raise AssertionError(f"tg.nn.GRUCell loaded with your weights differs from the Keras GRU by up to "
                             f"{np.abs(out - want).max():.3g}")


CHECKS = [
    ("1. one GRU step in NumPy, both forms", "gru_step_numpy", check_gru_step_numpy, [
        "the input side of all three blocks is one product x @ W_ihᵀ + b_ih, cut into r, z, n parts",
        "r and z add their recurrent parts and go through σ; only the candidate n differs between the two forms",
        "PyTorch: r ⊙ (h @ W_hnᵀ + b_hn); Cho 2014: (r ⊙ h) @ W_hnᵀ. Then h_new = (1 − z) ⊙ n + z ⊙ h",
    ]),
    ("2. one GRU step backward, by hand", "gru_step_backward", check_gru_step_backward, [
        "redo the forward pass (PyTorch's form) and keep r, z, n and the recurrent part of the candidate, "
        "hn = h @ W_hnᵀ + b_hn",
        "h_new = (1 − z) ⊙ n + z ⊙ h sends dh_new three ways: to n (times 1 − z), to z (times h − n) and straight "
        "to h (times z)",
        "through the nonlinearities: δn = ∂L/∂n ⊙ (1 − n²), δz = ∂L/∂z ⊙ z(1 − z), δr = δn ⊙ hn ⊙ r(1 − r)",
        "the input side sees [δr | δz | δn]; the recurrent side sees [δr | δz | δn ⊙ r] (r multiplies hn after the "
        "product); each side is a linear map: transposes for the weights, batch sums for the biases",
    ]),
    ("3. parameter counts", "count_parameters", check_count_parameters, [
        "each gate block has an input matrix (H, I) and a recurrent matrix (H, H); count the blocks per cell",
        "G = 1, 3, 4 for rnn, gru, lstm; weights G·H·(I + H); biases 2·G·H, or G·H for the GRU with reset_after=False",
    ]),
    ("4. Keras GRU weights to PyTorch's layout", "keras_gru_to_pytorch", check_keras_gru_to_pytorch, [
        "Keras multiplies x·kernel, PyTorch W·x: the matrices are transposes of each other",
        "the block orders differ too: Keras z, r, h against PyTorch r, z, n; split each array into three along its 3H "
        "axis and swap the first two",
        "bias row 0 is the input part (bias_ih) and row 1 the recurrent part (bias_hh)",
    ]),
]
