"""Bad arguments over the public API: each argument of each call replaced by each bad value.

Every such call must either raise a ``TinygradRNNError`` whose message names the operation, or
succeed because the value is legitimate there — and then only if ``ALLOWED`` lists it with the
reason (PyTorch's behaviour, mostly). A raw ``TypeError``/``IndexError``/``OverflowError``
from deep inside, a call that runs past a few seconds, a bad value that is accepted without
being listed, or a call that changes the tensors it was given all fail the test.

The counts for the robustness table print with::

    .venv/bin/python -m pytest -q -s tests/test_api_fuzz.py
"""
from __future__ import annotations

import math
import signal
import warnings
from collections import Counter
from typing import Any, Callable

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn, optim
from tinygrad_rnn.data import adding, copy_task, reber, text
from tinygrad_rnn.train import SequenceModel, make_task, sample_text

BAD: list[tuple[str, Any]] = [("None", None), ("'x'", "x"), ("-1", -1), ("0", 0), ("2.5", 2.5),
                              ("nan", float("nan")), ("inf", float("inf")), ("[]", []), ("object", object())]
NUMBERS = ("-1", "0", "2.5", "nan", "inf")
AXES = ("-1", "0")          # valid axes of the 2-d probe tensor

tg.manual_seed(0)
X = tg.randn(2, 3)
MODEL = SequenceModel(2, 3, 2, vocab_size=2)
CORPUS = text.CharCorpus("hello world " * 20)


def params() -> list:
    return [tg.zeros(3, requires_grad=True)]


# (name, function, good arguments, keyword arguments); every message must contain the name's first word
CALLS: list[tuple[str, Callable[..., Any], list, dict]] = [
    ("zeros", tg.zeros, [2, 3], {}), ("ones", tg.ones, [2], {}), ("full", tg.full, [(2,), 1.0], {}),
    ("arange", tg.arange, [3], {}), ("eye", tg.eye, [3], {}), ("tensor", tg.tensor, [[1.0, 2.0]], {}),
    ("randn", tg.randn, [2, 3], {}),
    ("sum", lambda d: X.sum(d), [1], {}), ("mean", lambda d: X.mean(d), [1], {}),
    ("max", lambda d: X.max(d), [1], {}), ("argmax", lambda d: X.argmax(d), [1], {}),
    ("softmax", lambda d: X.softmax(d), [1], {}), ("log_softmax", lambda d: X.log_softmax(d), [1], {}),
    ("reshape", lambda a, b: X.reshape(a, b), [3, 2], {}),
    ("permute", lambda a, b: X.permute(a, b), [1, 0], {}),
    ("transpose", lambda a, b: X.transpose(a, b), [0, 1], {}),
    ("unsqueeze", lambda d: X.unsqueeze(d), [0], {}), ("squeeze", lambda d: X.squeeze(d), [0], {}),
    ("split", lambda s, d: X.split(s, d), [1, 1], {}), ("chunk", lambda c, d: X.chunk(c, d), [3, 1], {}),
    ("to", lambda d: X.to(d), ["cpu"], {}), ("astype", lambda d: X.astype(d), [tg.float64], {}),
    ("index", lambda i: X[i], [0], {}),
    ("cat", lambda d: tg.cat([X, X], d), [0], {}), ("stack", lambda d: tg.stack([X, X], d), [0], {}),
    ("add", lambda o: X + o, [1.0], {}), ("matmul", lambda o: X @ o, [tg.randn(3, 2)], {}),
    ("pow", lambda o: X ** o, [2], {}), ("clip", lambda a, b: tg.clip(X, a, b), [-1.0, 1.0], {}),
    ("Linear", nn.Linear, [3, 4], {}), ("LSTM", nn.LSTM, [3, 4], {"num_layers": 1, "dropout": 0.0}),
    ("LSTM layers", lambda n, p: nn.LSTM(3, 4, num_layers=n, dropout=p), [2, 0.5], {}),
    ("GRU", nn.GRU, [3, 4], {"num_layers": 1}), ("RNN", nn.RNN, [3, 4], {"nonlinearity": "tanh"}),
    ("LSTMCell", nn.LSTMCell, [3, 4], {}), ("GRUCell", nn.GRUCell, [3, 4], {}),
    ("RNNCell", nn.RNNCell, [3, 4], {}),
    ("Embedding", nn.Embedding, [5, 3], {}), ("Dropout", nn.Dropout, [0.5], {}),
    ("LSTM forward", lambda inp: nn.LSTM(3, 4)(inp), [tg.randn(5, 2, 3)], {}),
    ("mse_loss", nn.mse_loss, [X, X], {"reduction": "mean"}),
    ("cross_entropy", nn.cross_entropy, [X, tg.tensor([0, 1])], {"reduction": "mean"}),
    ("clip_grad_norm", nn.clip_grad_norm, [params(), 1.0], {}),
    ("clip_grad_value", nn.clip_grad_value, [params(), 1.0], {}),
    ("SGD", lambda p, lr, m: optim.SGD(p, lr=lr, momentum=m), [params(), 0.1, 0.9], {}),
    ("Adam", lambda p, lr, b1, eps: optim.Adam(p, lr=lr, betas=(b1, 0.999), eps=eps), [params(), 0.1, 0.9, 1e-8], {}),
    ("Adam betas", lambda betas: optim.Adam(params(), betas=betas), [(0.9, 0.999)], {}),
    ("RMSprop", lambda p, lr, a: optim.RMSprop(p, lr=lr, alpha=a), [params(), 0.1, 0.99], {}),
    ("Adagrad", lambda p, lr: optim.Adagrad(p, lr=lr), [params(), 0.1], {}),
    ("StepLR", lambda s, g: optim.lr_scheduler.StepLR(optim.SGD(params(), lr=0.1), s, gamma=g), [2, 0.5], {}),
    ("ExponentialLR", lambda g: optim.lr_scheduler.ExponentialLR(optim.SGD(params(), lr=0.1), g), [0.5], {}),
    ("adding_problem", adding.adding_problem, [4, 20], {}), ("adding_1997", adding.adding_1997, [4, 30], {}),
    ("copy_task", copy_task.copy_task, [4, 2, 3], {}), ("embedded_reber", reber.embedded_reber, [4, 4], {}),
    ("CharCorpus", text.CharCorpus, ["hello world " * 5], {}),
    ("make_task", lambda n: make_task(n, T=20), ["adding"], {}),
    ("SequenceModel", SequenceModel, [2, 3, 1], {"cell": "lstm"}),
    ("sample_text", lambda v, p, n, t: sample_text(MODEL, v, p, n, t, 0), ["ab", "a", 3, 1.0], {}),
    ("load", tg.load, ["/nonexistent/checkpoint.npz"], {}),
    # options and less common calls
    ("manual_seed", tg.manual_seed, [0], {}), ("rand", tg.rand, [2, 3], {}),
    ("expand", lambda a, b: tg.randn(1, 3).expand(a, b), [2, 3], {}),
    ("broadcast_to", lambda s: X.broadcast_to(s), [(2, 3)], {}),
    ("where", lambda c: tg.where(c, X, X), [X > 0], {}), ("maximum", lambda o: X.maximum(o), [0.0], {}),
    ("cross_entropy options", lambda ii, ls: nn.cross_entropy(X, tg.tensor([0, 1]), ignore_index=ii,
                                                              label_smoothing=ls), [-100, 0.0], {}),
    ("CrossEntropyLoss", nn.CrossEntropyLoss, [-100, "mean", 0.0], {}),
    ("clip_grad_norm norm_type", lambda n: nn.clip_grad_norm(params(), 1.0, norm_type=n), [2.0], {}),
    ("SGD options", lambda wd, d: optim.SGD(params(), lr=0.1, weight_decay=wd, dampening=d), [0.0, 0.0], {}),
    ("Adam options", lambda wd, b2: optim.Adam(params(), weight_decay=wd, betas=(0.9, b2)), [0.0, 0.999], {}),
    ("RMSprop options", lambda e, m: optim.RMSprop(params(), eps=e, momentum=m), [1e-8, 0.0], {}),
    ("Adagrad options", lambda d, e, i: optim.Adagrad(params(), lr_decay=d, eps=e, initial_accumulator_value=i),
     [0.0, 1e-10, 0.0], {}),
    ("CosineAnnealingLR", lambda t, e: optim.lr_scheduler.CosineAnnealingLR(optim.SGD(params(), lr=0.1), t, e),
     [10, 0.0], {}),
    ("ReduceLROnPlateau", lambda m, f, p: optim.lr_scheduler.ReduceLROnPlateau(optim.SGD(params(), lr=0.1), m, f, p),
     ["min", 0.1, 10], {}),
    ("LambdaLR", lambda f: optim.lr_scheduler.LambdaLR(optim.SGD(params(), lr=0.1), f), [lambda epoch: 1.0], {}),
    ("StepLR last_epoch", lambda e: optim.lr_scheduler.StepLR(optim.SGD(params(), lr=0.1), 2, last_epoch=e), [-1], {}),
    ("CharCorpus valid_fraction", lambda v: text.CharCorpus("hello world " * 20, v), [0.1], {}),
    ("CharCorpus.batches", lambda b, s, sp: CORPUS.batches(b, s, sp), [2, 5, "train"], {}),
    ("CharCorpus.num_batches", lambda b, s: CORPUS.num_batches(b, s), [2, 5], {}),
    ("CharCorpus.encode", lambda t: CORPUS.encode(t), ["hello"], {}),
    ("CharCorpus.decode", lambda ids: CORPUS.decode(ids), [[0, 1]], {}),
    ("adding_problem seed", lambda s: adding.adding_problem(4, 20, seed=s), [0], {}),
    ("make_task options", lambda s, d: make_task("adding", seed=s, device=d, T=20), [0, "cpu"], {}),
    ("SequenceModel options", lambda c, n, v: SequenceModel(2, 3, 1, cell=c, num_layers=n, vocab_size=v),
     ["lstm", 1, 4], {}),
    ("Linear forward", lambda i: nn.Linear(3, 2)(i), [X], {}),
    ("Embedding forward", lambda i: nn.Embedding(5, 2)(i), [tg.tensor([1, 2])], {}),
    ("LSTMCell forward", lambda i, s: nn.LSTMCell(3, 4)(i, s), [X, None], {}),
    ("Linear.to", lambda d: nn.Linear(3, 2).to(d), ["cpu"], {}),
    ("uniform init", lambda a, b: nn.init.uniform_(tg.zeros(2, 2), a, b), [0.0, 1.0], {}),
    ("normal init", lambda m, s: nn.init.normal_(tg.zeros(2, 2), m, s), [0.0, 1.0], {}),
    ("constant init", lambda v: nn.init.constant_(tg.zeros(2, 2), v), [1.0], {}),
    ("orthogonal init", lambda g: nn.init.orthogonal_(tg.zeros(2, 2), g), [1.0], {}),
    ("glorot_uniform init", lambda g: nn.init.glorot_uniform_(tg.zeros(2, 2), g), [1.0], {}),
    ("LSTMCell options", lambda fb, cc: nn.LSTMCell(3, 4, forget_bias=fb, cell_clip=cc), [1.0, None], {}),
    ("GRU flags", lambda b, bf, bd: nn.GRU(3, 4, bias=b, batch_first=bf, bidirectional=bd), [True, False, False], {}),
    ("Linear flags", lambda b: nn.Linear(3, 2, bias=b), [True], {}),
]

# The bad values a call may accept, by (name, argument index), each with why that is right.
ALLOWED: dict[tuple[str, int], tuple[tuple[str, ...], str]] = {
    **{(f, i): (("0",), "a length of 0 makes an empty tensor, as in PyTorch")
       for f, i in [("zeros", 0), ("zeros", 1), ("ones", 0), ("randn", 0), ("randn", 1), ("eye", 0),
                    ("full", 0), ("arange", 0)]},
    ("ones", 0): (("0", "[]"), "shape 0 is empty and shape [] a scalar, as torch.ones([])"),
    ("full", 0): (("0", "[]"), "shape 0 is empty and shape [] a scalar, as torch.full([], v)"),
    ("arange", 0): (("0", "2.5"), "arange(0) is empty; arange(2.5) is [0, 1, 2], as in PyTorch"),
    ("full", 1): (NUMBERS, "any number is a fill value; torch.full(s, nan) is allowed too"),
    ("tensor", 0): (NUMBERS + ("[]",), "numbers (NaN and inf included) and [] are data, as torch.tensor"),
    **{(f, 0): (("None",) + AXES, "None means all axes; -1 and 0 are axes of a 2-d tensor")
       for f in ("sum", "mean", "max", "argmax", "squeeze")},
    **{(f, 0): (("None",) + AXES, "None is the default (the last axis); -1 and 0 are axes")
       for f in ("softmax", "log_softmax")},
    ("reshape", 0): (("-1",), "-1 is the inferred length"), ("reshape", 1): (("-1",), "-1 is the inferred length"),
    ("permute", 0): (("-1",), "(-1, 0) is the same permutation as (1, 0)"),
    ("permute", 1): (("0",), "0 is the good argument itself"),
    ("transpose", 0): (AXES, "both are axes of a 2-d tensor"), ("transpose", 1): (AXES, "both are axes"),
    ("unsqueeze", 0): (AXES, "-1 and 0 are valid positions for the new axis"),
    ("split", 1): (("None",) + AXES, "None is the default axis 0; -1 and 0 are axes"),
    ("chunk", 1): (("None",) + AXES, "None is the default axis 0; -1 and 0 are axes"),
    ("to", 0): (("None",), "None is the default: no change"),
    ("index", 0): (("None", "-1", "0", "[]"), "None adds an axis, -1/0 pick a row, [] selects none (NumPy/PyTorch)"),
    ("cat", 0): (("None",) + AXES, "None is the default axis 0; -1 and 0 are axes"),
    ("stack", 0): (("None",) + AXES, "None is the default axis 0; -1 and 0 are axes of the result"),
    ("add", 0): (NUMBERS, "any number is an operand; NaN and inf propagate as in PyTorch"),
    ("pow", 0): (NUMBERS, "any number is an exponent; NaN and inf propagate as in PyTorch"),
    ("clip", 0): (("None",) + NUMBERS, "None means no bound; NaN gives NaN and inf no bound, as torch.clamp"),
    ("clip", 1): (("None",) + NUMBERS, "None means no bound; NaN gives NaN and inf no bound, as torch.clamp"),
    ("Dropout", 0): (("0",), "p = 0 keeps everything"),
    ("LSTM layers", 1): (("0",), "dropout 0 is the default"),
    ("clip_grad_norm", 0): (("[]",), "no parameters: nothing to clip, the norm is 0 (as PyTorch)"),
    ("clip_grad_norm", 1): (("0", "2.5", "inf"), "any max_norm >= 0; inf only measures the norm"),
    ("clip_grad_value", 0): (("[]",), "no parameters: nothing to clip"),
    ("clip_grad_value", 1): (("0", "2.5", "inf"), "any clip_value >= 0; inf leaves gradients as they are"),
    **{(f, 1): (("0", "2.5"), "a learning rate may be any finite number >= 0")
       for f in ("SGD", "Adam", "RMSprop", "Adagrad")},
    ("SGD", 2): (("0", "2.5"), "momentum: any finite number >= 0, as PyTorch"),
    ("Adam", 2): (("0",), "beta1 in [0, 1)"), ("Adam", 3): (("0", "2.5"), "eps: any finite number >= 0"),
    ("RMSprop", 2): (("0",), "alpha in [0, 1]"),
    ("StepLR", 1): (("0", "2.5"), "gamma: any finite factor >= 0, as PyTorch"),
    ("ExponentialLR", 0): (("0", "2.5"), "gamma: any finite factor >= 0, as PyTorch"),
    ("sample_text", 1): (("None",), "prime=None is documented: start from 'The ' or a random character"),
    ("sample_text", 2): (("0",), "length 0: the prime alone"),
    ("sample_text", 3): (("2.5",), "any finite temperature > 0"),
    ("manual_seed", 0): (("0",), "any int >= 0 seeds NumPy's generator"),
    ("rand", 0): (("0",), "a length of 0 makes an empty tensor"), ("rand", 1): (("0",), "an empty tensor"),
    ("expand", 0): (("-1", "0"), "-1 keeps the axis; a length-1 axis may expand to 0, as in PyTorch"),
    ("expand", 1): (("-1",), "-1 keeps the axis"),
    ("maximum", 0): (NUMBERS, "any number is an operand; NaN propagates as torch.maximum"),
    ("cross_entropy options", 0): (("-1", "0"), "ignore_index is any int (a class id to skip)"),
    ("cross_entropy options", 1): (("0",), "label_smoothing in [0, 1]"),
    ("CrossEntropyLoss", 0): (("-1", "0"), "ignore_index is any int"),
    ("CrossEntropyLoss", 2): (("0",), "label_smoothing in [0, 1]"),
    ("clip_grad_norm norm_type", 0): (("2.5", "inf"), "any p > 0; inf is the max-norm, as PyTorch"),
    ("SGD options", 0): (("0", "2.5"), "weight_decay: any finite number >= 0"),
    ("SGD options", 1): (("-1", "0", "2.5"), "dampening: any finite number (PyTorch sets no range)"),
    ("Adam options", 0): (("0", "2.5"), "weight_decay: any finite number >= 0"),
    ("Adam options", 1): (("0",), "beta2 in [0, 1)"),
    ("RMSprop options", 0): (("0", "2.5"), "eps: any finite number >= 0"),
    ("RMSprop options", 1): (("0", "2.5"), "momentum: any finite number >= 0, as PyTorch"),
    **{("Adagrad options", i): (("0", "2.5"), "lr_decay, eps, initial_accumulator_value: finite, >= 0")
       for i in range(3)},
    ("CosineAnnealingLR", 1): (("0", "2.5"), "eta_min: any finite number >= 0"),
    ("ReduceLROnPlateau", 1): (("0",), "factor in [0, 1)"), ("ReduceLROnPlateau", 2): (("0",), "patience >= 0"),
    ("StepLR last_epoch", 0): (("-1",), "-1 is the default: a fresh start"),
    ("CharCorpus.decode", 0): (("0", "[]"), "one id, or none (the empty string)"),
    ("adding_problem seed", 0): (("None", "0"), "None draws a fresh seed; 0 is a seed"),
    ("make_task options", 0): (("0",), "seed 0"), ("make_task options", 1): (("None",), "None is the default device"),
    ("SequenceModel options", 2): (("None",), "vocab_size=None: no embedding layer"),
    ("Embedding forward", 0): (("0",), "a single id is a valid index tensor"),
    ("LSTMCell forward", 1): (("None",), "state=None starts from zeros, as PyTorch"),
    ("Linear.to", 0): (("None",), "None is the default: no change"),
    ("uniform init", 0): (("-1", "0"), "low <= high"), ("uniform init", 1): (("0", "2.5"), "low <= high"),
    ("normal init", 0): (("-1", "0", "2.5"), "any finite mean"), ("normal init", 1): (("0", "2.5"), "std >= 0"),
    ("constant init", 0): (NUMBERS, "a fill value, NaN and inf too, as torch.nn.init.constant_"),
    ("orthogonal init", 0): (("-1", "0", "2.5"), "any finite gain, as PyTorch"),
    ("glorot_uniform init", 0): (("0", "2.5"), "any finite gain >= 0"),
    ("LSTMCell options", 0): (("-1", "0", "2.5"), "forget_bias: any finite number"),
    ("LSTMCell options", 1): (("None", "2.5", "inf"), "cell_clip: None or > 0 (inf: no clipping)"),
}


class _Hang(BaseException):
    pass


def _alarm(*_: Any) -> None:
    raise _Hang()


def _snapshot() -> list[np.ndarray]:
    return [X.numpy().copy()] + [p.numpy().copy() for p in MODEL.parameters()]


def run_probe() -> tuple[Counter, list[str]]:
    """Every call with every bad value; returns the counts and one line per failure."""
    counts: Counter = Counter()
    failures: list[str] = []
    before = _snapshot()
    old = signal.signal(signal.SIGALRM, _alarm)
    try:
        for name, fn, args, kw in CALLS:
            for i in range(len(args)):
                for label, value in BAD:
                    call = f"{name} arg{i}={label}"
                    a = list(args)
                    a[i] = value
                    counts["tried"] += 1
                    signal.setitimer(signal.ITIMER_REAL, 5.0)
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            fn(*a, **kw)
                    except _Hang:
                        counts["hang"] += 1
                        failures.append(f"{call}: no answer within 5 s")
                        continue
                    except tg.TinygradRNNError as e:
                        if name.split()[0].lower() in str(e).lower():
                            counts["clear error"] += 1
                        else:
                            counts["unclear message"] += 1
                            failures.append(f"{call}: message does not name {name.split()[0]!r}: {e}")
                        continue
                    except Exception as e:  # noqa: BLE001 - counting exactly these is the point
                        counts["raw error"] += 1
                        failures.append(f"{call}: raw {type(e).__name__}: {e}")
                        continue
                    finally:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                    allowed, _why = ALLOWED.get((name, i), ((), ""))
                    if label in allowed:
                        counts["accepted (allowed)"] += 1
                    else:
                        counts["silent garbage"] += 1
                        failures.append(f"{call}: accepted, but not in ALLOWED")
                    now = _snapshot()
                    if any(not np.array_equal(b, n, equal_nan=True) for b, n in zip(before, now)):
                        counts["data lost"] += 1
                        failures.append(f"{call}: changed the tensors it was given")
                        before = now
    finally:
        signal.signal(signal.SIGALRM, old)
    return counts, failures


def test_every_bad_public_call_is_a_clear_error_or_an_allowed_value():
    counts, failures = run_probe()
    print("\nAPI fuzz:", ", ".join(f"{k} {v}" for k, v in counts.items()))
    print("| probe | tried | clear error | traceback (raw error) | silent garbage | data lost |")
    print(f"| bad public-API calls | {counts['tried']} | {counts['clear error']} | "
          f"{counts['raw error'] + counts['hang'] + counts['unclear message']} | {counts['silent garbage']} | "
          f"{counts['data lost']} |")
    assert not failures, "\n".join(failures)
    assert counts["tried"] > 1400 and counts["clear error"] > 0.8 * counts["tried"]


def test_allowed_list_has_no_stale_entries():
    """Every ALLOWED entry names a call and argument of CALLS and only values of BAD."""
    names = {(name, i) for name, _, args, _ in CALLS for i in range(len(args))}
    labels = {label for label, _ in BAD}
    for key, (allowed, why) in ALLOWED.items():
        assert key in names, key
        assert set(allowed) <= labels and why, key


@pytest.mark.parametrize("value", [np.int64(4), np.int32(4)])
def test_numpy_integers_are_sizes(value):
    assert nn.LSTM(3, value).hidden_size == 4 and type(nn.LSTM(3, value).hidden_size) is int
    assert tg.zeros(value).shape == (4,)
    assert len(X.chunk(value, 1)) == 3
    assert X.sum(np.int64(1)).shape == (2,)


@pytest.mark.parametrize("make", [lambda: nn.LSTM(3, True), lambda: nn.Linear(True, 2), lambda: tg.zeros(True),
                                  lambda: X.chunk(True, 1), lambda: X.sum(True)])
def test_bools_are_not_sizes_or_axes(make):
    with pytest.raises(tg.ArgumentTypeError, match="got bool True"):
        make()


def test_message_names_op_argument_and_value():
    with pytest.raises(tg.ArgumentTypeError, match=r"^LSTM: hidden_size must be a positive int, got str 'x'$"):
        nn.LSTM(3, "x")
    with pytest.raises(tg.ArgumentError, match=r"^Adam: eps must be a finite number >= 0, got float nan$"):
        optim.Adam(params(), eps=float("nan"))
    with pytest.raises(tg.ArgumentError, match=r"^Dropout: p must be a probability in \[0, 1\], got float inf$"):
        nn.Dropout(math.inf)
    with pytest.raises(ValueError):      # still PyTorch's built-in class
        nn.GRU(3, 0)
    with pytest.raises(TypeError):
        optim.RMSprop(None)


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
def test_an_empty_dim_is_refused_not_guessed(op):
    """PyTorch reduces over all axes for dim=(), NumPy over none: neither is guessed."""
    with pytest.raises(tg.ArgumentError, match=rf"^{op}: dim=\(\) names no axis; pass None for all axes$"):
        getattr(X, op)(())
    assert getattr(X, op)(None).shape == () and getattr(X, op)((0, 1)).shape == ()
