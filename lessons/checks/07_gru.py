"""Checks for lesson 7's exercises (run with ``tinygrad-rnn check 7``)."""
import numpy as np

import tinygrad_rnn as tg


def _f64(a):
    return tg.tensor(np.asarray(a, dtype=float), dtype=tg.float64)


def check_gru_step_numpy(fn):
    rng = np.random.default_rng(70)
    for reset_after in (True, False):
        for B, I, H in ((2, 3, 4), (1, 2, 5)):
            w = {"weight_ih": rng.normal(0, 0.8, (3 * H, I)), "weight_hh": rng.normal(0, 0.8, (3 * H, H)),
                 "bias_ih": rng.normal(0, 0.8, 3 * H)}
            if reset_after:
                w["bias_hh"] = rng.normal(0, 0.8, 3 * H)
            x, h = rng.normal(size=(B, I)), rng.normal(size=(B, H))
            got = fn(x.copy(), h.copy(), **{k: v.copy() for k, v in w.items()}, reset_after=reset_after)
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


def check_count_parameters(fn):
    makers = {"rnn": lambda I, H, ra: tg.nn.RNNCell(I, H), "lstm": lambda I, H, ra: tg.nn.LSTMCell(I, H),
              "gru": lambda I, H, ra: tg.nn.GRUCell(I, H, reset_after=ra)}
    for kind, make in makers.items():
        for I, H in ((3, 5), (10, 7), (1, 1)):
            for ra in ((True, False) if kind == "gru" else (True,)):
                want = sum(int(np.prod(p.shape)) for p in make(I, H, ra).parameters())
                got = fn(kind, I, H, reset_after=ra) if kind == "gru" else fn(kind, I, H)
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
    rng = np.random.default_rng(71)
    B, I, H = 2, 3, 4
    kernel, recurrent = rng.normal(0, 0.7, (I, 3 * H)), rng.normal(0, 0.7, (H, 3 * H))
    bias = rng.normal(0, 0.7, (2, 3 * H))
    x, h = rng.normal(size=(B, I)), rng.normal(size=(B, H))
    # Keras's GRU (reset_after=True) evaluated from its own equations, in its own layout
    sig = lambda a: 1.0 / (1.0 + np.exp(-a))
    xk, hk = x @ kernel + bias[0], h @ recurrent + bias[1]
    z = sig(xk[:, :H] + hk[:, :H])
    r = sig(xk[:, H:2 * H] + hk[:, H:2 * H])
    hh = np.tanh(xk[:, 2 * H:] + r * hk[:, 2 * H:])
    want = z * h + (1 - z) * hh
    copies = (kernel.copy(), recurrent.copy(), bias.copy())
    got = fn(kernel, recurrent, bias)
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
    ("1. one GRU step in NumPy, both forms", "gru_step_numpy", check_gru_step_numpy,
     "np.split(..., 3, axis=1) gives r, z, n; only the candidate differs: r * (h @ W_n.T + b_n) against (r * h) @ W_n.T"),
    ("2. parameter counts", "count_parameters", check_count_parameters,
     "G = 1, 3, 4 for rnn, gru, lstm; weights G·H·(I+H); biases 2·G·H, or G·H for the GRU with reset_after=False"),
    ("3. Keras GRU weights to PyTorch's layout", "keras_gru_to_pytorch", check_keras_gru_to_pytorch,
     "split each array into three blocks along its 3H axis, swap the first two (z, r -> r, z), and transpose the kernels"),
]
