"""TF1 porting aids without TensorFlow: LSTMState, zero_state, cell_clip / proj_clip by hand
(the comparison with TensorFlow's own LSTMCell is in test_keras_oracle.py)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

import tinygrad_rnn as tg


class TF1StateTuple(NamedTuple):     # the field order of TF1's LSTMStateTuple
    c: tg.Tensor
    h: tg.Tensor


def test_lstm_state_names_and_zero_state() -> None:
    cell = tg.nn.LSTMCell(3, 4, proj_size=2, dtype="float64")
    s = cell.zero_state(5, "float64")
    assert isinstance(s, tg.nn.LSTMState) and s._fields == ("h", "c")
    assert s.h.shape == (5, 2) and s.c.shape == (5, 4) and not s.h.numpy().any()
    new = cell(tg.randn(5, 3).double(), s)
    assert isinstance(new, tg.nn.LSTMState)
    h, c = new                                  # still unpacks as a tuple
    assert h.shape == (5, 2)
    with pytest.raises(ValueError, match="zero_state: dtype float32 differs"):
        cell.zero_state(5, "float32")
    detached = tg.nn.detach_state(new)
    assert isinstance(detached, tg.nn.LSTMState) and detached.h.requires_grad is False


def test_tf1_order_is_read_by_name() -> None:
    tg.manual_seed(1)
    cell = tg.nn.LSTMCell(3, 4, dtype="float64")
    x = tg.randn(2, 3).double()
    h, c = tg.randn(2, 4).double(), tg.randn(2, 4).double()
    a = cell(x, TF1StateTuple(c=c, h=h))
    b = cell(x, (h, c))
    np.testing.assert_array_equal(a.h.numpy(), b.h.numpy())
    swapped = cell(x, (c, h))                  # a plain tuple in TF1's order is a different state
    assert not np.allclose(swapped.h.numpy(), b.h.numpy())


def test_cell_clip_and_proj_clip_by_hand() -> None:
    tg.manual_seed(2)
    cell = tg.nn.LSTMCell(3, 4, proj_size=2, cell_clip=0.2, proj_clip=0.01, dtype="float64",
                          kernel_initializer=lambda s: 3 * np.random.default_rng(0).standard_normal(s))
    x = tg.Tensor(np.random.default_rng(1).standard_normal((6, 3)), requires_grad=True)
    s = cell(x)
    free = tg.nn.LSTMCell(3, 4, proj_size=2, dtype="float64")
    free.load_state_dict(cell.state_dict())
    ref = free(x)
    np.testing.assert_allclose(s.c.numpy(), np.clip(ref.c.numpy(), -0.2, 0.2))
    assert np.abs(ref.c.numpy()).max() > 0.2           # the clip had work to do
    assert np.abs(s.h.numpy()).max() <= 0.01
    s.c.sum().backward()
    # the gradient stops where c was clipped (TF's clip_by_value), flows where it was not
    inside = np.abs(ref.c.numpy()) <= 0.2
    assert x.grad is not None and inside.any() and not inside.all()
    assert "cell_clip=0.2" in repr(cell)


def test_clip_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="cell_clip must be a positive number"):
        tg.nn.LSTMCell(3, 4, cell_clip=0)
    with pytest.raises(ValueError, match="proj_clip clips the projection, so it needs proj_size > 0"):
        tg.nn.LSTMCell(3, 4, proj_clip=1.0)


def test_clipped_cell_runs_step_by_step_in_a_fused_layer() -> None:
    tg.manual_seed(3)
    lstm = tg.nn.LSTM(3, 4, fused="auto", cell_clip=0.1)
    out, (h, c) = lstm(tg.randn(5, 2, 3))
    assert np.abs(c.numpy()).max() <= 0.1 + 1e-7
