"""Checks for lesson 10's exercises (run with ``tinygrad-rnn check 10``).

Every run draws fresh inputs (the seed is printed; ``--seed`` repeats a run): new logits and
temperatures, and new random texts for the bigram model, so no fixed answer can pass. The
three exercises are NumPy/``math`` only: they run with a watch on tinygrad_rnn, which says so if
it is used inside them (``Tensor.softmax`` for the temperature, ``CharCorpus`` for the bigram).
"""
import math

import numpy as np

from tinygrad_rnn.data.text import CharCorpus
from tinygrad_rnn.lesson_checks import assert_close, by_hand, rng


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def check_temperature_probs(fn):
    r = rng()
    V = int(r.integers(3, 30))
    z = r.normal(size=V) * 2
    z[int(r.integers(V))] = float(r.uniform(700, 1000))     # exp() of this overflows without the shift
    for tau in (float(r.uniform(0.2, 0.9)), 1.0, float(r.uniform(1.5, 5.0))):
        got = np.asarray(by_hand(fn, z.copy(), tau), dtype=np.float64)
        if got.shape != z.shape or not np.all(np.isfinite(got)):
            raise AssertionError(f"temperature {tau:.3f}: expected {V} finite probabilities, got "
                                 f"{'shape ' + str(got.shape) if got.shape != z.shape else 'inf or nan'} "
                                 f"(one logit is {z.max():.0f})")
        assert_close(f"the probabilities at temperature {tau:.3f}", got, _softmax(z / tau), {"logits": z}, tol=1e-12)
    small = r.normal(size=V)
    cold, hot = (np.asarray(by_hand(fn, small.copy(), t)) for t in (0.25, 4.0))
    top = int(np.argmax(small))
    if not cold[top] > hot[top]:
        raise AssertionError("a low temperature should make the most likely choice more likely, not less")


def _random_text(r):
    """A text from a random Markov chain over a random alphabet: neighbours matter, as in prose."""
    alphabet = list("abcdefghijklmnopqrstuvwxyz .,;")
    V = int(r.integers(3, 12))
    letters = [alphabet[i] for i in r.choice(len(alphabet), V, replace=False)]
    P = r.dirichlet(np.full(V, 0.3), size=V)           # peaked rows: some pairs are frequent
    n = int(r.integers(60, 400))
    ids = [int(r.integers(V))]
    for _ in range(n - 1):
        ids.append(int(r.choice(V, p=P[ids[-1]])))
    return "".join(letters[i] for i in ids)


def _bigram_bpc(train, valid, V):
    counts = np.zeros((V, V))
    for a, c in zip(train[:-1], train[1:]):
        counts[a, c] += 1
    bits = 0.0
    for a, c in zip(np.concatenate([train[-1:], valid[:-1]]), valid):
        bits -= math.log2((counts[a, c] + 1) / (counts[a].sum() + V))
    return bits / len(valid)


def _skip_first(train, valid, V):
    """What a model scores when it leaves valid[0] out (a common slip)."""
    counts = np.zeros((V, V))
    for a, c in zip(train[:-1], train[1:]):
        counts[a, c] += 1
    probs = (counts[valid[:-1], valid[1:]] + 1) / (counts[valid[:-1]].sum(axis=1) + V)
    return float(-np.mean(np.log2(probs)))


def check_bigram_bpc(fn):
    r = rng()
    for _ in range(3):
        corpus = CharCorpus(_random_text(r), float(r.uniform(0.15, 0.4)))
        train, valid, V = corpus.train.copy(), corpus.valid.copy(), corpus.vocab_size
        want = _bigram_bpc(train, valid, V)
        got = by_hand(fn, train.copy(), valid.copy(), V)
        if np.asarray(got).size != 1:
            raise AssertionError(f"return one number (bits per character), got shape {np.asarray(got).shape}")
        if abs(float(got) - want) > 1e-9:
            hint = ""
            if len(valid) > 1 and abs(float(got) - _skip_first(train, valid, V)) < 1e-6:
                hint = ": the first validation character is missing; predict it from the last training one"
            raise AssertionError(f"on a random text of {len(train) + len(valid)} characters over {V} symbols "
                                 f"({len(train)} training, {len(valid)} validation) you returned "
                                 f"{float(got):.6f} bpc, the add-one bigram model gives {want:.6f}{hint}")


def check_bpc_and_perplexity(fn):
    r = rng()
    for _ in range(4):
        n = int(r.integers(1, 5000))
        nats = float(r.uniform(0.05, 4.0)) * n
        got = by_hand(fn, nats, n, what="math only")
        if not (isinstance(got, tuple) and len(got) == 2):
            raise AssertionError(f"expected a pair (bpc, perplexity), got {got!r}")
        bpc = nats / n / math.log(2)
        assert_close("bits per character", got[0], bpc, {"total_nats": nats, "n_chars": n})
        assert_close("perplexity", got[1], 2 ** bpc, {"total_nats": nats, "n_chars": n})


CHECKS = [
    ("temperature", "temperature_probs", check_temperature_probs, [
        "the temperature divides the logits before the softmax; what happens to exp(900)?",
        "softmax(z) = softmax(z − c) for any number c: pick the c that makes the largest entry 0",
        "after the shift: exponentiate, then divide by the sum so the result adds up to 1",
    ]),
    ("the bigram baseline", "bigram_bpc", check_bigram_bpc, [
        "count, for every pair of neighbours (a, c) in the training ids, how often c follows a: a (V, V) table",
        "smooth each row: (count + 1) / (row total + V); every character then has a chance",
        "the previous character of valid[0] is train[-1]; average −log2 p over all validation characters",
    ]),
    ("bits and nats", "bpc_and_perplexity", check_bpc_and_perplexity, [
        "first the mean loss per character, still in nats",
        "a nat is 1 / ln 2 bits (log2 x = ln x / ln 2)",
        "perplexity is 2 raised to the bits per character",
    ]),
]
