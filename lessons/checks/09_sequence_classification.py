"""Checks for lesson 9's exercises (run with ``tinygrad-rnn check 9``).

Every run draws fresh inputs (the seed is printed; ``--seed`` repeats a run). All four
exercises are NumPy only: they run with a watch on tinygrad_rnn, which says so if it is used
inside them (for instance ``Tensor.softmax`` in ``softmax_probs``).
"""
import numpy as np

from tinygrad_rnn.lesson_checks import assert_close, by_hand, rng


def check_confusion_counts(fn):
    r = rng()
    for _ in range(3):
        classes, n = int(r.integers(2, 11)), int(r.integers(1, 80))
        y_true, y_pred = r.integers(0, classes, n), r.integers(0, classes, n)
        got = np.asarray(by_hand(fn, y_true.copy(), y_pred.copy(), classes))
        if got.shape != (classes, classes):
            raise AssertionError(f"for {classes} classes the table must be ({classes}, {classes}), got {got.shape}")
        want = np.zeros((classes, classes), dtype=np.int64)
        for t, p in zip(y_true, y_pred):
            want[t, p] += 1
        if not np.array_equal(got, want):
            i, j = np.argwhere(got != want)[0]
            raise AssertionError(f"with {n} examples and {classes} classes, entry [{i}, {j}] (true {i}, predicted {j}) "
                                 f"is {got[i, j]}, but {want[i, j]} examples have that pair; rows are true labels, "
                                 f"columns predictions")


def check_per_class_recall(fn):
    r = rng()
    C = int(r.integers(3, 9))
    table = r.integers(0, 12, size=(C, C))
    np.fill_diagonal(table, r.integers(1, 20, size=C))
    empty = int(r.integers(C))
    table[empty] = 0                                    # a class with no examples at all
    got = np.asarray(by_hand(fn, table.copy()), dtype=np.float64)
    if got.shape != (C,):
        raise AssertionError(f"expected one recall per class, shape ({C},), got {got.shape}")
    if not np.isnan(got[empty]):
        raise AssertionError(f"class {empty} has no examples (its row is all zeros) and should get NaN, "
                             f"you returned {got[empty]}")
    real = np.arange(C) != empty
    want = np.diag(table)[real] / table.sum(axis=1)[real]
    if np.isnan(got[real]).any():
        raise AssertionError(f"NaN for a class that has examples; only the empty class {empty} should be NaN")
    assert_close("the recalls", got[real], want, {"table": table})


def check_columns_as_sequence(fn):
    r = rng()
    N, R, C = (int(v) for v in r.integers(2, 9, size=3))
    if R == C:
        C += 1                                          # a square image would hide a swapped pair of axes
    images = r.random((N, R, C)).astype(np.float32)
    got = np.asarray(by_hand(fn, images.copy()))
    if got.shape != (N, C, R):
        raise AssertionError(f"{N} images of {R} rows x {C} columns should give ({N}, {C}, {R}) sequences, "
                             f"got {got.shape}")
    for n in range(N):
        for t in range(C):
            if not np.array_equal(got[n, t], images[n, :, t]):
                raise AssertionError(f"step {t} of sequence {n} should be column {t} of image {n}, read top to bottom")


def check_softmax_probs(fn):
    r = rng()
    N, K = int(r.integers(2, 6)), int(r.integers(2, 12))
    z = r.normal(size=(N, K)) * 3
    z[0] += 1000.0                                      # a row that overflows exp() without the shift
    z[1] -= 1000.0                                      # and one that underflows to 0 / 0
    got = np.asarray(by_hand(fn, z.copy()), dtype=np.float64)
    if got.shape != z.shape:
        raise AssertionError(f"expected probabilities of shape {z.shape}, got {got.shape}")
    if not np.all(np.isfinite(got)):
        bad = sorted({int(i) for i in np.argwhere(~np.isfinite(got))[:, 0]})
        raise AssertionError(f"rows {bad} hold inf or nan; their logits are near {z[bad[0]].mean():+.0f}")
    shifted = z - z.max(axis=1, keepdims=True)
    want = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    assert_close("the probabilities", got, want, {"logits": z}, tol=1e-12)


CHECKS = [
    ("confusion table by hand", "confusion_counts", check_confusion_counts, [
        "start from a (classes, classes) table of integer zeros",
        "go through the examples in pairs (true, predicted) with zip",
        "each pair adds one to the entry in row `true`, column `predicted`",
    ]),
    ("recall per class", "per_class_recall", check_per_class_recall, [
        "a row of the table holds every example of one true class; which entry of it was right?",
        "the right ones are on the diagonal (np.diag); divide by each row's total (sum over axis 1)",
        "a row summing to 0 would divide 0 by 0: give those classes np.nan (np.where helps)",
    ]),
    ("read the columns", "columns_as_sequence", check_columns_as_sequence, [
        "the sequence axis must become the column axis: which two axes trade places?",
        "np.swapaxes (or .transpose with three axes) does it without a loop",
    ]),
    ("stable softmax", "softmax_probs", check_softmax_probs, [
        "exp(1000) overflows; softmax does not change if you subtract the same number from a whole row",
        "subtract each row's largest logit (keepdims=True keeps the shapes broadcastable) before np.exp",
        "then divide every row by its own sum",
    ]),
]
