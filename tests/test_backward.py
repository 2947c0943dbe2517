"""The backward walk: depth, accumulation, graph freeing, modes, hooks and anomaly checks."""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg
from tinygrad_rnn.tensor import Function


def test_hundred_thousand_op_chain(devices: str) -> None:
    """The walk is iterative: a chain far deeper than Python's recursion limit works."""
    x = tg.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64, device=devices)
    y = x
    for _ in range(50_000):
        y = y * 1.0 + 0.0            # 2 ops per step: 100 000 ops in the chain
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    del y                            # freeing a deep graph must not overflow the C stack either


def test_a_plus_a_counts_both_edges(devices: str) -> None:
    a = tg.tensor([3.0], requires_grad=True, device=devices)
    (a + a).backward()
    assert a.grad.item() == 2.0
    b = tg.tensor([3.0], requires_grad=True, device=devices)
    (b * b).backward()               # both inputs of one op are the same tensor
    assert b.grad.item() == 6.0


def test_diamond_accumulates(devices: str) -> None:
    """x feeds two branches that meet again: dL/dx sums both paths, each visited once."""
    x = tg.tensor(0.5, requires_grad=True, dtype=np.float64, device=devices)
    u = x.tanh()
    y = u * u.sigmoid() + u.exp()    # u is used three times
    y.backward()
    xt = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    ut = xt.tanh()
    (ut * ut.sigmoid() + ut.exp()).backward()
    assert abs(x.grad.item() - xt.grad.item()) < 1e-12


def test_grads_accumulate_over_calls_until_zeroed(devices: str) -> None:
    w = tg.tensor([1.0, -2.0], requires_grad=True, device=devices)
    for _ in range(3):
        (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 3 * 2 * w.numpy())
    w.zero_grad()
    assert w.grad is None


def test_shared_gradient_array_is_never_mutated(devices: str) -> None:
    """`a + b` sends one gradient array to both inputs; neither .grad may alias the other,
    and accumulating into one later must leave the other alone."""
    a = tg.tensor([1.0, 2.0], requires_grad=True, device=devices)
    b = tg.tensor([3.0, 4.0], requires_grad=True, device=devices)
    (a + b).backward(tg.tensor([1.0, 1.0], device=devices))
    assert a.grad.data is not b.grad.data
    a.grad.data *= 10                # a user scaling one gradient in place (clipping)
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])
    (a * 2.0).sum().backward()       # accumulation into a.grad ...
    np.testing.assert_array_equal(a.grad.numpy(), [12.0, 12.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])   # ... leaves b.grad alone


def test_hook_output_does_not_leak_into_other_consumers(devices: str) -> None:
    """A hook that replaces one consumer's gradient changes only that path."""
    x = tg.tensor([1.0, 1.0], requires_grad=True, device=devices)
    y = x * 1.0
    left, right = y * 2.0, y * 3.0
    left.register_hook(lambda g: g * 100.0)
    (left + right).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [203.0, 203.0])   # 2·100 + 3


def test_broadcast_gradient_is_writable(devices: str) -> None:
    """x.sum() hands back a broadcast (read-only) view; .grad must be a real array."""
    x = tg.ones(2, 3, requires_grad=True, device=devices)
    x.sum().backward()
    x.grad.data *= 0.5               # would raise "assignment destination is read-only"
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 0.5))


def test_graph_freed_after_backward(devices: str) -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True, device=devices)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(tg.GraphFreedError, match="retain_graph=True"):
        y.backward()
    # the structure stays for drawing, the saved arrays are gone
    ctx = y._ctx
    assert ctx.freed and ctx.name == "sum" and ctx.parents[0]._ctx.name == "mul"
    assert not hasattr(ctx.parents[0]._ctx, "a")


def test_retain_graph_allows_second_backward(devices: str) -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True, device=devices)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])


def test_non_scalar_root_needs_gradient(devices: str) -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True, device=devices)
    y = x * 3.0
    with pytest.raises(tg.BackwardError, match=r"gradient= with shape \(2,\)"):
        y.backward()
    y.backward(gradient=tg.tensor([1.0, 10.0], device=devices))
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 30.0])
    z = x * 1.0
    z.backward(gradient=[2.0, 2.0])  # lists and arrays are accepted too
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 32.0])
    with pytest.raises(tg.ShapeError, match=r"gradient has shape \(3,\)"):
        (x * 1.0).backward(gradient=[1.0, 1.0, 1.0])


def test_one_element_root_implies_gradient_one(devices: str) -> None:
    x = tg.tensor([[2.0]], requires_grad=True, device=devices)
    (x * 5.0).backward()             # shape (1, 1): one element, gradient 1 implied
    assert x.grad.item() == 5.0


def test_no_grad_context_and_decorators(devices: str) -> None:
    x = tg.tensor([1.0], requires_grad=True, device=devices)
    with tg.no_grad():
        y = x * 2.0
        assert not tg.is_grad_enabled()
        with tg.enable_grad():
            z = x * 2.0
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad and z.op == "mul"

    @tg.no_grad()
    def f(t: tg.Tensor) -> tg.Tensor:
        return t * 2.0

    @tg.no_grad
    def g(t: tg.Tensor) -> tg.Tensor:
        return t * 2.0

    @tg.enable_grad()
    def h(t: tg.Tensor) -> tg.Tensor:
        return t * 2.0

    assert not f(x).requires_grad and not g(x).requires_grad
    with tg.no_grad():
        assert h(x).requires_grad
    assert tg.is_grad_enabled()


def test_no_grad_restores_state_after_exception() -> None:
    with pytest.raises(RuntimeError):
        with tg.no_grad():
            raise RuntimeError("boom")
    assert tg.is_grad_enabled()


def test_hook_sees_gradient_and_may_replace_it(devices: str) -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True, device=devices)
    y = x * 3.0
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy()))          # returns None: keep
    y.register_hook(lambda g: g * 0.5)                          # replaces
    y.sum().backward()
    np.testing.assert_array_equal(seen[0], [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [1.5, 1.5])


def test_hook_on_leaf_and_handle_remove(devices: str) -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True, device=devices)
    handle = x.register_hook(lambda g: g * 0.0)
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    handle.remove()
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_retain_grad(devices: str) -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True, device=devices)
    h = x * 2.0
    h.retain_grad()
    other = x * 3.0                  # not retained
    (h * h + other).sum().backward()
    np.testing.assert_array_equal(h.grad.numpy(), 2 * h.numpy())
    assert other.grad is None
    np.testing.assert_array_equal(x.grad.numpy(), 2 * 2 * h.numpy() + 3.0)


def test_retain_grad_with_retain_graph_passes_fresh_gradient_down(devices: str) -> None:
    """A retained gradient accumulates in .grad, but only this pass's share flows on."""
    x = tg.tensor([1.0], requires_grad=True, device=devices)
    h = (x * 2.0).retain_grad()
    y = h * 3.0
    y.backward(retain_graph=True)
    y.backward()
    assert h.grad.item() == 6.0
    assert x.grad.item() == 12.0     # 2 · 3 per pass, twice


def test_custom_function_and_needs(devices: str) -> None:
    """Function.apply records parents and which inputs need a gradient."""
    class Cube(Function):
        name = "cube"

        def forward(self, x):
            self.x = x
            return x ** 3

        def backward(self, g):
            return g * 3 * self.x ** 2

    x = tg.tensor([2.0], requires_grad=True, device=devices)
    y = Cube.apply(x)
    assert y.op == "cube" and y._ctx.parents == (x,) and y._ctx.needs == (True,)
    y.backward()
    assert x.grad.item() == 12.0


def test_name_scope_recorded_on_ops(devices: str) -> None:
    x = tg.tensor([1.0], requires_grad=True, device=devices)
    with tg.name_scope("lstm"), tg.name_scope("t=3"):
        y = x * 2.0
    z = y + 1.0
    assert y._ctx.scope == ("lstm", "t=3")
    assert z._ctx.scope == ()


# ---- detect_anomaly ------------------------------------------------------------------------

def test_anomaly_in_forward_names_op_shapes_and_user_line() -> None:
    x = tg.tensor([[0.0, 1.0]], requires_grad=True)
    with tg.detect_anomaly():
        with pytest.raises(tg.AnomalyError) as info:
            y = x.log()   # ANOMALY-FORWARD
    msg = str(info.value)
    assert "log" in msg and "forward" in msg and "(1, 2)" in msg
    assert "test_backward.py" in msg and "y = x.log()   # ANOMALY-FORWARD" in msg
    line = _line_of("# ANOMALY-FORWARD")
    assert f"test_backward.py:{line}" in msg


def test_anomaly_in_backward_names_the_op_that_made_it() -> None:
    x = tg.tensor([0.0, 4.0], requires_grad=True)
    with tg.detect_anomaly():
        r = x.sqrt()   # ANOMALY-BACKWARD
        loss = r.sum()
        with pytest.raises(tg.AnomalyError) as info:
            loss.backward()
    msg = str(info.value)
    assert "sqrt" in msg and "backward" in msg and "(2,)" in msg
    assert f"test_backward.py:{_line_of('# ANOMALY-BACKWARD')}" in msg and "r = x.sqrt()" in msg


def test_anomaly_mode_is_silent_and_off_outside() -> None:
    x = tg.tensor([0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a NumPy RuntimeWarning would fail the test
        with tg.detect_anomaly():
            with pytest.raises(tg.AnomalyError):
                (x / 0.0)
    with np.errstate(divide="ignore"):
        y = x.log()                      # outside: no check, -inf is a legal value
    assert np.isneginf(y.numpy()[0])


def test_anomaly_passes_finite_computation() -> None:
    x = tg.tensor([0.5, 1.0], requires_grad=True)
    with tg.detect_anomaly():
        (x.log() * x.sigmoid()).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def _line_of(marker: str) -> int:
    lines = inspect.getsource(inspect.getmodule(_line_of)).splitlines()
    return next(i + 1 for i, text in enumerate(lines) if marker in text and "_line_of" not in text)
