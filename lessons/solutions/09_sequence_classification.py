"""Solutions for lesson 9's exercises (try them yourself first: ``tinygrad-rnn check 9``)."""
import numpy as np


def confusion_counts(y_true, y_pred, classes: int):
    table = np.zeros((classes, classes), dtype=np.int64)
    for t, p in zip(np.asarray(y_true), np.asarray(y_pred)):
        table[int(t), int(p)] += 1
    return table


def per_class_recall(table):
    table = np.asarray(table, dtype=np.float64)
    totals = table.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(table) / totals, np.nan)


def columns_as_sequence(images):
    return np.swapaxes(np.asarray(images), 1, 2)


def softmax_probs(logits):
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)     # the largest logit becomes 0: exp cannot overflow
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
