"""Checks for lesson 11's exercises (run with ``tinygrad-rnn check 11``).

Every run draws fresh sizes, lengths and inputs (the seed is printed; ``--seed`` repeats a
run). ``lstm_shapes`` must be worked out, not measured: it runs with a watch on tinygrad_rnn,
which says so if a layer is built or run inside it. The other two are NumPy only, watched the
same way.
"""
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lesson_checks import assert_close, by_hand, rng


def _as_shape(value, what):
    try:
        return tuple(int(n) for n in value)
    except TypeError:
        raise AssertionError(f"{what} should be a tuple of ints, got {value!r}") from None


def check_lstm_shapes(fn):
    r = rng()
    settings = [(False, False, 0), (True, False, 0), (False, True, 0), (True, True, 1)]   # every flag, then random
    settings += [(bool(r.integers(2)), bool(r.integers(2)), int(r.integers(2))) for _ in range(4)]
    for bi, bf, use_proj in settings:
        T, B, I, H, L = (int(v) for v in (r.integers(2, 9), r.integers(1, 6), r.integers(1, 7), r.integers(3, 9),
                                           r.integers(1, 4)))
        P = int(r.integers(1, H)) if use_proj else 0
        got = by_hand(fn, T, B, I, H, num_layers=L, bidirectional=bi, batch_first=bf, proj_size=P,
                      what="worked out from the rules, without building or running a layer")
        if not (isinstance(got, (tuple, list)) and len(got) == 3):
            raise AssertionError(f"lstm_shapes should return three shapes (output, h_n, c_n), got {got!r}")
        layer = tg.nn.LSTM(I, H, num_layers=L, bidirectional=bi, batch_first=bf, proj_size=P)
        x = tg.zeros(B, T, I) if bf else tg.zeros(T, B, I)
        with tg.no_grad():
            output, (h_n, c_n) = layer(x)
        setting = f"T={T}, B={B}, I={I}, H={H}, num_layers={L}, bidirectional={bi}, batch_first={bf}, proj_size={P}"
        for name, g, real in zip(("output", "h_n", "c_n"), got, (output, h_n, c_n)):
            if _as_shape(g, name) != tuple(real.shape):
                raise AssertionError(f"for {setting} you said {name} is {tuple(g)}, but the layer returns "
                                     f"{tuple(real.shape)}")


def _lengths(r, T, B):
    lengths = r.integers(1, T + 1, size=B)
    lengths[int(r.integers(B))] = T                    # one sequence uses the whole padded length
    if B > 1:
        lengths[(int(np.argmax(lengths)) + 1) % B] = 1   # and one has a single real step
    return [int(n) for n in lengths]


def check_reverse_padded(fn):
    r = rng()
    T, B, F = int(r.integers(3, 9)), int(r.integers(2, 6)), int(r.integers(1, 5))
    x = r.normal(size=(T, B, F))
    lengths = _lengths(r, T, B)
    original = x.copy()
    got = np.asarray(by_hand(fn, x, list(lengths)))
    if not np.array_equal(x, original):
        raise AssertionError("reverse_padded changed its input; work on a copy")
    if got.shape != x.shape:
        raise AssertionError(f"expected shape {x.shape}, got {got.shape}")
    for b, n in enumerate(lengths):
        for t in range(T):
            want = x[n - 1 - t, b] if t < n else x[t, b]
            if not np.array_equal(got[t, b], want):
                where = f"a real step, should hold x[{n - 1 - t}, {b}]" if t < n else "padding, should be unchanged"
                raise AssertionError(f"sequence {b} (length {n} of T = {T}) at t = {t} is wrong ({where}); "
                                     f"lengths {lengths}")


def check_final_states_from_output(fn):
    r = rng()
    tg.manual_seed(int(r.integers(2**31)))
    T, B, I, H = int(r.integers(3, 8)), int(r.integers(2, 6)), int(r.integers(1, 5)), int(r.integers(2, 7))
    lengths = _lengths(r, T, B)
    layer = tg.nn.LSTM(I, H, num_layers=int(r.integers(1, 3)), bidirectional=True).double()
    x = tg.randn(T, B, I, dtype=tg.float64)
    with tg.no_grad():
        output, (h_n, _) = layer(x, lengths=lengths)
    got = np.asarray(by_hand(fn, output.numpy(), list(lengths), H))
    want = h_n.numpy()[-2:]
    if got.shape != want.shape:
        raise AssertionError(f"expected shape {want.shape} (2, B, H), got {got.shape}")
    for d, name in enumerate(("forward", "backward")):
        for b, n in enumerate(lengths):
            if not np.allclose(got[d, b], want[d, b], atol=1e-12, rtol=0):
                raise AssertionError(f"the {name} final state of sequence {b} (length {n} of T = {T}) does not "
                                     f"match h_n; lengths {lengths}")
    assert_close("the final states", got, want)


CHECKS = [
    ("1. LSTM shapes", "lstm_shapes", check_lstm_shapes, [
        "start from D (how many directions) and the width of h; output is the top layer only",
        "output: (T, B, D·width) or (B, T, D·width) with batch_first; the states have one row per "
        "(layer, direction) and are never batch-first",
        "with proj_size > 0, h (and output) is proj_size wide but c stays hidden_size wide",
    ]),
    ("2. reverse a padded batch", "reverse_padded", check_reverse_padded, [
        "start from a copy of x so that the padding is already where it belongs",
        "for each sequence b only the first lengths[b] steps move; a slice with step −1 reverses them",
    ]),
    ("3. final states from output", "final_states_from_output", check_final_states_from_output, [
        "the forward half of output[t] is the forward h after reading x_t; where did it read its last real x?",
        "the backward direction reads n−1, n−2, …, 0 and stores each h at the t it read: which t is its last?",
        "forward: the first H features at the last real step; backward: the last H features at the step "
        "it read last (it counted down from n − 1)",
    ]),
]
