"""The exercise checks of lessons 8–12 and 14 give the right verdict on fresh random inputs.

For each lesson: the shipped solution passes (under several seeds), a wrong answer fails with a
sentence that names what is wrong, and each shortcut fails: a constant or a lookup table that
fitted one fixed case, and the library (``Tensor.softmax``, ``CharCorpus``, a real layer,
``tg.viz.build_graph``) used inside a "NumPy only" or "work it out" exercise, which is caught
and named. Candidates are files checked with ``run_checks(N, file=...)``, as
``tinygrad-rnn check N --file PATH`` does.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tinygrad_rnn.lessons import exercise_path, run_checks

LESSONS = [8, 9, 10, 11, 12, 14]


def _solution(number: int) -> str:
    return exercise_path(number, use_solutions=True).read_text(encoding="utf-8")


def _with(number: int, extra: str) -> str:
    """The solution with one function redefined at the end (the later definition wins)."""
    return _solution(number) + "\n\nimport numpy as np\nimport tinygrad_rnn as tg\n\n" + textwrap.dedent(extra)


def _verdicts(number: int, source: str, tmp_path: Path, seed: int = 2024) -> dict[str, tuple[bool, str]]:
    path = tmp_path / f"candidate_{number:02d}_{seed}.py"
    path.write_text(source, encoding="utf-8")
    return {o.fn_name: (o.ok, o.message) for o in run_checks(number, file=path, seed=seed)}


def _fails_alone(number: int, fn_name: str, source: str, tmp_path: Path, reason: str,
                 seeds: tuple[int, ...] = (2024,)) -> None:
    for seed in seeds:
        verdicts = _verdicts(number, source, tmp_path, seed)
        ok, message = verdicts[fn_name]
        assert not ok, f"lesson {number}: {fn_name} passed with seed {seed} but should fail"
        assert reason in message, message
        others = {name: m for name, (good, m) in verdicts.items() if name != fn_name and not good}
        assert not others, f"only {fn_name} should fail: {others}"


@pytest.mark.parametrize("number", LESSONS)
@pytest.mark.parametrize("seed", [5, 77])
def test_shipped_solution_passes(number: int, seed: int, tmp_path: Path) -> None:
    verdicts = _verdicts(number, _solution(number), tmp_path, seed)
    assert verdicts and all(ok for ok, _ in verdicts.values()), verdicts


def test_inputs_change_from_run_to_run_and_a_seed_repeats_them(tmp_path: Path) -> None:
    # a function that records what it was given: two seeds give two texts, one seed the same text
    source = _with(10, """
        SEEN = []

        def bigram_bpc(train_ids, valid_ids, vocab_size):
            SEEN.append((len(train_ids), len(valid_ids), vocab_size, int(np.asarray(train_ids).sum())))
            raise AssertionError(repr(SEEN[0]))
        """)
    first = _verdicts(10, source, tmp_path, seed=1)["bigram_bpc"][1]
    again = _verdicts(10, source, tmp_path, seed=1)["bigram_bpc"][1]
    other = _verdicts(10, source, tmp_path, seed=2)["bigram_bpc"][1]
    assert first == again and first != other


# ---- lesson 8 ------------------------------------------------------------------------------

def test_lesson8_wrong_answers(tmp_path: Path) -> None:
    _fails_alone(8, "adding_target", _with(8, """
        def adding_target(pairs):
            pairs = np.asarray(pairs, dtype=np.float64)
            return float(0.5 + pairs[pairs[:, 1] != 0, 0].sum() / 4)     # counts the -1 end markers too
        """), tmp_path, "the data set's target is")
    _fails_alone(8, "masked_step_mean", _with(8, """
        def masked_step_mean(per_step, lengths):
            per_step = np.asarray(per_step)
            real = np.arange(per_step.shape[1])[None, :] < np.asarray(lengths)[:, None]
            return float(per_step[real].sum() / per_step.size)          # divides by N*L*K
        """), tmp_path, "the masked mean is off")
    _fails_alone(8, "masked_step_mean", _with(8, """
        def masked_step_mean(per_step, lengths):
            return float(np.mean(per_step))                              # padding included
        """), tmp_path, "padded steps leaked")


def test_lesson8_library_inside_numpy_only_is_caught(tmp_path: Path) -> None:
    _fails_alone(8, "masked_step_mean", _with(8, """
        def masked_step_mean(per_step, lengths):
            t = tg.tensor(np.asarray(per_step, dtype=np.float64))
            real = np.arange(t.shape[1])[None, :] < np.asarray(lengths)[:, None]
            return float((t * tg.tensor(real[:, :, None] * 1.0)).sum().item() / (real.sum() * t.shape[2]))
        """), tmp_path, "caught:")


# ---- lesson 9 ------------------------------------------------------------------------------

def test_lesson9_wrong_answers_and_the_fixed_table_constant(tmp_path: Path) -> None:
    _fails_alone(9, "confusion_counts", _with(9, """
        def confusion_counts(y_true, y_pred, classes):
            table = np.zeros((classes, classes), dtype=np.int64)
            for t, p in zip(y_true, y_pred):
                table[p, t] += 1                                         # rows and columns swapped
            return table
        """), tmp_path, "rows are true labels")
    # the answer to the table the old check always used
    _fails_alone(9, "per_class_recall", _with(9, """
        def per_class_recall(table):
            return np.array([5 / 6, 2 / 4, np.nan])
        """), tmp_path, "one recall per class", seeds=(1, 2, 3))
    _fails_alone(9, "per_class_recall", _with(9, """
        def per_class_recall(table):
            table = np.asarray(table, dtype=np.float64)
            return np.diag(table) / np.maximum(table.sum(axis=0), 1)    # column sums: precision
        """), tmp_path, "")
    _fails_alone(9, "columns_as_sequence", _with(9, """
        def columns_as_sequence(images):
            n, r, c = np.shape(images)
            return np.reshape(images, (n, c, r))                        # right shape, wrong order
        """), tmp_path, "should be column")


def test_lesson9_softmax_overflow_and_library_softmax(tmp_path: Path) -> None:
    _fails_alone(9, "softmax_probs", _with(9, """
        def softmax_probs(logits):
            e = np.exp(np.asarray(logits, dtype=np.float64))
            return e / e.sum(axis=1, keepdims=True)
        """), tmp_path, "inf or nan")
    _fails_alone(9, "softmax_probs", _with(9, """
        def softmax_probs(logits):
            return tg.tensor(np.asarray(logits, dtype=np.float64)).softmax(axis=1).numpy()
        """), tmp_path, "caught:")


# ---- lesson 10 -----------------------------------------------------------------------------

def test_lesson10_constant_bigram_no_longer_passes(tmp_path: Path) -> None:
    # the number the old check's one fixed text produced passed it; random texts do not
    from tinygrad_rnn.data.text import CharCorpus

    fixed = CharCorpus("the cat sat on the mat; the rat ate the hat. " * 3 + "a bat and a cat met.", 0.3)
    _fails_alone(10, "bigram_bpc", _with(10, f"""
        def bigram_bpc(train_ids, valid_ids, vocab_size):
            return {fixed.bigram_bpc()!r}
        """), tmp_path, "the add-one bigram model gives", seeds=(1, 2, 3, 4))


def test_lesson10_bigram_slips_are_named(tmp_path: Path) -> None:
    _fails_alone(10, "bigram_bpc", _with(10, """
        def bigram_bpc(train_ids, valid_ids, vocab_size):
            train, valid = np.asarray(train_ids), np.asarray(valid_ids)
            counts = np.zeros((vocab_size, vocab_size))
            for a, c in zip(train[:-1], train[1:]):
                counts[a, c] += 1
            probs = (counts + 1) / (counts.sum(axis=1, keepdims=True) + vocab_size)
            return float(-np.mean(np.log2(probs[valid[:-1], valid[1:]])))   # drops valid[0]
        """), tmp_path, "first validation character is missing")


def test_lesson10_the_library_inside_numpy_only_is_caught(tmp_path: Path) -> None:
    _fails_alone(10, "temperature_probs", _with(10, """
        def temperature_probs(logits, temperature):
            return tg.Tensor(np.asarray(logits) / temperature, dtype=tg.float64).softmax(axis=0).numpy()
        """), tmp_path, "caught:")
    _fails_alone(10, "bigram_bpc", _with(10, """
        from tinygrad_rnn.data.text import CharCorpus

        def bigram_bpc(train_ids, valid_ids, vocab_size):
            corpus = CharCorpus.__new__(CharCorpus)
            corpus.train, corpus.valid = np.asarray(train_ids), np.asarray(valid_ids)
            corpus.vocab = list(range(vocab_size))
            return corpus.bigram_bpc()
        """), tmp_path, "caught:")
    _fails_alone(10, "temperature_probs", _with(10, """
        def temperature_probs(logits, temperature):
            e = np.exp(np.asarray(logits) / temperature)                 # no shift: exp overflows
            return e / e.sum()
        """), tmp_path, "finite probabilities")


def test_caught_message_says_what_the_exercise_allows(tmp_path: Path) -> None:
    source = _with(10, """
        def temperature_probs(logits, temperature):
            return tg.Tensor(np.asarray(logits) / temperature, dtype=tg.float64).softmax(axis=0).numpy()
        """)
    message = _verdicts(10, source, tmp_path)["temperature_probs"][1]
    assert "tinygrad_rnn" in message and "NumPy only" in message


# ---- lesson 11 -----------------------------------------------------------------------------

def test_lesson11_running_the_layer_is_not_working_it_out(tmp_path: Path) -> None:
    _fails_alone(11, "lstm_shapes", _with(11, """
        def lstm_shapes(T, B, I, H, num_layers=1, bidirectional=False, batch_first=False, proj_size=0):
            layer = tg.nn.LSTM(I, H, num_layers=num_layers, bidirectional=bidirectional,
                               batch_first=batch_first, proj_size=proj_size)
            out, (h, c) = layer(tg.zeros(B, T, I) if batch_first else tg.zeros(T, B, I))
            return tuple(out.shape), tuple(h.shape), tuple(c.shape)
        """), tmp_path, "caught:")


def test_lesson11_wrong_answers(tmp_path: Path) -> None:
    _fails_alone(11, "lstm_shapes", _with(11, """
        def lstm_shapes(T, B, I, H, num_layers=1, bidirectional=False, batch_first=False, proj_size=0):
            D = 2 if bidirectional else 1
            out = (B, T, D * H) if batch_first else (T, B, D * H)       # forgets proj_size
            return out, (D * num_layers, B, H), (D * num_layers, B, H)
        """), tmp_path, "but the layer returns", seeds=(1, 2))
    _fails_alone(11, "final_states_from_output", _with(11, """
        def final_states_from_output(output, lengths, hidden_size):
            H = hidden_size
            return np.stack([np.stack([output[n - 1, b, :H] for b, n in enumerate(lengths)]),
                             np.stack([output[n - 1, b, H:] for b, n in enumerate(lengths)])])
        """), tmp_path, "backward final state")
    _fails_alone(11, "reverse_padded", _with(11, """
        def reverse_padded(x, lengths):
            return np.asarray(x)[::-1].copy()                            # reverses the padding too
        """), tmp_path, "is wrong")


# ---- lesson 12 -----------------------------------------------------------------------------

def test_lesson12_counting_with_the_library_or_with_repeats(tmp_path: Path) -> None:
    _fails_alone(12, "count_ops", _with(12, """
        def count_ops(root):
            return sum(1 for node in tg.viz.build_graph(root).nodes if node.kind == "op")
        """), tmp_path, "caught:")
    _fails_alone(12, "count_ops", _with(12, """
        def count_ops(root):
            if root._ctx is None:
                return 0
            return 1 + sum(count_ops(p) for p in root._ctx.parents if isinstance(p, tg.Tensor))
        """), tmp_path, "counted once")


def test_lesson12_rounding_and_the_fused_op(tmp_path: Path) -> None:
    _fails_alone(12, "crossover_hidden", _with(12, """
        def crossover_hidden(ops_per_step, seconds_per_op, batch, flops_per_second):
            return int(math.sqrt(ops_per_step * seconds_per_op * flops_per_second / (16 * batch)))   # rounds down
        """), tmp_path, "still below the fixed price")
    _fails_alone(12, "gru_step_pointwise", _with(12, """
        def gru_step_pointwise(cell, x, h):
            return cell(x, h)                                           # right numbers, not one fused op
        """), tmp_path, "GRUPointwise.apply")


# ---- lesson 14 -----------------------------------------------------------------------------

def test_lesson14_library_softmax_inside_numpy_is_caught(tmp_path: Path) -> None:
    _fails_alone(14, "additive_attention", _with(14, """
        def additive_attention(s, enc, W_s, W_h, v):
            scores = np.tanh((s @ W_s.T)[None] + enc @ W_h.T) @ v
            weights = tg.tensor(scores).softmax(0).numpy()
            return weights, (weights[:, :, None] * enc).sum(0)
        """), tmp_path, "caught:")


def test_lesson14_wrong_answers(tmp_path: Path) -> None:
    _fails_alone(14, "masked_attention", _with(14, """
        def masked_attention(scores, lengths):
            e = np.exp(scores - scores.max(0, keepdims=True))            # padding not masked
            return e / e.sum(0, keepdims=True)
        """), tmp_path, "padded positions")
    _fails_alone(14, "dot_attention", _with(14, """
        def dot_attention(s, enc):
            weights = tg.tensor((enc.numpy() * s.numpy()).sum(2)).softmax(0)   # the graph is cut here
            return weights, (weights.unsqueeze(2) * enc).sum(0)
        """), tmp_path, "gradient")
