"""Checkpoints: round trips, atomic writes, damaged and foreign files, exact resume."""
import io
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


def test_saving_into_a_missing_folder_names_the_target(tmp_path):
    target = tmp_path / "nope" / "x.npz"
    with pytest.raises(tg.errors.MissingFileError) as caught:       # (a FileNotFoundError)
        tg.save({"w": np.ones(3)}, target)
    message = str(caught.value)
    assert f"cannot write {target}" in message and "does not exist" in message and ".tmp" not in message
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileNotFoundError, match="is a file, not a folder"):
        tg.save({"w": np.ones(3)}, tmp_path / "file" / "x.npz")
    assert sorted(os.listdir(tmp_path)) == ["file"]


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


# ---- damaged and crafted files: CheckpointError naming the file, or the right numbers ------

def _same(a, b) -> bool:
    """Exactly the same object tree: types, dtypes, shapes and every bit of every array."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and a.tobytes() == b.tobytes())
    return type(a) is type(b) and a == b


def _small_checkpoint(path):
    tg.manual_seed(0)
    obj = {"w": np.arange(6.0).reshape(2, 3), "ids": np.array([3, 1], dtype=np.int32),
           "opt": {0: {"step": 2}}, "lr": 0.5, "t": (1, None), "step": 4}
    tg.save(obj, path)
    return tg.load(path)


def _outcome(path, reference) -> str:
    """'error' (a CheckpointError naming the file), 'same' (loaded the right numbers), or what went wrong.
    ``path`` may be a file object with a name (io.BytesIO with .name set: no disk in the loop)."""
    try:
        got = tg.load(path)
    except tg.CheckpointError as e:
        name = getattr(path, "name", None) or os.fspath(path)
        return "error" if name in str(e) else f"error without the file name: {e}"
    except Exception as e:     # noqa: BLE001  anything else is a failure of the reader
        return f"{type(e).__name__}: {e}"
    return "same" if _same(reference, got) else "WRONG NUMBERS"


def _regions(raw: bytes) -> tuple[list[int], list[int]]:
    """(header bytes, payload bytes): headers are the zip's local headers, directory and end
    records and every member's .npy header; payloads are the arrays' data and the JSON text
    (both protected by the members' CRC-32 in the same way)."""
    import io
    import zipfile
    payload = set()
    for info in zipfile.ZipFile(io.BytesIO(raw)).infolist():
        start = info.header_offset + 30 + len(info.filename) + 20        # 20: numpy's ZIP64 extra field
        npy_header = 10 + int.from_bytes(raw[start + 8:start + 10], "little")
        payload.update(range(start + npy_header, start + info.file_size))
    return [i for i in range(len(raw)) if i not in payload], sorted(payload)


def test_every_bit_of_every_header_flipped_is_caught_or_harmless(tmp_path):
    reference = _small_checkpoint(tmp_path / "base.npz")
    raw = (tmp_path / "base.npz").read_bytes()
    failures, counts = [], {"error": 0, "same": 0}
    for offset in _regions(raw)[0]:
        for bit in range(8):
            damaged = bytearray(raw)
            damaged[offset] ^= 1 << bit
            bad_file = io.BytesIO(bytes(damaged))
            bad_file.name = "flipped.npz"
            result = _outcome(bad_file, reference)
            if result in counts:
                counts[result] += 1
            else:
                failures.append((offset, bit, result))
    assert failures == []
    assert counts["error"] > counts["same"] > 0      # most flips are caught; the rest touch unused fields (dates)


def test_flips_in_array_data_and_json_and_truncations_are_caught(tmp_path):
    reference = _small_checkpoint(tmp_path / "base.npz")
    raw = (tmp_path / "base.npz").read_bytes()
    rng = np.random.default_rng(0)
    bad_path = tmp_path / "damaged.npz"
    for offset in _regions(raw)[1]:                    # every payload byte, one random bit of each
        damaged = bytearray(raw)
        damaged[offset] ^= 1 << int(rng.integers(8))
        bad_file = io.BytesIO(bytes(damaged))
        bad_file.name = "damaged.npz"
        assert _outcome(bad_file, reference) == "error", offset          # payload flips: the CRC catches all
    for cut in range(0, len(raw)):                     # cut at every length (files on disk: see above)
        bad_file = io.BytesIO(raw[:cut])
        bad_file.name = "cut.npz"
        assert _outcome(bad_file, reference) == "error", cut
    bad_path.write_bytes(raw + b"\0" * 5)              # trailing bytes shift the zip's offsets: still safe
    assert _outcome(bad_path, reference) in ("error", "same")


def _zip(path, members: dict[str, bytes], compress=False):
    import zipfile
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def _npy(array_header: str, payload: bytes) -> bytes:
    text = array_header.encode("latin1")
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + payload


def _json_member(header) -> bytes:
    data = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return _npy(f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({len(data)},), }}", data)


GOOD = {"format": checkpoint.FORMAT, "version": 1, "step": 1, "config": None, "rng_state": None}


@pytest.mark.parametrize("name, members, message", [
    ("deep nesting", {"__header__.npy": _json_member(b'{"format": "tinygrad_rnn.checkpoint", "version": 1, '
                                                     b'"content": ' + b"[" * 100000 + b"]" * 100000 + b"}")},
     "JSON"),
    ("deep but valid JSON", {"__header__.npy": _json_member({**GOOD, "content": json.loads("[" * 500 + "]" * 500)})},
     "nested"),
    ("huge shape, tiny file", {"__header__.npy": _json_member({**GOOD, "content": {"__array__": "a0"}}),
                               "a0.npy": _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }",
                                              b"\0" * 64)}, "needs 80000000000 bytes"),
    ("object dtype", {"__header__.npy": _json_member({**GOOD, "content": {"__array__": "a0"}}),
                      "a0.npy": _npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8)},
     "cannot be stored"),
    ("compressed member", {"__header__.npy": _json_member({**GOOD, "content": None})}, "compressed"),
    ("array reference to nothing", {"__header__.npy": _json_member({**GOOD, "content": {"__array__": "a9"}})},
     "missing"),
    ("array reference of the wrong type", {"__header__.npy": _json_member({**GOOD, "content": {"__array__": [1]}})},
     "names no stored array"),
    ("unhashable dict key", {"__header__.npy": _json_member({**GOOD, "content": {"__dict__": [[[1], 2]]}})},
     "malformed dict"),
    ("tuple of a number", {"__header__.npy": _json_member({**GOOD, "content": {"__tuple__": 3}})}, "malformed tuple"),
    ("step of the wrong type", {"__header__.npy": _json_member({**GOOD, "step": "3", "content": None})}, "step"),
    ("version true", {"__header__.npy": _json_member({**GOOD, "version": True, "content": None})}, "version"),
    ("no content", {"__header__.npy": _json_member(GOOD)}, "content"),
    ("unlisted array", {"__header__.npy": _json_member({**GOOD, "content": None}),
                        "a0.npy": _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8)},
     "unreferenced"),
    ("not an array member", {"__header__.npy": _json_member({**GOOD, "content": None}), "evil.pkl": b"\x80\x04."},
     "not .npy"),
    ("header of the wrong dtype", {"__header__.npy": _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                                                          b"\0" * 8)}, "not bytes"),
    ("npy header with code", {"__header__.npy": _npy("__import__('os').system('echo owned')", b"")}, "unreadable header"),
    ("PyTorch file", {"archive/data.pkl": b"\x80\x02}q\x00.", "archive/version": b"3\n"}, "PyTorch"),
])
def test_crafted_files_raise_checkpoint_error(tmp_path, name, members, message):
    path = tmp_path / "crafted.npz"
    _zip(path, members, compress=name == "compressed member")
    with pytest.raises(tg.CheckpointError, match=message) as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_bad_random_state_is_refused_and_leaves_the_generator_alone(tmp_path):
    path = tmp_path / "rng.npz"
    _zip(path, {"__header__.npy": _json_member({**GOOD, "content": 1,
                                                "rng_state": {"bit_generator": "PCG64", "state": {"state": "x"}}})})
    tg.manual_seed(5)
    before = tg.get_rng_state()
    with pytest.raises(tg.CheckpointError, match="random generator"):
        tg.load(path, restore_rng=True)
    assert tg.get_rng_state() == before
    assert tg.load(path) == 1                      # without restore_rng the state is not needed


def test_pickle_and_pytorch_files_say_what_they_are_and_how_to_convert(tmp_path):
    torch = pytest.importorskip("torch")
    lstm = torch.nn.LSTM(3, 4)
    torch.save(lstm.state_dict(), tmp_path / "weights.pt")
    with pytest.raises(tg.CheckpointError, match=r"PyTorch file \(torch.save\).*torch.load.*load_state_dict"):
        tg.load(tmp_path / "weights.pt")
    torch.save(lstm.state_dict(), tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(tg.CheckpointError, match="Python pickle.*torch.load.*load_state_dict"):
        tg.load(tmp_path / "legacy.pt")
    # the advice works: torch.load, then load_state_dict
    ours = tg.nn.LSTM(3, 4)
    ours.load_state_dict(torch.load(tmp_path / "weights.pt"))
    np.testing.assert_array_equal(ours.state_dict()["weight_ih_l0"], lstm.weight_ih_l0.detach().numpy())


def test_stale_temporaries_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    import subprocess
    import sys
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = [f".checkpoint.npz.{dead_pid}.0123abcd.tmp", ".checkpoint.npz.x8_k2m0q.tmp",     # older versions' name
             f".other.npz.{dead_pid}.89abcdef.tmp"]
    live = [f".checkpoint.npz.{os.getppid()}.0123abcd.tmp", "notes.tmp", ".vimrc.tmp"]    # a live writer; not ours
    for name in stale + live:
        (tmp_path / name).write_bytes(b"half a zip")
    tg.save({"w": np.ones(2)}, tmp_path / "checkpoint.npz")
    assert sorted(os.listdir(tmp_path)) == sorted(live + ["checkpoint.npz"])


def test_saved_files_honour_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        tg.save({"w": np.ones(2)}, tmp_path / "a.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "a.npz").stat().st_mode & 0o777 == 0o640
    old = os.umask(0o002)
    try:
        tg.save({"w": np.ones(2)}, tmp_path / "a.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "a.npz").stat().st_mode & 0o777 == 0o664


def test_loading_a_folder_is_a_checkpoint_error(tmp_path):
    with pytest.raises(tg.CheckpointError, match="folder"):
        tg.load(tmp_path)
    with pytest.raises(tg.CheckpointError, match="folder"):
        tg.save({"w": 1}, tmp_path)


def test_load_takes_a_binary_file_object_as_torch_load_does(tmp_path):
    reference = _small_checkpoint(tmp_path / "a.npz")
    with open(tmp_path / "a.npz", "rb") as f:
        assert _same(tg.load(f), reference)
    data = io.BytesIO((tmp_path / "a.npz").read_bytes())
    assert checkpoint.read_header(data)["step"] == 4
    with pytest.raises(tg.ArgumentTypeError, match="path must be"):
        tg.load(None)
