"""``tinygrad-rnn bench`` runs and reports figures (timing itself is never asserted)."""
from __future__ import annotations

import json

import pytest

from tinygrad_rnn.cli.main import main


def test_bench_ops_reports_both_engines(capsys):
    assert main(["bench", "ops", "--links", "20", "--rounds", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result["us_per_op"]) == {"tinygrad_rnn", "pytorch"}
    assert all(v > 0 for v in result["us_per_op"].values())


def test_bench_lstm_runs_every_implementation_in_fresh_processes(capsys):
    argv = ["bench", "lstm", "--hidden", "8", "--steps", "4", "--batch", "2", "--input", "3",
            "--rounds", "1", "--iters", "1", "--warmup", "0", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    row = result["results"][0]
    for impl in ("tinygrad-primitive", "tinygrad-fused", "torch-primitive", "torch-nn", "numpy"):
        assert row[impl]["ms"] > 0, impl
        assert row[impl]["peak_mib"] >= 0, impl


def test_bench_rejects_bad_sizes(capsys):
    try:
        status = main(["bench", "lstm", "--hidden", "0"])
    except SystemExit as e:
        status = e.code
    assert status == 2 and "positive" in capsys.readouterr().err


def test_bench_tasks_trains_each_row_with_the_train_command(capsys, tmp_path):
    argv = ["bench", "tasks", "--quick", "--only", "adding-rnn,charlm-lstm", "--out", str(tmp_path), "--json"]
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["rows"]
    assert [r["name"] for r in rows] == ["adding-rnn", "charlm-lstm"]
    for r in rows:
        assert "error" not in r, r
        assert r["command"].startswith("tinygrad-rnn train ") and r["wall_s"] > 0
        assert (tmp_path / r["name"] / "checkpoint.npz").exists()
    adding, charlm = rows
    assert 0.0 <= adding["value"] <= 1.0 and "1997 criterion" in adding["summary"]
    assert adding["met"] is True            # 20 steps of a plain RNN do not solve it: the baseline row holds
    assert charlm["value"] > 2.0 and charlm["met"] is False   # 10 steps are far from 2 bits/char
    assert len(charlm["sample"]) >= 300


def test_bench_tasks_rejects_unknown_rows(capsys, tmp_path):
    assert main(["bench", "tasks", "--only", "adding-gru", "--out", str(tmp_path)]) == 2
    assert "unknown row(s) adding-gru" in capsys.readouterr().err


def test_bench_lstm_contended_reports_quiet_and_busy_times(capsys):
    argv = ["bench", "lstm", "--hidden", "8", "--steps", "3", "--batch", "2", "--input", "3",
            "--rounds", "1", "--iters", "1", "--warmup", "0", "--contended", "--blas-threads", "1",
            "--only", "tinygrad-fused,tinygrad-primitive", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["contended"] is True and result["blas_threads"] == "1"
    row = result["results"][0]
    assert set(row) == {"hidden", "tinygrad-fused", "tinygrad-primitive"}
    for impl in ("tinygrad-fused", "tinygrad-primitive"):
        r = row[impl]
        assert r["ms"] > 0 and r["contended_ms"] > 0
        assert r["contended_ratio"] == pytest.approx(r["contended_ms"] / r["ms"])


def test_bench_lstm_rejects_unknown_implementations_and_thread_settings(capsys):
    assert main(["bench", "lstm", "--only", "tinygrad-turbo"]) == 2
    assert "unknown implementation(s) tinygrad-turbo" in capsys.readouterr().err
    assert main(["bench", "lstm", "--blas-threads", "0"]) == 2
    assert "TINYGRAD_RNN_BLAS_THREADS" in capsys.readouterr().err


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_bench_parts_splits_the_fused_step_into_parts_that_add_up(capsys, cell):
    from tinygrad_rnn.fused import sequence, steps
    before = (sequence.matmul, sequence._project, sequence._weight_grads, steps.lstm_forward, steps.gru_backward)
    assert main(["bench", cell, "--parts", "--hidden", "8,16", "--steps", "5", "--batch", "3",
                 "--iters", "2", "--warmup", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["hidden"] for r in out["rows"]] == [8, 16]
    for row in out["rows"]:
        parts = row["parts"]
        timed = sum(v for k, v in parts.items() if k != "everything else")
        assert 0 < timed < row["total"] and parts["everything else"] > 0      # no part counted twice
        assert parts["per-step products"] > 0 and parts["once-per-sequence products"] > 0
        assert (parts["gate math forward"] > 0) == (cell != "rnn")     # the RNN's tanh is inline
    assert (sequence.matmul, sequence._project, sequence._weight_grads, steps.lstm_forward,
            steps.gru_backward) == before                                          # timers removed


def test_bench_parts_refuses_options_of_the_side_by_side_runs(capsys):
    assert main(["bench", "lstm", "--parts", "--contended"]) == 2
    assert "--parts" in capsys.readouterr().err


def test_bench_parts_counts_each_product_where_it_belongs(capsys):
    # T·B = 8 = 4H: a per-step δa·W_hh is (B, 4H) = (2, 8) and must not pass for a product over all steps
    assert main(["bench", "lstm", "--parts", "--hidden", "2", "--steps", "4", "--batch", "2", "--input", "3",
                 "--iters", "2", "--warmup", "1", "--json"]) == 0
    calls = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["rows"][0]["calls"]
    assert calls["per-step products"] == 2 * 4                 # h·W_hhᵀ forward, δa·W_hh backward, each step
    assert calls["once-per-sequence products"] == 3            # input projection, two weight gradients
    assert calls["gate math forward"] == calls["gate math backward"] == 4


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_bench_parts_splits_the_primitive_steps_by_kind_of_op(capsys, cell):
    from tinygrad_rnn.ops.matmul import MatMul
    from tinygrad_rnn.ops.shape import Split
    before = (MatMul.forward, MatMul.backward, Split.backward)
    T = 4
    assert main(["bench", cell, "--parts", "--only", "tinygrad-primitive,torch-primitive", "--hidden", "6",
                 "--steps", str(T), "--batch", "3", "--input", "5", "--iters", "2", "--warmup", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["rows"] == []                                  # no fused row unless asked for
    (row,) = out["primitive"]
    assert row["hidden"] == 6
    for name in ("tinygrad-primitive", "torch-primitive"):
        r = row[name]
        timed = sum(v for p in r["parts"].values() for v in p.values())
        assert 0 < timed < r["total"] and r["everything else"] == pytest.approx(r["total"] - timed)
        assert r["plain_total"] > 0
        for kind in ("matrix products", "σ and tanh", "other elementwise", "shape ops"):
            assert r["parts"][kind]["forward"] > 0 and r["parts"][kind]["backward"] > 0, (name, kind)
    ours = row["tinygrad-primitive"]["calls"]
    # per step x·W_ihᵀ and h·W_hhᵀ, plus the head's product: each op once forward, once backward
    assert ours["matrix products"] == 2 * (2 * T + 1)
    # LSTM: σ three times and tanh twice a step; GRU: σ twice and tanh once
    assert ours["σ and tanh"] == 2 * T * (5 if cell == "lstm" else 3)
    # PyTorch's version records the same products (mm inside its linear head counts once)
    assert row["torch-primitive"]["calls"]["matrix products"] >= 2 * T + 1
    assert (MatMul.forward, MatMul.backward, Split.backward) == before           # timers removed


def test_bench_parts_only_takes_what_it_can_time(capsys):
    assert main(["bench", "lstm", "--parts", "--only", "numpy"]) == 2
    err = capsys.readouterr().err
    assert "numpy" in err and "tinygrad-primitive" in err and "torch-primitive" in err


def test_bench_products_times_every_product_of_a_step_in_both_libraries(capsys):
    from tinygrad_rnn import threads
    from tinygrad_rnn.fused import sequence
    from tinygrad_rnn.ops import matmul as op_matmul
    T = 3
    assert main(["bench", "lstm", "--products", "--hidden", "4", "--steps", str(T), "--batch", "2",
                 "--input", "3", "--rounds", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    primitive, fused = out["rows"]
    assert (primitive["path"], fused["path"]) == ("primitive", "fused")
    # primitive: x·W_ihᵀ, h·W_hhᵀ each step and the head forward; both weight gradients each step,
    # ∂L/∂h through W_hh for steps 1..T-1 (h₀ needs none), the head's two gradients
    assert sum(p["per_step"] for p in primitive["products"]) == 2 * T + 1 + 2 * T + (T - 1) + 2
    # fused: one input projection, h·W_hhᵀ and δa·W_hh each step, two weight gradients, the head's three
    assert sum(p["per_step"] for p in fused["products"]) == 1 + 2 * T + 2 + 3
    assert {(tuple(p["a"]), tuple(p["b"])) for p in fused["products"]} >= {((T * 2, 3), (3, 16)), ((2, 4), (4, 16))}
    for row in (primitive, fused):
        assert all(p["ours"] > 0 and p["torch"] > 0 for p in row["products"])
        assert row["ours_total"] == pytest.approx(sum(p["per_step"] * p["ours"] for p in row["products"]))
    assert op_matmul._product is threads.matmul and sequence.matmul is threads.matmul     # unwrapped


def test_bench_products_refuses_options_it_does_not_use(capsys):
    assert main(["bench", "lstm", "--products", "--parts"]) == 2
    assert "--products" in capsys.readouterr().err
