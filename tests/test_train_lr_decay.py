"""``tinygrad-rnn train --lr-decay RATE --lr-decay-every N``: TensorFlow's staircase
exponential decay (the Udacity character model's schedule), exact over a resume."""
from __future__ import annotations

import os

import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.cli.main import main

TINY = ["adding", "--T", "20", "--hidden", "6", "--batch", "4", "--no-progress", "--seed", "3",
        "--optimizer", "sgd", "--lr", "0.4", "--eval-every", "100"]


def _lr_in(out: str) -> float:
    return tg.load(os.path.join(out, "checkpoint.npz"))["optimizer"]["param_groups"][0]["lr"]


def test_staircase_decay_and_resume(tmp_path) -> None:
    out = str(tmp_path / "run")
    assert main(["train", *TINY, "--steps", "7", "--lr-decay", "0.5", "--lr-decay-every", "3", "--out", out]) == 0
    # the lr used by step k (0-based) is 0.4 · 0.5^⌊k/3⌋: the 7th step (k = 6) used 0.1
    assert _lr_in(out) == pytest.approx(0.4 * 0.5 ** 2)
    split = str(tmp_path / "split")
    assert main(["train", *TINY, "--steps", "4", "--lr-decay", "0.5", "--lr-decay-every", "3", "--out", split]) == 0
    assert _lr_in(split) == pytest.approx(0.4 * 0.5)
    assert main(["train", *TINY, "--steps", "7", "--lr-decay", "0.5", "--lr-decay-every", "3", "--out", split,
                 "--resume"]) == 0
    a = tg.load(os.path.join(out, "checkpoint.npz"))["model"]
    b = tg.load(os.path.join(split, "checkpoint.npz"))["model"]
    assert all((a[k] == b[k]).all() for k in a)          # the resumed run is the uninterrupted one


@pytest.mark.parametrize("extra, message", [(["--lr-decay", "0.5"], "go together"),
                                            (["--lr-decay-every", "10"], "go together"),
                                            (["--lr-decay", "2", "--lr-decay-every", "10"], "at most 1")])
def test_lr_decay_arguments(tmp_path, capsys, extra, message) -> None:
    try:
        status = main(["train", *TINY, "--steps", "2", *extra, "--out", str(tmp_path / "bad")])
    except SystemExit as e:
        status = e.code
    err = capsys.readouterr().err
    assert status == 2 and message in err and "Traceback" not in err
