"""Checks for lesson 11's exercises (run with ``tinygrad-rnn check 11``)."""
import numpy as np

import tinygrad_rnn as tg


def _as_shape(value, what):
    try:
        return tuple(int(n) for n in value)
    except TypeError:
        raise AssertionError(f"{what} should be a tuple of ints, got {value!r}") from None


def check_lstm_shapes(fn):
    cases = [(5, 3, 4, 6, 1, False, False, 0), (5, 3, 4, 6, 2, False, False, 0), (5, 3, 4, 6, 1, True, False, 0),
             (7, 2, 3, 6, 3, True, True, 0), (4, 2, 3, 6, 2, True, False, 2), (4, 1, 3, 5, 1, False, True, 3)]
    for T, B, I, H, L, bi, bf, P in cases:
        got = fn(T, B, I, H, num_layers=L, bidirectional=bi, batch_first=bf, proj_size=P)
        if not (isinstance(got, (tuple, list)) and len(got) == 3):
            raise AssertionError(f"lstm_shapes should return three shapes (output, h_n, c_n), got {got!r}")
        layer = tg.nn.LSTM(I, H, num_layers=L, bidirectional=bi, batch_first=bf, proj_size=P)
        x = tg.zeros(B, T, I) if bf else tg.zeros(T, B, I)
        with tg.no_grad():
            output, (h_n, c_n) = layer(x)
        setting = f"T={T}, B={B}, I={I}, H={H}, num_layers={L}, bidirectional={bi}, batch_first={bf}, proj_size={P}"
        for name, g, real in zip(("output", "h_n", "c_n"), got, (output, h_n, c_n)):
            if _as_shape(g, name) != tuple(real.shape):
                raise AssertionError(f"for {setting} you said {name} is {tuple(g)}, but the layer returns {tuple(real.shape)}")


def check_reverse_padded(fn):
    rng = np.random.default_rng(110)
    T, B, F = 6, 4, 3
    x = rng.normal(size=(T, B, F))
    lengths = [6, 1, 4, 3]
    original = x.copy()
    got = np.asarray(fn(x, lengths))
    if not np.array_equal(x, original):
        raise AssertionError("reverse_padded changed its input; work on a copy")
    if got.shape != x.shape:
        raise AssertionError(f"expected shape {x.shape}, got {got.shape}")
    for b, n in enumerate(lengths):
        for t in range(T):
            want = x[n - 1 - t, b] if t < n else x[t, b]
            if not np.allclose(got[t, b], want):
                where = f"real step, should hold x[{n - 1 - t}, {b}]" if t < n else "padding, should be unchanged"
                raise AssertionError(f"sequence {b} (length {n}) at t = {t} is wrong ({where})")


def check_final_states_from_output(fn):
    tg.manual_seed(111)
    T, B, I, H = 6, 4, 3, 5
    lengths = [6, 2, 5, 1]
    layer = tg.nn.LSTM(I, H, num_layers=2, bidirectional=True).double()
    x = tg.randn(T, B, I, dtype=tg.float64)
    with tg.no_grad():
        output, (h_n, _) = layer(x, lengths=lengths)
    got = np.asarray(fn(output.numpy(), lengths, H))
    want = h_n.numpy()[-2:]
    if got.shape != want.shape:
        raise AssertionError(f"expected shape {want.shape} (2, B, H), got {got.shape}")
    for d, name in enumerate(("forward", "backward")):
        for b, n in enumerate(lengths):
            if not np.allclose(got[d, b], want[d, b], atol=1e-12):
                raise AssertionError(f"the {name} final state of sequence {b} (length {n}) does not match h_n")


CHECKS = [
    ("1. LSTM shapes", "lstm_shapes", check_lstm_shapes,
     "D = 2 if bidirectional; output is (T, B, D·H_out) or (B, T, D·H_out); h_n (D·L, B, H_out); c_n (D·L, B, H)"),
    ("2. reverse a padded batch", "reverse_padded", check_reverse_padded,
     "out = x.copy(); out[:n, b] = x[:n, b][::-1] for each sequence b of length n"),
    ("3. final states from output", "final_states_from_output", check_final_states_from_output,
     "the forward direction's last step is t = n-1; the backward one started at n-1 and stored its last output at t = 0"),
]
