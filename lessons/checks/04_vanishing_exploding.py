"""Checks for lesson 4's exercises (run with ``tinygrad-rnn check 4``).

The references are the library's own measurements: ``tg.viz.jacobian_norms`` on an
``RNNCell`` and ``tg.nn.clip_grad_norm`` on tensors with gradients.
"""
import numpy as np

import tinygrad_rnn as tg


def check_jacobian_product_norms(fn):
    for seed, scale, T in ((0, 0.8, 6), (1, 1.6, 12)):
        tg.manual_seed(seed)
        cell = tg.nn.RNNCell(3, 5, bias=False, dtype=tg.float64,
                             recurrent_initializer=lambda shape: scale * tg.nn.init.orthogonal(shape))
        xs = tg.randn(T, 1, 3, dtype=tg.float64)
        want = tg.viz.jacobian_norms(cell, xs)[:, 0]
        states, _ = tg.viz.unroll_cell(cell, xs)
        state_arr = np.stack([s[0].numpy()[0] for s in states])            # (T, H)
        got = np.asarray(fn(cell.weight_hh.numpy(), state_arr))
        if got.shape != (T,):
            raise AssertionError(f"expected {T} norms (one per step), got shape {got.shape}")
        if abs(got[-1] - 1.0) > 1e-9:
            raise AssertionError(f"the last norm should be 1 (∂s_T/∂s_T is the identity), got {got[-1]:.6g}")
        if not np.allclose(got, want, rtol=1e-7):
            bad = int(np.argmax(np.abs(got - want) / want))
            raise AssertionError(f"with σ_max(W) = {scale}, T = {T}: at t = {bad} you have {got[bad]:.6g}, "
                                 f"tg.viz.jacobian_norms says {want[bad]:.6g}")


def check_clip_by_global_norm(fn):
    rng = np.random.default_rng(4)
    for scale, max_norm in ((10.0, 1.0), (0.01, 5.0)):
        arrays = [rng.standard_normal(s) * scale for s in ((3, 4), (4,), (2, 2, 2))]
        copies = [a.copy() for a in arrays]
        out = fn(arrays, max_norm)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise AssertionError("clip_by_global_norm should return (clipped list, total norm)")
        clipped, total = out
        if any(not np.array_equal(a, c) for a, c in zip(arrays, copies)):
            raise AssertionError("the caller's arrays were changed; return new arrays instead")
        params = [tg.zeros(*a.shape, dtype=tg.float64, requires_grad=True) for a in arrays]
        for p, a in zip(params, arrays):
            p.grad = tg.tensor(a, dtype=tg.float64)
        want_total = tg.nn.clip_grad_norm(params, max_norm)
        if abs(float(total) - want_total) > 1e-9 * want_total:
            raise AssertionError(f"the total norm should be {want_total:.6g}, you returned {float(total):.6g}")
        for k, (c, p) in enumerate(zip(clipped, params)):
            if not np.allclose(np.asarray(c), p.grad.numpy(), rtol=1e-9, atol=1e-12):
                what = "scaled down" if want_total > max_norm else "left unchanged (the total is below max_norm)"
                raise AssertionError(f"array {k} is wrong: it should be {what}")


CHECKS = [
    ("1. norms of Jacobian products", "jacobian_product_norms", check_jacobian_product_norms,
     "P = np.eye(H); for t in range(T-1, -1, -1): norms[t] = np.linalg.norm(P, 2); "
     "P = P @ np.diag(1 - states[t]**2) @ W"),
    ("2. clipping by global norm", "clip_by_global_norm", check_clip_by_global_norm,
     "total = sqrt of the sum of squares of all elements of all arrays; coef = max_norm / (total + 1e-6); "
     "scale only when coef < 1"),
]
