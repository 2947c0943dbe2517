"""Every expected failure of the command line is one line on stderr with exit status 2 (bad
arguments) or 1 (a run that failed), never a traceback; `--debug` shows it. Includes a fuzz
of well over 100 malformed invocations, run in-process."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import checkpoint
from tinygrad_rnn.cli.main import main

TINY = ["--hidden", "5", "--batch", "4", "--no-progress", "--no-plot", "--log-every", "1"]
COPY = ["train", "copy", "--k", "2", "--lag", "3", *TINY]


def _status(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as e:       # main() must not exit: it returns the status
        pytest.fail(f"main({argv}) raised SystemExit({e.code})")
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _one_clear_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tinygrad-rnn") and "Traceback" not in err
    return lines[0]


NUMBER_OPTIONS = {   # option -> values it must refuse at parse time
    "--lr": ["nan", "inf", "-inf", "0", "-0.1", "abc", "", "1e999", "NaN"],
    "--clip": ["nan", "inf", "-1", "x", "-inf", "1e400"],
    "--hidden": ["0", "-3", "2.5", "nan", "1e3", "", "ten"],
    "--layers": ["0", "-1", "1.5", "inf"],
    "--steps": ["0", "-5", "1.0", "nan", "many"],
    "--epochs": ["0", "nan", "inf", "-1"],
    "--batch": ["0", "-2", "nan", "3.5"],
    "--seed": ["-1", "4294967296", "1.5", "nan", "seed", "-99999999999"],
    "--forget-bias": ["nan", "inf", "-inf", "one"],
    "--T": ["0", "-100", "nan", "1e2"],
    "--bptt": ["0", "-1", "inf"],
    "--embedding": ["0", "nan"],
    "--k": ["0", "-1"],
    "--lag": ["0", "x"],
    "--eval-every": ["0", "-1", "nan"],
    "--log-every": ["0", "inf"],
}
MALFORMED = [["train", "adding", opt, value] for opt, values in NUMBER_OPTIONS.items() for value in values] + [
    [], ["nonsense"], ["train"], ["train", "transformer"], ["train", "adding", "--cell", "transformer"],
    ["train", "adding", "--optimizer", "lbfgs"], ["train", "adding", "--lr"], ["train", "adding", "--hidden"],
    ["train", "adding", "--variant", "2001"], ["train", "adding", "--no-such-option"], ["train", "adding", "extra"],
    ["train", "adding", "--T", "5"], ["train", "adding", "--epochs", "2"], ["train", "mnist"],
    ["train", "adding", "--cell", "gru", "--forget-bias", "1"], ["train", "adding", "--cell", "lstm1997",
                                                                 "--unit-forget-bias"],
    ["train", "adding", "--hidden", "100000000"], ["train", "adding", "--T", "1000000000"],
    ["train", "adding", "--batch", "1000000000", "--T", "1000000"], ["train", "charlm", "--data", "/nonexistent.txt"],
    ["train", "mnist", "--data", "/nonexistent-folder"],
    ["evaluate"], ["evaluate", "--checkpoint"], ["evaluate", "--checkpoint", "/nonexistent.npz"],
    ["sample"], ["sample", "--checkpoint", "/nonexistent.npz"], ["sample", "--checkpoint", "x", "--length", "-1"],
    ["sample", "--checkpoint", "x", "--temperature", "0"], ["sample", "--checkpoint", "x", "--temperature", "nan"],
    ["sample", "--checkpoint", "x", "--seed", "-1"], ["sample", "--checkpoint", "x", "--length", "many"],
    ["graph", "--no-such-option"], ["bench", "--no-such-option"], ["demo", "--no-such-option"],
    ["lessons", "--no-such-option"],
]


def test_fuzz_of_malformed_invocations(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)              # nothing may be written outside the test's folder
    files = {"empty.npz": b"", "text.npz": b"hello", "folder": None, "pickle.pt": b"\x80\x04K\x01.",
             "short.txt": b"abc", "foreign.npz": None, "corpus.txt": b"tiny corpus " * 3}
    for name, data in files.items():
        if name == "folder":
            os.mkdir(name)
        elif name == "foreign.npz":
            np.savez(name, a=np.zeros(3))
        else:
            with open(name, "wb") as f:
                f.write(data)
    file_cases = [[cmd, "--checkpoint", name] for cmd in ("evaluate", "sample")
                  for name in ("empty.npz", "text.npz", "folder", "pickle.pt", "foreign.npz")]
    file_cases += [["train", "adding", "--out", "text.npz", *TINY, "--steps", "1"],
                   ["train", "adding", "--out", "text.npz/sub", *TINY, "--steps", "1"],
                   ["train", "charlm", "--data", "short.txt", *TINY],
                   ["train", "charlm", "--data", "corpus.txt", "--bptt", "1000000", *TINY],
                   ["train", "charlm", "--data", "empty.npz", *TINY],
                   ["train", "charlm", "--data", "folder", *TINY],
                   ["train", "adding", "--resume", "--out", "folder", *TINY],
                   ["train", "adding", "--resume", "--out", "nowhere", *TINY]]
    cases = MALFORMED + file_cases
    assert len(cases) >= 100
    failures = []
    for argv in cases:
        status, _, err = _status(argv, capsys)
        lines = err.strip().splitlines()
        if status != 2 or len(lines) != 1 or "Traceback" in err or not lines[0].startswith("tinygrad-rnn"):
            failures.append((argv, status, err[-300:]))
    assert failures == []
    assert sorted(os.listdir(tmp_path)) == sorted(files)     # no run folder was created by a refused command


@pytest.mark.parametrize("argv, message", [
    (["train", "adding", "--lr", "nan"], "expected a positive finite number, got 'nan'"),
    (["train", "adding", "--clip", "inf"], "expected a finite number >= 0, got 'inf'"),
    (["train", "adding", "--seed", "-1"], "a seed is an integer from 0 to 2**32 - 1, got -1"),
    (["train", "adding", "--hidden", "100000000"], "GiB"),
])
def test_messages_name_the_problem(argv, message, capsys):
    status, _, err = _status(argv, capsys)
    assert status == 2 and message in _one_clear_line(err)


def test_short_corpus_and_huge_bptt_are_clear_errors(tmp_path, capsys):
    text = tmp_path / "corpus.txt"
    text.write_text("the cat sat on the mat. " * 20)          # 480 characters
    status, _, err = _status(["train", "charlm", "--data", str(text), "--bptt", "100", *TINY], capsys)
    assert status == 2 and "shorter than --bptt 100" in _one_clear_line(err)
    status, _, err = _status(["train", "charlm", "--data", str(text), "--bptt", "20", "--batch", "64",
                              "--hidden", "5", "--no-progress"], capsys)
    assert status == 2 and "too short for --batch 64 streams of --bptt 20" in _one_clear_line(err)


def test_evaluate_on_a_too_short_corpus_is_a_clear_error(tmp_path, capsys):
    text = tmp_path / "corpus.txt"
    text.write_text("the cat sat on the mat. " * 40)
    out = str(tmp_path / "run")
    assert main(["train", "charlm", "--data", str(text), "--bptt", "6", "--embedding", "3", "--steps", "1", *TINY,
                 "--out", out]) == 0
    (tmp_path / "short.txt").write_text("the cat")
    capsys.readouterr()
    status, _, err = _status(["evaluate", "--checkpoint", os.path.join(out, "checkpoint.npz"),
                              "--data", str(tmp_path / "short.txt")], capsys)
    assert status == 2 and "shorter than --bptt 6" in _one_clear_line(err)


def test_out_naming_a_file_or_an_unwritable_folder(tmp_path, capsys, monkeypatch):
    (tmp_path / "file").write_text("x")
    status, _, err = _status([*COPY, "--steps", "1", "--out", str(tmp_path / "file")], capsys)
    assert status == 2 and "is a file, not a folder" in _one_clear_line(err)
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() != 0:
        locked.chmod(0o500)
    else:                  # root writes anywhere: make the write fail as a read-only folder would
        real_open = open

        def read_only(path, mode="r", *a, **k):
            if "w" in mode and str(path).startswith(str(locked)):
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, mode, *a, **k)
        monkeypatch.setattr("builtins.open", read_only)
    status, _, err = _status([*COPY, "--steps", "1", "--out", str(locked)], capsys)
    assert status == 2 and "cannot write there (Permission denied)" in _one_clear_line(err)


def test_full_disk_is_one_line_and_keeps_the_previous_checkpoint(tmp_path, capsys, monkeypatch):
    out = str(tmp_path / "run")
    assert main([*COPY, "--steps", "2", "--out", out]) == 0
    before = open(os.path.join(out, "checkpoint.npz"), "rb").read()

    def full(f, arrays):
        f.write(b"PK\x03\x04 part")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint, "_write_npz", full)
    capsys.readouterr()
    status, _, err = _status([*COPY, "--steps", "4", "--out", out, "--resume"], capsys)
    assert status == 1 and "No space left on device" in _one_clear_line(err)
    assert open(os.path.join(out, "checkpoint.npz"), "rb").read() == before
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


def test_debug_shows_the_traceback(capsys):
    status, _, err = _status(["train", "adding", "--T", "5", "--debug"], capsys)
    assert status == 2 and "Traceback" in err and err.strip().splitlines()[-1].startswith("tinygrad-rnn train:")


def test_an_unexpected_error_is_one_line_that_says_it_is_a_bug(capsys, monkeypatch):
    from tinygrad_rnn.cli import train as train_cli

    def broken(args):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(train_cli, "run_train", broken)
    monkeypatch.setattr(sys.modules["tinygrad_rnn.cli.train"], "run_train", broken)
    # the parser keeps the function it registered: patch through the registered default
    import tinygrad_rnn.cli.main as cli_main
    real_build = cli_main.build_parser

    def build():
        parser = real_build()
        sub = next(a for a in parser._actions if a.dest == "command")
        sub.choices["train"].set_defaults(func=broken)
        return parser
    monkeypatch.setattr(cli_main, "build_parser", build)
    status, _, err = _status(["train", "adding"], capsys)
    assert status == 1 and "internal error: ZeroDivisionError" in _one_clear_line(err)


def test_non_finite_loss_stops_the_run_and_metrics_stay_strict_json(tmp_path, capsys):
    out = str(tmp_path / "run")
    status, _, err = _status(["train", "adding", "--T", "20", *TINY, "--lr", "1e30", "--clip", "0",
                              "--steps", "50", "--out", out], capsys)
    assert status == 1 and "the loss became" in _one_clear_line(err)      # (no NumPy overflow warnings either)

    def refuse(value):
        raise ValueError(f"not strict JSON: {value}")
    records = [json.loads(line, parse_constant=refuse) for line in open(os.path.join(out, "metrics.jsonl"))]
    last = records[-1]
    assert last["loss"] is None and last["nonfinite"]["loss"] in ("nan", "inf")


def test_broken_pipe_exits_quietly(tmp_path, capsys, monkeypatch):
    class Closed:
        def write(self, text):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    text = tmp_path / "corpus.txt"
    text.write_text("the cat sat on the mat. " * 40)
    out = str(tmp_path / "run")
    assert main(["train", "charlm", "--data", str(text), "--bptt", "6", "--embedding", "3", "--steps", "1", *TINY,
                 "--out", out]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdout", Closed())
    status = main(["sample", "--checkpoint", os.path.join(out, "checkpoint.npz"), "--length", "50"])
    monkeypatch.undo()
    assert status == 141 and capsys.readouterr().err == ""
    # and for real: a pipe whose reader is gone before the command writes (as `| head` after its lines)
    proc = subprocess.Popen([sys.executable, "-m", "tinygrad_rnn", "sample", "--checkpoint",
                             os.path.join(out, "checkpoint.npz"), "--length", "50"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141 and err == b""


def test_sample_default_prime_fits_the_vocabulary(tmp_path, capsys):
    text = tmp_path / "corpus.txt"
    text.write_text("the cat sat on the mat. " * 40)        # lowercase: no 'T'
    out = str(tmp_path / "run")
    assert main(["train", "charlm", "--data", str(text), "--bptt", "6", "--embedding", "3", "--steps", "1", *TINY,
                 "--out", out]) == 0
    capsys.readouterr()
    ckpt = os.path.join(out, "checkpoint.npz")
    starts = set()
    for seed in range(8):
        status, printed, _ = _status(["sample", "--checkpoint", ckpt, "--length", "5", "--seed", str(seed)], capsys)
        assert status == 0 and len(printed.rstrip("\n")) == 6
        starts.add(printed[0])
    assert len(starts) > 1 and starts <= set("the cat sat on mat.")    # a random first character each time
    status, printed, _ = _status(["sample", "--checkpoint", ckpt, "--prime", "", "--length", "3", "--seed", "0"],
                                 capsys)
    assert status == 0 and len(printed.rstrip("\n")) == 4
    status, _, err = _status(["sample", "--checkpoint", ckpt, "--prime", "The "], capsys)
    assert status == 2 and "never saw: ['T']" in _one_clear_line(err)


def test_resume_applies_lr_steps_and_clip_and_refuses_other_changes(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert main([*COPY, "--steps", "2", "--lr", "0.01", "--optimizer", "adam", "--out", out]) == 0
    capsys.readouterr()
    status, _, err = _status([*COPY, "--steps", "4", "--optimizer", "sgd", "--hidden", "7", "--out", out, "--resume"],
                             capsys)
    line = _one_clear_line(err)
    assert status == 2 and "--optimizer 'adam' in the checkpoint, 'sgd' now" in line and "--hidden 5" in line
    assert checkpoint.read_header(os.path.join(out, "checkpoint.npz"))["step"] == 2      # nothing ran
    status, printed, _ = _status(["train", "copy", "--k", "2", "--lag", "3", "--steps", "3", "--lr", "0.002",
                                  "--clip", "0.5", "--out", out, "--resume", "--no-progress", "--no-plot"], capsys)
    assert status == 0 and "changed --steps 2 -> 3, --lr 0.01 -> 0.002, --clip 1.0 -> 0.5" in printed
    saved = tg.load(os.path.join(out, "checkpoint.npz"))
    assert saved["optimizer"]["param_groups"][0]["lr"] == 0.002 and saved["step"] == 3
    args = checkpoint.read_header(os.path.join(out, "checkpoint.npz"))["config"]["args"]
    assert args["hidden"] == 5 and args["batch"] == 4 and args["optimizer"] == "adam"    # taken from the checkpoint
