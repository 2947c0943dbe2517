"""Checks for lesson 4's exercises (run with ``tinygrad-rnn check 4``).

The references are the library's own measurements: ``tg.viz.jacobian_norms`` on an
``RNNCell`` and ``tg.nn.clip_grad_norm`` on tensors with gradients.
"""
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lesson_checks import assert_close, by_hand, rng

RULE = "NumPy only"


def check_jacobian_product_norms(fn):
    r = rng()
    for scale, T in ((float(r.uniform(0.6, 0.95)), int(r.integers(4, 9))), (float(r.uniform(1.3, 2.0)), int(r.integers(9, 15)))):
        tg.manual_seed(int(r.integers(0, 2**31)))
        cell = tg.nn.RNNCell(3, 5, bias=False, dtype=tg.float64,
                             recurrent_initializer=lambda shape: scale * tg.nn.init.orthogonal(shape))
        xs = tg.randn(T, 1, 3, dtype=tg.float64)
        want = tg.viz.jacobian_norms(cell, xs)[:, 0]
        states, _ = tg.viz.unroll_cell(cell, xs)
        state_arr = np.stack([s[0].numpy()[0] for s in states])            # (T, H)
        got = np.asarray(by_hand(fn, cell.weight_hh.numpy(), state_arr, what=RULE))
        if got.shape != (T,):
            raise AssertionError(f"expected {T} norms (one per step), got shape {got.shape}")
        if abs(got[-1] - 1.0) > 1e-9:
            raise AssertionError(f"the last norm should be 1 (∂s_T/∂s_T is the identity), got {got[-1]:.6g}")
        rel = np.abs(got - want) / want
        if not (rel <= 1e-7).all():
            bad = int(np.argmax(rel))
            raise AssertionError(f"with σ_max(W) = {scale:.3f}, T = {T}: at t = {bad} you have {got[bad]:.6g}, "
                                 f"tg.viz.jacobian_norms says {want[bad]:.6g}")


def check_clip_by_global_norm(fn):
    r = rng()
    for scale, max_norm in ((float(r.uniform(5, 20)), float(r.uniform(0.5, 2))), (float(r.uniform(0.005, 0.02)), 5.0)):
        shapes = [tuple(int(v) for v in r.integers(1, 5, int(r.integers(1, 4)))) for _ in range(int(r.integers(2, 5)))]
        arrays = [r.standard_normal(s) * scale for s in shapes]
        copies = [a.copy() for a in arrays]
        out = by_hand(fn, arrays, max_norm, what=RULE)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise AssertionError("clip_by_global_norm should return (clipped list, total norm)")
        clipped, total = out
        if any(not np.array_equal(a, c) for a, c in zip(arrays, copies)):
            raise AssertionError("the caller's arrays were changed; return new arrays instead")
        params = [tg.zeros(*a.shape, dtype=tg.float64, requires_grad=True) for a in arrays]
        for p, a in zip(params, arrays):
            p.grad = tg.tensor(a, dtype=tg.float64)
        want_total = tg.nn.clip_grad_norm(params, max_norm)
        where = {"shapes": shapes, "max_norm": max_norm}
        assert_close("the total norm", total, want_total, where)
        if len(clipped) != len(params):
            raise AssertionError(f"you returned {len(clipped)} arrays for {len(params)} gradients")
        for k, (c, p) in enumerate(zip(clipped, params)):
            what = "scaled down" if want_total > max_norm else "left unchanged, the total being below max_norm"
            assert_close(f"array {k} (it should be {what})", c, p.grad.numpy(), where)


CHECKS = [
    ("1. norms of Jacobian products", "jacobian_product_norms", check_jacobian_product_norms, [
        "∂s_last/∂s_t is a product of one-step Jacobians J_k = diag(1 − s_k²) · W, one for each step after t",
        "start from the identity at the last step and walk backwards, multiplying one Jacobian in per step; "
        "record the norm before each multiplication",
        "np.linalg.norm(P, 2) is the largest singular value; multiply on the right: P = P @ J_t",
    ]),
    ("2. clipping by global norm", "clip_by_global_norm", check_clip_by_global_norm, [
        "one norm for everything: as if all the arrays were flattened into one long vector",
        "total = √(Σ over arrays of (g²).sum()); the factor max_norm / (total + 1e-6) is the same for every array",
        "scale only when the factor is below 1, and build new arrays (g * coef or g.copy()), never g *= coef",
    ]),
]
