"""BLAS threads: big products cut into blocks by shape under "auto" (reproducible), by timing per shape under "measure"; overridable by function and environment."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import tinygrad_rnn as tg
from tinygrad_rnn import blocks, threads


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


def test_measure_starts_each_shape_on_one_thread(restore):
    threads.set_num_threads("measure")
    assert threads.threads_for(32, 1024, 256) == 1                  # one LSTM step at H = 256, not timed yet
    assert threads.get_num_threads() == threads._original           # what a shape may get at most
    assert threads.choices() == {}


def test_auto_decides_by_shape_alone_and_never_times(restore, monkeypatch):
    # float32 products round differently on one thread and on several (OpenBLAS's kernels), so
    # a choice of BLAS threads by timing would make a run's numbers depend on the load; "auto"
    # never times a shape for that, and never hands a product to BLAS's own threads: big ones
    # are cut into blocks by shape (whose helpers may follow the load: that changes no bits)
    threads.set_num_threads("auto")
    assert threads.threads_for(32, 256, 64) == 1                     # one LSTM step at H = 64: too small
    assert threads.threads_for(32, 1024, 256) == 1                   # H = 256: still whole
    assert threads.threads_for(32, 2048, 512) == min(threads._original, 8)   # H = 512: eight blocks
    monkeypatch.setattr(threads, "ShapeChoice", lambda *a, **k: pytest.fail("auto timed a product"))
    seen = []
    monkeypatch.setattr(threads, "_set", lambda n: seen.append(n))
    rng = np.random.default_rng(0)
    small = rng.standard_normal((32, 64)), rng.standard_normal((64, 256))
    large = rng.standard_normal((512, 512)), rng.standard_normal((512, 512))
    for _ in range(3):
        np.testing.assert_array_equal(threads.matmul(*small), small[0] @ small[1])
        np.testing.assert_array_equal(threads.matmul(*large), blocks.matmul(*large, threads=1))
    assert seen == []                                                # BLAS stays on one thread
    assert threads.choices() == {}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_auto_and_every_count_give_the_same_bits(restore, dtype):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((32, 512)).astype(dtype)                 # h_{t-1} at H = 512
    b = rng.standard_normal((512, 2048)).astype(dtype)               # W_hhᵀ
    results = []
    for setting in ("auto", 1, 2, 3, "auto"):
        threads.set_num_threads(setting)
        results.append(threads.matmul(a, b))
        assert all(n == 1 for n in _blas_threads())
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def _feed(choice, timings):
    """Run a ShapeChoice over calls whose time depends only on the thread count it picks."""
    picked = []
    for _ in range(timings["calls"]):
        n = choice.next()
        picked.append(n)
        choice.record(n, timings[1] if n == 1 else timings["many"])
    return picked


def test_probe_alternates_and_picks_all_threads_when_clearly_faster():
    c = threads.ShapeChoice(4, probe_calls=3)
    picked = _feed(c, {"calls": 6, 1: 1e-3, "many": 0.6e-3})
    assert picked == [1, 4, 1, 4, 1, 4]                             # alternating, one thread first
    assert not c.probing and c.threads == 4 and c.left == threads.RECHECK


def test_probe_keeps_one_thread_when_all_are_not_clearly_faster():
    c = threads.ShapeChoice(2, probe_calls=3)
    _feed(c, {"calls": 6, 1: 1e-3, "many": 0.9e-3})                 # 10 % faster: below the bar (WIN)
    assert not c.probing and c.threads == 1


def test_a_slow_all_threads_call_ends_the_probe_at_once():
    # a busy core: the helper thread misses its slice, the product waits for the scheduler
    c = threads.ShapeChoice(2, probe_calls=3)
    picked = _feed(c, {"calls": 2, 1: 1e-4, "many": 5e-3})
    assert picked == [1, 2] and not c.probing and c.threads == 1


def test_all_threads_fall_back_to_one_when_a_core_gets_busy():
    c = threads.ShapeChoice(2, probe_calls=2)
    _feed(c, {"calls": 4, 1: 1e-3, "many": 0.5e-3})
    assert c.threads == 2
    picked = _feed(c, {"calls": 10, 1: 1e-3, "many": 20e-3})        # the same shape, now slow on 2
    assert picked[0] == 2 and picked[-1] == 1 and picked.count(2) <= 2
    assert c.threads == 1 and not c.probing


def test_reprobe_interval_doubles_while_the_choice_holds_and_resets_when_it_changes():
    c = threads.ShapeChoice(2, probe_calls=1)
    slow_many = {1: 1e-3, "many": 1.2e-3}
    _feed(c, dict(slow_many, calls=2))
    assert c.threads == 1 and c.interval == 2 * threads.RECHECK      # same answer as the start: look less often
    interval = c.interval
    picked = _feed(c, dict(slow_many, calls=interval + 2))
    assert picked[:interval] == [1] * interval and picked[interval + 1] == 2   # probed once the interval is up
    assert c.interval == 4 * threads.RECHECK
    for _ in range(8):                                              # capped
        _feed(c, dict(slow_many, calls=c.interval + 2))
    assert c.interval == threads.RECHECK_MAX
    _feed(c, {"calls": c.left + 2, 1: 1e-3, "many": 0.3e-3})        # the machine got quiet
    assert c.threads == 2 and c.interval == threads.RECHECK


def test_a_busy_core_holds_back_every_shapes_probes_for_a_while(restore, monkeypatch):
    threads.set_num_threads("measure")
    assert not threads.holding(0.0)
    threads.note("busy", 100.0)
    assert threads.holding(100.0 + threads.HOLD_MIN / 2) and not threads.holding(100.0 + threads.HOLD_MIN)
    threads.note("busy", 200.0)                                      # still busy: a longer hold
    assert threads.holding(200.0 + 1.5 * threads.HOLD_MIN)
    threads.note("many", 300.0)                                      # quiet again: holds start short
    threads.note("busy", 400.0)
    assert not threads.holding(400.0 + threads.HOLD_MIN)
    if threads._original == 1:
        return
    threads.note("busy", threads.time.perf_counter() + 1e6)          # held: a new shape's probe is skipped
    seen = []
    monkeypatch.setattr(threads, "_set", lambda n: seen.append(n))
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((32, 64)), rng.standard_normal((64, 256))
    for _ in range(4):
        threads.matmul(a, b)
    assert seen == [] and threads.choices()[(32, 256, 64, "d")] == 1


def test_matmul_records_its_choice_per_shape_and_stays_exact(restore, monkeypatch):
    threads.set_num_threads("measure")
    if threads._original == 1:
        pytest.skip("BLAS has one thread here: nothing to choose")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((32, 64)), rng.standard_normal((64, 256))
    seen = []
    monkeypatch.setattr(threads, "_set", lambda n: seen.append(n))   # which counts matmul asks for
    for _ in range(2 * threads.PROBE_CALLS):
        np.testing.assert_allclose(threads.matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)
    assert seen[:2] == [threads._original, 1]                        # the probe's all-threads call, then back to one
    assert (32, 256, 64, "d") in threads.choices()
    out = np.empty((32, 256))
    assert threads.matmul(a, b, out=out) is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)
    tiny = rng.standard_normal((4, 4))
    threads.matmul(tiny, tiny)                                       # below SMALL_PRODUCT: never timed
    assert (4, 4, 4, "d") not in threads.choices()


def test_fixed_and_system_settings_override_the_timing(restore, monkeypatch):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((32, 64)), rng.standard_normal((64, 256))
    for setting in (1, "system"):
        threads.set_num_threads(setting)
        seen = []
        monkeypatch.setattr(threads, "_set", lambda n: seen.append(n))
        threads.matmul(a, b)
        monkeypatch.undo()
        assert seen == [] and threads.choices() == {}
        assert threads.threads_for(32, 256, 64) == (1 if setting == 1 else threads._original)


def test_big_matmul_is_exact_and_leaves_blas_on_one_thread(restore):
    threads.set_num_threads("measure")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((512, 512)), rng.standard_normal((512, 512))
    assert 512 ** 3 >= threads.BIG_PRODUCT
    for _ in range(2):                       # a big shape's probe: one call on one thread, one on all
        np.testing.assert_allclose(threads.matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)
        assert all(n == 1 for n in _blas_threads())
    assert threads.choices()[(512, 512, 512, "d")] in (1, threads._original)


def test_set_num_threads_fixed_and_system(restore):
    threads.set_num_threads(1)
    assert _blas_threads() == [1] * len(_blas_threads()) and threads.get_num_threads() == 1
    assert threads.threads_for(4096, 4096, 4096) == 1
    threads.set_num_threads("system")
    assert all(n == threads._original for n in _blas_threads())
    threads.set_num_threads("auto")
    assert all(n == 1 for n in _blas_threads())
    threads.set_num_threads("measure")
    assert all(n == 1 for n in _blas_threads())


def test_putting_blas_on_one_thread_runs_one_long_float32_product(restore, monkeypatch):
    # with OpenBLAS at one thread, small float32 products stayed slow until such a product ran
    seen = []
    real = np.matmul

    def noting(a, b, *args, **kwargs):
        seen.append((a.shape, b.shape, a.dtype))
        return real(a, b, *args, **kwargs)

    monkeypatch.setattr(threads.np, "matmul", noting)
    openblas = any(type(c).__name__ == "OpenBLASController" for c in threads._blas())
    for setting, warmed in (("auto", openblas), (2, openblas), ("system", False), ("measure", openblas)):
        seen.clear()
        threads.set_num_threads(setting)
        assert (seen == [((64, 4096), (4096, 64), np.dtype(np.float32))]) == warmed, setting


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
    for setting in ("auto", "measure", "system", 1):
        threads.set_num_threads(setting)
        out, _ = layer(x)
        out.sum().backward()
        results.append((out.numpy(), layer.weight_hh_l0.grad.numpy()))
        layer.zero_grad()
    for out, g in results[1:]:
        np.testing.assert_allclose(out, results[0][0], atol=1e-12)
        np.testing.assert_allclose(g, results[0][1], atol=1e-12)


def test_fused_layer_sends_its_per_step_products_through_the_chooser(restore):
    threads.set_num_threads("measure")
    if threads._original == 1:
        pytest.skip("BLAS has one thread here: nothing to choose")
    tg.manual_seed(0)
    B, H = 4, 64                                   # B·4H·H = 65536: just big enough to be timed
    layer = tg.nn.LSTM(8, H, fused=True).double()
    out, _ = layer(tg.randn(3, B, 8, dtype=tg.float64))
    out.sum().backward()
    shapes = set(threads.choices())
    assert (B, 4 * H, H, "d") in shapes            # h_{t-1} W_hhᵀ, every step forward
    assert (B, H, 4 * H, "d") in shapes            # δa_t W_hh, every step backward


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_a_fused_float32_step_has_the_same_bits_on_any_thread_count(restore, cell):
    # H = 512, B = 32: both layers' per-step products (≥ blocks.MIN_PRODUCT) and their
    # once-per-sequence products are cut into blocks; the bits must not follow the thread count
    assert 32 * 3 * 512 * 512 >= blocks.MIN_PRODUCT
    tg.manual_seed(0)
    layer = getattr(tg.nn, cell)(16, 512, fused=True)
    x = tg.randn(6, 32, 16)
    results = []
    for setting in ("auto", 1, 3, "auto"):
        threads.set_num_threads(setting)
        out, _ = layer(x)
        (out * out).sum().backward()
        results.append([out.numpy()] + [p.grad.numpy().copy() for p in layer.parameters()])
        layer.zero_grad()
    for r in results[1:]:
        for got, first in zip(r, results[0]):
            np.testing.assert_array_equal(got, first)
