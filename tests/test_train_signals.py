"""SIGINT, SIGTERM and SIGHUP stop `tinygrad-rnn train` at a step boundary with a checkpoint,
and `--resume` then gives bit-identical weights, optimizer state, data position and random
generator to the uninterrupted run. The signals are real ones, sent at random moments, in
subprocesses (a signal must never reach the test runner itself)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.cli.main import main

HERE = os.path.dirname(os.path.abspath(__file__))


def test_every_signal_at_random_moments_resumes_bit_exactly(tmp_path):
    # 8 trials: each of SIGINT, SIGTERM, SIGHUP and a double Ctrl-C, on the copy task and on
    # a character model (whose carried hidden state is part of the data position)
    done = subprocess.run([sys.executable, os.path.join(HERE, "signal_trials.py"), str(tmp_path), "11", "8"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["problems"] == [] and summary["exact"] == summary["trials"] == 8
    assert summary["interrupted"] >= 6          # signals are timed to land while the loop runs


def test_sigterm_from_outside_saves_and_the_resumed_run_matches(tmp_path):
    args = ["train", "copy", "--k", "2", "--lag", "3", "--hidden", "5", "--batch", "4", "--no-progress", "--no-plot",
            "--log-every", "1", "--eval-every", "1000", "--seed", "4"]
    out = str(tmp_path / "killed")
    proc = subprocess.Popen([sys.executable, "-m", "tinygrad_rnn", *args, "--steps", "100000", "--out", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    metrics = os.path.join(out, "metrics.jsonl")
    deadline = time.time() + 120
    while time.time() < deadline and not (os.path.exists(metrics) and os.path.getsize(metrics) > 200):
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "stopped by SIGTERM" in lines[0] and "checkpoint saved to" in lines[0]
    assert lines[0].endswith("--resume") and "Traceback" not in err
    step = tg.checkpoint.read_header(os.path.join(out, "checkpoint.npz"))["step"]
    assert step >= 1
    # resume for a few more steps (--steps may change on resume) and compare with a straight run
    assert main([*args, "--steps", str(step + 3), "--out", out, "--resume"]) == 0
    straight = str(tmp_path / "straight")
    assert main([*args, "--steps", str(step + 3), "--out", straight]) == 0
    a, b = (tg.load(os.path.join(d, "checkpoint.npz")) for d in (out, straight))
    for key in a["model"]:
        np.testing.assert_array_equal(a["model"][key], b["model"][key], err_msg=key)
    assert a["task_state"]["rng"] == b["task_state"]["rng"] and a["step"] == b["step"] == step + 3
