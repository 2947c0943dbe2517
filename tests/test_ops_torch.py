"""Every op against PyTorch, forward and backward, in float64.

One row per op: the input shapes, the value domain (kept away from kinks and poles) and
the expression, written once as ``fn(m, *xs)`` where ``m`` is ``tinygrad_rnn`` or ``torch``
(or as two expressions where the libraries spell it differently). The same random inputs
go to both libraries, the same random output gradient comes back, and outputs and input
gradients must agree to 1e-10.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg

TOL = dict(rtol=1e-10, atol=1e-10)
CONST = np.random.default_rng(123).standard_normal((2, 3))   # an ndarray operand
INDEX_2D = [[0, 2], [2, 1]]


@dataclass
class Row:
    name: str
    shapes: list[tuple[int, ...]]
    ours: Callable[..., Any]
    theirs: Callable[..., Any] | None = None   # None: the same expression works for both
    domain: str = "any"          # "any": N(0, 1); "pos": [0.5, 2]; "away0": |x| in [0.2, 2]
    scale: float = 1.0           # stretch inputs (stability rows use large values)



ROWS = [
    # arithmetic with broadcasting
    Row("add", [(2, 3), (2, 3)], lambda m, a, b: a + b),
    Row("add_broadcast", [(4, 1, 3), (2, 1)], lambda m, a, b: a + b),
    Row("sub_broadcast", [(2, 3), (3,)], lambda m, a, b: a - b),
    Row("mul_broadcast", [(3, 1), (1, 4)], lambda m, a, b: a * b),
    Row("div_broadcast", [(2, 3), (3,)], lambda m, a, b: a / b, domain="away0"),
    Row("mul_0d", [(), (3,)], lambda m, a, b: a * b),
    Row("neg", [(2, 3)], lambda m, a: -a),
    Row("add_self", [(3,)], lambda m, a: a + a * a),
    # Python scalars on either side
    Row("scalar_add", [(2, 3)], lambda m, a: a + 2.5),
    Row("scalar_radd", [(2, 3)], lambda m, a: 2.5 + a),
    Row("scalar_sub", [(2, 3)], lambda m, a: a - 1.5),
    Row("scalar_rsub", [(2, 3)], lambda m, a: 1.5 - a),
    Row("scalar_mul", [(2, 3)], lambda m, a: a * -3.0),
    Row("scalar_rmul", [(2, 3)], lambda m, a: 3 * a),
    Row("scalar_div", [(2, 3)], lambda m, a: a / 4.0),
    Row("scalar_rdiv", [(2, 3)], lambda m, a: 2.0 / a, domain="away0"),
    # ndarray operands on either side (a constant: no gradient)
    Row("array_add", [(2, 3)], lambda m, a: a + _const(m, a), ),
    Row("array_radd", [(2, 3)], lambda m, a: _const(m, a) + a),
    Row("array_rsub", [(2, 3)], lambda m, a: _const(m, a) - a),
    Row("array_rmul", [(2, 3)], lambda m, a: _const(m, a) * a),
    Row("array_rdiv", [(2, 3)], lambda m, a: _const(m, a) / a, domain="away0"),
    Row("array_rmatmul", [(3, 4)], lambda m, a: _const(m, a) @ a),
    # powers
    Row("pow2", [(2, 3)], lambda m, a: a ** 2),
    Row("pow3", [(2, 3)], lambda m, a: a ** 3),
    Row("pow_half", [(2, 3)], lambda m, a: a ** 0.5, domain="pos"),
    Row("pow_neg", [(2, 3)], lambda m, a: a ** -1.5, domain="pos"),
    Row("rpow", [(2, 3)], lambda m, a: 2.0 ** a),
    # matrix products
    Row("matmul_1d_1d", [(4,), (4,)], lambda m, a, b: a @ b),
    Row("matmul_2d_1d", [(3, 4), (4,)], lambda m, a, b: a @ b),
    Row("matmul_1d_2d", [(4,), (4, 5)], lambda m, a, b: a @ b),
    Row("matmul_2d_2d", [(3, 4), (4, 5)], lambda m, a, b: a @ b),
    Row("matmul_batched", [(2, 3, 4), (4, 5)], lambda m, a, b: a @ b),
    Row("matmul_batched_broadcast", [(2, 1, 3, 4), (5, 4, 6)], lambda m, a, b: a @ b),
    Row("matmul_2d_batched", [(3, 4), (2, 4, 5)], lambda m, a, b: a @ b),
    Row("matmul_1d_batched", [(4,), (2, 4, 5)], lambda m, a, b: a @ b),
    Row("matmul_batched_1d", [(2, 3, 4), (4,)], lambda m, a, b: a @ b),
    # elementwise math
    Row("exp", [(2, 3)], lambda m, a: a.exp()),
    Row("log", [(2, 3)], lambda m, a: a.log(), domain="pos"),
    Row("sqrt", [(2, 3)], lambda m, a: a.sqrt(), domain="pos"),
    Row("abs", [(2, 3)], lambda m, a: a.abs(), domain="away0"),
    Row("tanh", [(2, 3)], lambda m, a: a.tanh()),
    Row("sigmoid", [(2, 3)], lambda m, a: a.sigmoid()),
    Row("sigmoid_large", [(2, 5)], lambda m, a: a.sigmoid(), scale=400.0),
    Row("tanh_large", [(2, 5)], lambda m, a: a.tanh(), scale=400.0),
    Row("exp_0d", [()], lambda m, a: a.exp()),
    Row("relu", [(2, 3)], lambda m, a: a.relu(), domain="away0"),
    Row("hard_sigmoid", [(3, 4)], lambda m, a: a.hard_sigmoid(),
        lambda m, a: torch.clamp(0.2 * a + 0.5, 0.0, 1.0), scale=3.0),
    Row("clip", [(3, 4)], lambda m, a: a.clip(-0.5, 0.7), lambda m, a: a.clamp(-0.5, 0.7)),
    Row("clip_min", [(3, 4)], lambda m, a: a.clip(min=0.1), lambda m, a: a.clamp(min=0.1)),
    Row("clip_max", [(3, 4)], lambda m, a: a.clip(max=0.1), lambda m, a: a.clamp(max=0.1)),
    Row("maximum", [(2, 3), (2, 3)], lambda m, a, b: m.maximum(a, b)),
    Row("maximum_broadcast", [(2, 3), (3,)], lambda m, a, b: a.maximum(b)),
    Row("minimum", [(2, 3), (1, 3)], lambda m, a, b: m.minimum(a, b)),
    Row("maximum_scalar", [(2, 3)], lambda m, a: a.maximum(0.1), lambda m, a: a.clamp(min=0.1)),
    Row("minimum_scalar", [(2, 3)], lambda m, a: a.minimum(0.1), lambda m, a: a.clamp(max=0.1)),
    Row("where", [(2, 3), (2, 3), (2, 3)], lambda m, c, a, b: m.where(c > 0, a, b)),
    Row("where_broadcast", [(2, 3), (3,), (2, 1)], lambda m, c, a, b: m.where(c > 0, a, b)),
    Row("where_scalar", [(2, 3), (2, 3)], lambda m, c, a: m.where(c > 0, a, 0.5)),
    # softmax family (stable for large inputs)
    Row("softmax", [(3, 4)], lambda m, a: a.softmax(-1), lambda m, a: a.softmax(-1)),
    Row("softmax_axis0", [(3, 4)], lambda m, a: a.softmax(0), lambda m, a: a.softmax(0)),
    Row("softmax_large", [(3, 4)], lambda m, a: a.softmax(-1), lambda m, a: a.softmax(-1), scale=500.0),
    Row("log_softmax", [(2, 3, 4)], lambda m, a: a.log_softmax(1), lambda m, a: a.log_softmax(1)),
    Row("log_softmax_large", [(3, 4)], lambda m, a: a.log_softmax(-1), lambda m, a: a.log_softmax(-1),
        scale=500.0),
    # reductions
    Row("sum_all", [(2, 3, 4)], lambda m, a: a.sum()),
    Row("sum_axis", [(2, 3, 4)], lambda m, a: a.sum(1)),
    Row("sum_axes_keepdims", [(2, 3, 4)], lambda m, a: a.sum((0, 2), keepdims=True),
        lambda m, a: a.sum((0, 2), keepdim=True)),
    Row("sum_negative_axis", [(2, 3, 4)], lambda m, a: a.sum(-1)),
    Row("sum_empty_axis", [(0, 3)], lambda m, a: a.sum(0)),
    Row("mean_all", [(2, 3)], lambda m, a: a.mean()),
    Row("mean_empty_axis", [(0, 3)], lambda m, a: a.mean(0)),          # NaN, as in PyTorch
    Row("mean_axis_keepdims", [(2, 3, 4)], lambda m, a: a.mean(1, keepdims=True),
        lambda m, a: a.mean(1, keepdim=True)),
    Row("max_all", [(2, 3, 4)], lambda m, a: a.max(), lambda m, a: a.amax()),
    Row("max_axis", [(2, 3, 4)], lambda m, a: a.max(1), lambda m, a: a.amax(1)),
    Row("max_axes_keepdims", [(2, 3, 4)], lambda m, a: a.max((0, 2), keepdims=True),
        lambda m, a: a.amax((0, 2), keepdim=True)),
    Row("min_all", [(2, 3)], lambda m, a: a.min(), lambda m, a: a.amin()),
    Row("min_axis", [(2, 3, 4)], lambda m, a: a.min(-1), lambda m, a: a.amin(-1)),
    # shapes
    Row("reshape", [(2, 3, 4)], lambda m, a: a.reshape(4, 6) * _ramp(m, a, (4, 6))),
    Row("reshape_infer", [(2, 3, 4)], lambda m, a: a.reshape((-1, 4)) * _ramp(m, a, (6, 4))),
    Row("transpose", [(2, 3, 4)], lambda m, a: a.transpose(0, 2) * _ramp(m, a, (4, 3, 2))),
    Row("permute", [(2, 3, 4)], lambda m, a: a.permute(2, 0, 1) * _ramp(m, a, (4, 2, 3))),
    Row("T", [(3, 4)], lambda m, a: a.T * _ramp(m, a, (4, 3))),
    Row("expand", [(3, 1)], lambda m, a: a.expand(2, 3, 4) * _ramp(m, a, (2, 3, 4))),
    Row("expand_keep", [(3, 1)], lambda m, a: a.expand(-1, 5) * _ramp(m, a, (3, 5))),
    Row("broadcast_to", [(1, 4)], lambda m, a: a.broadcast_to((3, 4)) * _ramp(m, a, (3, 4))),
    Row("squeeze_all", [(1, 3, 1)], lambda m, a: a.squeeze() * _ramp(m, a, (3,))),
    Row("squeeze_dim", [(1, 3, 1)], lambda m, a: a.squeeze(2) * _ramp(m, a, (1, 3))),
    Row("unsqueeze", [(2, 3)], lambda m, a: a.unsqueeze(1) * _ramp(m, a, (2, 1, 3))),
    Row("unsqueeze_negative", [(2, 3)], lambda m, a: a.unsqueeze(-1) * _ramp(m, a, (2, 3, 1))),
    # indexing
    Row("index_int", [(4, 3)], lambda m, a: a[2]),
    Row("index_negative", [(4, 3)], lambda m, a: a[-1, 1:]),
    Row("index_slices", [(4, 5)], lambda m, a: a[1:, ::2]),
    Row("index_ellipsis", [(2, 3, 4)], lambda m, a: a[..., 1]),
    Row("index_none", [(2, 3)], lambda m, a: a[None, :, 1]),
    Row("index_repeated", [(4, 3)], lambda m, a: a[[0, 0, 2, 0]] * _ramp(m, a, (4, 3))),
    Row("index_2d_array", [(3, 2)], lambda m, a: a[INDEX_2D], lambda m, a: a[torch.tensor(INDEX_2D)]),
    Row("index_pairs", [(3, 4)], lambda m, a: a[[0, 2, 0], [1, 1, 1]]),
    Row("index_bool_mask", [(3, 4)], lambda m, a: a[a > 0]),
    # joining and splitting
    Row("cat", [(2, 3), (2, 1)], lambda m, a, b: m.cat([a, b], 1)),
    Row("cat_negative_dim", [(2, 3), (4, 3)], lambda m, a, b: m.cat([a, b, a], -2)),
    Row("stack", [(2, 3), (2, 3)], lambda m, a, b: m.stack([a, b], 1)),
    Row("stack_last", [(2, 3), (2, 3)], lambda m, a, b: m.stack([a, b, a], -1)),
    Row("split_size", [(5, 3)], lambda m, a: m.split(a, 2, 0)),
    Row("split_sections", [(2, 6)], lambda m, a: a.split([1, 3, 2], 1)),
    Row("chunk", [(7, 2)], lambda m, a: a.chunk(3, 0)),
    Row("chunk_dim", [(2, 8)], lambda m, a: m.chunk(a, 4, 1)),
    # a small composite: an LSTM-like gate computation
    Row("composite_gates", [(2, 3), (3, 8), (8,)],
        lambda m, x, w, b: [g.sigmoid() * g.tanh() for g in (x @ w + b).chunk(4, 1)]),
]


def _const(m: Any, like: Any) -> Any:
    """The same ndarray constant for both libraries (torch needs it as a tensor)."""
    return torch.from_numpy(CONST) if m is torch else CONST if like.device == "cpu" else tg.Tensor(CONST, device=like.device)


def _ramp(m: Any, like: Any, shape: tuple[int, ...]) -> Any:
    """Distinct weights per output element, so a shape op that moved elements to the wrong
    place changes the gradient (with an all-ones gradient every permutation would pass)."""
    w = np.arange(1, 1 + int(np.prod(shape)), dtype=np.float64).reshape(shape)
    return torch.from_numpy(w) if m is torch else tg.Tensor(w, device=like.device)


def _inputs(row: Row, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for shape in row.shapes:
        if row.domain == "pos":
            x = rng.uniform(0.5, 2.0, shape)
        elif row.domain == "away0":
            x = rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        else:
            x = rng.standard_normal(shape) * row.scale
        out.append(np.asarray(x, dtype=np.float64))
    return out


def _as_list(out: Any) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_op_matches_torch(row: Row, devices: str) -> None:
    xs = _inputs(row, seed=sum(map(ord, row.name)))
    theirs_fn = row.theirs or row.ours

    ours_in = [tg.Tensor(x, requires_grad=True).to(devices) for x in xs]
    theirs_in = [torch.tensor(x, requires_grad=True) for x in xs]
    ours_out = _as_list(row.ours(tg, *ours_in))
    theirs_out = _as_list(theirs_fn(torch, *theirs_in))

    assert len(ours_out) == len(theirs_out)
    rng = np.random.default_rng(7)
    ours_loss, theirs_loss = None, None
    for o, t in zip(ours_out, theirs_out):
        assert o.shape == tuple(t.shape), f"{row.name}: shape {o.shape} vs torch {tuple(t.shape)}"
        assert o.dtype == np.float64 and o.device == tg.Tensor(np.zeros(1), device=devices).device
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), **TOL, err_msg=f"{row.name}: forward")
        v = rng.standard_normal(o.shape)   # a random output gradient, the same for both
        ol = (o * tg.Tensor(v, device=devices)).sum()
        tl = (t * torch.from_numpy(v)).sum()
        ours_loss = ol if ours_loss is None else ours_loss + ol
        theirs_loss = tl if theirs_loss is None else theirs_loss + tl
    ours_loss.backward()
    theirs_loss.backward()

    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        expected = np.zeros(b.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        assert got.dtype == np.float64 and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, **TOL, err_msg=f"{row.name}: gradient of input {i}")


def test_table_covers_every_required_op() -> None:
    """The issue's op list, each by at least one row (so deleting rows is noticed)."""
    required = ["add", "sub", "mul", "div", "neg", "pow", "matmul_1d_1d", "matmul_2d_2d",
                "matmul_batched_broadcast", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu",
                "hard_sigmoid", "softmax", "log_softmax", "sum", "mean", "max", "min", "reshape",
                "transpose", "permute", "T", "expand", "broadcast_to", "squeeze", "unsqueeze",
                "index_slices", "index_repeated", "cat", "stack", "split", "chunk", "where", "clip",
                "maximum", "minimum", "scalar_radd", "array_radd"]
    names = [r.name for r in ROWS]
    missing = [op for op in required if not any(n == op or n.startswith(op + "_") or n.startswith(op) for n in names)]
    assert not missing, missing
