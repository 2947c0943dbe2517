"""The shared time loop (nn/time_loop.py): per-step masks of any pattern, on the fused and the
step-by-step paths; fusion asked of the cell; one checker for inputs and states."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.nn.time_loop import Steps, length_mask, run_stack, step_mask
from tinygrad_rnn.ops.shape import stack

T, B, I, H = 5, 4, 3, 2
CELLS = {"rnn": tg.nn.RNNCell, "lstm": tg.nn.LSTMCell, "gru": tg.nn.GRUCell}
# holes, left padding, an all-masked sequence, a fully valid one: not just right padding
MASK = np.array([[1, 0, 1, 1, 0],
                 [0, 0, 1, 1, 1],
                 [0, 0, 0, 0, 0],
                 [1, 1, 1, 1, 1]], dtype=bool)          # (B, T)


def _cell(kind):
    tg.manual_seed(0)
    return CELLS[kind](I, H).double()


def _reference(cell, x, mask, reverse, previous):
    """Step by step with NumPy's where: masked steps keep the state; output zero or previous."""
    state = tuple(np.zeros((B, n)) for n in cell.state_sizes())
    outs = [None] * T
    last = np.zeros((B, H))
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        given = tuple(tg.Tensor(s) for s in state)
        new = cell.forward(tg.Tensor(x[t]), given[0] if len(given) == 1 else given)
        new = (new,) if isinstance(new, tg.Tensor) else tuple(new)
        m = mask[:, t][:, None]
        state = tuple(np.where(m, n.numpy(), s) for n, s in zip(new, state))
        out = np.where(m, state[0], last if previous else 0.0)
        if previous:
            last = out
        outs[t] = out
    return np.stack(outs), state


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_any_mask_pattern_keeps_state_and_zeroes_outputs(kind, fused, reverse):
    cell = _cell(kind)
    x = np.random.default_rng(1).standard_normal((T, B, I))
    xt = tg.Tensor(x, requires_grad=True)
    outs, finals = run_stack([cell], Steps.from_input(xt), None, go_backwards=reverse,
                             mask=np.ascontiguousarray(MASK.T), fused=fused)
    out = outs[0].whole()
    # the run really took the path it claims: a slice of the fused op, or a stack of steps
    assert out._ctx.parents[0]._ctx.name.endswith("_sequence") if fused else out._ctx.name == "stack"
    want_out, want_state = _reference(cell, x, MASK, reverse, previous=False)
    np.testing.assert_allclose(out.numpy(), want_out, atol=1e-12, rtol=0)
    for got, want in zip(finals[0], want_state):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-12, rtol=0)
    # a fully masked sequence (row 2) keeps the zero state and gets no gradient from it
    (out.sum() + sum((f * f).sum() for f in finals[0])).backward()
    np.testing.assert_array_equal(xt.grad.numpy()[:, 2], 0.0)
    assert np.abs(xt.grad.numpy()[:, 3]).sum() > 0


@pytest.mark.parametrize("kind", list(CELLS))
def test_fused_and_step_paths_agree_under_a_mask_with_gradients(kind):
    grads = []
    for fused in (False, True):
        cell = _cell(kind)
        xt = tg.Tensor(np.random.default_rng(2).standard_normal((T, B, I)), requires_grad=True)
        outs, finals = run_stack([cell], Steps.from_input(xt), None, mask=np.ascontiguousarray(MASK.T),
                                 fused=fused)
        (outs[0].whole() * outs[0].whole()).sum().backward()
        grads.append([xt.grad.numpy()] + [p.grad.numpy() for p in cell.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, atol=1e-12, rtol=0)


@pytest.mark.parametrize("reverse", [False, True])
def test_masked_output_previous_is_keras_rnn(reverse):
    cell = _cell("lstm")
    x = np.random.default_rng(3).standard_normal((T, B, I))
    outs, _ = run_stack([cell], Steps.from_input(tg.Tensor(x)), None, go_backwards=reverse,
                        mask=np.ascontiguousarray(MASK.T), masked_output="previous", fused=True)
    want, _ = _reference(cell, x, MASK, reverse, previous=True)
    np.testing.assert_allclose(stack(outs[0].in_order(), 0).numpy(), want, atol=1e-12, rtol=0)
    with pytest.raises(ValueError, match="masked_output"):
        run_stack([cell], Steps.from_input(tg.Tensor(x)), None, masked_output="last")


def test_length_mask_is_right_padding_and_step_mask_checks_its_input():
    m = length_mask([3, 1], steps=4, batch=2, device="cpu", who="LSTM")
    np.testing.assert_array_equal(m, np.arange(4)[:, None] < np.array([3, 1])[None, :])
    assert length_mask([4, 4], 4, 2, "cpu", "LSTM") is None
    like = tg.zeros(2, 4, 3)
    np.testing.assert_array_equal(step_mask(MASK[:2, :4], 4, 2, like, "LSTM"), MASK[:2, :4].T)
    assert step_mask(np.ones((2, 4), bool), 4, 2, like, "LSTM") is None
    with pytest.raises(tg.ShapeError, match=r"LSTM: mask must be a boolean \(batch, time\) = \(2, 4\)"):
        step_mask(np.ones((4, 2), bool), 4, 2, like, "LSTM")


@pytest.mark.parametrize("layer", [tg.nn.RNN, tg.nn.LSTM, tg.nn.GRU])
def test_fused_layers_run_backward_with_batch_zero(layer):
    grads = []
    for fused in (False, True):
        tg.manual_seed(0)
        m = layer(I, H, fused=fused, bidirectional=True)
        x = tg.randn(T, 0, I, requires_grad=True)
        out, _ = m(x)
        assert out.shape == (T, 0, 2 * H)
        out.sum().backward()
        assert x.grad.shape == (T, 0, I)
        grads.append([p.grad.numpy() for p in m.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)       # zeros: no sequence, no gradient


@pytest.mark.parametrize("fused", [False, True])
def test_float64_initial_state_is_refused_on_both_paths(fused):
    lstm = tg.nn.LSTM(I, H, fused=fused)
    x = tg.randn(T, B, I)
    h0 = tg.zeros(1, B, H, dtype=tg.float64)
    with pytest.raises(tg.DtypeError, match="LSTM: h_0 is float64 but the parameters are float32"):
        lstm(x, (h0, h0))
    gru = tg.nn.GRU(I, H, fused=fused)
    with pytest.raises(tg.DtypeError, match="GRU: h_0 is float64 but the parameters are float32"):
        gru(x, h0)


def test_one_message_style_for_inputs_and_states():
    """Cell, PyTorch-style layer and Keras-style layer say the same thing the same way."""
    cell = tg.nn.LSTMCell(I, H)
    lstm = tg.nn.LSTM(I, H)
    rec = tg.nn.Recurrent(tg.nn.LSTMCell(I, H))
    cases = [
        (lambda: cell(tg.randn(B, I), (tg.zeros(B, H), tg.zeros(B, H, dtype=tg.float64))),
         tg.DtypeError, "LSTMCell: state c is float64 but the cell's parameters are float32"),
        (lambda: lstm(tg.randn(T, B, I), (tg.zeros(1, B, H), tg.zeros(1, B, H, dtype=tg.float64))),
         tg.DtypeError, "LSTM: c_0 is float64 but the parameters are float32"),
        (lambda: rec(tg.randn(B, T, I), (tg.zeros(B, H), tg.zeros(B, H, dtype=tg.float64))),
         tg.DtypeError, r"Recurrent\(LSTMCell\): initial state c is float64 but the cell's parameters are float32"),
        (lambda: cell(tg.randn(B, I), (tg.zeros(B, H + 1), tg.zeros(B, H))),
         tg.ShapeError, r"LSTMCell: state h must be \(4, 2\)"),
        (lambda: lstm(tg.randn(T, B, I), (tg.zeros(1, B, H + 1), tg.zeros(1, B, H))),
         tg.ShapeError, r"LSTM: h_0 must be \(1, 4, 2\)"),
        (lambda: rec(tg.randn(B, T, I), (tg.zeros(B, H + 1), tg.zeros(B, H))),
         tg.ShapeError, r"Recurrent\(LSTMCell\): initial state h must be \(4, 2\)"),
        (lambda: cell(tg.randn(B, I + 1)), tg.ShapeError, r"LSTMCell: x must be \(batch, 3\)"),
        (lambda: lstm(tg.randn(T, B, I + 1)), tg.ShapeError, r"LSTM: input must be \(T, B, I\)"),
        (lambda: rec(tg.randn(B, T, I + 1)), tg.ShapeError, r"Recurrent\(LSTMCell\): input must be \(batch, time, 3\)"),
        (lambda: lstm(np.zeros((T, B, I))), TypeError, "LSTM: input must be a Tensor, got ndarray"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()


class _Twice(tg.nn.GRUCell):
    """A subclass with its own equations: the fused GRU kernel does not compute them."""
    def forward(self, x, h):
        return super().forward(x, h) * 2.0


def test_fusion_is_the_cells_answer():
    assert tg.nn.LSTMCell(I, H).fused_unsupported() is None
    assert "peepholes" in tg.nn.LSTMCell(I, H, peepholes=True).fused_unsupported()
    cell = _Twice(I, H)
    assert "overrides forward" in cell.fused_unsupported()
    assert cell.fused_sequence(tg.randn(T, B, I), (tg.zeros(B, H),)) is None
    with pytest.raises(ValueError, match="fused=True.*_Twice overrides forward"):
        tg.nn.GRU(I, H, cell=_Twice, fused=True)
    # fused='auto' runs the subclass's own forward, step by step
    layer = tg.nn.GRU(I, H, cell=_Twice, fused="auto")
    assert layer.fused is False
    out, _ = layer(tg.randn(T, B, I))
    assert out._ctx.name == "stack"
