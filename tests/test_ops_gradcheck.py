"""Every op's backward against central differences, over shapes that hypothesis picks.

Shapes include scalars (0-d), size-1 axes that broadcast, and empty axes. Values are drawn
from a seeded generator and kept away from the places where an op has no derivative
(|x| = 0 for abs/relu, the clip bounds, x ≤ 0 for log/sqrt, ties for max/min), because
central differences are wrong right at a kink.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import tinygrad_rnn as tg
from tinygrad_rnn.tensor import Function

FAST = settings(max_examples=20, deadline=None)
seeds = st.integers(0, 2**32 - 1)
shapes = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
nonempty = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3)


def values(shape: tuple[int, ...], seed: int, domain: str = "any") -> np.ndarray:
    return np.asarray(_draw(shape, seed, domain), dtype=np.float64)   # 0-d draws come back as floats


def _draw(shape: tuple[int, ...], seed: int, domain: str) -> Any:
    rng = np.random.default_rng(seed)
    if domain == "pos":        # log, sqrt, negative powers: far from the pole at 0
        return rng.uniform(0.5, 2.0, shape)
    if domain == "away0":      # abs, relu, division: far from the kink / pole at 0
        return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    if domain == "distinct":   # max/min: no ties, gaps of at least 0.1
        n = int(np.prod(shape))
        return (rng.permutation(n) * 0.1 + rng.uniform(0, 0.02, n)).reshape(shape) - 0.1 * n / 2
    return rng.standard_normal(shape)


def leaf(shape: tuple[int, ...], seed: int, device: str, domain: str = "any") -> tg.Tensor:
    return tg.Tensor(values(shape, seed, domain), requires_grad=True, device=device)


UNARY = {
    "neg": (lambda x: -x, "any"),
    "exp": (lambda x: x.exp(), "any"),
    "log": (lambda x: x.log(), "pos"),
    "sqrt": (lambda x: x.sqrt(), "pos"),
    "abs": (lambda x: x.abs(), "away0"),
    "tanh": (lambda x: x.tanh(), "any"),
    "sigmoid": (lambda x: x.sigmoid(), "any"),
    "relu": (lambda x: x.relu(), "away0"),
    # kinks at ±2.5; inputs in ±[0.2, 2] stay on the linear part, the test below covers the flat parts
    "hard_sigmoid": (lambda x: x.hard_sigmoid(), "away0"),
    "hard_sigmoid_flat": (lambda x: (x * 3.0).hard_sigmoid(), "away0"),
    # bounds ±0.1 lie inside the gap (-0.2, 0.2) of "away0": no element sits on a bound
    "clip": (lambda x: x.clip(-0.1, 0.1), "away0"),
    "pow2": (lambda x: x ** 2, "any"),
    "pow3": (lambda x: x ** 3, "any"),
    "pow_neg_half": (lambda x: x ** -0.5, "pos"),
    "rpow": (lambda x: 3.0 ** x, "any"),
    "scalar_ops": (lambda x: (2.0 - x) * 0.5 / 1.5 + 1.0, "any"),
    "scalar_rdiv": (lambda x: 1.0 / x, "away0"),
}


@pytest.mark.parametrize("name", UNARY)
@FAST
@given(shape=shapes, seed=seeds)
def test_unary(name: str, shape: tuple[int, ...], seed: int, devices: str) -> None:
    fn, domain = UNARY[name]
    assert tg.gradcheck(fn, [leaf(shape, seed, devices, domain)])


BINARY = {
    "add": (lambda a, b: a + b, "any"),
    "sub": (lambda a, b: a - b, "any"),
    "mul": (lambda a, b: a * b, "any"),
    "div": (lambda a, b: a / b, "away0"),
    "maximum": (lambda a, b: a.maximum(b), "any"),
    "minimum": (lambda a, b: a.minimum(b), "any"),
    "where": (lambda a, b: tg.where(a > b, a * 2.0, b), "any"),
}


@pytest.mark.parametrize("name", BINARY)
@FAST
@given(shapes=pairs, seed=seeds)
def test_binary_broadcasting(name: str, shapes: Any, seed: int, devices: str) -> None:
    fn, domain = BINARY[name]
    sa, sb = shapes.input_shapes
    a = leaf(sa, seed, devices, domain)
    b = leaf(sb, seed + 1, devices, domain)
    if name in ("maximum", "minimum", "where"):
        # compared elements: whole numbers against numbers ending in .5, never closer than 0.5
        a = tg.Tensor(np.round(values(sa, seed) * 3), requires_grad=True, device=devices)
        b = tg.Tensor(np.round(values(sb, seed + 1) * 3) + 0.5, requires_grad=True, device=devices)
    assert tg.gradcheck(fn, [a, b])


@FAST
@given(data=st.data(), seed=seeds)
def test_matmul_shapes(data: st.DataObject, seed: int, devices: str) -> None:
    """1-D, 2-D and batched products, batch axes broadcasting like NumPy."""
    m, k, n = (data.draw(st.integers(1, 3)) for _ in range(3))
    batch = data.draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    a_shape = data.draw(st.sampled_from([(k,), batch.input_shapes[0] + (m, k)]))
    b_shape = data.draw(st.sampled_from([(k,), batch.input_shapes[1] + (k, n)]))
    a, b = leaf(a_shape, seed, devices), leaf(b_shape, seed + 1, devices)
    assert tg.gradcheck(lambda a, b: a @ b, [a, b])


def _axis_args(data: st.DataObject, ndim: int) -> tuple[Any, bool]:
    # an empty dim tuple is refused (PyTorch reads it as all axes, NumPy as none)
    axis = data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1) if ndim else st.none(),
                               st.lists(st.integers(0, max(ndim - 1, 0)), unique=True, min_size=1, max_size=ndim)
                               .map(tuple) if ndim else st.none()))
    return axis, data.draw(st.booleans())


@pytest.mark.parametrize("op", ["sum", "mean"])
@FAST
@given(data=st.data(), shape=shapes, seed=seeds)
def test_sum_mean(op: str, data: st.DataObject, shape: tuple[int, ...], seed: int, devices: str) -> None:
    axis, keepdims = _axis_args(data, len(shape))
    assert tg.gradcheck(lambda x: getattr(x, op)(axis, keepdims=keepdims), [leaf(shape, seed, devices)])


@pytest.mark.parametrize("op", ["max", "min"])
@FAST
@given(data=st.data(), shape=nonempty, seed=seeds)
def test_max_min(op: str, data: st.DataObject, shape: tuple[int, ...], seed: int, devices: str) -> None:
    axis, keepdims = _axis_args(data, len(shape))
    x = leaf(shape, seed, devices, "distinct")
    assert tg.gradcheck(lambda x: getattr(x, op)(axis, keepdims=keepdims), [x])


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@FAST
@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=seeds)
def test_softmax(op: str, data: st.DataObject, shape: tuple[int, ...], seed: int, devices: str) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert tg.gradcheck(lambda x: getattr(x, op)(axis), [leaf(shape, seed, devices)])


@FAST
@given(data=st.data(), shape=shapes, seed=seeds)
def test_shape_ops(data: st.DataObject, shape: tuple[int, ...], seed: int, devices: str) -> None:
    nd = len(shape)
    perm = tuple(data.draw(st.permutations(range(nd))))
    where = data.draw(st.integers(-nd - 1, nd))
    lead = data.draw(st.integers(1, 2))
    fns = [
        lambda x: x.reshape(-1),
        lambda x: x.permute(perm),
        lambda x: x.T,
        lambda x: x.unsqueeze(where),
        lambda x: x.unsqueeze(0).squeeze(0),
        lambda x: x.squeeze(),
        lambda x: x.expand((lead,) + shape),
        lambda x: x.broadcast_to((2,) + tuple(1 if n == 1 else n for n in shape)),
    ]
    if nd >= 2:
        fns.append(lambda x: x.transpose(0, -1))
    fn = data.draw(st.sampled_from(fns))
    assert tg.gradcheck(fn, [leaf(shape, seed, devices)])


@FAST
@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=seeds)
def test_indexing(data: st.DataObject, shape: tuple[int, ...], seed: int, devices: str) -> None:
    """Slices, integers and integer arrays (repeats accumulate) on the first axis."""
    n = shape[0]
    rows = data.draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=6))
    start = data.draw(st.integers(-n, n))
    step = data.draw(st.integers(1, 2))
    index = data.draw(st.sampled_from([rows, slice(start, None, step), rows[0] if rows else 0,
                                       (Ellipsis, 0), (slice(None), None)]))
    x = leaf(shape, seed, devices)
    assert tg.gradcheck(lambda x: x[index] * 1.5, [x])


@FAST
@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4), seed=seeds)
def test_cat_stack_split_chunk(data: st.DataObject, shape: tuple[int, ...], seed: int, devices: str) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    a, b = leaf(shape, seed, devices), leaf(shape, seed + 1, devices)
    size = data.draw(st.integers(1, 3))
    chunks = data.draw(st.integers(1, 3))
    weights = tg.Tensor(np.arange(1.0, 4.0), device=devices)

    def pieces(parts: list[tg.Tensor]) -> tg.Tensor:
        # weight each piece differently, so swapping two pieces' gradients is caught
        return tg.cat([p * weights[i % 3] for i, p in enumerate(parts)], dim) if parts else a.sum()

    fn = data.draw(st.sampled_from([
        lambda a, b: tg.cat([a, b, a], dim),
        lambda a, b: tg.stack([a, b], dim),
        lambda a, b: pieces(a.split(size, dim)) + b,
        lambda a, b: pieces(tg.chunk(a, chunks, dim)) * b,
    ]))
    assert tg.gradcheck(fn, [a, b])


def test_value_domains_avoid_kinks() -> None:
    """The guards above really hold (otherwise a lucky pass could hide a wrong derivative)."""
    x = values((50,), 1, "away0")
    assert np.abs(x).min() >= 0.2
    d = values((4, 5), 2, "distinct").ravel()
    assert np.diff(np.sort(d)).min() > 0.05
    assert values((50,), 3, "pos").min() >= 0.5


# ---- gradcheck itself ------------------------------------------------------------------------

class _WrongSquare(Function):
    """y = x² with a deliberately wrong derivative (x instead of 2x)."""
    name = "wrong_square"

    def forward(self, x: Any) -> Any:
        self.x = x
        return x * x

    def backward(self, g: Any) -> Any:
        return g * self.x


class _RightSquare(_WrongSquare):
    name = "right_square"

    def backward(self, g: Any) -> Any:
        return g * 2 * self.x


def test_gradcheck_passes_a_correct_custom_op(devices: str) -> None:
    x = tg.tensor([[0.5, -1.0], [2.0, 3.0]], requires_grad=True, device=devices)
    assert tg.gradcheck(lambda x: _RightSquare.apply(x), [x])


def test_gradcheck_catches_a_wrong_backward(devices: str) -> None:
    x = tg.tensor([[0.5, -1.0], [2.0, 3.0]], requires_grad=True, device=devices)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda x: _WrongSquare.apply(x), [x])
    msg = str(info.value)
    assert "input 0" in msg and "(2, 2)" in msg and "worst element" in msg
    worst = tuple(int(i) for i in re.search(r"worst element \((\d+), (\d+)\)", msg).groups())
    analytic = float(re.search(r"analytic (\S+),", msg).group(1))
    numeric = float(re.search(r"numeric (\S+) ", msg).group(1))
    # the analytic gradient is half the numeric one at the reported element
    assert numeric == pytest.approx(2 * analytic, rel=1e-6) and abs(numeric) > 1e-3
    assert 0 <= worst[0] < 2 and 0 <= worst[1] < 2
    assert tg.gradcheck(lambda x: _WrongSquare.apply(x), [x], raise_exception=False) is False


def test_gradcheck_only_checks_inputs_that_require_grad() -> None:
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    c = tg.tensor([3.0, 4.0])                     # a constant: its (wrong) path is not checked
    assert tg.gradcheck(lambda a, c: a * _WrongSquare.apply(c), [a, c])
    with pytest.raises(tg.GradcheckError, match="no input has requires_grad=True"):
        tg.gradcheck(lambda c: c * 2.0, [c])


def test_gradcheck_handles_non_contiguous_and_0d_inputs() -> None:
    t = tg.Tensor(np.arange(12.0).reshape(3, 4).T, requires_grad=True)   # a transposed view
    assert not t.data.flags.c_contiguous
    assert tg.gradcheck(lambda t: (t * t * 0.1).sum(0), [t])
    assert tg.gradcheck(lambda s: s.tanh() * 3.0, [tg.tensor(0.3, requires_grad=True)])
