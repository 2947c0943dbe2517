"""Every error the library raises on purpose is a TinygradRNNError subclass, and also the
built-in exception PyTorch raises in the same place (ValueError, TypeError, RuntimeError, ...),
so `except ValueError:` written for PyTorch keeps working. Checked twice: statically (no
`raise ValueError(...)` or other built-in left anywhere in the package) and by calling the
public API with bad input."""
from __future__ import annotations

import ast
import builtins
import os

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg
from tinygrad_rnn import errors, nn, optim
from tinygrad_rnn.data import adding, copy_task, reber, text
from tinygrad_rnn.train import SequenceModel, make_task, sample_text

PACKAGE = os.path.dirname(tg.__file__)
BUILTIN_ERRORS = {name for name, value in vars(builtins).items()
                  if isinstance(value, type) and issubclass(value, Exception)} - {"StopIteration", "StopAsyncIteration"}
# learners' exercise checks fail the way a test's assert does, on purpose
ASSERTING = {"lessons.py", "lesson_checks.py"}


def _raised_builtins(path: str) -> list[str]:
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Raise) or node.exc is None:
            continue
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        name = target.id if isinstance(target, ast.Name) else None
        if name == "NotImplementedError" and not isinstance(node.exc, ast.Call):
            continue            # a bare marker in an abstract method, for subclass authors
        if name == "AssertionError" and os.path.basename(path) in ASSERTING:
            continue
        if name in BUILTIN_ERRORS or name == "TinygradRNNError":
            found.append(f"{os.path.relpath(path, PACKAGE)}:{node.lineno} raises {name}")
    return found


def test_no_builtin_exception_is_raised_anywhere_in_the_package():
    found = []
    for folder, _, names in os.walk(PACKAGE):
        for name in names:
            if name.endswith(".py"):
                found += _raised_builtins(os.path.join(folder, name))
    assert found == []


def test_the_error_classes_form_one_family():
    for name in errors.__all__ if hasattr(errors, "__all__") else dir(errors):
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, Exception) and cls.__module__ == errors.__name__:
            assert issubclass(cls, errors.TinygradRNNError), name
    assert str(errors.MissingKeyError("no node named 'x'")) == "no node named 'x'"     # no extra quotes
    for name in ("ArgumentError", "ArgumentTypeError", "MissingKeyError", "MissingFileError", "StateError",
                 "UnsupportedError", "MissingDependencyError", "CheckpointError"):
        assert getattr(tg, name) is getattr(errors, name)        # exported as tg.<name>, like tg.ShapeError


def _param():
    return tg.zeros(2, requires_grad=True)


# (what is called, the built-in class PyTorch would raise there)
CASES = [
    ("Tensor.to with the device twice", lambda: tg.zeros(2).to("cpu", device="cpu"), TypeError),
    ("unsqueeze with a string", lambda: tg.zeros(2).unsqueeze("a"), TypeError),
    ("sum with dim and axis", lambda: tg.zeros(2).sum(dim=0, axis=0), TypeError),
    ("matmul shapes", lambda: tg.zeros(2, 3) @ tg.zeros(4, 5), ValueError),
    ("mixed float dtypes", lambda: tg.zeros(2) + tg.zeros(2, dtype=tg.float64), TypeError),
    ("unknown device", lambda: tg.zeros(2, device="tpu"), ValueError),
    ("backward without grad", lambda: tg.ones(2).sum().backward(), RuntimeError),
    ("LSTM with no layers", lambda: nn.LSTM(3, 4, num_layers=0), ValueError),
    ("LSTMCell of negative size", lambda: nn.LSTMCell(3, -1), ValueError),
    ("GRU dropout above 1", lambda: nn.GRU(3, 4, dropout=2.0), ValueError),
    ("RNN with an unknown nonlinearity", lambda: nn.RNN(3, 4, nonlinearity="relu6"), ValueError),
    ("Linear of size 0", lambda: nn.Linear(0, 3), ValueError),
    ("Embedding of size 0", lambda: nn.Embedding(0, 3), ValueError),
    ("Dropout p above 1", lambda: nn.Dropout(1.5), ValueError),
    ("Module without forward", lambda: nn.Module()(1), NotImplementedError),
    ("a torch.Tensor into a layer", lambda: nn.Linear(2, 2)(torch.zeros(2)), TypeError),
    ("mse_loss of a list", lambda: nn.mse_loss([1.0], tg.zeros(1)), TypeError),
    ("cross_entropy reduction", lambda: nn.cross_entropy(tg.zeros(2, 3), tg.tensor([0, 1]), reduction="avg"),
     ValueError),
    ("load_state_dict missing keys", lambda: nn.Linear(2, 2).load_state_dict({}), RuntimeError),
    ("SGD negative lr", lambda: optim.SGD([_param()], lr=-1), ValueError),
    ("Adam betas", lambda: optim.Adam([_param()], betas=(2, 0.9)), ValueError),
    ("SGD of a tensor", lambda: optim.SGD(tg.zeros(2), lr=0.1), TypeError),
    ("RMSprop negative lr", lambda: optim.RMSprop([_param()], lr=-1), ValueError),
    ("Adagrad negative lr", lambda: optim.Adagrad([_param()], lr=-1), ValueError),
    ("optimizer state of another optimizer", lambda: optim.SGD([_param()], lr=0.1).load_state_dict(
        {"state": {}, "param_groups": []}), ValueError),
    ("StepLR of an object", lambda: optim.lr_scheduler.StepLR(object(), 3), TypeError),
    ("StepLR step_size 0", lambda: optim.lr_scheduler.StepLR(optim.SGD([_param()], lr=0.1), 0), ValueError),
    ("adding problem T 1", lambda: adding.adding_problem(4, T=1), ValueError),
    ("copy task k 0", lambda: copy_task.copy_task(4, 0, 3), ValueError),
    ("empty corpus", lambda: text.CharCorpus(""), ValueError),
    ("reber of -1 strings", lambda: reber.embedded_reber(-1, 2), ValueError),
    ("unknown task", lambda: make_task("nope"), ValueError),
    ("unknown cell", lambda: SequenceModel(2, 3, 1, cell="tcn"), ValueError),
    ("sample temperature 0", lambda: sample_text(SequenceModel(2, 3, 2, vocab_size=2), "ab", "a", 3,
                                                  temperature=0), ValueError),
    ("save an object", lambda: tg.save({"x": object()}, os.devnull), ValueError),
]


@pytest.mark.parametrize("what, call, builtin", CASES, ids=[c[0] for c in CASES])
def test_public_api_errors_are_ours_and_pytorchs(what, call, builtin):
    with pytest.raises(errors.TinygradRNNError) as info:
        call()
    assert isinstance(info.value, builtin), f"{what}: {type(info.value).__mro__}"
    assert str(info.value)       # and it says something


def test_a_checkpoint_that_is_not_one_is_a_value_error(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros(2))
    with pytest.raises(ValueError):
        tg.load(tmp_path / "a.npy")
    with pytest.raises(tg.CheckpointError):
        tg.load(tmp_path / "a.npy")
