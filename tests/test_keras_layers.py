"""Keras-style layers without TensorFlow: Keras' defaults and weight layout, lazy building,
masks by their meaning, dropout masks per gate, losses, stateful calls, errors — and the
numbers against PyTorch, which computes the same LSTM and (reset_after=True) GRU.
TensorFlow's own numbers are compared in test_keras_oracle.py."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg
from tinygrad_rnn.keras import constraints, layers, regularizers

B, T, I, H = 3, 6, 4, 5


@pytest.fixture(autouse=True)
def _float64():
    """NumPy inputs become the default dtype (Keras' floatx); float64 here, for exact comparisons."""
    before = tg.get_default_dtype()
    tg.set_default_dtype("float64")
    yield
    tg.set_default_dtype(before)


def _x(seed: int = 0, shape=(B, T, I)) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def test_lazy_build_keras_layout_and_defaults() -> None:
    tg.manual_seed(0)
    lstm = layers.LSTM(H)
    assert not lstm.built
    with pytest.raises(RuntimeError, match="call it on an input first"):
        lstm.get_weights()
    y = lstm(_x())
    assert lstm.built and y.shape == (B, H) and y.dtype == np.float64
    k, r, b = lstm.get_weights()
    assert k.shape == (I, 4 * H) and r.shape == (H, 4 * H) and b.shape == (4 * H,)
    np.testing.assert_allclose(r @ r.T, np.eye(H), atol=1e-12)           # orthogonal over all gates
    assert np.abs(k).max() <= np.sqrt(6 / (I + 4 * H))                     # glorot_uniform
    np.testing.assert_array_equal(b, np.r_[np.zeros(H), np.ones(H), np.zeros(2 * H)])  # unit_forget_bias
    gru = layers.GRU(H)
    gru(_x())
    assert [w.shape for w in gru.get_weights()] == [(I, 3 * H), (H, 3 * H), (2, 3 * H)]
    gru_v1 = layers.GRU(H, reset_after=False, use_bias=True)
    gru_v1(_x())
    assert gru_v1.get_weights()[2].shape == (3 * H,)
    rnn = layers.SimpleRNN(H, use_bias=False)
    rnn(_x())
    assert [w.shape for w in rnn.get_weights()] == [(I, H), (H, H)]


def test_unit_forget_bias_leaves_other_slices_to_bias_initializer() -> None:
    lstm = layers.LSTM(2, bias_initializer=lambda shape: np.full(shape, 0.3))
    lstm(_x())
    np.testing.assert_array_equal(lstm.get_weights()[2], [0.3, 0.3, 1, 1, 0.3, 0.3, 0.3, 0.3])
    plain = layers.LSTM(2, unit_forget_bias=False, bias_initializer="ones")
    plain(_x())
    np.testing.assert_array_equal(plain.get_weights()[2], np.ones(8))


def test_set_weights_checks_shapes_and_count() -> None:
    lstm = layers.LSTM(H)
    lstm(_x())
    with pytest.raises(tg.ShapeError, match=r"expected 3 arrays"):
        lstm.set_weights(lstm.get_weights()[:2])
    bad = lstm.get_weights()
    bad[1] = bad[1].T[:3]
    with pytest.raises(tg.ShapeError, match=r"recurrent_kernel has shape \(5, 20\)"):
        lstm.set_weights(bad)


def _torch_lstm_from(keras_lstm: layers.LSTM) -> torch.nn.LSTM:
    k, r, b = keras_lstm.get_weights()
    t = torch.nn.LSTM(I, H, batch_first=True).double()
    with torch.no_grad():
        t.weight_ih_l0.copy_(torch.from_numpy(k.T))
        t.weight_hh_l0.copy_(torch.from_numpy(r.T))
        t.bias_ih_l0.copy_(torch.from_numpy(b))
        t.bias_hh_l0.zero_()
    return t


def test_lstm_equals_pytorch_outputs_and_gradients() -> None:
    tg.manual_seed(1)
    lstm = layers.LSTM(H, return_sequences=True, return_state=True)
    x = tg.Tensor(_x(1), requires_grad=True)
    seq, h, c = lstm(x)
    ref = _torch_lstm_from(lstm)
    xt = torch.tensor(_x(1), requires_grad=True)
    seq_t, (h_t, c_t) = ref(xt)
    np.testing.assert_allclose(seq.numpy(), seq_t.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(c.numpy(), c_t[0].detach().numpy(), atol=1e-12)
    (seq.sum() + c.sum()).backward()
    (seq_t.sum() + c_t.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(lstm.cell.kernel.grad.numpy(), ref.weight_ih_l0.grad.numpy().T, atol=1e-12)


def test_gru_reset_after_equals_pytorch() -> None:
    tg.manual_seed(2)
    gru = layers.GRU(H, return_sequences=True)
    y = gru(_x(2))
    k, r, b = gru.get_weights()
    reo = lambda a: np.concatenate([a[..., H:2 * H], a[..., :H], a[..., 2 * H:]], axis=-1)   # noqa: E731
    t = torch.nn.GRU(I, H, batch_first=True).double()
    with torch.no_grad():
        t.weight_ih_l0.copy_(torch.from_numpy(reo(k).T))
        t.weight_hh_l0.copy_(torch.from_numpy(reo(r).T))
        t.bias_ih_l0.copy_(torch.from_numpy(reo(b[0])))
        t.bias_hh_l0.copy_(torch.from_numpy(reo(b[1])))
    np.testing.assert_allclose(y.numpy(), t(torch.from_numpy(_x(2)))[0].detach().numpy(), atol=1e-12)


def test_masks_mean_skipped_steps() -> None:
    """Left padding: a masked prefix leaves the state at zero, so the result equals the run
    on the real suffix alone; masked outputs repeat the last real output (zeros before one),
    or are zeros with zero_output_for_mask."""
    tg.manual_seed(3)
    lstm = layers.LSTM(H, return_sequences=True, return_state=True)
    x = _x(3)
    mask = np.ones((B, T), bool)
    mask[1, :2] = False                        # left padding
    mask[2, 3:] = False                        # right padding
    mask[0, 2] = False                         # a hole
    seq, h, c = lstm(x, mask=mask)
    seq_alone, h_alone, _ = lstm(x[1:2, 2:])
    np.testing.assert_allclose(seq.numpy()[1, 2:], seq_alone.numpy()[0], atol=1e-12)
    np.testing.assert_allclose(h.numpy()[1], h_alone.numpy()[0], atol=1e-12)
    assert not seq.numpy()[1, :2].any()
    np.testing.assert_array_equal(seq.numpy()[2, 3:], np.repeat(seq.numpy()[2, 2:3], 3, axis=0))
    np.testing.assert_array_equal(seq.numpy()[0, 2], seq.numpy()[0, 1])
    zeros = layers.LSTM(H, return_sequences=True, zero_output_for_mask=True)
    zeros(x)
    zeros.set_weights(lstm.get_weights())
    z = zeros(x, mask=mask).numpy()
    assert not z[2, 3:].any() and not z[0, 2].any()
    np.testing.assert_allclose(z[mask], seq.numpy()[mask], atol=1e-14)
    with pytest.raises(tg.ShapeError, match=r"mask must be a boolean \(batch, time\) = \(3, 6\)"):
        lstm(x, mask=mask[:, :4])


def test_embedding_mask_zero_masking_and_dense() -> None:
    emb = layers.Embedding(10, I, mask_zero=True)
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    e = emb(ids)
    assert e.shape == (2, 3, I) and np.abs(e.numpy()).max() <= 0.05
    np.testing.assert_array_equal(emb.compute_mask(ids), ids != 0)
    x = np.ones((2, 3, I))
    x[0, 1] = 0.0
    m = layers.Masking()
    np.testing.assert_array_equal(m.compute_mask(x), [[True, False, True], [True, True, True]])
    assert not m(x).numpy()[0, 1].any()
    d = layers.Dense(7, activation="relu")
    assert d(e).shape == (2, 3, 7) and d.get_weights()[0].shape == (I, 7)
    with pytest.raises(ValueError, match=r"id 10 is out of range"):
        emb(np.array([[10]]))


@pytest.mark.parametrize("kind,gates", [("LSTM", 4), ("GRU", 3), ("SimpleRNN", 1)])
def test_dropout_masks_per_gate_as_keras_draws_them(kind: str, gates: int) -> None:
    layer = getattr(layers, kind)(H, dropout=0.5, recurrent_dropout=0.3)
    layer(_x())
    dp, rec = layer.cell.draw_dropout_masks(B, tg.Tensor(_x()))
    assert len(dp) == gates and len(rec) == gates                 # implementation 1 is forced
    assert dp[0].shape == (B, I) and rec[0].shape == (B, H)
    assert set(np.unique(dp[0].numpy())) <= {0.0, 2.0}
    only_input = getattr(layers, kind)(H, dropout=0.5)
    only_input(_x())
    dp, rec = only_input.cell.draw_dropout_masks(B, tg.Tensor(_x()))
    assert len(dp) == 1 and rec is None                            # implementation 2: one mask
    # training mode draws, eval mode does not; training= overrides the module's mode
    a = layer(_x(), training=True).numpy()
    assert not np.allclose(a, layer(_x(), training=False).numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(_x()).numpy(), layer(_x(), training=False).numpy())


def test_losses_hold_the_last_calls_regularization() -> None:
    lstm = layers.LSTM(H, kernel_regularizer=regularizers.l2(0.1), activity_regularizer="l1")
    y = lstm(_x())
    assert len(lstm.losses) == 2
    k = lstm.get_weights()[0]
    assert lstm.losses[0].item() == pytest.approx(0.1 * (k ** 2).sum())
    assert lstm.losses[1].item() == pytest.approx(0.01 * np.abs(y.numpy()).sum() / B)
    total = (y.sum() + sum(lstm.losses))
    total.backward()
    assert lstm.cell.kernel.grad is not None


def test_constraint_is_applied_by_the_optimizer() -> None:
    lstm = layers.LSTM(H, kernel_constraint=constraints.max_norm(0.1), bias_constraint="non_neg")
    opt = tg.optim.Adam(lstm.parameters(), lr=0.5) if lstm.built else None
    y = lstm(_x())
    opt = tg.optim.Adam(lstm.parameters(), lr=0.5)
    (y * 10).sum().backward()
    opt.step()
    k, _, b = lstm.get_weights()
    assert np.linalg.norm(k, axis=0).max() <= 0.1 + 1e-9 and b.min() >= 0


def test_stateful_explicit_initial_state_keeps_the_carried_state() -> None:
    tg.manual_seed(4)
    lstm = layers.LSTM(H, stateful=True, return_state=True)
    x = _x(4)
    _, h1, c1 = lstm(x)
    zeros = [np.zeros((B, H)), np.zeros((B, H))]
    _, h_val, _ = lstm(x, initial_state=zeros)          # a validation pass from zeros
    np.testing.assert_allclose(h_val.numpy(), h1.numpy())
    np.testing.assert_array_equal(lstm.states[0].numpy(), h1.numpy())   # carried state untouched
    _, h2, _ = lstm(x)
    assert not np.allclose(h2.numpy(), h1.numpy())      # continued from the carried state
    lstm.reset_states()
    _, h3, _ = lstm(x)
    np.testing.assert_allclose(h3.numpy(), h1.numpy())
    with pytest.raises(tg.ShapeError, match="stateful layer got a batch of 2"):
        lstm(x[:2])


def test_bidirectional_layout_and_states() -> None:
    tg.manual_seed(5)
    bi = layers.Bidirectional(layers.LSTM(H, return_sequences=True, return_state=True))
    out, fh, fc, bh, bc = bi(_x(5))
    assert out.shape == (B, T, 2 * H)
    np.testing.assert_array_equal(out.numpy()[:, -1, :H], fh.numpy())     # forward ends at t = T−1
    np.testing.assert_array_equal(out.numpy()[:, 0, H:], bh.numpy())      # backward ends at t = 0
    assert len(bi.get_weights()) == 6
    listed = layers.Bidirectional(layers.GRU(H), merge_mode=None)(_x(5))
    assert isinstance(listed, list) and len(listed) == 2
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        layers.Bidirectional(layers.GRU(H), merge_mode="max")


def test_inputs_and_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="LSTM: units must be a positive int"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="unknown activation"):
        layers.SimpleRNN(3, activation="swishy")
    with pytest.raises(ValueError, match="dropout must be in"):
        layers.GRU(3, dropout=1.5)
    lstm = layers.LSTM(H)
    lstm(_x())
    with pytest.raises(tg.ShapeError, match=r"expected input \(batch, time ≥ 1, 4\)"):
        lstm(_x(shape=(B, T, 3)))
    with pytest.raises(tg.DtypeError, match="float32 but the layer's weights are float64"):
        lstm(tg.Tensor(_x()).float())
    with pytest.raises(tg.ShapeError, match=r"initial_state must be \[h0, c0\]"):
        lstm(_x(), initial_state=[np.zeros((B, H))])


def test_time_major_and_go_backwards() -> None:
    tg.manual_seed(6)
    a = layers.GRU(H, return_sequences=True, go_backwards=True)
    y = a(_x(6))
    b = layers.GRU(H, return_sequences=True, time_major=True)
    b(np.swapaxes(_x(6), 0, 1))
    b.set_weights(a.get_weights())
    # go_backwards = a forward run on the reversed input, outputs in reading order
    yb = b(np.ascontiguousarray(np.swapaxes(_x(6)[:, ::-1], 0, 1)))
    np.testing.assert_allclose(np.swapaxes(yb.numpy(), 0, 1), y.numpy(), atol=1e-14)


def test_nn_recurrent_stateful_explicit_state_is_a_one_off() -> None:
    tg.manual_seed(7)
    layer = tg.nn.Recurrent(tg.nn.GRUCell(I, H, dtype="float64"), stateful=True)
    x = tg.Tensor(_x(7))
    h1 = layer(x)
    layer(x, initial_state=tg.zeros(B, H).double())
    np.testing.assert_array_equal(layer.states.numpy(), h1.numpy())


@pytest.mark.parametrize("kind,op", [("LSTM", "lstm_sequence"), ("GRU", "gru_sequence"), ("SimpleRNN", "rnn_sequence")])
def test_fused_where_allowed_same_numbers(kind: str, op: str) -> None:
    tg.manual_seed(8)
    fast = getattr(layers, kind)(H, return_sequences=True, return_state=True, go_backwards=True)
    slow = getattr(layers, kind)(H, return_sequences=True, return_state=True, go_backwards=True, fused=False)
    x = _x(8)
    fast(x)
    slow(x)
    slow.set_weights(fast.get_weights())
    xf, xs = tg.Tensor(x, requires_grad=True), tg.Tensor(x, requires_grad=True)
    outs_f, outs_s = fast(xf), slow(xs)
    assert outs_f[0].grad_fn is not None
    ops = {n.op for n in _ancestors(outs_f[0])}
    assert op in ops and op not in {n.op for n in _ancestors(outs_s[0])}
    for a, b in zip(outs_f, outs_s):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-12)
    sum((o * o).sum() for o in outs_f).backward()
    sum((o * o).sum() for o in outs_s).backward()
    np.testing.assert_allclose(xf.grad.numpy(), xs.grad.numpy(), atol=1e-12)
    for pf, ps in zip(fast.weights, slow.weights):
        np.testing.assert_allclose(pf.grad.numpy(), ps.grad.numpy(), atol=1e-12)
    # a mask with Keras' repeated outputs, or dropout, runs step by step; fused=True says why
    with pytest.raises(ValueError, match="fused=True, but this call runs step by step"):
        getattr(layers, kind)(H, fused=True)(x, mask=np.ones((B, T), bool) & (np.arange(T) < 3))


def _ancestors(t: tg.Tensor) -> list:
    seen, stack, out = set(), [t], []
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        out.append(n)
        ctx = n.grad_fn
        stack.extend(p for p in (getattr(ctx, "parents", None) or ()) if isinstance(p, tg.Tensor))
    return out


def test_sequential_passes_masks_and_gathers_weights_and_losses() -> None:
    from tinygrad_rnn.keras import Sequential
    tg.manual_seed(9)
    model = Sequential([layers.Embedding(10, I, mask_zero=True), layers.GRU(H, kernel_regularizer="l2"),
                        layers.Dense(2)])
    ids = np.array([[0, 0, 3, 4], [5, 6, 0, 0]])
    y = model(ids)
    emb, gru, dense = model.layers
    by_hand = dense(gru(emb(ids), mask=ids != 0))
    np.testing.assert_array_equal(y.numpy(), by_hand.numpy())
    assert len(model.get_weights()) == 1 + 3 + 2 and len(model.losses) == 1
    model.set_weights([w * 0 for w in model.get_weights()])
    assert not model(ids).numpy().any()
    with pytest.raises(tg.ShapeError, match="the layers hold 6 weights"):
        model.set_weights(model.get_weights()[:-1])


@pytest.mark.parametrize("bidirectional", [False, True])
def test_nn_recurrent_takes_keras_masks(bidirectional: bool) -> None:
    """tg.nn.Recurrent(LSTMCell) with a mask gives the Keras LSTM's numbers (weights mapped)."""
    tg.manual_seed(10)
    cell = tg.nn.LSTMCell(I, H, dtype="float64")
    ours = tg.nn.Recurrent(cell, return_sequences=True, return_state=True)
    keras_lstm = layers.LSTM(H, return_sequences=True, return_state=True)
    keras_lstm(_x())
    keras_lstm.set_weights([cell.weight_ih.numpy().T, cell.weight_hh.numpy().T,
                            cell.bias_ih.numpy() + cell.bias_hh.numpy()])
    if bidirectional:
        ours = tg.nn.Bidirectional(ours)
        forward_weights = keras_lstm.get_weights()
        keras_lstm = layers.Bidirectional(layers.LSTM(H, return_sequences=True, return_state=True))
        keras_lstm(_x())
        back = ours.backward_layer.cell
        keras_lstm.set_weights(forward_weights + [back.weight_ih.numpy().T, back.weight_hh.numpy().T,
                                                  back.bias_ih.numpy() + back.bias_hh.numpy()])
    mask = np.ones((B, T), bool)
    mask[0, :2] = mask[1, 4:] = mask[2, 3] = False
    a = ours(tg.Tensor(_x()), mask=mask)
    b = keras_lstm(_x(), mask=mask)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u.numpy(), v.numpy(), atol=1e-12)
    if not bidirectional:
        seq = a[0].numpy()
        np.testing.assert_array_equal(seq[1, 4:], np.repeat(seq[1, 3:4], 2, axis=0))   # Keras' repeat


@pytest.mark.parametrize("kind", ["lstm", "gru", "gru_before", "rnn"])
def test_nn_recurrent_recurrent_dropout_draws_keras_per_gate_masks(kind: str, monkeypatch) -> None:
    """tg.nn.Recurrent over the package's cells draws Keras' masks (one per gate, x and h) and,
    with the same masks, gives the Keras layer's numbers and gradients."""
    from tinygrad_rnn.keras.layers import cells as keras_cells
    tg.manual_seed(11)
    if kind == "lstm":
        cell, keras_layer, G = tg.nn.LSTMCell(I, H, dtype="float64"), layers.LSTM(H, return_sequences=True), 4
        weights = [cell.weight_ih.numpy().T, cell.weight_hh.numpy().T, cell.bias_ih.numpy() + cell.bias_hh.numpy()]
    elif kind == "rnn":
        cell, keras_layer, G = tg.nn.RNNCell(I, H, dtype="float64"), layers.SimpleRNN(H, return_sequences=True), 1
        weights = [cell.weight_ih.numpy().T, cell.weight_hh.numpy().T, cell.bias_ih.numpy() + cell.bias_hh.numpy()]
    else:
        after = kind == "gru"
        cell = tg.nn.GRUCell(I, H, reset_after=after, dtype="float64")
        keras_layer, G = layers.GRU(H, return_sequences=True, reset_after=after), 3
        reo = lambda w: np.concatenate([w[H:2 * H], w[:H], w[2 * H:]], axis=0)       # noqa: E731
        bias = np.stack([reo(cell.bias_ih.numpy()), reo(cell.bias_hh.numpy())]) if after else reo(cell.bias_ih.numpy())
        weights = [reo(cell.weight_ih.numpy()).T, reo(cell.weight_hh.numpy()).T, bias]
    keras_layer(_x())
    keras_layer.set_weights(weights)
    rng = np.random.default_rng(12)
    dp = [tg.Tensor((rng.random((B, I)) > 0.3) / 0.7) for _ in range(G)]
    rec = [tg.Tensor((rng.random((B, H)) > 0.4) / 0.6) for _ in range(G)]
    drawn = []

    def fixed(self, batch, like):
        drawn.append((self.implementation, type(self).__name__))
        return dp, rec
    monkeypatch.setattr(keras_cells.KerasCell, "draw_dropout_masks", fixed)
    ours = tg.nn.Recurrent(cell, return_sequences=True, dropout=0.3, recurrent_dropout=0.4)
    keras_layer.dropout, keras_layer.recurrent_dropout = 0.3, 0.4
    x1, x2 = tg.Tensor(_x(), requires_grad=True), tg.Tensor(_x(), requires_grad=True)
    a = ours(x1)
    b = keras_layer(x2, training=True)
    assert len(drawn) == 2 and drawn[0][0] == 1
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-12)
    (a * a).sum().backward()
    (b * b).sum().backward()
    np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(cell.weight_hh.grad.numpy().T if kind in ("lstm", "rnn") else
                               reo(cell.weight_hh.grad.numpy()).T, keras_layer.cell.recurrent_kernel.grad.numpy(),
                               atol=1e-12)
