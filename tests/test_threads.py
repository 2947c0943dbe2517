"""BLAS threads: small products on one thread by default, overridable by function and environment."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import tinygrad_rnn as tg
from tinygrad_rnn import threads


def _blas_threads() -> list[int]:
    """Threads of the BLAS libraries tinygrad_rnn steers (NumPy's; PyTorch's own, loaded later by
    other tests, is left alone)."""
    ours = {c.filepath for c in threads._blas()}
    return [i["num_threads"] for i in threadpool_info() if i["filepath"] in ours]


@pytest.fixture
def restore():
    before = threads.setting()
    yield
    threads.set_num_threads(before)


def test_default_is_auto_with_blas_on_one_thread():
    # the package was imported without TINYGRAD_RNN_BLAS_THREADS in the test environment
    assert os.environ.get(threads.ENV) is None
    assert threads.setting() == "auto"
    assert _blas_threads() and all(n == 1 for n in _blas_threads())


def test_small_products_get_one_thread_big_ones_all(restore):
    threads.set_num_threads("auto")
    assert threads.threads_for(32, 1024, 256) == 1                  # one LSTM step at H = 256
    assert threads.threads_for(1024, 256, 2048) == threads.get_num_threads()   # a weight gradient over T·B rows
    assert threads.get_num_threads() == threads._original


def test_big_matmul_is_exact_and_leaves_blas_on_one_thread(restore):
    threads.set_num_threads("auto")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((512, 512)), rng.standard_normal((512, 512))
    assert 512 ** 3 >= threads.BIG_PRODUCT
    np.testing.assert_allclose(threads.matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)
    assert all(n == 1 for n in _blas_threads())


def test_set_num_threads_fixed_and_system(restore):
    threads.set_num_threads(1)
    assert _blas_threads() == [1] * len(_blas_threads()) and threads.get_num_threads() == 1
    assert threads.threads_for(4096, 4096, 4096) == 1
    threads.set_num_threads("system")
    assert all(n == threads._original for n in _blas_threads())
    threads.set_num_threads("auto")
    assert all(n == 1 for n in _blas_threads())


@pytest.mark.parametrize("bad", [0, -2, "many", "", 1.5, True])
def test_bad_settings_name_the_knob(bad, restore):
    with pytest.raises(ValueError, match="BLAS threads.*TINYGRAD_RNN_BLAS_THREADS"):
        threads.set_num_threads(bad)


def test_environment_variable_sets_the_policy_at_import():
    code = ("import json, tinygrad_rnn as tg; from threadpoolctl import threadpool_info; "
            "ours = {c.filepath for c in tg.threads._blas()}; "
            "print(json.dumps([tg.threads.setting(), [i['num_threads'] for i in threadpool_info() "
            "if i['filepath'] in ours]]))")
    for value, expected in (("1", 1), ("system", None)):
        env = dict(os.environ, **{threads.ENV: value})
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        setting, counts = json.loads(out.stdout.strip().splitlines()[-1])
        assert str(setting) == value
        if expected is not None:
            assert counts == [expected] * len(counts)
    env = dict(os.environ, **{threads.ENV: "lots"})
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "RuntimeWarning" in out.stderr and "'lots'" in out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1])[0] == "auto"


def test_fused_layer_is_unchanged_by_the_thread_setting(restore):
    tg.manual_seed(0)
    layer = tg.nn.LSTM(8, 16, fused=True).double()
    x = tg.randn(5, 3, 8, dtype=tg.float64)
    results = []
    for setting in ("auto", "system", 1):
        threads.set_num_threads(setting)
        out, _ = layer(x)
        out.sum().backward()
        results.append((out.numpy(), layer.weight_hh_l0.grad.numpy()))
        layer.zero_grad()
    for out, g in results[1:]:
        np.testing.assert_allclose(out, results[0][0], atol=1e-12)
        np.testing.assert_allclose(g, results[0][1], atol=1e-12)
