"""Shared test fixtures.

``devices``: every test that takes it runs once per available backend — ``"cpu"`` always,
``"cuda"`` too when CuPy sees a GPU — so the same assertions cover NumPy and CuPy.

Every test also starts from the library's default global state (float32, CPU, gradients
on, no anomaly checks, no name scope), whatever the previous test changed.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import tinygrad_rnn as tg
from tinygrad_rnn import backend, dtypes
from tinygrad_rnn.modes import state

# The fixtures below are function-scoped but hold no per-example state, so property tests
# may use them; every explicit @settings(...) inherits this from the loaded profile.
settings.register_profile("tinygrad_rnn", suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile("tinygrad_rnn")

DEVICES = ["cpu"] + (["cuda"] if tg.cuda_is_available() else [])


@pytest.fixture(params=DEVICES)
def devices(request: pytest.FixtureRequest) -> str:
    """One device name per test instance: "cpu", and "cuda" when a GPU is available."""
    return request.param


@pytest.fixture(autouse=True)
def _default_global_state() -> Iterator[None]:
    dtypes.set_default_dtype(np.float32)
    backend.set_default_device("cpu")
    state.grad_enabled, state.scope, state.anomaly = True, (), False
    yield
    dtypes.set_default_dtype(np.float32)
    backend.set_default_device("cpu")
    state.grad_enabled, state.scope, state.anomaly = True, (), False


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless system Chromium driven by Playwright (see tests/browser_support.py).

    Skips with the reason when Chromium or Playwright is missing, except under CI
    (``CI=true``), where ``make test`` installs both and a missing browser is a failure.
    """
    import os  # noqa: PLC0415

    from browser_support import CHROMIUM_ARGS, find_chromium, missing_reason  # noqa: PLC0415
    reason = missing_reason()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=find_chromium(), headless=True,
                                      args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
