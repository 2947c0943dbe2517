"""Truncated backpropagation through time: detach_state, bounded memory over many chunks,
and gradients that stop at the chunk boundary."""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.tensor import Tensor

CHUNKS, T, B, I, H = 50, 4, 2, 3, 5
SAMPLES = (5, 20, 35, 49)   # chunks after which the live tensors are counted


@pytest.fixture
def live_tensors(monkeypatch):
    """A function returning how many Tensors are alive right now (after a full collection).

    Every Tensor made during the test is remembered weakly, so counting needs no scan of
    all Python objects."""
    made: weakref.WeakSet = weakref.WeakSet()
    make, init = Tensor._make, Tensor.__init__

    def tracked_make(*args):
        t = make(*args)
        made.add(t)
        return t

    def tracked_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.add(self)

    monkeypatch.setattr(Tensor, "_make", staticmethod(tracked_make))
    monkeypatch.setattr(Tensor, "__init__", tracked_init)

    def count() -> int:
        gc.collect()
        return len(made)
    return count


def sgd(params, lr=0.01):
    with tg.no_grad():
        for p in params:
            p.data = p.data - lr * p.grad.data
            p.grad = None


def test_detach_state_keeps_numbers_and_structure():
    h = tg.randn(2, 3, requires_grad=True) * 2.0
    c = tg.randn(2, 3, requires_grad=True) + 1.0
    single = tg.nn.detach_state(h)
    assert isinstance(single, Tensor) and single.is_leaf and not single.requires_grad
    np.testing.assert_array_equal(single.numpy(), h.numpy())
    nested = tg.nn.detach_state((h, [c, None]))
    assert isinstance(nested, tuple) and isinstance(nested[1], list) and nested[1][1] is None
    assert all(t.is_leaf and not t.requires_grad for t in (nested[0], nested[1][0]))
    np.testing.assert_array_equal(nested[1][0].numpy(), c.numpy())
    with pytest.raises(TypeError, match="map_state"):
        tg.nn.detach_state({"h": h})


def test_state_helpers_round_trip():
    h, c = tg.zeros(1, 2), tg.ones(1, 2)
    assert tg.nn.state_parts(h) == (h,)
    assert tg.nn.pack_state((h,)) is h
    assert tg.nn.pack_state(tg.nn.state_parts((h, c))) == (h, c)
    doubled = tg.nn.map_state(lambda t: t * 2.0, (h, c))
    np.testing.assert_array_equal(doubled[1].numpy(), [[2.0, 2.0]])


def test_memory_stays_bounded_torch_style_loop(live_tensors):
    tg.manual_seed(0)
    lstm = tg.nn.LSTM(I, H)
    data = tg.randn(CHUNKS, T, B, I)
    state, counts = None, []
    for k in range(CHUNKS):
        out, state = lstm(data[k].detach(), state)
        loss = (out * out).mean()
        loss.backward()
        sgd(lstm.parameters())
        state = tg.nn.detach_state(state)
        del out, loss
        if k in SAMPLES:
            counts.append(live_tensors())
    assert counts[0] > 0 and max(counts) - min(counts) <= 2, counts


def test_memory_stays_bounded_stateful_layer(live_tensors):
    tg.manual_seed(1)
    layer = tg.nn.Recurrent(tg.nn.GRUCell(I, H), return_sequences=True, stateful=True)
    data = tg.randn(CHUNKS, B, T, I)
    counts = []
    for k in range(CHUNKS):
        out = layer(data[k].detach())   # the layer detaches its carried state itself
        (out * out).mean().backward()
        sgd(layer.parameters())
        del out
        if k in SAMPLES:
            counts.append(live_tensors())
    assert counts[0] > 0 and max(counts) - min(counts) <= 2, counts


def test_without_detach_the_graph_grows_and_backward_fails(live_tensors):
    """The control experiment: keeping the state attached keeps every old chunk alive."""
    tg.manual_seed(2)
    lstm = tg.nn.LSTM(I, H)
    data = tg.randn(12, T, B, I)
    state, counts = None, []
    for k in range(12):
        out, state = lstm(data[k].detach(), state)
        if k in (2, 11):
            counts.append(live_tensors())
    assert counts[1] - counts[0] > 9 * T * 5, counts   # dozens of tensors per step stay alive
    out.sum().backward()
    out2, _ = lstm(data[0].detach(), state)
    with pytest.raises(tg.GraphFreedError):
        out2.sum().backward()


def test_gradient_stops_at_the_chunk_boundary():
    tg.manual_seed(3)
    lstm = tg.nn.LSTM(I, H).double()
    x = tg.randn(2 * T, B, I, dtype=tg.float64)
    _, state = lstm(x[:T])
    state = tg.nn.detach_state(state)
    out, _ = lstm(x[T:], state)
    out.sum().backward()
    truncated = {n: p.grad.numpy() for n, p in lstm.named_parameters()}
    # the same chunk from the same numbers, given as plain constants
    lstm.zero_grad()
    h0, c0 = (tg.Tensor(s.numpy()) for s in state)
    out, _ = lstm(x[T:], (h0, c0))
    out.sum().backward()
    for n, p in lstm.named_parameters():
        np.testing.assert_allclose(truncated[n], p.grad.numpy(), rtol=0, atol=1e-12)
    # and it differs from full backpropagation through both chunks
    lstm.zero_grad()
    out, _ = lstm(x)
    out[T:].sum().backward()
    assert not np.allclose(lstm.weight_hh_l0.grad.numpy(), truncated["weight_hh_l0"])


@pytest.mark.parametrize("fused", [False, True])
def test_a_thousand_step_sequence_trains_in_chunks_at_bounded_memory(fused):
    # T = 1000 in 20 chunks of 50: the array memory allocated during each chunk's forward and
    # backward (tracemalloc sees NumPy's buffers) is the same for the last chunk as for the
    # second, however far into the sequence the carried state comes from
    import tracemalloc
    tg.manual_seed(2)
    lstm = tg.nn.LSTM(3, 16, batch_first=True, fused=fused)
    opt = tg.optim.SGD(lstm.parameters(), lr=0.01)
    seq = tg.randn(4, 1000, 3)
    state, peaks = None, []
    tracemalloc.start()
    try:
        for k in range(20):
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            out, state = lstm(seq[:, 50 * k:50 * (k + 1)], state)
            (out * out).mean().backward()
            opt.step()
            opt.zero_grad()
            state = tg.nn.detach_state(state)
            del out
            peaks.append(tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()
    assert peaks[1] > 0 and max(peaks[2:]) <= 1.1 * peaks[1], peaks
