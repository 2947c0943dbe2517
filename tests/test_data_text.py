"""The character corpus: vocabulary, encoding, split, BPTT windows and n-gram baselines."""
import math
from collections import Counter

import numpy as np
import pytest

from tinygrad_rnn.data.text import CharCorpus, python_docs_text

TEXT = "héllo wörld, hello world! " * 40 + "the end."


def test_vocab_encode_decode_and_split():
    c = CharCorpus(TEXT, valid_fraction=0.25)
    assert c.vocab == sorted(set(TEXT)) and c.vocab_size == len(set(TEXT))
    assert c.decode(c.encode(TEXT)) == TEXT
    assert c.data.dtype == np.int64
    assert len(c.valid) == round(len(TEXT) * 0.25)
    assert c.decode(c.train) + c.decode(c.valid) == TEXT            # contiguous, in order
    with pytest.raises(ValueError, match="'Z' is not in the vocabulary"):
        c.encode("Z")
    with pytest.raises(ValueError, match="empty"):
        CharCorpus("")


def test_from_file_utf8_and_bad_bytes(tmp_path):
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    assert CharCorpus.from_file(tmp_path / "t.txt").text == TEXT
    (tmp_path / "bad.txt").write_bytes(b"abc\xff\xfe")
    with pytest.raises(ValueError, match=r"bad.txt is not valid utf-8 at byte 3"):
        CharCorpus.from_file(tmp_path / "bad.txt")


def test_batches_are_continuous_streams():
    c = CharCorpus(TEXT, valid_fraction=0.1)
    B, T = 3, 7
    windows = list(c.batches(B, T))
    assert len(windows) == c.num_batches(B, T) > 2
    stream = (len(c.train) - 1) // B
    for k, (x, y) in enumerate(windows):
        assert x.shape == y.shape == (B, T) and x.dtype == np.int64
        for b in range(B):
            start = b * stream + k * T                                  # row b continues its stream
            np.testing.assert_array_equal(x[b], c.train[start:start + T])
            np.testing.assert_array_equal(y[b], c.train[start + 1:start + T + 1])
    with pytest.raises(ValueError, match="too short"):
        next(c.batches(len(c.valid), 5, split="valid"))
    with pytest.raises(ValueError, match="split"):
        next(c.batches(2, 2, split="test"))


def test_baselines_by_direct_counting():
    c = CharCorpus(TEXT, valid_fraction=0.2)
    train, valid = c.decode(c.train), c.decode(c.valid)
    V = len(c.vocab)
    uni = Counter(train)
    expected_uni = -sum(math.log2((uni[ch] + 1) / (len(train) + V)) for ch in valid) / len(valid)
    pairs = Counter(zip(train, train[1:]))
    first = Counter(train[:-1])
    contexts = train[-1] + valid[:-1]
    expected_bi = -sum(math.log2((pairs[(a, b)] + 1) / (first[a] + V)) for a, b in zip(contexts, valid)) / len(valid)
    assert c.unigram_bpc() == pytest.approx(expected_uni, rel=1e-12)
    assert c.bigram_bpc() == pytest.approx(expected_bi, rel=1e-12)
    assert c.uniform_bpc() == pytest.approx(math.log2(V))


def test_default_python_docs_corpus():
    from pydoc_data.topics import topics
    text = python_docs_text()
    assert text.startswith(topics[sorted(topics)[0]]) and text.endswith(topics[sorted(topics)[-1]])
    c = CharCorpus.python_docs()
    assert len(c.text) > 100_000 and 60 < c.vocab_size < 300
    assert c.uniform_bpc() > c.unigram_bpc() > c.bigram_bpc() > 2.0
