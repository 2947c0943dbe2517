"""Higher-order gradients (create_graph=True) and tg.grad, against PyTorch in float64.

Every op's backward is recorded when create_graph=True, so a gradient is a tensor with its own
graph. These tests differentiate such gradients again and compare with torch.autograd:
second derivatives of every unary op, Hessian-vector products through every other op, an
LSTM's Hessian-vector product with respect to its weights, a gradient penalty, and Newton's
method as DeZero shows it. Then tg.grad's own contract (what it returns, what it leaves alone,
which errors it raises).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import tinygrad_rnn as tg

F64 = np.float64


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def _g(a: np.ndarray) -> tg.Tensor:
    return tg.tensor(a, dtype=F64, requires_grad=True)


def _np(x) -> np.ndarray:
    if x is None:
        return None
    return x.detach().numpy(force=True) if isinstance(x, torch.Tensor) else x.numpy()


# ---- second derivatives of every unary op ---------------------------------------------

UNARY = {   # name: (ours, PyTorch's, input range)
    "exp": (lambda x: x.exp(), torch.exp, (-2, 2)),
    "log": (lambda x: x.log(), torch.log, (0.2, 3)),
    "sqrt": (lambda x: x.sqrt(), torch.sqrt, (0.2, 3)),
    "abs": (lambda x: x.abs(), torch.abs, (-2, 2)),
    "tanh": (lambda x: x.tanh(), torch.tanh, (-2, 2)),
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid, (-3, 3)),
    "relu": (lambda x: x.relu(), torch.relu, (-2, 2)),
    "hard_sigmoid": (lambda x: x.hard_sigmoid(), lambda x: torch.clamp(0.2 * x + 0.5, 0, 1), (-4, 4)),
    "clip": (lambda x: x.clip(-0.5, 0.7), lambda x: torch.clamp(x, -0.5, 0.7), (-2, 2)),
    "neg": (lambda x: -x, torch.neg, (-2, 2)),
    "cube": (lambda x: x ** 3, lambda x: x ** 3, (-2, 2)),
    "pow_half": (lambda x: x ** 0.5, lambda x: x ** 0.5, (0.2, 3)),
    "pow_minus_2": (lambda x: x ** -2, lambda x: x ** -2, (0.5, 3)),
    "rpow": (lambda x: 2.0 ** x, lambda x: 2.0 ** x, (-2, 2)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_second_derivative_of_unary_op_matches_torch(name: str) -> None:
    ours, theirs, (lo, hi) = UNARY[name]
    a = np.random.default_rng(1).uniform(lo, hi, size=(3, 4))
    x, xt = _g(a), _t(a)
    (d1,) = tg.grad(ours(x).sum(), x, create_graph=True)          # f'(x), elementwise
    (d1t,) = torch.autograd.grad(theirs(xt).sum(), xt, create_graph=True)
    np.testing.assert_allclose(_np(d1), _np(d1t), rtol=1e-12, atol=1e-12)
    expected = np.zeros_like(a)
    if d1t.requires_grad:
        (d2t,) = torch.autograd.grad(d1t.sum(), xt, allow_unused=True)
        expected = expected if d2t is None else _np(d2t)
    if not d1.requires_grad:      # f′ built from constants only (a mask, a sign): f″ = 0
        np.testing.assert_array_equal(expected, 0.0)
        return
    (d2,) = tg.grad(d1.sum(), x, allow_unused=True)               # f''(x)
    got = np.zeros_like(a) if d2 is None else _np(d2)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert np.abs(expected).max() > 1e-3                           # a real second derivative


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")   # PyTorch's own advice
def test_third_derivative_of_tanh_through_backward_create_graph() -> None:
    a = np.linspace(-1.5, 1.5, 5)
    x, xt = _g(a), _t(a)
    x.tanh().sum().backward(create_graph=True)
    xt.tanh().sum().backward(create_graph=True)
    d1, d1t = x.grad, xt.grad
    assert d1.requires_grad and d1.op is not None
    x.grad = None
    xt.grad = None
    d1.sum().backward(create_graph=True)
    d1t.sum().backward(create_graph=True)
    d2, d2t = x.grad, xt.grad
    x.grad = None
    xt.grad = None
    d2.sum().backward()
    d2t.sum().backward()
    for ours, theirs in ((d1, d1t), (d2, d2t), (x.grad, xt.grad)):
        np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-12, atol=1e-12)
    y = np.tanh(a)                                # and against the closed form: (tanh)''' = −2(1 − y²)(1 − 3y²)
    np.testing.assert_allclose(x.grad.numpy(), -2 * (1 - y * y) * (1 - 3 * y * y), rtol=1e-12)


# ---- Hessian-vector products through every other op -----------------------------------

R = np.random.default_rng(7)
A34, B34, B4 = R.standard_normal((3, 4)), R.standard_normal((3, 4)), R.standard_normal(4)
POS34 = R.uniform(0.5, 2.0, (3, 4))
M45, V4, V3 = R.standard_normal((4, 5)), R.standard_normal(4), R.standard_normal(3)
BAT = R.standard_normal((2, 3, 4))
COND = R.standard_normal((3, 4)) > 0
LABELS = np.array([1, 0, 3])
PROBS = R.uniform(0, 1, (3, 4))

OPS = {   # name: (inputs, ours, PyTorch's)
    "add_broadcast": ((A34, B4), lambda a, b: a + b, lambda a, b: a + b),
    "sub": ((A34, B34), lambda a, b: a - b, lambda a, b: a - b),
    "mul_broadcast": ((A34, B4), lambda a, b: a * b, lambda a, b: a * b),
    "div": ((A34, POS34), lambda a, b: a / b, lambda a, b: a / b),
    "rdiv": ((POS34,), lambda a: 2.0 / a, lambda a: 2.0 / a),
    "matmul": ((A34, M45), lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_mat_vec": ((A34, V4), lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_vec_mat": ((V3, A34), lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_dot": ((V4, B4), lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_batched": ((BAT, M45), lambda a, b: a @ b, lambda a, b: a @ b),
    "sum_axis": ((A34,), lambda a: a.sum(1), lambda a: a.sum(1)),
    "sum_keepdims": ((A34,), lambda a: a.sum(0, keepdims=True) * a, lambda a: a.sum(0, keepdim=True) * a),
    "mean": ((A34,), lambda a: a.mean(0), lambda a: a.mean(0)),
    "max_axis": ((A34,), lambda a: a.max(1), lambda a: a.amax(1)),
    "min_all": ((A34,), lambda a: a.min() * a, lambda a: a.amin() * a),
    "softmax": ((A34,), lambda a: a.softmax(-1), lambda a: a.softmax(-1)),
    "log_softmax": ((A34,), lambda a: a.log_softmax(0), lambda a: a.log_softmax(0)),
    "reshape": ((A34,), lambda a: a.reshape(2, 6), lambda a: a.reshape(2, 6)),
    "transpose": ((BAT,), lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2)),
    "permute": ((BAT,), lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1)),
    "expand": ((B4,), lambda b: b.reshape(1, 4).expand(3, 4), lambda b: b.reshape(1, 4).expand(3, 4)),
    "index_slices": ((A34,), lambda a: a[1:, ::2], lambda a: a[1:, ::2]),
    "index_repeated": ((A34,), lambda a: a[np.array([0, 2, 0])], lambda a: a[[0, 2, 0]]),
    "index_newaxis": ((A34,), lambda a: a[None, :, 1], lambda a: a[None, :, 1]),
    "cat": ((A34, B34), lambda a, b: tg.cat([a, b * b], 1), lambda a, b: torch.cat([a, b * b], 1)),
    "stack": ((A34, B34), lambda a, b: tg.stack([a, b * a], 1), lambda a, b: torch.stack([a, b * a], 1)),
    "split": ((A34,), lambda a: a.split([1, 3], 1)[1] * a.split([1, 3], 1)[0],
              lambda a: a.split([1, 3], 1)[1] * a.split([1, 3], 1)[0]),
    "where": ((A34, B34), lambda a, b: tg.where(tg.Tensor(COND), a * b, b),
              lambda a, b: torch.where(torch.tensor(COND), a * b, b)),
    "maximum": ((A34, B34), lambda a, b: a.maximum(b), lambda a, b: torch.maximum(a, b)),
    "minimum": ((A34, B34), lambda a, b: a.minimum(b), lambda a, b: torch.minimum(a, b)),
    "cross_entropy": ((A34,), lambda a: tg.nn.cross_entropy(a, LABELS),
                      lambda a: F.cross_entropy(a, torch.tensor(LABELS))),
    "bce_with_logits": ((A34,), lambda a: tg.nn.binary_cross_entropy_with_logits(a, PROBS),
                        lambda a: F.binary_cross_entropy_with_logits(a, torch.tensor(PROBS))),
    "mse_loss": ((A34, B34), lambda a, b: tg.nn.mse_loss(a, b), lambda a, b: F.mse_loss(a, b)),
}


def _hvp(fn, xs, vs, grad):
    """Gradient and Hessian-vector product of L = Σ tanh(fn(xs)) · fn(xs)."""
    out = fn(*xs)
    loss = (out.tanh() * out).sum()
    gs = grad(loss, xs, create_graph=True)
    dot = sum((g * v).sum() for g, v in zip(gs, vs))
    return gs, grad(dot, xs, allow_unused=True)


@pytest.mark.parametrize("name", sorted(OPS))
def test_hessian_vector_product_through_op_matches_torch(name: str) -> None:
    arrays, ours, theirs = OPS[name]
    rng = np.random.default_rng(3)
    vs = [rng.standard_normal(a.shape) for a in arrays]
    gs, hv = _hvp(ours, [_g(a) for a in arrays], [tg.tensor(v, dtype=F64) for v in vs], tg.grad)
    gst, hvt = _hvp(theirs, [_t(a) for a in arrays], [torch.tensor(v) for v in vs], torch.autograd.grad)
    for a, g, gt, h, ht in zip(arrays, gs, gst, hv, hvt):
        np.testing.assert_allclose(_np(g), _np(gt), rtol=1e-11, atol=1e-12)
        h, ht = (np.zeros_like(a) if x is None else _np(x) for x in (h, ht))
        np.testing.assert_allclose(h, ht, rtol=1e-11, atol=1e-12)
        assert np.abs(ht).max() > 1e-6          # the check has something to compare


# ---- the three uses from the literature ------------------------------------------------

def _lstm_pair(fused: bool = False):
    torch.manual_seed(0)
    ref = torch.nn.LSTM(3, 4).double()
    ours = tg.nn.LSTM(3, 4, fused=fused).double()
    ours.load_state_dict(ref.state_dict())
    return ref, ours


def test_hessian_vector_product_of_lstm_loss_wrt_weights_matches_torch() -> None:
    """Hv for the loss of a small LSTM, v a random direction over all its weights: the
    primitive cells record their whole backward pass (every gate, every step)."""
    ref, ours = _lstm_pair()
    rng = np.random.default_rng(0)
    x_np, y_np = rng.standard_normal((5, 2, 3)), rng.standard_normal((5, 2, 4))
    params, params_t = ours.parameters(), list(ref.parameters())
    vs = [rng.standard_normal(p.shape) for p in params]

    out, _ = ours(tg.tensor(x_np, dtype=F64))
    loss = ((out - tg.tensor(y_np, dtype=F64)) ** 2).mean()
    grads = tg.grad(loss, params, create_graph=True)
    hv = tg.grad(sum((g * tg.tensor(v, dtype=F64)).sum() for g, v in zip(grads, vs)), params)

    out_t, _ = ref(torch.tensor(x_np))
    loss_t = ((out_t - torch.tensor(y_np)) ** 2).mean()
    grads_t = torch.autograd.grad(loss_t, params_t, create_graph=True)
    hv_t = torch.autograd.grad(sum((g * torch.tensor(v)).sum() for g, v in zip(grads_t, vs)), params_t)

    for g, gt, h, ht in zip(grads, grads_t, hv, hv_t):
        np.testing.assert_allclose(_np(g), _np(gt), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(_np(h), _np(ht), rtol=1e-10, atol=1e-13)
    assert all(p.grad is None for p in params)       # tg.grad leaves .grad alone


def test_gradient_penalty_matches_torch() -> None:
    """L = (‖∂f/∂x‖ − 1)², differentiated with respect to the weights (a WGAN-GP style
    penalty): a gradient that is itself part of a loss."""
    torch.manual_seed(1)
    ref = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double()
    l1, l2 = tg.nn.Linear(3, 5).double(), tg.nn.Linear(5, 1).double()
    l1.load_state_dict(ref[0].state_dict())
    l2.load_state_dict(ref[2].state_dict())
    x_np = np.random.default_rng(2).standard_normal((4, 3))

    x = _g(x_np)
    (gx,) = tg.grad(l2(l1(x).tanh()).sum(), x, create_graph=True)
    penalty = (((gx * gx).sum(1).sqrt() - 1.0) ** 2).mean()
    penalty.backward()

    xt = _t(x_np)
    (gxt,) = torch.autograd.grad(ref(xt).sum(), xt, create_graph=True)
    ((gxt.norm(dim=1) - 1.0) ** 2).mean().backward()

    assert abs(penalty.item() - ((gxt.detach().norm(dim=1) - 1.0) ** 2).mean().item()) < 1e-12
    for ours, theirs in ((l1.weight, ref[0].weight), (l1.bias, ref[0].bias), (l2.weight, ref[2].weight)):
        np.testing.assert_allclose(ours.grad.numpy(), _np(theirs.grad), rtol=1e-10, atol=1e-13)
    assert np.abs(_np(ref[0].weight.grad)).max() > 1e-6


def test_newtons_method_as_dezero_shows_it() -> None:
    """f(x) = x⁴ − 2x² from x = 2: x ← x − f′(x)/f″(x), both derivatives by backward."""
    x = tg.tensor(2.0, dtype=F64, requires_grad=True)
    ours = []
    for _ in range(10):
        ours.append(x.item())
        y = x ** 4 - 2 * x ** 2
        x.grad = None
        y.backward(create_graph=True)
        gx = x.grad
        x.grad = None
        gx.backward()
        gx2 = x.grad
        x.data -= gx.data / gx2.data
    xt = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    analytic, theirs, a = [], [], 2.0
    for _ in range(10):
        analytic.append(a)
        a -= (4 * a ** 3 - 4 * a) / (12 * a ** 2 - 4)
        theirs.append(xt.item())
        (g,) = torch.autograd.grad(xt ** 4 - 2 * xt ** 2, xt, create_graph=True)
        (g2,) = torch.autograd.grad(g, xt)
        xt = (xt - g / g2).detach().requires_grad_()
    np.testing.assert_allclose(ours, analytic, rtol=1e-15)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)
    assert ours[:3] == pytest.approx([2.0, 1.4545454545454546, 1.1510467893775467], rel=1e-15)
    assert ours[-1] == 1.0                      # the minimum at x = 1, reached exactly


# ---- create_graph semantics -------------------------------------------------------------

def test_create_graph_keeps_the_graph_and_first_order_values_unchanged() -> None:
    a = np.random.default_rng(4).standard_normal((3, 4))
    x1, x2 = _g(a), _g(a)
    loss1 = ((x1 @ x1.T).tanh() * x1[:, :3].exp()).sum()
    loss2 = ((x2 @ x2.T).tanh() * x2[:, :3].exp()).sum()
    loss1.backward()
    loss2.backward(create_graph=True)
    np.testing.assert_array_equal(x1.grad.numpy(), x2.grad.numpy())   # the same numbers, bit for bit
    assert x2.grad.requires_grad and not x1.grad.requires_grad
    loss2.backward()                             # retain_graph defaulted to create_graph: no error
    np.testing.assert_allclose(x2.grad.numpy(), 2 * x1.grad.numpy())
    with pytest.raises(tg.GraphFreedError):
        loss1.backward()


def test_fused_layer_refuses_create_graph_and_points_to_fused_false() -> None:
    _, ours = _lstm_pair(fused=True)
    out, _ = ours(tg.tensor(np.ones((2, 1, 3)), dtype=F64))
    with pytest.raises(tg.BackwardError, match=r"lstm_sequence.*fused=False"):
        out.sum().backward(create_graph=True)
    with pytest.raises(tg.BackwardError, match="fused=False"):
        tg.grad(ours(tg.tensor(np.ones((2, 1, 3)), dtype=F64))[0].sum(), ours.parameters(), create_graph=True)


# ---- tg.grad's contract -------------------------------------------------------------------

def test_grad_leaves_every_dot_grad_alone() -> None:
    w = tg.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    w.grad = tg.tensor([5.0, 5.0], dtype=F64)
    h = (w * 3.0).retain_grad()
    (gw,) = tg.grad((h * h).sum(), w)
    np.testing.assert_array_equal(gw.numpy(), [18.0, 36.0])
    np.testing.assert_array_equal(w.grad.numpy(), [5.0, 5.0])
    assert h.grad is None and not gw.requires_grad


def test_grad_with_grad_outputs_is_a_vector_jacobian_product() -> None:
    a, v = np.random.default_rng(5).standard_normal((2, 3, 2))
    x, xt = _g(a), _t(a)
    (g,) = tg.grad(x.tanh() * x, x, grad_outputs=tg.tensor(v, dtype=F64))
    (gt,) = torch.autograd.grad(xt.tanh() * xt, xt, grad_outputs=torch.tensor(v))
    np.testing.assert_allclose(g.numpy(), _np(gt), rtol=1e-13)
    with pytest.raises(tg.BackwardError, match=r"gradient= with shape \(3, 2\)"):
        tg.grad(x * 2.0, x)
    with pytest.raises(tg.ShapeError, match="1 outputs but 2 grad_outputs"):
        tg.grad([x * 2.0], x, grad_outputs=[v, v])


def test_grad_of_several_outputs_and_inputs_and_a_non_leaf() -> None:
    x = tg.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    u = x * x
    y, z = u.sum(), (u * x).sum()
    gu, gx = tg.grad([y, z], [u, x])
    np.testing.assert_array_equal(gu.numpy(), 1.0 + x.numpy())           # ∂(y + z)/∂u = 1 + x
    np.testing.assert_array_equal(gx.numpy(), 2 * x.numpy() + 3 * x.numpy() ** 2)


def test_grad_names_an_input_it_does_not_reach_or_gives_none() -> None:
    x = tg.tensor([1.0], requires_grad=True, name="x")
    unused = tg.tensor([1.0], requires_grad=True, name="bias")
    y = (x * 2.0).sum()
    with pytest.raises(tg.BackwardError, match=r"input 1 \('bias', shape \(1,\).*allow_unused=True"):
        tg.grad(y, [x, unused], retain_graph=True)
    gx, gu = tg.grad(y, [x, unused], allow_unused=True)
    assert gu is None and gx.item() == 2.0
    with pytest.raises(tg.BackwardError, match="input 0 .* does not require grad"):
        tg.grad((x * 2.0).sum(), tg.tensor([1.0]))


def test_grad_frees_the_graph_unless_told_to_retain_it() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    tg.grad(y, x, retain_graph=True)
    tg.grad(y, x)
    with pytest.raises(tg.GraphFreedError, match="retain_graph=True"):
        tg.grad(y, x)


def test_hooks_fire_and_may_replace_the_gradient_in_a_recorded_pass() -> None:
    x = tg.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    y = x * x
    y.register_hook(lambda g: g * 10.0)
    (gx,) = tg.grad(y.sum(), x, create_graph=True)
    np.testing.assert_array_equal(gx.numpy(), [20.0, 40.0])
    (gxx,) = tg.grad(gx.sum(), x)
    np.testing.assert_array_equal(gxx.numpy(), [20.0, 20.0])


def test_recorded_pass_leaves_no_cycle_behind() -> None:
    """The output tensor an op reads while its backward is recorded is let go afterwards:
    with tg.grad (nothing stored on the leaves) the whole graph dies by reference counting."""
    import gc
    import weakref
    x = tg.tensor([0.5, 1.5], dtype=F64, requires_grad=True)
    gc.collect()
    gc.disable()
    try:
        y = x.tanh().exp().sum()
        (gx,) = tg.grad(y, x, create_graph=True)
        alive = weakref.ref(y._ctx.parents[0])
        del y, gx
        assert alive() is None
    finally:
        gc.enable()


def test_recorded_gradients_are_owned_like_first_order_ones() -> None:
    """`a + b` hands one gradient tensor to both inputs, a broadcast view of the root's: each
    .grad still gets its own memory, so scaling one in place leaves the other alone."""
    a = tg.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    b = tg.tensor([3.0, 4.0], dtype=F64, requires_grad=True)
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad and not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.data *= 10
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])
    ((a * b).sum()).backward(create_graph=True)        # accumulation: recorded, out of place
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 3.0])
    (g,) = tg.grad(b.grad.sum(), a)                    # ∂/∂a Σ(1 + a) = 1
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])
