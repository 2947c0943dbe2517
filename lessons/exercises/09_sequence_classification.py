"""Exercises for lesson 9: sequence classification.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 9``.
All four are NumPy only. The check runs each function on fresh random inputs, with tinygrad_rnn watched: it says so if
the library is used inside one of them.
"""
import numpy as np  # noqa: F401  (you will need it)


def confusion_counts(y_true, y_pred, classes: int):
    """The confusion table, built with a plain Python loop.

    y_true, y_pred: (N,) integer labels in 0..classes-1. Return a (classes, classes) integer
    NumPy array whose entry [i, j] counts the examples with true label i predicted as j.
    """
    # TODO: start from zeros and add 1 at [true, predicted] for every example
    raise NotImplementedError


def per_class_recall(table):
    """For each true class (row of the confusion table), the fraction classified correctly.

    table: (C, C) counts as returned by confusion_counts. Return a (C,) float array:
    diagonal / row sum. A class with no examples at all gets NaN (there is nothing to recall).
    """
    # TODO: the diagonal divided by the row sums; beware of rows that sum to 0
    raise NotImplementedError


def columns_as_sequence(images):
    """Read images left to right instead of top to bottom.

    images: (N, R, C) — N images of R rows and C columns. Return (N, C, R): step t of
    sequence n is column t of image n (its R pixels from top to bottom).
    """
    # TODO: one axis swap
    raise NotImplementedError


def softmax_probs(logits):
    """Class probabilities from logits (N, K), stable even for logits like 1000 or -1000.

    Return (N, K) floats, every row non-negative and summing to 1.
    """
    # TODO: subtract each row's maximum, exponentiate, divide by the row sum
    raise NotImplementedError
