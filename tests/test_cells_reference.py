"""Cell options PyTorch lacks, against small NumPy references written from the equations.

The references use the other libraries' own layouts (TF1's concatenated [x, h] kernel with
gate order i, j, f, o; Keras' (I, G·H) kernels with GRU order z, r, h), so each test also
checks the weight mapping documented in the cells. Also here: the 1997 LSTM against the
PyTorch emulation recipe and against the paper's own squashing functions, initialiser
statistics, gradient checks of 3-step unrolls of every variant, and input validation.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg

B, I, H = 3, 4, 5


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def hard_sigmoid_keras2(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def params(cell):
    return {n: p.numpy() for n, p in cell.named_parameters()}


def run(cell, xs, state):
    st = tuple(tg.Tensor(s) for s in state)
    st = st[0] if len(st) == 1 else st
    for x in xs:
        st = cell(tg.Tensor(x), st)
    return tuple(s.numpy() for s in st) if isinstance(st, tuple) else (st.numpy(),)


def data(steps=5, state_widths=(H, H), seed=0):
    rng = np.random.default_rng(seed)
    xs = rng.standard_normal((steps, B, I))
    state = tuple(rng.standard_normal((B, n)) * 0.5 for n in state_widths)
    return xs, state


# ---- references ----------------------------------------------------------------------------

def tf1_lstm(xs, c, h, kernel, bias, forget_bias, w_i=None, w_f=None, w_o=None):
    """TF1 LSTMCell: [i | j | f | o] = concat([x, h]) K + b, peepholes on c_{t−1} / c_t."""
    for x in xs:
        i, j, f, o = np.split(np.concatenate([x, h], axis=1) @ kernel + bias, 4, axis=1)
        if w_i is not None:
            c = sigmoid(f + forget_bias + w_f * c) * c + sigmoid(i + w_i * c) * np.tanh(j)
            h = sigmoid(o + w_o * c) * np.tanh(c)
        else:
            c = sigmoid(f + forget_bias) * c + sigmoid(i) * np.tanh(j)
            h = sigmoid(o) * np.tanh(c)
    return h, c


def to_tf1(p):
    """Our (PyTorch-layout) LSTM weights -> TF1's kernel (I+H, 4H) and bias, order i, j, f, o."""
    def reorder(a):
        i, f, g, o = np.split(a, 4, axis=0)
        return np.concatenate([i, g, f, o], axis=0)
    kernel = np.concatenate([reorder(p["weight_ih"]).T, reorder(p["weight_hh"]).T], axis=0)
    return kernel, reorder(p["bias_ih"] + p["bias_hh"])


def keras_lstm(xs, h, c, kernel, rec, bias, ra):
    """Keras LSTMCell: z = x K + h R + b; gates i, f, c, o; ra = recurrent_activation."""
    for x in xs:
        zi, zf, zc, zo = np.split(x @ kernel + h @ rec + bias, 4, axis=1)
        c = ra(zf) * c + ra(zi) * np.tanh(zc)
        h = ra(zo) * np.tanh(c)
    return h, c


def keras_gru_before(xs, h, kernel, rec, bias):
    """Keras GRU(reset_after=False) = Cho et al. v3: gates z, r, h; input bias only."""
    kz, kr, kh = np.split(kernel, 3, axis=1)
    rz, rr, rh = np.split(rec, 3, axis=1)
    bz, br, bh = np.split(bias, 3)
    for x in xs:
        z = sigmoid(x @ kz + bz + h @ rz)
        r = sigmoid(x @ kr + br + h @ rr)
        hh = np.tanh(x @ kh + bh + (r * h) @ rh)
        h = z * h + (1 - z) * hh
    return h


def rzn_to_zrh(a):
    r, z, n = np.split(a, 3, axis=0)
    return np.concatenate([z, r, n], axis=0)


# ---- LSTM options ------------------------------------------------------------------------------

@pytest.mark.parametrize("forget_bias", [0.0, 1.0, -0.7])
def test_forget_bias_matches_tf1_lstm(forget_bias):
    tg.manual_seed(0)
    cell = tg.nn.LSTMCell(I, H, forget_bias=forget_bias).double()
    xs, (h0, c0) = data()
    h, c = run(cell, xs, (h0, c0))
    kernel, bias = to_tf1(params(cell))
    want_h, want_c = tf1_lstm(xs, c0, h0, kernel, bias, forget_bias)
    np.testing.assert_allclose(h, want_h, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c, want_c, rtol=0, atol=1e-12)


def test_forget_bias_is_a_constant_not_a_parameter():
    tg.manual_seed(0)
    a = tg.nn.LSTMCell(I, H, forget_bias=1.0).double()
    b = tg.nn.LSTMCell(I, H).double()
    b.load_state_dict(a.state_dict())                  # same parameter set, same names
    xs, st = data()
    assert not np.allclose(run(a, xs, st)[1], run(b, xs, st)[1])
    b.bias_ih.data[H:2 * H] += 1.0                     # folding it into b_f gives the same cell
    for u, v in zip(run(a, xs, st), run(b, xs, st)):
        np.testing.assert_allclose(u, v, rtol=0, atol=1e-12)


@pytest.mark.parametrize("forget_bias", [0.0, 1.0])
def test_peepholes_match_tf1_lstm(forget_bias):
    tg.manual_seed(1)
    cell = tg.nn.LSTMCell(I, H, peepholes=True, forget_bias=forget_bias).double()
    p = params(cell)
    assert [n for n in p][-3:] == ["weight_ci", "weight_cf", "weight_co"]
    assert all(p[n].shape == (H,) for n in ("weight_ci", "weight_cf", "weight_co"))
    xs, (h0, c0) = data()
    h, c = run(cell, xs, (h0, c0))
    kernel, bias = to_tf1(p)
    want_h, want_c = tf1_lstm(xs, c0, h0, kernel, bias, forget_bias,
                              w_i=p["weight_ci"], w_f=p["weight_cf"], w_o=p["weight_co"])
    np.testing.assert_allclose(h, want_h, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c, want_c, rtol=0, atol=1e-12)


def test_output_gate_peeks_at_the_new_cell_state():
    # one step from h = c = 0 with only w_co non-zero among peepholes: c_{t−1} = 0, so any
    # effect of the peepholes must come from w_co ⊙ c_t
    tg.manual_seed(2)
    cell = tg.nn.LSTMCell(I, H, peepholes=True).double()
    cell.weight_ci.data[:] = 0.0
    cell.weight_cf.data[:] = 0.0
    plain = tg.nn.LSTMCell(I, H).double()
    plain.load_state_dict({k: v for k, v in cell.state_dict().items() if not k.startswith("weight_c")})
    x = tg.Tensor(np.random.default_rng(0).standard_normal((B, I)))
    (h1, c1), (h2, c2) = cell(x), plain(x)
    np.testing.assert_allclose(c1.numpy(), c2.numpy(), rtol=0, atol=1e-14)
    p = params(cell)
    a_o = np.split(x.numpy() @ p["weight_ih"].T + p["bias_ih"] + p["bias_hh"], 4, axis=1)[3]
    c = c1.numpy()
    np.testing.assert_allclose(h1.numpy(), sigmoid(a_o + p["weight_co"] * c) * np.tanh(c), rtol=0, atol=1e-14)
    assert not np.allclose(h1.numpy(), h2.numpy())


def test_hard_sigmoid_matches_keras2_lstm_reference():
    tg.manual_seed(3)
    cell = tg.nn.LSTMCell(I, H, recurrent_activation="hard_sigmoid").double()
    p = params(cell)
    xs, (h0, c0) = data()
    xs = xs * 3                                      # reach both flat parts of the hard sigmoid
    h, c = run(cell, xs, (h0, c0))
    want_h, want_c = keras_lstm(xs, h0, c0, p["weight_ih"].T, p["weight_hh"].T, p["bias_ih"] + p["bias_hh"],
                                hard_sigmoid_keras2)
    np.testing.assert_allclose(h, want_h, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c, want_c, rtol=0, atol=1e-12)
    # and it is not the sigmoid, nor Keras 3's x/6 + 0.5
    np.testing.assert_array_less(1e-6, np.abs(h - keras_lstm(xs, h0, c0, p["weight_ih"].T, p["weight_hh"].T,
                                                             p["bias_ih"] + p["bias_hh"], sigmoid)[0]).max())
    keras3 = lambda z: np.clip(z / 6 + 0.5, 0, 1)  # noqa: E731
    assert np.abs(h - keras_lstm(xs, h0, c0, p["weight_ih"].T, p["weight_hh"].T,
                                 p["bias_ih"] + p["bias_hh"], keras3)[0]).max() > 1e-6


def test_callable_activations():
    tg.manual_seed(4)
    cell = tg.nn.LSTMCell(I, H, activation=lambda t: t.relu(), recurrent_activation=tg.sigmoid).double()
    p = params(cell)
    xs, (h0, c0) = data()
    h, c = run(cell, xs, (h0, c0))
    z = h0
    cc = c0
    for x in xs:
        a_i, a_f, a_g, a_o = np.split(x @ p["weight_ih"].T + z @ p["weight_hh"].T + p["bias_ih"] + p["bias_hh"], 4, 1)
        cc = sigmoid(a_f) * cc + sigmoid(a_i) * np.maximum(a_g, 0)
        z = sigmoid(a_o) * np.maximum(cc, 0)
    np.testing.assert_allclose(h, z, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c, cc, rtol=0, atol=1e-12)


def test_unknown_activation_is_a_clear_error():
    with pytest.raises(ValueError, match="recurrent_activation.*'hard_tanh'"):
        tg.nn.LSTMCell(I, H, recurrent_activation="hard_tanh")


def test_unit_forget_bias():
    tg.manual_seed(5)
    cell = tg.nn.LSTMCell(I, H, unit_forget_bias=True)
    b_ih, b_hh = cell.bias_ih.numpy(), cell.bias_hh.numpy()
    np.testing.assert_array_equal(b_ih[H:2 * H], 1.0)
    np.testing.assert_array_equal(b_hh[H:2 * H], 0.0)
    k = 1 / np.sqrt(H)
    rest = np.concatenate([b_ih[:H], b_ih[2 * H:], b_hh[:H], b_hh[2 * H:]])
    assert np.abs(rest).max() <= k and np.abs(rest).std() > 0      # the other slices stay random
    # Keras' full recipe: zeros everywhere except the forget slice
    keras = tg.nn.LSTMCell(I, H, unit_forget_bias=True, bias_initializer="zeros")
    total = keras.bias_ih.numpy() + keras.bias_hh.numpy()
    np.testing.assert_array_equal(total, np.repeat([0.0, 1.0, 0.0, 0.0], H))
    with pytest.raises(ValueError, match="forget gate"):
        tg.nn.LSTMCell(I, H, forget_gate=False, unit_forget_bias=True)
    with pytest.raises(ValueError, match="bias"):
        tg.nn.LSTMCell(I, H, bias=False, unit_forget_bias=True)


# ---- the 1997 LSTM (no forget gate) -------------------------------------------------------------

def test_1997_cell_layout():
    cell = tg.nn.LSTMCell(I, H, forget_gate=False, peepholes=True)
    shapes = {n: tuple(p.shape) for n, p in cell.named_parameters()}
    assert shapes == {"weight_ih": (3 * H, I), "weight_hh": (3 * H, H), "bias_ih": (3 * H,),
                      "bias_hh": (3 * H,), "weight_ci": (H,), "weight_co": (H,)}


def test_1997_cell_matches_torch_with_forget_gate_pinned_open():
    # The recipe: a PyTorch LSTMCell with W_f = 0 and b_f = 50 has f == 1.0 exactly in float64,
    # so c' = c + i ⊙ g: the 1997 cell. Our i, g, o rows are PyTorch's i, g, o rows.
    torch.manual_seed(6)
    ref = torch.nn.LSTMCell(I, H).double()
    with torch.no_grad():
        for w in (ref.weight_ih, ref.weight_hh):
            w[H:2 * H] = 0.0
        ref.bias_ih[H:2 * H] = 50.0
        ref.bias_hh[H:2 * H] = 0.0
    assert torch.sigmoid(torch.tensor(50.0, dtype=torch.float64)).item() == 1.0
    sd = {k: v.detach().numpy() for k, v in ref.state_dict().items()}
    keep = np.r_[0:H, 2 * H:4 * H]                      # rows i, g, o
    cell = tg.nn.LSTMCell(I, H, forget_gate=False).double()
    cell.load_state_dict({k: v[keep] for k, v in sd.items()})

    rng = np.random.default_rng(7)
    xs = rng.standard_normal((6, B, I))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    x = [tg.Tensor(v, requires_grad=True) for v in xs]
    st = (tg.Tensor(h0, requires_grad=True), tg.Tensor(c0, requires_grad=True))
    s = st
    for xt in x:
        s = cell(xt, s)
    tx = [torch.tensor(v, requires_grad=True) for v in xs]
    tst = (torch.tensor(h0, requires_grad=True), torch.tensor(c0, requires_grad=True))
    ts = tst
    for xt in tx:
        ts = ref(xt, ts)
    np.testing.assert_allclose(s[0].numpy(), ts[0].detach().numpy(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(s[1].numpy(), ts[1].detach().numpy(), rtol=0, atol=1e-14)
    (s[0].sum() + (s[1] * 0.5).sum()).backward()
    (ts[0].sum() + (ts[1] * 0.5).sum()).backward()
    for a, b in zip(x + list(st), tx + list(tst)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(cell.weight_ih.grad.numpy(), ref.weight_ih.grad.numpy()[keep], rtol=0, atol=1e-12)
    np.testing.assert_allclose(cell.weight_hh.grad.numpy(), ref.weight_hh.grad.numpy()[keep], rtol=0, atol=1e-12)


def test_1997_cell_computes_the_paper_with_halved_candidate_weights():
    # Hochreiter & Schmidhuber 1997: s(t) = s(t−1) + y_in · g(net_c), y_c = y_out · h(s),
    # g(x) = 4σ(x) − 2 = 2·tanh(x/2), h(x) = 2σ(x) − 1 = tanh(x/2). With W_g = W_c / 2 our
    # cell's c is s/2 and its h is exactly y_c.
    rng = np.random.default_rng(8)
    W_in, W_c, W_out = (rng.uniform(-0.2, 0.2, (H, I + H)) for _ in range(3))
    b_in, b_c, b_out = rng.uniform(-1, 1, H), rng.uniform(-1, 1, H), rng.uniform(-3, -1, H)
    xs = rng.standard_normal((8, B, I))
    s = np.zeros((B, H))
    y = np.zeros((B, H))
    for x in xs:
        u = np.concatenate([x, y], axis=1)            # the gates and cells see (x_t, y_c(t−1))
        y_in, y_out = sigmoid(u @ W_in.T + b_in), sigmoid(u @ W_out.T + b_out)
        s = s + y_in * (4 * sigmoid(u @ W_c.T + b_c) - 2)
        y = y_out * (2 * sigmoid(s) - 1)

    cell = tg.nn.LSTMCell(I, H, forget_gate=False).double()
    W = np.concatenate([W_in, W_c / 2, W_out])        # rows i, g, o
    cell.load_state_dict({"weight_ih": W[:, :I], "weight_hh": W[:, I:],
                          "bias_ih": np.concatenate([b_in, b_c / 2, b_out]), "bias_hh": np.zeros(3 * H)})
    h, c = run(cell, xs, (np.zeros((B, H)), np.zeros((B, H))))
    np.testing.assert_allclose(h, y, rtol=0, atol=1e-13)
    np.testing.assert_allclose(c, s / 2, rtol=0, atol=1e-13)
    assert np.abs(s).max() > 1.0                      # the unbounded CEC actually grew


# ---- GRU: reset before the matmul ---------------------------------------------------------------

def test_gru_reset_before_matches_keras_reference():
    tg.manual_seed(9)
    cell = tg.nn.GRUCell(I, H, reset_after=False).double()
    p = params(cell)
    assert list(p) == ["weight_ih", "weight_hh", "bias_ih"]           # no recurrent bias
    xs, (h0,) = data(state_widths=(H,))
    (h,) = run(cell, xs, (h0,))
    want = keras_gru_before(xs, h0, rzn_to_zrh(p["weight_ih"]).T, rzn_to_zrh(p["weight_hh"]).T,
                            rzn_to_zrh(p["bias_ih"]))
    np.testing.assert_allclose(h, want, rtol=0, atol=1e-12)


def test_gru_reset_before_and_after_differ():
    tg.manual_seed(10)
    after = tg.nn.GRUCell(I, H, reset_after=True).double()
    before = tg.nn.GRUCell(I, H, reset_after=False).double()
    sd = after.state_dict()
    sd["bias_ih"] = sd["bias_ih"] + sd.pop("bias_hh")
    before.load_state_dict(sd)
    xs, st = data(state_widths=(H,))
    assert np.abs(run(after, xs, st)[0] - run(before, xs, st)[0]).max() > 1e-3


def test_gru_reset_after_matches_keras_reference_with_two_biases():
    # Keras reset_after=True: hh = tanh(x K_h + b^x_h + r ⊙ (h R_h + b^h_h)), order z, r, h
    tg.manual_seed(11)
    cell = tg.nn.GRUCell(I, H).double()
    p = params(cell)
    K, R = rzn_to_zrh(p["weight_ih"]).T, rzn_to_zrh(p["weight_hh"]).T
    bx, bh = rzn_to_zrh(p["bias_ih"]), rzn_to_zrh(p["bias_hh"])
    xs, (h0,) = data(state_widths=(H,))
    h = h0
    for x in xs:
        xz, xr, xh = np.split(x @ K + bx, 3, axis=1)
        hz, hr, hh = np.split(h @ R + bh, 3, axis=1)
        z, r = sigmoid(xz + hz), sigmoid(xr + hr)
        h = z * h + (1 - z) * np.tanh(xh + r * hh)
    np.testing.assert_allclose(run(cell, xs, (h0,))[0], h, rtol=0, atol=1e-12)


# ---- Keras initialisers --------------------------------------------------------------------------

def test_glorot_uniform_kernel_statistics():
    tg.manual_seed(12)
    Ib, Hb = 40, 30
    cell = tg.nn.LSTMCell(Ib, Hb, kernel_initializer="glorot_uniform")
    w = cell.weight_ih.numpy().astype(np.float64)
    limit = np.sqrt(6 / (Ib + 4 * Hb))                # one draw over the whole (I, 4H) kernel
    assert np.abs(w).max() <= limit + 1e-7
    assert np.abs(w).max() > 0.95 * limit
    assert abs(w.std() - limit / np.sqrt(3)) < 0.05 * limit / np.sqrt(3)
    assert abs(w.mean()) < 0.05 * limit


def test_orthogonal_recurrent_kernel_is_orthogonal_over_all_gates():
    tg.manual_seed(13)
    for cls, G in ((tg.nn.LSTMCell, 4), (tg.nn.GRUCell, 3), (tg.nn.RNNCell, 1)):
        cell = cls(I, H, recurrent_initializer="orthogonal", dtype=tg.float64)
        w = cell.weight_hh.numpy()                    # (G·H, H) = Keras' (H, G·H) transposed
        assert w.shape == (G * H, H)
        np.testing.assert_allclose(w.T @ w, np.eye(H), rtol=0, atol=1e-12)
        if G > 1:                                     # the per-gate blocks are not orthogonal
            block = w[:H]
            assert np.abs(block.T @ block - np.eye(H)).max() > 1e-3


def test_initializers_by_name_and_callable_and_errors():
    tg.manual_seed(14)
    cell = tg.nn.GRUCell(I, H, kernel_initializer="zeros", recurrent_initializer=lambda s: np.full(s, 0.5),
                         bias_initializer="ones")
    assert (cell.weight_ih.numpy() == 0).all()
    assert (cell.weight_hh.numpy() == 0.5).all()
    assert (cell.bias_ih.numpy() == 1).all() and (cell.bias_hh.numpy() == 1).all()
    with pytest.raises(ValueError, match="unknown initializer 'he_normal'"):
        tg.nn.RNNCell(I, H, kernel_initializer="he_normal")
    with pytest.raises(tg.ShapeError, match=r"GRUCell.weight_hh.*\(15, 5\).*\(5, 15\)"):
        tg.nn.GRUCell(I, H, recurrent_initializer=lambda s: np.zeros(s[::-1]))


def test_initialisation_follows_manual_seed():
    tg.manual_seed(15)
    a = tg.nn.LSTMCell(I, H, peepholes=True, proj_size=2).state_dict()
    tg.manual_seed(15)
    b = tg.nn.LSTMCell(I, H, peepholes=True, proj_size=2).state_dict()
    c = tg.nn.LSTMCell(I, H, peepholes=True, proj_size=2).state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["weight_ih"], c["weight_ih"])


# ---- gradient checks of every variant --------------------------------------------------------------

VARIANTS = [
    ("RNNCell", dict()),
    ("RNNCell", dict(nonlinearity="relu")),
    ("RNNCell", dict(bias=False)),
    ("LSTMCell", dict()),
    ("LSTMCell", dict(bias=False)),
    ("LSTMCell", dict(forget_bias=1.0)),
    ("LSTMCell", dict(peepholes=True)),
    ("LSTMCell", dict(forget_gate=False)),
    ("LSTMCell", dict(forget_gate=False, peepholes=True)),
    ("LSTMCell", dict(recurrent_activation="hard_sigmoid")),
    ("LSTMCell", dict(recurrent_activation="hardsigmoid", activation="relu")),
    ("LSTMCell", dict(proj_size=2)),
    ("LSTMCell", dict(proj_size=2, peepholes=True, forget_bias=0.5, unit_forget_bias=True)),
    ("GRUCell", dict()),
    ("GRUCell", dict(bias=False)),
    ("GRUCell", dict(reset_after=False)),
    ("GRUCell", dict(reset_after=False, recurrent_activation="hard_sigmoid")),
]


@pytest.mark.parametrize("kind,kwargs", VARIANTS, ids=[f"{k}-{v}" for k, v in VARIANTS])
def test_gradcheck_three_step_unroll(kind, kwargs):
    tg.manual_seed(16)
    Bs, Is, Hs = 2, 3, 4
    cell = getattr(tg.nn, kind)(Is, Hs, **kwargs).double()
    names = [n for n, _ in cell.named_parameters()]
    rng = np.random.default_rng(17)
    xs = [tg.Tensor(rng.standard_normal((Bs, Is)), requires_grad=True) for _ in range(3)]
    state = [tg.Tensor(rng.standard_normal((Bs, n)) * 0.5, requires_grad=True) for n in cell.state_sizes()]
    ps = [tg.Tensor(p.numpy(), requires_grad=True) for p in cell.parameters()]

    def unrolled(*inputs):
        x, s, w = inputs[:3], inputs[3:3 + len(state)], inputs[3 + len(state):]
        for name, t in zip(names, w):                 # point the cell at gradcheck's copies
            object.__setattr__(cell, name, t)
        st = s[0] if len(s) == 1 else tuple(s)
        for xt in x:
            st = cell(xt, st)
        parts = (st,) if isinstance(st, tg.Tensor) else st
        return tg.cat([p.reshape(-1) for p in parts])

    assert tg.gradcheck(unrolled, xs + state + ps, eps=1e-6, atol=1e-7, rtol=1e-5)


# ---- input validation ------------------------------------------------------------------------

def test_bad_shapes_name_the_cell_and_shapes():
    cell = tg.nn.LSTMCell(I, H)
    with pytest.raises(tg.ShapeError, match=rf"LSTMCell: x must be \(batch, {I}\).*got \(2, 7\)"):
        cell(tg.zeros(2, 7))
    with pytest.raises(tg.ShapeError, match=r"LSTMCell: x must be.*got \(2, 3, 4\)"):
        cell(tg.zeros(2, 3, 4))
    with pytest.raises(tg.ShapeError, match=rf"LSTMCell: state c must be \(2, {H}\).*got \(2, 3\)"):
        cell(tg.zeros(2, I), (tg.zeros(2, H), tg.zeros(2, 3)))
    with pytest.raises(tg.ShapeError, match=r"LSTMCell: the state must be a tuple of 2 Tensors"):
        cell(tg.zeros(2, I), tg.zeros(2, H))
    with pytest.raises(tg.ShapeError, match=r"GRUCell: state h must be \(3, 5\).*got \(2, 5\)"):
        tg.nn.GRUCell(I, H)(tg.zeros(3, I), tg.zeros(2, H))
    with pytest.raises(tg.DtypeError, match="RNNCell: x is float64 but the cell's parameters are float32"):
        tg.nn.RNNCell(I, H)(tg.zeros(2, I, dtype=tg.float64))
    with pytest.raises(ValueError, match="nonlinearity"):
        tg.nn.RNNCell(I, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="proj_size"):
        tg.nn.LSTMCell(I, H, proj_size=H)


def test_gates_and_states_are_named():
    cell = tg.nn.LSTMCell(I, H)
    h, c = cell(tg.randn(2, I))
    assert (h.name, c.name) == ("h", "c")
    names = set()
    stack = [h]
    while stack:
        t = stack.pop()
        if t.name:
            names.add(t.name)
        if t._ctx is not None:
            stack.extend(p for p in t._ctx.parents if isinstance(p, tg.Tensor))
    assert {"i", "f", "g", "o", "c", "h"} <= names
    g = tg.nn.GRUCell(I, H)(tg.randn(2, I, requires_grad=True))
    parents = {p.name for p in g._ctx.parents if isinstance(p, tg.Tensor)}
    assert g.name == "h" and parents  # h' = (1 − z)·n + z·h: built from named pieces


def test_init_state_follows_cell_dtype():
    cell = tg.nn.LSTMCell(I, H, proj_size=2).double()
    h, c = cell.init_state(3)
    assert (h.shape, c.shape, h.dtype, c.dtype) == ((3, 2), (3, H), np.float64, np.float64)
    assert not h.numpy().any() and not c.numpy().any()
