"""Exercises for lesson 10: a character-level language model.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 10``.
All three are NumPy and ``math`` only (no ``Tensor.softmax``, no ``CharCorpus``). The check runs each function on fresh random inputs, with tinygrad_rnn watched: it says so if
the library is used inside one of them.
"""
import math  # noqa: F401  (you will need it)

import numpy as np  # noqa: F401


def temperature_probs(logits, temperature: float):
    """softmax(logits / temperature) for a 1-D array of logits (V,), stable for large logits.

    Return a (V,) float array of probabilities summing to 1.
    """
    # TODO: divide by the temperature, subtract the maximum, exponentiate, normalise
    raise NotImplementedError


def bigram_bpc(train_ids, valid_ids, vocab_size: int) -> float:
    """Validation bits per character of an add-one smoothed bigram model.

    Count pairs (a, c) of neighbours in ``train_ids``; p(c | a) = (n(a, c) + 1) / (n(a) + V)
    where n(a) counts the a's that are followed by something in the training ids. Predict each
    validation character from the one before it; the first from the last training id.
    Return the mean of -log2 p over the validation characters.
    """
    # TODO: a (V, V) count table, the smoothed probabilities, then the average over valid_ids
    raise NotImplementedError


def bpc_and_perplexity(total_nats: float, n_chars: int) -> tuple:
    """From a cross-entropy summed over ``n_chars`` characters, in nats (natural log),
    return (bits per character, perplexity = 2 ** bpc)."""
    # TODO: mean nats per character, divided by ln 2
    raise NotImplementedError
