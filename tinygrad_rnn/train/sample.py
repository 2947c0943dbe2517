"""Sampling text from a character model, one character at a time (Graves 2013, §2).

The state after the prime text is carried forward; each next character is drawn from
softmax(logits / temperature): below 1 the model plays safe and repeats its favourite
words, above 1 it takes more risks and misspells more.
"""
from __future__ import annotations

import numpy as np

from ..arguments import describe, real, size
from ..errors import ArgumentError, ArgumentTypeError
from .. import backend
from ..modes import no_grad
from ..tensor import Tensor
from .models import SequenceModel


DEFAULT_PRIME = "The "


def sample_text(model: SequenceModel, vocab: str, prime: str | None, length: int, temperature: float = 1.0,
                seed: int | None = None) -> str:
    """``prime`` followed by ``length`` sampled characters.

    ``prime=None`` starts from ``"The "`` when the vocabulary has those characters; an empty
    prime (or ``None`` with a vocabulary that lacks them, e.g. a lowercase corpus) starts from
    one character drawn uniformly from the vocabulary with the same ``seed``."""
    # finite: an infinite temperature turns every logit into 0 (or NaN for -inf logits)
    temperature = real(temperature, "temperature", "sample_text", low=0.0, low_open=True)
    length = size(length, "length", "sample_text")
    if not isinstance(vocab, str) or (prime is not None and not isinstance(prime, str)):
        raise ArgumentTypeError(f"sample_text: vocab and prime must be strings, got {describe(vocab)} and "
                                f"{describe(prime)}")
    if not vocab:
        raise ArgumentError("sample_text: the model's vocabulary is empty")
    stoi = {ch: i for i, ch in enumerate(vocab)}
    if prime is None:
        prime = DEFAULT_PRIME if all(ch in stoi for ch in DEFAULT_PRIME) else ""
    unknown = sorted({ch for ch in prime if ch not in stoi})
    if unknown:
        raise ArgumentError(f"sample_text: the prime contains characters the model never saw: {unknown!r}")
    rng = np.random.default_rng(seed)
    if not prime:
        prime = vocab[int(rng.integers(len(vocab)))]
    device = model.parameters()[0].device
    model.eval()
    out = list(prime)
    with no_grad():
        ids = np.array([[stoi[ch] for ch in prime]], dtype=np.int64)
        logits, state = model(Tensor(ids, device=device))
        for _ in range(length):
            z = backend.to_numpy(logits.data)[0, -1].astype(np.float64) / temperature
            p = np.exp(z - z.max())
            nxt = int(rng.choice(len(vocab), p=p / p.sum()))
            out.append(vocab[nxt])
            logits, state = model(Tensor(np.array([[nxt]], dtype=np.int64), device=device), state=state)
    return "".join(out)
