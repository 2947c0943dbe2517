"""Interrupt `tinygrad-rnn train` with real signals at random moments, resume, and compare with
the uninterrupted run, bit for bit. Run as a script (signals must not reach pytest itself):

    python tests/signal_trials.py OUT_DIR SEED TRIALS

Each trial picks SIGINT, SIGTERM, SIGHUP or two SIGINTs in quick succession, sends it from a
thread at a random moment while the training loop runs (after a random number of logged steps,
then a random part of one step's time), checks the exit status and the one
message line, resumes with ``--resume``, and compares weights, optimizer state, data position
(the task's generator, window offset and carried state), the library's random generator, the
step and the logged losses with those of an uninterrupted run. Prints one JSON summary line.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import sys
import threading
import time

import numpy as np

from tinygrad_rnn import checkpoint
from tinygrad_rnn.cli.main import main
from tinygrad_rnn.train import loop

TINY = ["--hidden", "5", "--batch", "4", "--no-progress", "--no-plot", "--log-every", "1", "--eval-every", "8"]
RUNS = {
    "copy": ["train", "copy", "--k", "2", "--lag", "3", "--steps", "24", "--seed", "2", *TINY],
    "charlm": ["train", "charlm", "--bptt", "6", "--embedding", "3", "--steps", "24", "--seed", "1", *TINY],
}
SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGINT twice"]


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return a == b


def _final_state(out: str) -> dict:
    path = os.path.join(out, "checkpoint.npz")
    ckpt = checkpoint.load(path)
    del ckpt["config"]          # names the run's own folder
    losses = [(r["step"], r["loss"]) for r in map(json.loads, open(os.path.join(out, "metrics.jsonl"))) if "loss" in r]
    return {"content": ckpt, "rng": checkpoint.read_header(path)["rng_state"], "losses": losses}


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(argv)
    return status, err.getvalue()


def _training() -> bool:
    handler = signal.getsignal(signal.SIGTERM)
    return isinstance(getattr(handler, "__self__", None), loop._StopFlag)


def _watch(times: list) -> None:
    """Record how long the training loop ran (its signal handlers were installed)."""
    deadline = time.time() + 60
    while not _training() and time.time() < deadline:
        time.sleep(0.0005)
    t0 = time.perf_counter()
    while _training():
        time.sleep(0.0005)
    times.append(time.perf_counter() - t0)


def _logged_steps(out: str) -> int:
    try:
        with open(os.path.join(out, "metrics.jsonl")) as f:
            return sum('"loss"' in line for line in f)
    except OSError:
        return 0


def _send(kind: str, out: str, after_steps: int, step_time: float, sent: list) -> None:
    """Wait for the loop, then for `after_steps` logged steps, then a random part of one step."""
    deadline = time.time() + 60
    while not _training() and time.time() < deadline:
        time.sleep(0.0005)
    while _training() and _logged_steps(out) < after_steps:
        time.sleep(0.0005)
    time.sleep(random.uniform(0, step_time))
    names = ["SIGINT", "SIGINT"] if kind == "SIGINT twice" else [kind]
    for i, name in enumerate(names):
        if i:
            time.sleep(random.uniform(0, 0.003))
        sent.append(_training())
        os.kill(os.getpid(), getattr(signal, name))


def main_trials(root: str, seed: int, trials: int) -> dict:
    random.seed(seed)
    corpus = os.path.join(root, "corpus.txt")
    with open(corpus, "w") as f:
        f.write("the cat sat on the mat; a dog ate the hat. " * 30)
    RUNS["charlm"] += ["--data", corpus]
    late = []     # a signal that arrives after training ended is recorded here instead of killing us
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), lambda n, f: late.append(n))
    reference, duration = {}, {}
    for task, argv in RUNS.items():
        out = os.path.join(root, f"{task}-straight")
        times: list = []
        watcher = threading.Thread(target=_watch, args=(times,))
        watcher.start()
        assert _run([*argv, "--out", out])[0] == 0
        watcher.join()
        duration[task] = times[0]
        reference[task] = _final_state(out)
    summary = {"trials": 0, "exact": 0, "interrupted": 0, "finished_first": 0, "by_signal": {}, "problems": []}
    for i in range(trials):
        task = list(RUNS)[i % len(RUNS)]
        kind = SIGNALS[(i // len(RUNS)) % len(SIGNALS)]
        out = os.path.join(root, f"{task}-{i}")
        argv = [*RUNS[task], "--out", out]
        sent: list = []
        late.clear()
        steps = int(argv[argv.index("--steps") + 1])
        thread = threading.Thread(target=_send, args=(kind, out, random.randrange(steps), duration[task] / steps, sent))
        thread.start()
        status, err = _run(argv)
        thread.join()
        time.sleep(0.01)            # let a late signal's handler run before the next trial
        problems = []
        if status == 0:
            summary["finished_first"] += 1
        else:
            summary["interrupted"] += 1
            expected = 128 + int(getattr(signal, kind.split()[0]))
            lines = err.strip().splitlines()
            if status != expected or len(lines) != 1 or "--resume" not in lines[0]:
                problems.append(f"status {status} (expected {expected}), message {lines!r}")
            if any(n.endswith(".tmp") for n in os.listdir(out)):
                problems.append(f"temporary files left: {os.listdir(out)}")
            has_checkpoint = os.path.exists(os.path.join(out, "checkpoint.npz"))
            if kind != "SIGINT twice" and not has_checkpoint:
                problems.append("no checkpoint after the first signal")
            status, err = _run(argv + ["--resume"] if has_checkpoint else argv)
            if status != 0:
                problems.append(f"resume failed with {status}: {err.strip()}")
        if not problems and not _same(_final_state(out), reference[task]):
            problems.append("the resumed run differs from the uninterrupted one")
        summary["trials"] += 1
        summary["exact"] += not problems
        summary["by_signal"].setdefault(kind, [0, 0])
        summary["by_signal"][kind][0] += 1
        summary["by_signal"][kind][1] += not problems
        if problems:
            summary["problems"].append({"trial": i, "task": task, "signal": kind, "problems": problems})
    return summary


if __name__ == "__main__":
    print(json.dumps(main_trials(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
