"""``tinygrad-rnn train / evaluate / sample`` end to end, at tiny sizes: the files a run
writes, exact resume, Ctrl-C, and one clear line for every bad argument."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.cli.main import main
from tinygrad_rnn.data.mnist import FILES, write_idx
from tinygrad_rnn.train import Run, SequenceModel, make_task

TINY = ["--hidden", "6", "--batch", "4", "--no-progress", "--seed", "3", "--log-every", "1"]


def _train(tmp_path, name: str, *extra: str) -> str:
    out = str(tmp_path / name)
    assert main(["train", *extra, *TINY, "--out", out]) == 0
    return out


def test_train_writes_metrics_plot_and_checkpoint(tmp_path, capsys):
    out = _train(tmp_path, "adding", "adding", "--T", "20", "--steps", "6", "--eval-every", "3")
    for name in ("metrics.jsonl", "loss.png", "checkpoint.npz"):
        assert os.path.getsize(os.path.join(out, name)) > 0
    records = [json.loads(line) for line in open(os.path.join(out, "metrics.jsonl"))]
    assert [r["step"] for r in records if "eval" in r] == [3, 6]
    assert all(np.isfinite(r["loss"]) for r in records if "loss" in r)
    header = tg.checkpoint.read_header(os.path.join(out, "checkpoint.npz"))
    assert header["step"] == 6 and header["config"]["model"]["hidden_size"] == 6
    printed = capsys.readouterr().out
    assert "1997 criterion" in printed and "wrote" in printed

    assert main(["evaluate", "--checkpoint", os.path.join(out, "checkpoint.npz")]) == 0
    assert "1997 criterion" in capsys.readouterr().out


@pytest.mark.parametrize("cell, fused", [("lstm1997", False), ("peephole", False), ("lstm", True), ("gru-cho", None)])
def test_every_cell_trains_from_the_command_line(tmp_path, cell, fused):
    # cells without a fused kernel run as recorded primitive ops instead of failing
    out = _train(tmp_path, cell, "adding", "--cell", cell, "--T", "20", "--steps", "3")
    config = tg.checkpoint.read_header(os.path.join(out, "checkpoint.npz"))["config"]["model"]
    assert config["cell"] == cell
    if fused is not None:
        assert SequenceModel(**config).rnn.fused is fused


@pytest.mark.parametrize("task, extra", [("adding", ["--T", "20"]), ("reber", []), ("copy", ["--lag", "5", "--k", "2"])])
def test_resume_gives_exactly_the_uninterrupted_run(tmp_path, task, extra):
    straight = _train(tmp_path, "straight", task, *extra, "--steps", "6", "--eval-every", "3")
    split = _train(tmp_path, "split", task, *extra, "--steps", "3", "--eval-every", "3")
    assert main(["train", task, *extra, *TINY, "--out", split, "--steps", "6", "--eval-every", "3", "--resume"]) == 0
    a = tg.load(os.path.join(straight, "checkpoint.npz"))
    b = tg.load(os.path.join(split, "checkpoint.npz"))
    assert a["step"] == b["step"] == 6
    for key in a["model"]:
        np.testing.assert_array_equal(a["model"][key], b["model"][key], err_msg=key)
    losses = lambda d: [(r["step"], r["loss"]) for r in map(json.loads, open(os.path.join(d, "metrics.jsonl")))  # noqa: E731
                        if "loss" in r]
    assert losses(straight) == losses(split) and len(losses(split)) == 6


def test_charlm_trains_resumes_and_samples(tmp_path, capsys):
    text = tmp_path / "corpus.txt"
    text.write_text("the cat sat on the mat. " * 200, encoding="utf-8")
    args = ["charlm", "--data", str(text), "--bptt", "8", "--embedding", "4", "--eval-every", "2"]
    straight = _train(tmp_path, "straight", *args, "--steps", "4")
    split = _train(tmp_path, "split", *args, "--steps", "2")
    assert main(["train", *args, *TINY, "--out", split, "--steps", "4", "--resume"]) == 0
    a, b = (tg.load(os.path.join(d, "checkpoint.npz")) for d in (straight, split))
    for key in a["model"]:   # the carried (detached) state is part of the checkpoint too
        np.testing.assert_array_equal(a["model"][key], b["model"][key], err_msg=key)
    capsys.readouterr()
    ckpt = os.path.join(straight, "checkpoint.npz")
    assert main(["sample", "--checkpoint", ckpt, "--prime", "the ", "--length", "30", "--seed", "1"]) == 0
    sample = capsys.readouterr().out.rstrip("\n")
    assert sample.startswith("the ") and len(sample) == 34 and set(sample) <= set("the cat sat on mat.")
    assert main(["evaluate", "--checkpoint", ckpt]) == 0
    assert "bits/char" in capsys.readouterr().out


def test_mnist_reads_idx_files_from_data_folder(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for key, stem in FILES.items():
        n = 40 if key.startswith("train") else 20
        arr = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) if key.endswith("images") else \
            rng.integers(0, 10, n, dtype=np.uint8)
        write_idx(tmp_path / stem, arr, compress=key.startswith("test"))
    _train(tmp_path, "mnist", "mnist", "--data", str(tmp_path), "--steps", "2", "--eval-every", "2")
    assert "test accuracy" in capsys.readouterr().out


def test_ctrl_c_saves_a_checkpoint_and_resume_continues(tmp_path, monkeypatch):
    tg.manual_seed(0)
    task = make_task("adding", seed=0, T=20)
    model = SequenceModel(2, 5, 1, cell="gru")
    run = Run(task, model, tg.optim.Adam(model.parameters(), lr=1e-2), str(tmp_path), 1.0, 4, {})
    real = task.train_loss

    def interrupted(model, batch, step):
        if step == 3:
            raise KeyboardInterrupt
        return real(model, batch, step)

    monkeypatch.setattr(task, "train_loss", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run.train(10, eval_every=100, progress=False)
    assert tg.load(run.checkpoint_path)["step"] == 3      # the steps done before Ctrl-C are kept


def test_ctrl_c_from_the_command_line_exits_130_with_a_checkpoint(tmp_path, monkeypatch, capsys):
    from tinygrad_rnn.train import tasks

    def interrupted(self, model, batch, step):
        if step == 2:
            raise KeyboardInterrupt
        return original(self, model, batch, step)

    original = tasks.AddingTask.train_loss
    monkeypatch.setattr(tasks.AddingTask, "train_loss", interrupted)
    out = str(tmp_path / "run")
    assert main(["train", "adding", "--T", "20", "--steps", "5", *TINY, "--out", out]) == 130
    assert tg.load(os.path.join(out, "checkpoint.npz"))["step"] == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "checkpoint saved to" in err[0] and err[0].endswith("--resume")


@pytest.mark.parametrize("argv, message", [
    (["train", "adding", "--cell", "transformer"], "invalid choice"),
    (["train", "adding", "--hidden", "-3"], "positive"),
    (["train", "adding", "--steps", "0"], "positive"),
    (["train", "charlm", "--data", "/nonexistent/file.txt"], "no such file"),
    (["train", "mnist"], "--data"),
    (["train", "adding", "--T", "5"], "at least 20"),
    (["train", "adding", "--epochs", "2"], "--steps"),
    (["evaluate", "--checkpoint", "/nonexistent.npz"], "no such file"),
    (["sample", "--checkpoint", "/nonexistent.npz"], "no such file"),
])
def test_bad_arguments_get_one_clear_line(argv, message, capsys):
    try:
        status = main(argv)
    except SystemExit as e:      # argparse's own errors (choices, types) exit with status 2
        status = e.code
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("tinygrad-rnn")]) == 1


def test_checkpoint_of_another_model_is_a_clear_error(tmp_path, capsys):
    out = _train(tmp_path, "run", "adding", "--T", "20", "--steps", "2")
    status = main(["train", "adding", "--T", "20", "--steps", "4", "--hidden", "9", "--batch", "4",
                   "--no-progress", "--out", out, "--resume"])
    err = capsys.readouterr().err
    assert status == 2 and "--hidden 6 in the checkpoint, 9 now" in err and "Traceback" not in err


def test_sampling_a_non_text_model_is_a_clear_error(tmp_path, capsys):
    out = _train(tmp_path, "run", "adding", "--T", "20", "--steps", "2")
    status = main(["sample", "--checkpoint", os.path.join(out, "checkpoint.npz")])
    err = capsys.readouterr().err
    assert status == 2 and "charlm" in err and "is a checkpoint of the adding task" in err and "a adding" not in err


def test_foreign_file_as_checkpoint_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "x.npz"
    np.savez(bad, a=np.zeros(3))
    assert main(["evaluate", "--checkpoint", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "tinygrad-rnn evaluate:" in err and "Traceback" not in err


def test_the_run_header_names_task_size_cell_and_forget_bias(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert main(["train", "adding", "--steps", "1", "--hidden", "4", "--batch", "2", "--no-progress", "--no-plot",
                 "--out", out]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    # the defaults: T = 30 (the 1997 variant draws 30..33 steps) and a forget-gate bias that starts at 1
    assert header.startswith("adding (1997 variant, T 30..33): lstm, forget-gate bias starts at 1")
    assert main(["train", "adding", "--T", "20", "--forget-bias", "1", "--steps", "1", "--hidden", "4", "--batch", "2",
                 "--no-progress", "--no-plot", "--out", str(tmp_path / "tf")]) == 0
    assert "T 20..22): lstm, forget bias 1 (constant, TensorFlow's)" in capsys.readouterr().out.splitlines()[0]
    assert main(["train", "adding", "--cell", "gru", "--T", "20", "--steps", "1", "--hidden", "4", "--batch", "2",
                 "--no-progress", "--no-plot", "--out", str(tmp_path / "gru")]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("adding (1997 variant, T 20..22): gru, hidden 4")


def test_a_folder_that_holds_a_run_needs_resume_or_overwrite(tmp_path, capsys):
    out = _train(tmp_path, "run", "adding", "--T", "20", "--steps", "4", "--eval-every", "2")
    ckpt = os.path.join(out, "checkpoint.npz")
    saved = {name: open(os.path.join(out, name), "rb").read() for name in ("checkpoint.npz", "metrics.jsonl")}
    capsys.readouterr()
    # the same command again, without --resume: refused, and nothing of the run is touched
    assert main(["train", "adding", "--T", "20", "--steps", "2", *TINY, "--out", out]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds the checkpoint of a run at step 4" in err[0]
    assert "--resume" in err[0] and "--overwrite" in err[0]
    assert all(open(os.path.join(out, n), "rb").read() == data for n, data in saved.items())
    assert main(["train", "adding", "--T", "20", "--steps", "2", *TINY, "--out", out, "--resume", "--overwrite"]) == 2
    # --overwrite starts over and leaves nothing of the old run (its loss.png neither, with --no-plot)
    assert main(["train", "adding", "--T", "20", "--steps", "2", *TINY, "--out", out, "--overwrite", "--no-plot"]) == 0
    assert sorted(os.listdir(out)) == ["checkpoint.npz", "metrics.jsonl"]
    assert tg.load(ckpt)["step"] == 2
    assert max(json.loads(line)["step"] for line in open(os.path.join(out, "metrics.jsonl"))) == 2
    assert "overwrite" not in tg.checkpoint.read_header(ckpt)["config"]["args"]


def test_resume_accepts_a_default_given_again_and_shows_real_values(tmp_path, capsys):
    out = str(tmp_path / "run")
    small = ["train", "adding", "--T", "20", "--batch", "2", "--no-progress", "--no-plot", "--out", out]
    assert main([*small, "--steps", "1"]) == 0          # hidden, lr, clip: the task's defaults (64, 0.003, 1.0)
    capsys.readouterr()
    # the values the run used, given again: accepted (adding's LSTM starts its forget bias at 1 by default)
    assert main([*small, "--steps", "2", "--resume", "--hidden", "64", "--unit-forget-bias", "--lr", "0.003",
                 "--clip", "1"]) == 0
    assert "resumed from" in capsys.readouterr().out
    assert main([*small, "--steps", "3", "--resume", "--lr", "0.0005", "--lr-decay", "0.5",
                 "--lr-decay-every", "2"]) == 0
    printed = capsys.readouterr().out
    assert "changed --steps 2 -> 3, --lr 0.003 -> 0.0005, --lr-decay unset -> 0.5, --lr-decay-every unset -> 2" \
        in printed and "-> " in printed and " default " not in printed
    assert main([*small, "--steps", "4", "--resume", "--hidden", "32"]) == 2
    err = capsys.readouterr().err
    assert "--hidden 64 in the checkpoint, 32 now" in err and "--lr-decay-every may change" in err
    assert "_" not in err.split("Only")[1].split(" may change")[0]       # option names with dashes


def test_resume_keeps_the_checkpoints_eval_every(tmp_path):
    out = _train(tmp_path, "run", "adding", "--T", "20", "--steps", "4", "--eval-every", "2")
    assert main(["train", "adding", "--T", "20", *TINY, "--out", out, "--steps", "8", "--resume"]) == 0
    records = [json.loads(line) for line in open(os.path.join(out, "metrics.jsonl"))]
    assert [r["step"] for r in records if "eval" in r] == [2, 4, 6, 8]


def test_resume_to_fewer_steps_than_done_is_refused(tmp_path, capsys):
    out = _train(tmp_path, "run", "adding", "--T", "20", "--steps", "4", "--eval-every", "2")
    before = open(os.path.join(out, "checkpoint.npz"), "rb").read()
    capsys.readouterr()
    for steps in (["--steps", "3"], []):        # fewer, or as many (the checkpoint's own total)
        assert main(["train", "adding", "--T", "20", *TINY, "--out", out, *steps, "--resume"]) == 2
        captured = capsys.readouterr()
        err = captured.err.strip().splitlines()
        assert len(err) == 1 and "already at step 4" in err[0] and "--steps N with N > 4" in err[0]
        assert "no evaluation ran" not in captured.out
    assert open(os.path.join(out, "checkpoint.npz"), "rb").read() == before


def test_a_bad_device_is_a_bad_argument(tmp_path, capsys):
    out = _train(tmp_path, "run", "adding", "--T", "20", "--steps", "1")
    devices = ["tpu", "cuda:x"]
    try:
        import cupy  # noqa: F401
    except ImportError:     # no GPU here: asking for one is refused like any other bad argument
        devices.append("cuda")
    capsys.readouterr()
    for device in devices:
        for argv in (["train", "adding", "--T", "20", *TINY, "--out", str(tmp_path / "new")],
                     ["evaluate", "--checkpoint", os.path.join(out, "checkpoint.npz")]):
            assert main([*argv, "--device", device]) == 2, (argv[0], device)
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and f"--device {device}:" in err[0] and "Traceback" not in err[0]


def test_a_diverging_run_says_which_checkpoint_is_kept(tmp_path, capsys):
    out = str(tmp_path / "run")
    blow_up = ["--optimizer", "sgd", "--lr", "1e30", "--clip", "0"]
    assert main(["train", "adding", "--T", "20", *TINY, *blow_up, "--steps", "20", "--out", out]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tinygrad-rnn train: the loss became")
    assert "no checkpoint of this run was saved yet" in err[0] and not os.path.exists(os.path.join(out, "checkpoint.npz"))
    # a run with a checkpoint, then a learning rate that blows it up: that checkpoint is kept, and said so
    assert main(["train", "adding", "--T", "20", *TINY, "--optimizer", "sgd", "--clip", "0", "--steps", "2",
                 "--out", out]) == 0
    capsys.readouterr()
    assert main(["train", "adding", "--T", "20", *TINY, "--lr", "1e30", "--steps", "20", "--out", out, "--resume"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"the checkpoint of step 2 is kept in {out}" in err[0] and "train: train:" not in err[0]
    assert tg.load(os.path.join(out, "checkpoint.npz"))["step"] == 2
