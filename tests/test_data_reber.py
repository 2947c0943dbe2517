"""The embedded Reber grammar: strings, legal-successor sets, the data set and the 1997 score."""
import numpy as np
import pytest

from tinygrad_rnn.data.reber import (SYMBOLS, embedded_reber, embedded_reber_string, encode_example,
                                     legal_next, reber_correct, reber_string)

# Successor sets worked out by hand from the automaton in the module docstring
HAND = {"BTBPVVETE": ["TP", "B", "TP", "TV", "PV", "E", "T", "E", ""],
        "BPBTSSXXTVVEPE": ["TP", "B", "TP", "SX", "SX", "SX", "XS", "TV", "TV", "PV", "E", "P", "E", ""],
        "BTBTXXVPSETE": ["TP", "B", "TP", "SX", "XS", "TV", "PV", "XS", "E", "T", "E", ""]}


def test_legal_next_on_hand_worked_examples():
    for s, sets in HAND.items():
        assert [set(a) for a in legal_next(s)] == [set(b) for b in sets]


def test_invalid_strings_are_rejected():
    for bad in ["BTBPVVEPE", "BTBPXVETE", "BTBTSSE", "XTBPVVETE", "BTBPVVETEE"]:
        with pytest.raises(ValueError):
            legal_next(bad)


def test_generated_strings_belong_to_the_grammar():
    rng = np.random.default_rng(0)
    strings = [embedded_reber_string(rng) for _ in range(500)]
    for s in strings:
        sets = legal_next(s)                     # raises if not in the grammar
        assert s[1] == s[-2]                     # the symbol before last repeats the second
        assert all(s[t + 1] in sets[t] for t in range(len(s) - 1))
    inner = [reber_string(rng) for _ in range(500)]
    assert all(s[0] == "B" and s[-1] == "E" for s in inner)
    assert min(len(s) for s in strings) == 9     # the shortest: B T BTXSE T E / B P BPVVE P E ...
    assert {s[1] for s in strings} == {"T", "P"}
    # every transition of the automaton is used
    pairs = {s[i:i + 2] for s in inner for i in range(len(s) - 1)}
    assert {"BT", "BP", "TS", "TX", "SS", "SX", "PT", "PV", "XX", "XS", "TT", "TV", "VP", "VV", "SE", "VE"} <= pairs


def test_encoding_and_data_set():
    x, y = encode_example("BTBPVVETE")
    assert x.shape == y.shape == (8, 7) and x.dtype == y.dtype == np.float32
    assert "".join(SYMBOLS[i] for i in x.argmax(axis=1)) == "BTBPVVET"
    assert np.all(y[6] == np.eye(7)[SYMBOLS.index("T")])      # after the inner E: the remembered T
    d = embedded_reber(n_train=64, n_test=64, seed=1)
    assert d["train_inputs"].shape[0] == 64 and d["test_targets"].shape[2] == 7
    assert not set(d["test_strings"]) & set(d["train_strings"])
    for i, s in enumerate(d["train_strings"]):
        L = d["train_lengths"][i]
        assert L == len(s) - 1
        xi, yi = encode_example(s)
        np.testing.assert_array_equal(d["train_inputs"][i, :L], xi)
        np.testing.assert_array_equal(d["train_targets"][i, :L], yi)
        assert np.all(d["train_inputs"][i, L:] == 0)
    again = embedded_reber(n_train=64, n_test=64, seed=1)
    assert again["test_strings"] == d["test_strings"]


def test_reber_correct_scores_by_the_top_k_rule():
    d = embedded_reber(n_train=8, n_test=1, seed=2)
    targets, lengths = d["train_targets"], d["train_lengths"]
    perfect = targets * 2.0 - 1.0                      # legal +1, illegal -1
    assert reber_correct(perfect, targets, lengths).all()
    noisy = perfect + np.random.default_rng(0).uniform(-0.9, 0.9, perfect.shape)
    assert reber_correct(noisy, targets, lengths).all()      # ranks unchanged
    broken = perfect.copy()
    step = 1                                           # after T/P only B is legal
    broken[3, step, SYMBOLS.index("E")] = 5.0          # an illegal symbol outranks it
    result = reber_correct(broken, targets, lengths)
    assert not result[3] and result[[0, 1, 2, 4, 5, 6, 7]].all()
    tie = perfect.copy()
    tie[0, 0, SYMBOLS.index("S")] = 1.0                # a tie with the legal ones is not "most active"
    assert not reber_correct(tie, targets, lengths)[0]
    padded = perfect.copy()
    for i, L in enumerate(lengths):
        padded[i, L:, SYMBOLS.index("E")] = 5.0        # garbage after each string's end
    assert lengths.min() < padded.shape[1]
    assert reber_correct(padded, targets, lengths).all()        # padding is not scored
    assert reber_correct(padded, targets).all()        # all-zero target rows are vacuously right
    garbage = perfect.copy()
    garbage[0, :lengths[0]] = 0.0                      # all outputs equal: nothing is "most active"
    assert not reber_correct(garbage, targets, lengths)[0]
    with pytest.raises(ValueError):
        reber_correct(perfect[0], targets[0])
