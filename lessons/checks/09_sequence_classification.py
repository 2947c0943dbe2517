"""Checks for lesson 9's exercises (run with ``tinygrad-rnn check 9``)."""
import numpy as np

import tinygrad_rnn as tg


def check_confusion_counts(fn):
    rng = np.random.default_rng(90)
    for n, classes in ((50, 10), (7, 3), (1, 4)):
        y_true, y_pred = rng.integers(0, classes, n), rng.integers(0, classes, n)
        got = np.asarray(fn(y_true.copy(), y_pred.copy(), classes))
        if got.shape != (classes, classes):
            raise AssertionError(f"for {classes} classes the table must be ({classes}, {classes}), got {got.shape}")
        for i in range(classes):
            for j in range(classes):
                want = int(np.sum((y_true == i) & (y_pred == j)))
                if got[i, j] != want:
                    raise AssertionError(f"entry [{i}, {j}] (true {i}, predicted {j}) is {got[i, j]}, but {want} "
                                         f"examples have that pair; rows are true labels, columns predictions")


def check_per_class_recall(fn):
    table = np.array([[5, 1, 0], [2, 2, 0], [0, 0, 0]])
    got = np.asarray(fn(table.copy()), dtype=np.float64)
    if got.shape != (3,):
        raise AssertionError(f"expected one recall per class, shape (3,), got {got.shape}")
    if not np.allclose(got[:2], [5 / 6, 2 / 4]):
        raise AssertionError(f"for rows [5, 1, 0] and [2, 2, 0] the recalls are 5/6 and 2/4, you returned "
                             f"{np.round(got[:2], 4)}; recall divides the diagonal by the row sum")
    if not np.isnan(got[2]):
        raise AssertionError(f"a class with no examples (a row of zeros) should get NaN, you returned {got[2]}")


def check_columns_as_sequence(fn):
    images = np.random.default_rng(91).random((3, 4, 5)).astype(np.float32)
    got = np.asarray(fn(images.copy()))
    if got.shape != (3, 5, 4):
        raise AssertionError(f"3 images of 4 rows x 5 columns should give (3, 5, 4) sequences, got {got.shape}")
    for t in range(5):
        if not np.array_equal(got[1, t], images[1, :, t]):
            raise AssertionError(f"step {t} of a sequence should be column {t} of its image (top to bottom)")


def check_softmax_probs(fn):
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0], [-800.0, -801.0, -802.0]])
    got = np.asarray(fn(z.copy()), dtype=np.float64)
    if got.shape != z.shape:
        raise AssertionError(f"expected probabilities of shape {z.shape}, got {got.shape}")
    if not np.all(np.isfinite(got)):
        raise AssertionError("some probabilities are inf or nan for logits like ±1000: subtract each row's maximum first")
    want = np.exp(tg.Tensor(z, dtype=tg.float64).log_softmax(axis=1).numpy())
    if not np.allclose(got, want, atol=1e-12):
        raise AssertionError(f"the probabilities differ from exp(log_softmax) by up to {np.abs(got - want).max():.3g}")


CHECKS = [
    ("confusion table by hand", "confusion_counts", check_confusion_counts,
     "table[true, predicted] += 1 for every example"),
    ("recall per class", "per_class_recall", check_per_class_recall,
     "np.diag(table) / table.sum(axis=1), with NaN where the row sum is 0"),
    ("read the columns", "columns_as_sequence", check_columns_as_sequence,
     "swap the row and column axes: np.swapaxes(images, 1, 2)"),
    ("stable softmax", "softmax_probs", check_softmax_probs,
     "z - z.max(axis=1, keepdims=True) before np.exp"),
]
