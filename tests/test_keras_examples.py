"""The five ported tutorials in docs/examples/ run, in their short CI form (TINYGRAD_RNN_FAST=1),
and each one's own check passes (the loss falls, the task is learned)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
TUTORIALS = ["tf1_lstm_manual_loop.py", "vanilla_rnn_bptt.py", "keras_lstm_full_signature.py",
             "mnist_row_by_row.py", "udacity_char_lstm.py"]


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_runs(name: str, tmp_path: Path) -> None:
    if name == "mnist_row_by_row.py":
        pytest.importorskip("sklearn", reason="without an MNIST folder the example reads scikit-learn's digits")
    env = dict(os.environ, TINYGRAD_RNN_FAST="1", MPLBACKEND="Agg")
    env.pop("MNIST_DIR", None)
    proc = subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert proc.stdout.strip(), f"{name} printed nothing"


def test_every_tutorial_is_listed_in_the_porting_guide() -> None:
    guide = (EXAMPLES.parent / "keras.md").read_text(encoding="utf-8")
    for name in TUTORIALS:
        assert f"`{name}`" in guide, name
