"""Keras-style Recurrent and Bidirectional against small NumPy reference loops:
return_sequences, return_state, go_backwards, stateful, variational dropout masks that stay
fixed across steps, merge modes, and user cells."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg

TOL = 1e-10
B, T, I, H = 3, 6, 4, 5


# ---- NumPy references (float64, PyTorch's gate layouts) ----------------------------------

def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def params(cell):
    return {n: p.numpy() for n, p in cell.named_parameters()}


def lstm_step(p, x, h, c, h_rec=None):
    """One LSTM step; ``h_rec`` is the (possibly masked) h that enters the recurrent matmul."""
    h_rec = h if h_rec is None else h_rec
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_rec @ p["weight_hh"].T + p["bias_hh"]
    ai, af, ag, ao = np.split(a, 4, axis=1)
    c = sigmoid(af) * c + sigmoid(ai) * np.tanh(ag)
    return sigmoid(ao) * np.tanh(c), c


def gru_step(p, x, h):
    ir, iz, in_ = np.split(x @ p["weight_ih"].T + p["bias_ih"], 3, axis=1)
    hr, hz, hn = np.split(h @ p["weight_hh"].T + p["bias_hh"], 3, axis=1)
    r, z = sigmoid(ir + hr), sigmoid(iz + hz)
    n = np.tanh(in_ + r * hn)
    return (1 - z) * n + z * h


def lstm_loop(p, x, h, c, backwards=False, x_mask=None, h_mask=None):
    """Keras semantics: outputs in processing order."""
    outs = []
    for t in (range(x.shape[1] - 1, -1, -1) if backwards else range(x.shape[1])):
        x_t = x[:, t] if x_mask is None else x[:, t] * x_mask
        h, c = lstm_step(p, x_t, h, c, None if h_mask is None else h * h_mask)
        outs.append(h)
    return np.stack(outs, 1), h, c


def gru_loop(p, x, h, backwards=False):
    outs = []
    for t in (range(x.shape[1] - 1, -1, -1) if backwards else range(x.shape[1])):
        h = gru_step(p, x[:, t], h)
        outs.append(h)
    return np.stack(outs, 1), h


@pytest.fixture
def x_np():
    return np.random.default_rng(0).standard_normal((B, T, I))


def lstm_cell(seed=0):
    tg.manual_seed(seed)
    return tg.nn.LSTMCell(I, H).double()


# ---- Recurrent -------------------------------------------------------------------------

@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_lstm_outputs_and_states(x_np, go_backwards, return_sequences, devices):
    cell = lstm_cell()
    p = params(cell)
    layer = tg.nn.Recurrent(cell.to(devices), return_sequences=return_sequences, return_state=True,
                            go_backwards=go_backwards)
    out, h, c = layer(tg.Tensor(x_np, device=devices))
    seq, h_ref, c_ref = lstm_loop(p, x_np, np.zeros((B, H)), np.zeros((B, H)), backwards=go_backwards)
    want = seq if return_sequences else seq[:, -1]
    assert out.shape == want.shape
    np.testing.assert_allclose(out.numpy(), want, rtol=0, atol=TOL)
    np.testing.assert_allclose(h.numpy(), h_ref, rtol=0, atol=TOL)
    np.testing.assert_allclose(c.numpy(), c_ref, rtol=0, atol=TOL)


def test_go_backwards_returns_reversed_order_not_rereversed(x_np):
    cell = lstm_cell()
    seq = tg.nn.Recurrent(cell, return_sequences=True, go_backwards=True)(tg.Tensor(x_np)).numpy()
    fwd_on_reversed = tg.nn.Recurrent(cell, return_sequences=True)(tg.Tensor(x_np[:, ::-1].copy())).numpy()
    np.testing.assert_allclose(seq, fwd_on_reversed, rtol=0, atol=TOL)
    # the last output is the state after reading x_0
    last = tg.nn.Recurrent(cell, go_backwards=True)(tg.Tensor(x_np)).numpy()
    np.testing.assert_allclose(last, seq[:, -1], rtol=0, atol=TOL)


def test_gru_with_initial_state_and_gradients(x_np):
    tg.manual_seed(1)
    cell = tg.nn.GRUCell(I, H).double()
    p = params(cell)
    h0 = np.random.default_rng(3).standard_normal((B, H))
    layer = tg.nn.Recurrent(cell, return_sequences=True, return_state=True)
    x, h0_t = tg.Tensor(x_np, requires_grad=True), tg.Tensor(h0, requires_grad=True)
    out, h = layer(x, initial_state=h0_t)
    seq, h_ref = gru_loop(p, x_np, h0)
    np.testing.assert_allclose(out.numpy(), seq, rtol=0, atol=TOL)
    np.testing.assert_allclose(h.numpy(), h_ref, rtol=0, atol=TOL)
    # gradients through the layer match central differences
    tg.gradcheck(lambda a, b: layer(a, initial_state=b)[0], [tg.Tensor(x_np[:, :3], requires_grad=True), tg.Tensor(h0, requires_grad=True)])


def test_return_state_for_single_state_cell_is_pair(x_np):
    tg.manual_seed(2)
    result = tg.nn.Recurrent(tg.nn.RNNCell(I, H), return_state=True)(tg.Tensor(x_np, dtype=tg.float32))
    assert isinstance(result, tuple) and len(result) == 2
    np.testing.assert_array_equal(result[0].numpy(), result[1].numpy())


def test_stateful_two_halves_equal_one_call(x_np):
    cell = lstm_cell()
    whole = tg.nn.Recurrent(cell, return_sequences=True)(tg.Tensor(x_np)).numpy()
    layer = tg.nn.Recurrent(cell, return_sequences=True, stateful=True)
    first = layer(tg.Tensor(x_np[:, :T // 2].copy(), requires_grad=True))
    h, c = layer.states
    assert h.is_leaf and c.is_leaf and not h.requires_grad   # carried detached
    second = layer(tg.Tensor(x_np[:, T // 2:].copy()))
    np.testing.assert_allclose(np.concatenate([first.numpy(), second.numpy()], 1), whole, rtol=0, atol=TOL)
    # reset_states goes back to zeros
    layer.reset_states()
    again = layer(tg.Tensor(x_np[:, :T // 2].copy()))
    np.testing.assert_allclose(again.numpy(), first.numpy(), rtol=0, atol=TOL)
    with pytest.raises(tg.ShapeError, match="reset_states"):
        layer(tg.Tensor(x_np[:2]))


def test_dropout_masks_fixed_across_steps_lstm(x_np, monkeypatch):
    """Capture the masks the layer draws (Keras': one per gate for x and for h, as
    ``implementation=1``) and replay them in a NumPy loop, gate by gate."""
    import tinygrad_rnn.keras.layers.cells as keras_cells
    cell = lstm_cell()
    p = params(cell)
    drawn = []
    original = keras_cells.dropout_mask

    def spy(shape, rate, like):
        m = original(shape, rate, like)
        drawn.append((tuple(shape), rate, m.numpy()))
        return m
    monkeypatch.setattr(keras_cells, "dropout_mask", spy)
    layer = tg.nn.Recurrent(cell, return_sequences=True, dropout=0.3, recurrent_dropout=0.5)
    out = layer(tg.Tensor(x_np)).numpy()
    assert [(s, r) for s, r, _ in drawn] == [((B, I), 0.3)] * 4 + [((B, H), 0.5)] * 4   # once per call
    x_masks, h_masks = [d[2] for d in drawn[:4]], [d[2] for d in drawn[4:]]
    assert set(np.unique(h_masks[0])) <= {0.0, 2.0} and 0.0 in h_masks[0]
    assert not np.array_equal(h_masks[0], h_masks[1])                                  # per gate
    w_ih, w_hh = np.split(p["weight_ih"], 4), np.split(p["weight_hh"], 4)
    b = np.split(p["bias_ih"] + p["bias_hh"], 4)
    h, c, seq = np.zeros((B, H)), np.zeros((B, H)), []
    for t in range(T):
        a = [(x_np[:, t] * x_masks[g]) @ w_ih[g].T + (h * h_masks[g]) @ w_hh[g].T + b[g] for g in range(4)]
        c = sigmoid(a[1]) * c + sigmoid(a[0]) * np.tanh(a[2])
        h = sigmoid(a[3]) * np.tanh(c)
        seq.append(h)
    np.testing.assert_allclose(out, np.stack(seq, 1), rtol=0, atol=TOL)
    # a new call draws new masks; eval mode draws none and matches the plain loop
    layer(tg.Tensor(x_np))
    assert len(drawn) == 16 and not np.array_equal(drawn[8][2], x_masks[0])
    layer.eval()
    plain, _, _ = lstm_loop(p, x_np, np.zeros((B, H)), np.zeros((B, H)))
    np.testing.assert_allclose(layer(tg.Tensor(x_np)).numpy(), plain, rtol=0, atol=TOL)
    assert len(drawn) == 16


class Accumulate(tg.nn.RNNCellBase):
    """h' = h + x[:, :H]: makes the recurrent dropout mask readable from the outputs."""
    def forward(self, x, h):
        return h + x[:, :self.hidden_size]


def test_recurrent_dropout_same_mask_every_step():
    tg.manual_seed(3)
    layer = tg.nn.Recurrent(Accumulate(2, 2), return_sequences=True, recurrent_dropout=0.5)
    out = layer(tg.ones(50, 4, 2, dtype=tg.float64)).numpy()   # 50 sequences, 4 steps
    # h_1 = 1, h_{t+1} = m ⊙ h_t + 1 with one m in {0, 2} per sequence and unit
    m = out[:, 1] - 1.0
    assert set(np.unique(m)) == {0.0, 2.0}
    for t in range(1, 3):
        np.testing.assert_allclose(out[:, t + 1], m * out[:, t] + 1.0, rtol=0, atol=TOL)


def test_input_dropout_same_mask_every_step():
    tg.manual_seed(4)

    class Copy(tg.nn.RNNCellBase):
        def forward(self, x, h):
            return x * 1.0
    out = tg.nn.Recurrent(Copy(3, 3), return_sequences=True, dropout=0.25)(tg.ones(40, 5, 3, dtype=tg.float64)).numpy()
    assert set(np.unique(out)) == {0.0, 4.0 / 3.0}
    for t in range(1, 5):
        np.testing.assert_array_equal(out[:, t], out[:, 0])
    assert not np.array_equal(out[0, 0], out[1, 0]) or not np.array_equal(out[1, 0], out[2, 0])


class MGU(tg.nn.RNNCellBase):
    """Minimal gated unit (Zhou et al. 2016): one forget gate; plain Parameters."""
    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        rng = np.random.default_rng(7)
        self.w_f = tg.nn.Parameter(rng.standard_normal((input_size + hidden_size, hidden_size)) * 0.3)
        self.w_h = tg.nn.Parameter(rng.standard_normal((input_size + hidden_size, hidden_size)) * 0.3)

    def forward(self, x, h):
        f = tg.cat([x, h], 1) @ self.w_f
        f = f.sigmoid()
        n = (tg.cat([x, h * f], 1) @ self.w_h).tanh()
        return (1.0 - f) * h + f * n


def test_user_cell_minimal_gated_unit(x_np):
    cell = MGU(I, H).double()
    out = tg.nn.Recurrent(cell, return_sequences=True)(tg.Tensor(x_np)).numpy()
    wf, wh = cell.w_f.numpy(), cell.w_h.numpy()
    h = np.zeros((B, H))
    for t in range(T):
        f = sigmoid(np.concatenate([x_np[:, t], h], 1) @ wf)
        n = np.tanh(np.concatenate([x_np[:, t], h * f], 1) @ wh)
        h = (1 - f) * h + f * n
        np.testing.assert_allclose(out[:, t], h, rtol=0, atol=TOL)


def test_recurrent_errors(x_np):
    layer = tg.nn.Recurrent(lstm_cell())
    with pytest.raises(tg.ShapeError, match="batch, time"):
        layer(tg.Tensor(x_np[:, :, :2]))
    with pytest.raises(tg.ShapeError, match="initial_state"):
        layer(tg.Tensor(x_np), initial_state=tg.zeros(B, H, dtype=tg.float64))
    with pytest.raises(tg.ShapeError, match=r"\(3, 5\)"):
        layer(tg.Tensor(x_np), initial_state=(tg.zeros(B, H + 1), tg.zeros(B, H)))
    with pytest.raises(TypeError, match="RNNCellBase"):
        tg.nn.Recurrent(tg.nn.Linear(2, 2) if hasattr(tg.nn, "Linear") else object())
    with pytest.raises(ValueError, match="dropout"):
        tg.nn.Recurrent(lstm_cell(), dropout=1.0)


# ---- Bidirectional -----------------------------------------------------------------------

def reference_bidirectional(fw, bw, x_np):
    z = np.zeros((B, H))
    f_seq, fh, fc = lstm_loop(fw, x_np, z, z)
    b_seq, bh, bc = lstm_loop(bw, x_np, z, z, backwards=True)
    return f_seq, b_seq[:, ::-1], (fh, fc), (bh, bc)


MERGES = {"concat": lambda a, b: np.concatenate([a, b], -1), "sum": lambda a, b: a + b,
          "mul": lambda a, b: a * b, "ave": lambda a, b: (a + b) / 2}


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_merge_modes(x_np, merge_mode, return_sequences):
    bi = tg.nn.Bidirectional(tg.nn.Recurrent(lstm_cell(), return_sequences=return_sequences),
                             merge_mode=merge_mode)
    fw, bw = params(bi.forward_layer.cell), params(bi.backward_layer.cell)
    assert not np.array_equal(fw["weight_ih"], bw["weight_ih"])   # fresh weights for the copy
    f_seq, b_seq, _, _ = reference_bidirectional(fw, bw, x_np)
    if not return_sequences:   # forward's last step; backward's last step is the one after x_0
        f_seq, b_seq = f_seq[:, -1], b_seq[:, 0]
    out = bi(tg.Tensor(x_np))
    if merge_mode is None:
        assert isinstance(out, list) and len(out) == 2
        np.testing.assert_allclose(out[0].numpy(), f_seq, rtol=0, atol=TOL)
        np.testing.assert_allclose(out[1].numpy(), b_seq, rtol=0, atol=TOL)
    else:
        np.testing.assert_allclose(out.numpy(), MERGES[merge_mode](f_seq, b_seq), rtol=0, atol=TOL)


def test_bidirectional_return_state_order(x_np):
    bi = tg.nn.Bidirectional(tg.nn.Recurrent(lstm_cell(), return_sequences=True, return_state=True))
    out, fh, fc, bh, bc = bi(tg.Tensor(x_np))
    f_seq, b_seq, (fh_r, fc_r), (bh_r, bc_r) = reference_bidirectional(
        params(bi.forward_layer.cell), params(bi.backward_layer.cell), x_np)
    for mine, want in ((out, np.concatenate([f_seq, b_seq], -1)), (fh, fh_r), (fc, fc_r), (bh, bh_r), (bc, bc_r)):
        np.testing.assert_allclose(mine.numpy(), want, rtol=0, atol=TOL)


def test_bidirectional_concat_equals_pytorch_layout(x_np):
    """Keras' Bidirectional(concat) and PyTorch's bidirectional LSTM give the same numbers."""
    torch.manual_seed(0)
    ref = torch.nn.LSTM(I, H, bidirectional=True, batch_first=True).double()
    fw, bw = lstm_cell(), lstm_cell(1)
    fw.load_state_dict({k[:-3]: v for k, v in ref.state_dict().items() if k.endswith("_l0")})
    bw.load_state_dict({k[:-11]: v for k, v in ref.state_dict().items() if k.endswith("_reverse")})
    bi = tg.nn.Bidirectional(tg.nn.Recurrent(fw, return_sequences=True, return_state=True),
                             backward_layer=tg.nn.Recurrent(bw, return_sequences=True, return_state=True,
                                                            go_backwards=True))
    out, fh, fc, bh, bc = bi(tg.Tensor(x_np))
    out_t, (h_t, c_t) = ref(torch.tensor(x_np))
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(np.stack([fh.numpy(), bh.numpy()]), h_t.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(np.stack([fc.numpy(), bc.numpy()]), c_t.detach().numpy(), rtol=0, atol=TOL)


def test_bidirectional_copy_of_user_cell_gets_its_own_weights(x_np):
    bi = tg.nn.Bidirectional(tg.nn.Recurrent(MGU(I, H).double()), merge_mode=None)
    fw, bw = bi.forward_layer.cell, bi.backward_layer.cell
    assert bw is not fw and bw.w_f is not fw.w_f
    assert not np.array_equal(fw.w_f.numpy(), bw.w_f.numpy())
    assert bw.w_f.dtype == np.float64 and bi.backward_layer.go_backwards
    k = 1 / np.sqrt(H)
    assert np.abs(bw.w_h.numpy()).max() <= k
    assert len(bi.parameters()) == 4


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="merge_mode"):
        tg.nn.Bidirectional(tg.nn.Recurrent(lstm_cell()), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        tg.nn.Bidirectional(tg.nn.Recurrent(lstm_cell()), backward_layer=tg.nn.Recurrent(lstm_cell()))
