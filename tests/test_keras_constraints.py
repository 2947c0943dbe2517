"""Keras regularizers and constraints without TensorFlow: the formulas by hand, and every
optimizer applying a parameter's constraint after its update (the TensorFlow comparison is
in test_keras_oracle.py)."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.keras import constraints as C
from tinygrad_rnn.keras import regularizers as R


def test_regularizer_formulas_and_gradients() -> None:
    w = np.array([[1.0, -2.0], [0.5, 0.0]])
    t = tg.Tensor(w, requires_grad=True)
    pen = R.l1_l2(l1=0.1, l2=0.2)(t)
    assert pen.item() == pytest.approx(0.1 * 3.5 + 0.2 * 5.25)
    pen.backward()
    np.testing.assert_allclose(t.grad.numpy(), 0.1 * np.sign(w) + 0.4 * w)
    assert R.l1()(t).item() == pytest.approx(0.035) and R.l2()(t).item() == pytest.approx(0.0525)
    assert R.L1L2()(t).item() == 0.0
    assert isinstance(R.get("l2"), R.L2) and R.get(None) is None
    with pytest.raises(ValueError, match="l1 must be a non-negative number"):
        R.L1(-1.0)
    with pytest.raises(ValueError, match="unknown regularizer"):
        R.get("l3")


def test_constraint_formulas() -> None:
    w = np.array([[3.0, 0.1], [4.0, 0.0]])      # column norms 5 and 0.1
    np.testing.assert_allclose(C.max_norm(2.0)(w), w * np.array([2.0 / (5 + 1e-7), 0.1 / (0.1 + 1e-7)]))
    np.testing.assert_allclose(C.unit_norm()(w)[:, 0], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(C.non_neg()(np.array([-1.0, 2.0])), [0.0, 2.0])
    mm = C.min_max_norm(1.0, 2.0, rate=0.5)(w)
    np.testing.assert_allclose(np.linalg.norm(mm, axis=0), [(2.0 + 5.0) / 2, (1.0 + 0.1) / 2], rtol=1e-6)
    out = C.max_norm(1.0)(tg.Tensor(w))
    assert isinstance(out, tg.Tensor)
    with pytest.raises(ValueError, match="MaxNorm: max_value must be positive"):
        C.MaxNorm(0)
    with pytest.raises(ValueError, match="unknown constraint"):
        C.get("max")


OPTIMIZERS = {
    "SGD": lambda ps: tg.optim.SGD(ps, lr=0.5, momentum=0.9),
    "Adam": lambda ps: tg.optim.Adam(ps, lr=0.5),
    "RMSprop": lambda ps: tg.optim.RMSprop(ps, lr=0.5),
    "Adagrad": lambda ps: tg.optim.Adagrad(ps, lr=0.5),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_applies_the_constraint_after_its_update(name: str) -> None:
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4))
    grad = rng.standard_normal((3, 4))
    free = tg.nn.Parameter(w0.copy())
    held = tg.nn.Parameter(w0.copy())
    held.constraint = C.max_norm(0.5)
    opts = [OPTIMIZERS[name]([free]), OPTIMIZERS[name]([held])]
    for step in range(3):
        for p, opt in zip((free, held), opts):
            p.grad = tg.Tensor(grad * (step + 1))
            opt.step()
        # Keras' order: the usual update from the constrained value, then the projection
        assert np.all(np.linalg.norm(held.numpy(), axis=0) <= 0.5 + 1e-9)
        if step == 0:
            np.testing.assert_allclose(held.numpy(), C.max_norm(0.5)(free.numpy()), rtol=1e-12)


def test_a_constraint_must_keep_the_shape() -> None:
    p = tg.nn.Parameter(np.ones((2, 2)))
    p.constraint = lambda w: w.sum(axis=0)
    p.grad = tg.Tensor(np.ones((2, 2)))
    with pytest.raises(tg.ShapeError, match=r"returned shape \(2,\) for a parameter of shape \(2, 2\)"):
        tg.optim.SGD([p], lr=0.1).step()
