"""The one LSTM step and one GRU step (fused/steps.py): NumPy is the reference; numba, when
installed, computes the same backward steps to 1e-12 in float64; the fused ops give the same
either way."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.fused import GRUSequence, LSTMSequence, steps

needs_numba = pytest.mark.skipif(not steps.numba_available(),
                                 reason="numba is not installed (the optional 'fast' extra: "
                                        "pip install 'tinygrad_rnn[fast]'); NumPy steps are tested elsewhere")


@pytest.fixture
def numpy_then_restore():
    yield
    steps.use_numba(True)


def _lstm_case(rng, B=5, H=7, dtype=np.float64):
    a = rng.standard_normal((B, 4 * H)).astype(dtype) * 3
    a[0, 0], a[1, H] = -800.0, 800.0        # σ saturates: e⁻ᶻ overflows to inf, σ = 0 exactly
    c = rng.standard_normal((B, H)).astype(dtype)
    dh, dc = rng.standard_normal((2, B, H)).astype(dtype)
    return a, c, dh, dc


def _run_lstm(fwd, bwd, a, c, dh, dc):
    acts = a.copy()
    h, cn, tc = (np.empty_like(c) for _ in range(3))
    with np.errstate(over="ignore"):
        fwd(acts, c, h, cn, tc)
    da = np.empty_like(acts)
    dc_prev = bwd(acts, c, tc, dh, dc, da)
    return acts, h, cn, tc, da, dc_prev


def _run_gru(fwd, bwd, gi, gh, h, dh):
    B, H = h.shape
    rz, n, hn = np.empty((B, 2 * H)), np.empty((B, H)), np.empty((B, H))
    rz, n, hn = (x.astype(h.dtype) for x in (rz, n, hn))
    with np.errstate(over="ignore"):
        h_new = fwd(gi, gh, h, rz, n, hn)
    dgi, dgh = np.empty_like(gi), np.empty_like(gi)
    dh_z = bwd(rz, n, hn, h, dh, dgi, dgh)
    return rz, n, hn, h_new, dgi, dgh, dh_z


def test_numpy_lstm_step_matches_the_equations():
    rng = np.random.default_rng(0)
    a, c, dh, dc = _lstm_case(rng)
    acts, h, cn, tc, da, dc_prev = _run_lstm(steps.lstm_forward_xp, steps.lstm_backward_xp, a, c, dh, dc)
    H = c.shape[1]
    with np.errstate(over="ignore"):
        sig = 1 / (1 + np.exp(-a))
    i, f, g, o = sig[:, :H], sig[:, H:2 * H], np.tanh(a[:, 2 * H:3 * H]), sig[:, 3 * H:]
    np.testing.assert_allclose(cn, f * c + i * g, atol=1e-14)
    np.testing.assert_allclose(h, o * np.tanh(cn), atol=1e-14)
    # backward against autograd through the primitive ops
    at, ct = tg.tensor(a, requires_grad=True), tg.tensor(c, requires_grad=True)
    ai, af, ag, ao = at.chunk(4, 1)
    c_new = af.sigmoid() * ct + ai.sigmoid() * ag.tanh()
    h_new = ao.sigmoid() * c_new.tanh()
    ((h_new * tg.tensor(dh)).sum() + (c_new * tg.tensor(dc)).sum()).backward()
    np.testing.assert_allclose(da, at.grad.numpy(), atol=1e-13)
    np.testing.assert_allclose(dc_prev, ct.grad.numpy(), atol=1e-13)


@needs_numba
@pytest.mark.parametrize("B,H", [(5, 7), (1, 1), (0, 3), (32, 64)])
def test_numba_lstm_backward_step_equals_numpy(B, H):
    rng = np.random.default_rng(B * 100 + H)
    a, c, dh, dc = _lstm_case(rng, B, H) if B >= 2 else (
        rng.standard_normal((B, 4 * H)), rng.standard_normal((B, H)),
        rng.standard_normal((B, H)), rng.standard_normal((B, H)))
    ref = _run_lstm(steps.lstm_forward_xp, steps.lstm_backward_xp, a, c, dh, dc)
    k = steps.numba_kernels()

    def nb_bwd(acts, c, tc, dh, dc, da):
        out = np.empty_like(c)
        k["lstm_bwd"](acts, c, tc, dh, dc, da, out)
        return out

    got = _run_lstm(steps.lstm_forward_xp, nb_bwd, a, c, dh, dc)
    for r, g in zip(ref, got):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-12)


@needs_numba
@pytest.mark.parametrize("B,H", [(5, 7), (0, 3), (32, 64)])
def test_numba_gru_backward_step_equals_numpy(B, H):
    rng = np.random.default_rng(B + H)
    gi, gh = rng.standard_normal((2, B, 3 * H)) * 3
    h, dh = rng.standard_normal((2, B, H))
    ref = _run_gru(steps.gru_forward_xp, steps.gru_backward_xp, gi, gh, h, dh)
    k = steps.numba_kernels()

    def nb_bwd(rz, n, hn, h, dh, dgi, dgh):
        out = np.empty_like(h)
        k["gru_bwd"](rz, n, hn, h, dh, dgi, dgh, out)
        return out

    got = _run_gru(steps.gru_forward_xp, nb_bwd, gi, gh, h, dh)
    for r, g in zip(ref, got):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-12)


@needs_numba
@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fused_ops_agree_with_and_without_numba(kind, dtype, numpy_then_restore):
    rng = np.random.default_rng(3)
    T, B, I, H = 6, 4, 3, 5
    G = 4 if kind == "lstm" else 3
    arrays = [rng.standard_normal(s).astype(dtype) for s in
              [(T, B, I), (B, H), (B, H), (G * H, I), (G * H, H), (G * H,), (G * H,)]]
    if kind == "gru":
        del arrays[2]
    mask = np.ones((T, B), bool)
    mask[4:, 1] = False
    tol = 1e-12 if dtype == "float64" else 2e-5
    results = []
    for on in (False, True):
        steps.use_numba(on)
        ts = [tg.tensor(a, requires_grad=True) for a in arrays]
        op = LSTMSequence if kind == "lstm" else GRUSequence
        out = op.apply(*ts, mask=mask, reverse=True)
        (out * tg.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape).astype(dtype))).sum().backward()
        results.append([out.numpy()] + [t.grad.numpy() for t in ts])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol)


def test_use_numba_reports_what_will_run(numpy_then_restore):
    assert steps.use_numba(False) is False
    assert steps.use_numba(True) is steps.numba_available()
