"""nn.RNN, nn.LSTM and nn.GRU against PyTorch in float64: outputs, final states and the
gradients of inputs, initial states and every parameter, over stacking, both directions,
batch_first, bias on/off, projections and padded batches (vs packed sequences)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg
from tinygrad_rnn import backend

TOL = 1e-10
T, B, I, H = 5, 3, 4, 5

TORCH = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}
OURS = {"RNN": tg.nn.RNN, "LSTM": tg.nn.LSTM, "GRU": tg.nn.GRU}

# (num_layers, bidirectional, batch_first, bias, given hx, lengths)
CONFIGS = [
    (1, False, False, True, False, None),
    (2, True, False, True, True, None),
    (3, False, True, False, True, None),
    (2, True, True, True, False, [5, 2, 4]),
    (1, True, False, False, True, [3, 5, 1]),
    (3, True, False, True, True, [4, 1, 5]),
]


def make_pair(kind: str, num_layers: int, bidirectional: bool, batch_first: bool, bias: bool,
              **kw):
    ref = TORCH[kind](I, H, num_layers=num_layers, bias=bias, batch_first=batch_first,
                      bidirectional=bidirectional, **kw).double()
    ours = OURS[kind](I, H, num_layers=num_layers, bias=bias, batch_first=batch_first,
                      bidirectional=bidirectional, **kw).double()
    ours.load_state_dict(ref.state_dict())
    return ref, ours


def run_both(kind, ref, ours, device, *, batch_first, given_hx, lengths, rng):
    """Run both layers on the same data; return ([(ours, theirs) pairs of results], our
    tensors that need gradients, their tensors)."""
    D = 2 if ref.bidirectional else 1
    L = ref.num_layers
    h_out = ref.proj_size if kind == "LSTM" and ref.proj_size else H
    x_np = rng.standard_normal((B, T, I) if batch_first else (T, B, I))
    if lengths is not None:   # garbage in the padding must not leak anywhere
        for b, n in enumerate(lengths):
            if batch_first:
                x_np[b, n:] = 99.0
            else:
                x_np[n:, b] = 99.0
    x_t = torch.tensor(x_np, requires_grad=True)
    x = tg.Tensor(x_np, requires_grad=True, device=device)
    ours.to(device)
    hx_t = hx = None
    leaves_t, leaves = [x_t], [x]
    if given_hx:
        h0 = rng.standard_normal((D * L, B, h_out))
        h0_t, h0_g = torch.tensor(h0, requires_grad=True), tg.Tensor(h0, requires_grad=True, device=device)
        hx_t, hx = h0_t, h0_g
        leaves_t.append(h0_t)
        leaves.append(h0_g)
        if kind == "LSTM":
            c0 = rng.standard_normal((D * L, B, H))
            c0_t, c0_g = torch.tensor(c0, requires_grad=True), tg.Tensor(c0, requires_grad=True, device=device)
            hx_t, hx = (h0_t, c0_t), (h0_g, c0_g)
            leaves_t.append(c0_t)
            leaves.append(c0_g)

    if lengths is None:
        out_t, fin_t = ref(x_t, hx_t)
    else:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x_t, lengths, batch_first=batch_first,
                                                         enforce_sorted=False)
        out_p, fin_t = ref(packed, hx_t)
        out_t, _ = torch.nn.utils.rnn.pad_packed_sequence(out_p, batch_first=batch_first, total_length=T)
    out, fin = ours(x, hx, lengths=lengths)
    fin_t = fin_t if isinstance(fin_t, tuple) else (fin_t,)
    fin = fin if isinstance(fin, tuple) else (fin,)
    return [(out, out_t)] + list(zip(fin, fin_t)), leaves, leaves_t


def check_all(kind, ref, ours, device, *, batch_first=False, given_hx=False, lengths=None, seed=0):
    rng = np.random.default_rng(seed)
    pairs, leaves, leaves_t = run_both(kind, ref, ours, device, batch_first=batch_first,
                                       given_hx=given_hx, lengths=lengths, rng=rng)
    loss, loss_t = 0.0, 0.0
    for mine, theirs in pairs:
        assert tuple(mine.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(mine.numpy(), theirs.detach().numpy(), rtol=0, atol=TOL)
        # a random projection of every result, so every gradient path is exercised
        w = rng.standard_normal(tuple(theirs.shape))
        loss = loss + (mine * tg.Tensor(w, device=device)).sum()
        loss_t = loss_t + (theirs * torch.tensor(w)).sum()
    loss.backward()
    loss_t.backward()
    for mine, theirs in zip(leaves, leaves_t):
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=0, atol=TOL)
    grads = {n: p.grad for n, p in ours.named_parameters()}
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(grads[name].numpy(), p.grad.numpy(), rtol=0, atol=TOL, err_msg=name)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"L{c[0]}{'-bi' if c[1] else ''}"
                         f"{'-bf' if c[2] else ''}{'' if c[3] else '-nobias'}{'-hx' if c[4] else ''}"
                         f"{'-len' if c[5] else ''}")
def test_matches_torch(kind, config, devices):
    num_layers, bidir, batch_first, bias, given_hx, lengths = config
    torch.manual_seed(1)
    ref, ours = make_pair(kind, num_layers, bidir, batch_first, bias)
    check_all(kind, ref, ours, devices, batch_first=batch_first, given_hx=given_hx, lengths=lengths)


@pytest.mark.parametrize("config", [(1, False, False, True, True, None), (2, True, True, True, True, [2, 5, 3]),
                                    (2, False, False, False, False, [5, 4, 1])])
def test_lstm_projection_matches_torch(config, devices):
    num_layers, bidir, batch_first, bias, given_hx, lengths = config
    torch.manual_seed(2)
    ref, ours = make_pair("LSTM", num_layers, bidir, batch_first, bias, proj_size=3)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    check_all("LSTM", ref, ours, devices, batch_first=batch_first, given_hx=given_hx, lengths=lengths)


def test_relu_rnn_matches_torch():
    torch.manual_seed(3)
    ref, ours = make_pair("RNN", 2, True, False, True, nonlinearity="relu")
    check_all("RNN", ref, ours, "cpu", given_hx=True, lengths=[1, 5, 3])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_parameter_names_order_and_shapes_match_torch(kind):
    kw = {"proj_size": 2} if kind == "LSTM" else {}
    ref = TORCH[kind](I, H, num_layers=2, bidirectional=True, **kw)
    ours = OURS[kind](I, H, num_layers=2, bidirectional=True, **kw)
    theirs = [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == theirs
    # parameters() follows PyTorch's _flat_weights order
    assert [n for n in ref._flat_weights_names] == [n for n, _ in ours.named_parameters()]
    assert len(ours.parameters()) == len(ref._flat_weights)
    # our state_dict loads into PyTorch (strict) and gives back the same arrays
    ref.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    for n, p in ref.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), dict(ours.named_parameters())[n].numpy())


def test_parameters_are_the_cells_parameters():
    lstm = tg.nn.LSTM(I, H, num_layers=2, bidirectional=True)
    assert len(lstm.cells) == 4
    assert lstm.weight_ih_l1_reverse is lstm.cells[3].weight_ih
    assert lstm.cells[2].input_size == 2 * H
    lstm.double()
    assert lstm.cells[0].weight_hh.dtype == np.float64


def test_unbatched_input_matches_torch():
    torch.manual_seed(4)
    ref, ours = make_pair("LSTM", 2, True, True, True)
    x = np.random.default_rng(0).standard_normal((T, I))
    h0 = np.random.default_rng(1).standard_normal((4, H))
    c0 = np.random.default_rng(2).standard_normal((4, H))
    out_t, (h_t, c_t) = ref(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0)))
    out, (h, c) = ours(tg.Tensor(x), (tg.Tensor(h0), tg.Tensor(c0)))
    assert out.shape == (T, 2 * H) and h.shape == (4, H)
    for mine, theirs in ((out, out_t), (h, h_t), (c, c_t)):
        np.testing.assert_allclose(mine.numpy(), theirs.detach().numpy(), rtol=0, atol=TOL)


def test_interlayer_dropout_only_in_training_and_not_after_last_layer():
    torch.manual_seed(5)
    ref, ours = make_pair("GRU", 2, False, False, True, dropout=1.0)
    x = np.random.default_rng(0).standard_normal((T, B, I))
    # eval mode: no dropout at all, PyTorch's numbers
    ours.eval()
    ref.eval()
    out, h = ours(tg.Tensor(x))
    out_t, h_t = ref(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=0, atol=TOL)
    # training with p = 1: layer 1 sees zeros, and its output is not dropped
    ours.train()
    out, h = ours(tg.Tensor(x))
    top = torch.nn.GRU(H, H).double()
    top.load_state_dict({k.replace("l1", "l0"): v for k, v in ref.state_dict().items() if "l1" in k})
    out_top, _ = top(torch.zeros(T, B, H, dtype=torch.float64))
    np.testing.assert_allclose(out.numpy(), out_top.detach().numpy(), rtol=0, atol=TOL)
    assert np.abs(out.numpy()).sum() > 0
    # layer 0's final state is not dropped either
    _, h0_layer = ref(torch.tensor(x))
    np.testing.assert_allclose(h.numpy()[0], h0_layer.detach().numpy()[0], rtol=0, atol=TOL)


def test_interlayer_dropout_scales_kept_units():
    tg.manual_seed(0)
    lstm = tg.nn.LSTM(I, H, num_layers=2, dropout=0.5).double()
    seen = []
    original = tg.nn.rnn.dropout_mask

    def spy(shape, p, like):
        m = original(shape, p, like)
        seen.append(m.numpy())
        return m
    tg.nn.rnn.dropout_mask = spy
    try:
        lstm(tg.randn(T, B, I, dtype=tg.float64))
    finally:
        tg.nn.rnn.dropout_mask = original
    assert len(seen) == 1 and seen[0].shape == (T, B, H)   # once, between the two layers
    assert set(np.unique(seen[0])) <= {0.0, 2.0}
    assert len(np.unique(seen[0][0] == seen[0][1])) == 2   # a fresh mask per step (not variational)


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="num_layers=1"):
        tg.nn.RNN(I, H, dropout=0.3)


def test_user_cell_runs_pytorch_style():
    class Elman(tg.nn.RNNCellBase):
        """A user's own cell with PyTorch's names: h' = tanh(W_ih x + b_ih + W_hh h + b_hh)."""
        def __init__(self, input_size, hidden_size, bias=True):
            super().__init__(input_size, hidden_size)
            k = 1 / np.sqrt(hidden_size)
            rng = backend.rng()
            self.weight_ih = tg.nn.Parameter(rng.uniform(-k, k, (hidden_size, input_size)))
            self.weight_hh = tg.nn.Parameter(rng.uniform(-k, k, (hidden_size, hidden_size)))
            self.bias_ih = tg.nn.Parameter(rng.uniform(-k, k, (hidden_size,)))
            self.bias_hh = tg.nn.Parameter(rng.uniform(-k, k, (hidden_size,)))

        def forward(self, x, h):
            return (x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh).tanh()

    torch.manual_seed(6)
    ref = torch.nn.RNN(I, H, num_layers=2, bidirectional=True).double()
    ours = tg.nn.RNN(I, H, num_layers=2, bidirectional=True, cell=Elman).double()
    ours.load_state_dict(ref.state_dict())
    check_all("RNN", ref, ours, "cpu", given_hx=True, lengths=[2, 5, 4])


def test_cell_options_pass_through():
    lstm = tg.nn.LSTM(I, H, num_layers=2, bidirectional=True, peepholes=True, forget_bias=1.0)
    names = [n for n, _ in lstm.named_parameters()]
    assert names[:7] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                         "weight_ci_l0", "weight_cf_l0", "weight_co_l0"]
    assert "weight_co_l1_reverse" in names
    assert all(c.forget_bias == 1.0 and c.peepholes for c in lstm.cells)
    gru = tg.nn.GRU(I, H, reset_after=False)
    assert not gru.cells[0].reset_after


def test_bad_inputs_raise_clear_errors():
    lstm = tg.nn.LSTM(I, H, num_layers=2)
    x = tg.randn(T, B, I)
    with pytest.raises(tg.ShapeError, match="input_size"):
        lstm(tg.randn(T, B, I + 1))
    with pytest.raises(tg.ShapeError, match="h_0"):
        lstm(x, (tg.zeros(1, B, H), tg.zeros(2, B, H)))
    with pytest.raises(tg.ShapeError, match=r"\(h_0, c_0\)"):
        lstm(x, tg.zeros(2, B, H))
    with pytest.raises(ValueError, match="1..5"):
        lstm(x, lengths=[5, 0, 3])
    with pytest.raises(tg.ShapeError, match="lengths"):
        lstm(x, lengths=[5, 3])
    with pytest.raises(tg.DtypeError, match="float64"):
        lstm(x.double())
    with pytest.raises(tg.ShapeError, match=r"\(T, B, I\)"):
        lstm(tg.randn(I))
    with pytest.raises(ValueError, match="proj_size"):
        tg.nn.LSTM(I, H, proj_size=H)
    with pytest.raises(ValueError, match="nonlinearity"):
        tg.nn.RNN(I, H, nonlinearity="sigmoid")
    with pytest.raises(TypeError):
        tg.nn.GRU(I, H, proj_size=2)


def test_float32_default_runs_and_matches_float64_loosely():
    torch.manual_seed(7)
    ref = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True)
    ours = tg.nn.LSTM(I, H, num_layers=2, bidirectional=True)
    ours.load_state_dict(ref.state_dict())
    x = np.random.default_rng(0).standard_normal((T, B, I)).astype(np.float32)
    out, (h, c) = ours(tg.Tensor(x))
    assert out.dtype == np.float32 and h.dtype == np.float32
    out_t, _ = ref(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=0, atol=1e-5)


def test_no_warning_for_default_dropout():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.nn.GRU(I, H)
