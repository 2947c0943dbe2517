"""The allocator setting applied at import, and the environment switch that keeps the system's."""
from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

import tinygrad_rnn.allocator as allocator

PROBE = "import tinygrad_rnn, tinygrad_rnn.allocator as a; print(a.tuned)"


def _tuned_in_fresh_process(**env: str) -> str:
    return subprocess.run([sys.executable, "-c", PROBE], env={**os.environ, **env},
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.skipif(not (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"),
                    reason="the setting exists on Linux with glibc only")
def test_import_raises_glibc_thresholds_and_the_switch_keeps_defaults() -> None:
    assert allocator.tuned is True
    assert allocator.keep_freed_memory() is True          # idempotent
    assert _tuned_in_fresh_process(TINYGRAD_RNN_MALLOC="system") == "False"
    assert _tuned_in_fresh_process() == "True"
