"""Checks for lesson 10's exercises (run with ``tinygrad-rnn check 10``)."""
import math

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.data.text import CharCorpus


def check_temperature_probs(fn):
    z = np.array([2.0, 1.0, 0.0, -1.0, 900.0])
    for tau in (1.0, 0.5, 2.0):
        got = np.asarray(fn(z.copy(), tau), dtype=np.float64)
        if got.shape != z.shape or not np.all(np.isfinite(got)):
            raise AssertionError(f"temperature {tau}: expected {z.shape[0]} finite probabilities, got {got}")
        want = tg.Tensor(z / tau, dtype=tg.float64).softmax(axis=0).numpy()
        if not np.allclose(got, want, atol=1e-12):
            raise AssertionError(f"temperature {tau}: differs from softmax(z / tau) by {np.abs(got - want).max():.3g}")
    small = np.array([1.0, 0.0, -0.5])
    cold, hot = np.asarray(fn(small, 0.25)), np.asarray(fn(small, 4.0))
    if not cold[0] > hot[0]:
        raise AssertionError("a low temperature should make the most likely choice more likely, not less")


def check_bigram_bpc(fn):
    corpus = CharCorpus("the cat sat on the mat; the rat ate the hat. " * 3 + "a bat and a cat met.", 0.3)
    got = float(fn(corpus.train.copy(), corpus.valid.copy(), corpus.vocab_size))
    want = corpus.bigram_bpc()
    if abs(got - want) > 1e-9:
        raise AssertionError(f"on a small text you returned {got:.6f} bpc, CharCorpus.bigram_bpc() gives {want:.6f}; "
                             f"check the +1 / +V smoothing and that the first validation character is predicted "
                             f"from the last training one")


def check_bpc_and_perplexity(fn):
    for nats, n in ((math.log(2) * 100, 100), (250.0, 80), (3.0, 1)):
        got = fn(nats, n)
        if not (isinstance(got, tuple) and len(got) == 2):
            raise AssertionError(f"expected a pair (bpc, perplexity), got {got!r}")
        bpc = nats / n / math.log(2)
        if abs(got[0] - bpc) > 1e-9 or abs(got[1] - 2 ** bpc) > 1e-9 * max(1.0, 2 ** bpc):
            raise AssertionError(f"{nats:.4f} nats over {n} characters is {bpc:.4f} bpc and perplexity "
                                 f"{2 ** bpc:.4f}; you returned {got}")


CHECKS = [
    ("temperature", "temperature_probs", check_temperature_probs,
     "e = np.exp(z / tau - (z / tau).max()); return e / e.sum()"),
    ("the bigram baseline", "bigram_bpc", check_bigram_bpc,
     "counts[a, c] += 1 over neighbouring training ids; (counts + 1) / (row sums + V)"),
    ("bits and nats", "bpc_and_perplexity", check_bpc_and_perplexity,
     "bpc = total_nats / n_chars / math.log(2); perplexity = 2 ** bpc"),
]
