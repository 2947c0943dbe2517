"""Solutions for lesson 10's exercises (try them yourself first: ``tinygrad-rnn check 10``)."""
import math

import numpy as np


def temperature_probs(logits, temperature: float):
    z = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def bigram_bpc(train_ids, valid_ids, vocab_size: int) -> float:
    train, valid = np.asarray(train_ids), np.asarray(valid_ids)
    counts = np.zeros((vocab_size, vocab_size))
    for a, c in zip(train[:-1], train[1:]):
        counts[a, c] += 1
    probs = (counts + 1) / (counts.sum(axis=1, keepdims=True) + vocab_size)
    previous = np.concatenate([train[-1:], valid[:-1]])
    return float(-np.mean(np.log2(probs[previous, valid])))


def bpc_and_perplexity(total_nats: float, n_chars: int) -> tuple:
    bpc = total_nats / n_chars / math.log(2)
    return bpc, 2 ** bpc
