"""The IDX reader and the MNIST folder loader, on small files the tests write themselves."""
import gzip
import hashlib

import numpy as np
import pytest

from tinygrad_rnn.data.mnist import IDXError, load_mnist, parse_idx, read_idx, write_idx


def test_hand_built_big_endian_bytes():
    raw = bytes([0, 0, 0x0B, 2]) + (1).to_bytes(4, "big") + (2).to_bytes(4, "big") \
        + (258).to_bytes(2, "big") + (-2).to_bytes(2, "big", signed=True)
    arr = parse_idx(raw)
    assert arr.shape == (1, 2) and arr.dtype == np.int16
    assert arr.tolist() == [[258, -2]]
    raw = bytes([0, 0, 0x0D, 1]) + (1).to_bytes(4, "big") + np.array([1.5], dtype=">f4").tobytes()
    assert parse_idx(raw).tolist() == [1.5]


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_plain_and_gzipped(tmp_path, dtype, compress):
    arr = (np.arange(2 * 3 * 4) % 100).astype(dtype).reshape(2, 3, 4)
    path = tmp_path / "a-idx3"
    write_idx(path, arr, compress=compress)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, arr)


def test_damaged_files(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "ok", arr)
    raw = (tmp_path / "ok").read_bytes()
    cases = {"truncated data": raw[:-1], "truncated header": raw[:9], "trailing": raw + b"\0",
             "bad magic": b"\x01\x00" + raw[2:], "bad type": raw[:2] + b"\x07" + raw[3:], "tiny": raw[:3]}
    messages = {"truncated data": "truncated", "truncated header": "truncated header",
                "trailing": "trailing bytes", "bad magic": "bad magic", "bad type": "bad magic", "tiny": "too short"}
    for name, data in cases.items():
        (tmp_path / "bad").write_bytes(data)
        with pytest.raises(IDXError, match=messages[name]):
            read_idx(tmp_path / "bad")
    (tmp_path / "bad.gz").write_bytes(gzip.compress(raw[:-3]))
    with pytest.raises(IDXError, match="truncated"):
        read_idx(tmp_path / "bad.gz")
    (tmp_path / "cut.gz").write_bytes(gzip.compress(raw)[:-6])
    with pytest.raises(IDXError, match="gzip"):
        read_idx(tmp_path / "cut.gz")


def write_mnist(folder, n_train=6, n_test=4, gz=("train-images-idx3-ubyte",)):
    rng = np.random.default_rng(0)
    parts = {"train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)).astype(np.uint8),
             "train-labels-idx1-ubyte": rng.integers(0, 10, n_train).astype(np.uint8),
             "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)).astype(np.uint8),
             "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test).astype(np.uint8)}
    for name, arr in parts.items():
        write_idx(folder / (name + ".gz" if name in gz else name), arr, compress=name in gz)
    return parts


def test_load_mnist_folder(tmp_path):
    parts = write_mnist(tmp_path)
    m = load_mnist(tmp_path)
    assert m.x_train.shape == (6, 28, 28) and m.x_train.dtype == np.float32
    np.testing.assert_allclose(m.x_train * 255, parts["train-images-idx3-ubyte"], atol=1e-4)
    np.testing.assert_array_equal(m.y_test, parts["t10k-labels-idx1-ubyte"])
    assert m.y_train.dtype == np.int64 and m.x_test.max() <= 1.0
    assert len(m.files) == 4
    for path, digest in m.files.items():
        with open(path, "rb") as f:
            assert digest == hashlib.sha256(f.read()).hexdigest()
    assert any(p.endswith("train-images-idx3-ubyte.gz") for p in m.files)


def test_load_mnist_consistency_errors(tmp_path):
    write_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(3, dtype=np.uint8))
    with pytest.raises(IDXError, match="4 test images but labels of shape"):
        load_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.full(4, 11, dtype=np.uint8))
    with pytest.raises(IDXError, match="0-9"):
        load_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)
