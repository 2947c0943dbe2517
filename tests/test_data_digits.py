"""The 8x8 digits loader: the missing-dependency error and the conversion (scikit-learn
itself is optional, so a stand-in module plays its part here)."""
import sys
import types

import numpy as np
import pytest

from tinygrad_rnn.data.digits import MissingDependencyError, load_digits


def test_clear_error_without_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)            # makes the import fail
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(MissingDependencyError, match="pip install scikit-learn"):
        load_digits()
    with pytest.raises(ImportError):                            # also an ImportError
        load_digits()


def test_conversion_and_fixed_split(monkeypatch):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 17, size=(100, 8, 8)).astype(np.float64)
    labels = rng.integers(0, 10, size=100)
    fake = types.ModuleType("sklearn.datasets")
    fake.load_digits = lambda: types.SimpleNamespace(images=images, target=labels)
    monkeypatch.setitem(sys.modules, "sklearn", types.ModuleType("sklearn"))
    monkeypatch.setitem(sys.modules, "sklearn.datasets", fake)
    xtr, ytr, xte, yte = load_digits(test_fraction=0.25)
    assert xtr.shape == (75, 8, 8) and xte.shape == (25, 8, 8) and xtr.dtype == np.float32
    assert ytr.dtype == np.int64 and xtr.min() >= 0 and xtr.max() <= 1
    # every image lands in exactly one split, scaled by 1/16, with its own label
    both = np.concatenate([xtr, xte]) * 16
    order = np.concatenate([ytr, yte])
    for img, lab in zip(both, order):
        matches = np.flatnonzero(np.all(np.isclose(images, img), axis=(1, 2)))
        assert len(matches) >= 1 and lab in labels[matches]
    again = load_digits(test_fraction=0.25)
    np.testing.assert_array_equal(again[2], xte)               # the same split every time
    assert not np.array_equal(load_digits(test_fraction=0.25, seed=1)[2], xte)
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits(test_fraction=1.5)
