"""A character corpus for language modelling: text → integer ids → (B, T) training windows.

By default the corpus is the Python reference manual's topic pages that ship with CPython
(``pydoc_data.topics.topics``, a dict topic → text; joined in sorted key order with a blank
line between pages): about 465,000 characters of English and code, on every machine, with
no download. Any UTF-8 file works too: ``CharCorpus.from_file("input.txt")``.

Two baselines say what "learning something" means, in bits per character (bpc) on the
validation split, both fitted on the training split with add-one (Laplace) smoothing — every
count starts at 1, so a character never seen in a context still gets a small probability:

* unigram: p(c) = (n(c) + 1) / (N + V)
* bigram:  p(c | a) = (n(a, c) + 1) / (n(a) + V), where n(a) counts a's followed by something

(V = vocabulary size, N = training characters.) A character-level RNN should go well below
the bigram figure.
"""
from __future__ import annotations

import math
import os
from typing import Any, Iterator

import numpy as np

from ..arguments import describe, positive_int
from ..errors import ArgumentError
from ..errors import ArgumentTypeError


def python_docs_text() -> str:
    """The Python reference-manual topics shipped with CPython, joined in sorted key order."""
    from pydoc_data.topics import topics  # noqa: PLC0415 (stdlib, imported on demand)
    return "\n\n".join(topics[k] for k in sorted(topics))


class CharCorpus:
    """Text with a vocabulary (sorted characters), an encoder and a train/validation split.

    The split is deterministic: the first ``1 − valid_fraction`` of the text trains, the
    rest validates. Contiguous, not shuffled: shuffled windows would leak neighbouring text
    into both halves.
    """

    def __init__(self, text: str, valid_fraction: float = 0.1) -> None:
        if not isinstance(text, str):
            raise ArgumentTypeError(f"CharCorpus: text must be a str, got {type(text).__name__}")
        if not isinstance(valid_fraction, (int, float)) or isinstance(valid_fraction, bool):
            raise ArgumentTypeError(f"CharCorpus: valid_fraction must be a number, got {type(valid_fraction).__name__}")
        if not text:
            raise ArgumentError("CharCorpus: the text is empty")
        if not 0 < valid_fraction < 1:
            raise ArgumentError(f"CharCorpus: valid_fraction must be in (0, 1), got {valid_fraction}")
        self.text = text
        self.vocab: list[str] = sorted(set(text))
        self.stoi = {ch: i for i, ch in enumerate(self.vocab)}
        self.data = self.encode(text)
        n_train = len(text) - max(1, int(round(len(text) * valid_fraction)))
        if n_train < 2:
            raise ArgumentError(f"CharCorpus: {len(text)} characters are too few to split")
        self.train, self.valid = self.data[:n_train], self.data[n_train:]

    @classmethod
    def from_file(cls, path: str | os.PathLike, valid_fraction: float = 0.1, encoding: str = "utf-8") -> "CharCorpus":
        """Any text file (UTF-8 by default; a decoding error names the file and the offset)."""
        with open(path, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as e:
            raise ArgumentError(f"CharCorpus: {os.fspath(path)} is not valid {encoding} at byte {e.start}: {e.reason}") from None
        return cls(text, valid_fraction)

    @classmethod
    def python_docs(cls, valid_fraction: float = 0.1) -> "CharCorpus":
        """The default corpus (see :func:`python_docs_text`)."""
        return cls(python_docs_text(), valid_fraction)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> np.ndarray:
        """Characters → ids, (len,) int64. A character outside the vocabulary is an error."""
        if not isinstance(text, str):
            raise ArgumentTypeError(f"CharCorpus.encode: text must be a str, got {describe(text)}")
        try:
            return np.fromiter((self.stoi[ch] for ch in text), dtype=np.int64, count=len(text))
        except KeyError as e:
            raise ArgumentError(f"CharCorpus.encode: character {e.args[0]!r} is not in the vocabulary "
                             f"({self.vocab_size} characters)") from None

    def decode(self, ids: np.ndarray | list[int]) -> str:
        """Ids → text."""
        arr = np.asarray(ids.numpy() if hasattr(ids, "numpy") else ids)
        if arr.dtype.kind not in "iu" and arr.size:
            raise ArgumentTypeError(f"CharCorpus.decode: ids must be ints, got {describe(ids)}")
        arr = arr.reshape(-1)
        if arr.size and (arr.min() < 0 or arr.max() >= self.vocab_size):
            raise ArgumentError(f"CharCorpus.decode: ids must be in [0, {self.vocab_size - 1}], "
                                f"got {int(arr.min())} to {int(arr.max())}")
        return "".join(self.vocab[int(i)] for i in arr)

    def batches(self, batch_size: int, seq_len: int, split: str = "train") -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Windows for truncated BPTT: yields ``(x, y)``, both (B, T) int64, y = x shifted by one.

        The split is cut into ``batch_size`` equal streams, one per batch row, and each is
        read left to right in steps of ``seq_len``: row b of one window continues exactly where
        row b of the previous window stopped, so the hidden state can be carried over
        (detached) between windows. The tail that does not fill a window is dropped. Bad
        arguments are refused at the call, not at the first ``next()``.
        """
        data = self._split("CharCorpus.batches", split)
        batch_size = positive_int(batch_size, "batch_size", "CharCorpus.batches")
        seq_len = positive_int(seq_len, "seq_len", "CharCorpus.batches")
        stream = (len(data) - 1) // batch_size      # −1: every x needs its next character as y
        if stream < seq_len:
            raise ArgumentError(f"CharCorpus.batches: the {split} split ({len(data)} characters) is too short "
                             f"for {batch_size} streams of at least {seq_len + 1} characters")
        x_all = data[:batch_size * stream].reshape(batch_size, stream)
        y_all = data[1:batch_size * stream + 1].reshape(batch_size, stream)
        return ((x_all[:, start:start + seq_len], y_all[:, start:start + seq_len])
                for start in range(0, stream - seq_len + 1, seq_len))

    def num_batches(self, batch_size: int, seq_len: int, split: str = "train") -> int:
        data = self._split("CharCorpus.num_batches", split)
        batch_size = positive_int(batch_size, "batch_size", "CharCorpus.num_batches")
        seq_len = positive_int(seq_len, "seq_len", "CharCorpus.num_batches")
        return ((len(data) - 1) // batch_size) // seq_len

    def _split(self, op: str, split: Any) -> np.ndarray:
        if isinstance(split, str) and split in ("train", "valid"):
            return self.train if split == "train" else self.valid
        raise ArgumentError(f"{op}: split must be 'train' or 'valid', got {split!r}")

    # -- baselines --
    def unigram_bpc(self) -> float:
        """Validation bits per character of a unigram model fitted on the training split."""
        V = self.vocab_size
        counts = np.bincount(self.train, minlength=V).astype(np.float64)
        logp = np.log2((counts + 1.0) / (len(self.train) + V))
        return float(-logp[self.valid].mean())

    def bigram_bpc(self) -> float:
        """Validation bits per character of a bigram model fitted on the training split.

        Each validation character is predicted from the one before it; the first one from
        the last training character (the split is contiguous).
        """
        V = self.vocab_size
        pairs = np.zeros((V, V))
        np.add.at(pairs, (self.train[:-1], self.train[1:]), 1.0)
        logp = np.log2((pairs + 1.0) / (pairs.sum(axis=1, keepdims=True) + V))
        context = np.concatenate([self.train[-1:], self.valid[:-1]])
        return float(-logp[context, self.valid].mean())

    def uniform_bpc(self) -> float:
        """log₂ V: the bpc of guessing uniformly over the vocabulary."""
        return math.log2(self.vocab_size)

    def __repr__(self) -> str:
        return (f"CharCorpus({len(self.text)} characters, vocab {self.vocab_size}, "
                f"train {len(self.train)}, valid {len(self.valid)})")
