"""Checkpoints: round trips, atomic writes, damaged and foreign files, exact resume."""
import json
import os

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import checkpoint


class TinyRNN(tg.nn.Module):
    """h_t = tanh(W x_t + U h_{t-1} + b); prediction v·h_T (enough to exercise the optimizer)."""

    def __init__(self, i=3, h=4):
        super().__init__()
        self.W = tg.nn.Parameter(tg.randn(h, i).data * 0.5)
        self.U = tg.nn.Parameter(tg.randn(h, h).data * 0.5)
        self.b = tg.nn.Parameter(tg.zeros(h).data)
        self.v = tg.nn.Parameter(tg.randn(h).data)

    def forward(self, xs):
        h = tg.zeros(xs.shape[0], self.U.shape[0])
        for t in range(xs.shape[1]):
            h = (xs[:, t] @ self.W.T + h @ self.U.T + self.b).tanh()
        return (h * self.v).sum(axis=1)


def train(model, opt, steps):
    for _ in range(steps):
        xs = tg.randn(5, 6, 3)                       # data drawn from the global generator
        y = xs.sum(axis=(1, 2)) * 0.1
        opt.zero_grad()
        tg.nn.mse_loss(model(xs), y).backward()
        tg.nn.clip_grad_norm(model.parameters(), 1.0)
        opt.step()


def test_round_trip_of_model_optimizer_and_metadata(tmp_path):
    tg.manual_seed(0)
    model = TinyRNN()
    opt = tg.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9), amsgrad=True)
    train(model, opt, 3)
    path = tmp_path / "run.npz"
    config = {"hidden": 4, "cell": "tanh", "sizes": [3, 4], "lr": 0.01}
    tg.save({"model": model, "optimizer": opt, "step": 3, "config": config,
             "history": [0.5, 0.25], "tensor": tg.Tensor(np.arange(3.0))}, path)
    ckpt = tg.load(path)
    assert ckpt["step"] == 3 and ckpt["config"] == config and ckpt["history"] == [0.5, 0.25]
    np.testing.assert_array_equal(ckpt["tensor"], np.arange(3.0))
    for name, arr in model.state_dict().items():
        assert ckpt["model"][name].dtype == arr.dtype
        np.testing.assert_array_equal(ckpt["model"][name], arr)
    sd = opt.state_dict()
    assert ckpt["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.9)
    assert set(ckpt["optimizer"]["state"]) == set(sd["state"]) == {0, 1, 2, 3}     # int keys survive
    for i, entry in sd["state"].items():
        assert ckpt["optimizer"]["state"][i]["step"] == entry["step"] == 3
        np.testing.assert_array_equal(ckpt["optimizer"]["state"][i]["max_exp_avg_sq"], entry["max_exp_avg_sq"])
    header = checkpoint.read_header(path)
    assert header["format"] == checkpoint.FORMAT and header["version"] == checkpoint.VERSION
    assert header["step"] == 3 and header["config"] == config
    assert header["rng_state"] == tg.get_rng_state()


def test_single_module_round_trip_and_loading_into_a_fresh_model(tmp_path):
    tg.manual_seed(1)
    model = TinyRNN()
    tg.save(model, tmp_path / "m.npz", config={"h": 4}, step=7)
    tg.manual_seed(2)
    fresh = TinyRNN()
    fresh.load_state_dict(tg.load(tmp_path / "m.npz"))
    for (n, a), (_, b) in zip(model.named_parameters(), fresh.named_parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert checkpoint.read_header(tmp_path / "m.npz")["step"] == 7


def test_resume_gives_identical_parameters(tmp_path):
    tg.manual_seed(42)
    model = TinyRNN()
    opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train(model, opt, 10)
    straight = model.state_dict()

    tg.manual_seed(42)
    model = TinyRNN()
    opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train(model, opt, 5)
    tg.save({"model": model, "optimizer": opt, "step": 5}, tmp_path / "half.npz")
    tg.manual_seed(999)                                  # a new process: unrelated generator state
    model2 = TinyRNN()
    opt2 = tg.optim.SGD(model2.parameters(), lr=0.5)
    ckpt = tg.load(tmp_path / "half.npz", restore_rng=True)
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optimizer"])
    train(model2, opt2, 5)
    resumed = model2.state_dict()
    for k in straight:
        np.testing.assert_array_equal(resumed[k], straight[k])
    assert not np.array_equal(straight["W"], ckpt["model"]["W"])     # training did move them


def test_crash_mid_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "run.npz"
    tg.save({"step": 1, "w": np.ones(3)}, path)
    old = path.read_bytes()

    def crash(f, arrays):
        f.write(b"PK\x03\x04 half a zip")
        raise RuntimeError("power cut")

    monkeypatch.setattr(checkpoint, "_write_npz", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        tg.save({"step": 2, "w": np.zeros(3)}, path)
    assert path.read_bytes() == old
    assert sorted(os.listdir(tmp_path)) == ["run.npz"]
    assert tg.load(path)["step"] == 1


def test_truncated_file_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "run.npz"
    tg.save({"w": np.arange(1000.0), "step": 1}, path)
    raw = path.read_bytes()
    for cut in (len(raw) // 2, len(raw) - 30, 10):
        (tmp_path / "cut.npz").write_bytes(raw[:cut])
        with pytest.raises(checkpoint.CheckpointError, match="cut.npz"):
            tg.load(tmp_path / "cut.npz")


def test_foreign_files_are_checkpoint_errors(tmp_path):
    np.savez(tmp_path / "foreign.npz", weights=np.ones(3))
    with pytest.raises(tg.CheckpointError, match="not a tinygrad_rnn checkpoint"):
        tg.load(tmp_path / "foreign.npz")
    np.save(tmp_path / "array.npy", np.ones(3))
    with pytest.raises(tg.CheckpointError, match="single .npy"):
        tg.load(tmp_path / "array.npy")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(tg.CheckpointError):
        tg.load(tmp_path / "text.npz")
    header = json.dumps({"format": "other", "version": 1}).encode()
    np.savez(tmp_path / "other.npz", __header__=np.frombuffer(header, dtype=np.uint8))
    with pytest.raises(tg.CheckpointError, match="format"):
        tg.load(tmp_path / "other.npz")
    newer = json.dumps({"format": checkpoint.FORMAT, "version": 99, "content": None}).encode()
    np.savez(tmp_path / "newer.npz", __header__=np.frombuffer(newer, dtype=np.uint8))
    with pytest.raises(tg.CheckpointError, match="version 99"):
        tg.load(tmp_path / "newer.npz")
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "missing.npz")


def test_unstorable_objects_are_refused_before_writing(tmp_path):
    with pytest.raises(tg.CheckpointError, match="object"):
        tg.save({"x": object()}, tmp_path / "a.npz")
    with pytest.raises(tg.CheckpointError, match="object array"):
        tg.save({"x": np.array([{}, 1], dtype=object)}, tmp_path / "a.npz")
    assert os.listdir(tmp_path) == []
