"""MNIST from the four standard IDX files in a folder you already have — parsed here, with
no download and no third-party reader.

The IDX format (LeCun's): a 4-byte magic number — two zero bytes, a type code, the number
of dimensions d — then d sizes as big-endian unsigned 32-bit integers, then the data in
row-major order, big-endian. Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
0x0D float32, 0x0E float64. Files may be gzipped (recognised by content, not by name).

For an RNN an image is a sequence: 28 steps of 28 pixels (row by row), or
``x.reshape(N, 784, 1)`` for the much harder pixel-by-pixel task.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import MissingFileError
from ..errors import TinygradRNNError

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"

FILES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
         "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


class IDXError(TinygradRNNError, ValueError):
    """A file is not a valid IDX file (wrong magic, truncated, trailing bytes, bad gzip)."""


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == _GZIP_MAGIC:
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise IDXError(f"{path}: damaged gzip data ({e})") from None
    return raw


def parse_idx(raw: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode IDX bytes into an array (native byte order)."""
    if len(raw) < 4:
        raise IDXError(f"{name}: {len(raw)} bytes is too short for an IDX header")
    zero0, zero1, code, ndim = raw[0], raw[1], raw[2], raw[3]
    if zero0 != 0 or zero1 != 0 or code not in _TYPES:
        raise IDXError(f"{name}: bad magic number 0x{raw[:4].hex()} (expected 0x0000TTDD with type code "
                       f"TT in {sorted(hex(c) for c in _TYPES)}); is this an IDX file?")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{name}: truncated header: {ndim} dimensions need {header} bytes, the file has {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_TYPES[code])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        raise IDXError(f"{name}: {what}: shape {shape} of {dtype.name} needs {expected} bytes, "
                       f"the file has {len(raw)}")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (plain or gzipped)."""
    path = os.fspath(path)
    return parse_idx(_read_bytes(path), path)


def write_idx(path: str | os.PathLike, array: np.ndarray, compress: bool = False) -> None:
    """Write ``array`` as an IDX file (gzipped with ``compress``): for tests and small subsets."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise IDXError(f"write_idx: dtype {array.dtype} has no IDX type code")
    raw = (bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
           + array.astype(_TYPES[code]).tobytes())
    with open(path, "wb") as f:
        f.write(gzip.compress(raw) if compress else raw)


def sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file as stored (compare it with the published checksum you trust)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class MNIST:
    """Images (N, 28, 28) float32 in [0, 1], labels (N,) int64, and each file's SHA-256."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    files: dict[str, str] = field(default_factory=dict)     # path -> sha256


def _find(folder: str, stem: str) -> str:
    # the usual names, the gzipped ones, and the "train-images.idx3-ubyte" spelling some mirrors use
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    raise MissingFileError(f"load_mnist: no {stem}[.gz] in {folder}; put the four MNIST IDX files "
                            f"({', '.join(FILES.values())}) there, plain or gzipped")


def load_mnist(folder: str | os.PathLike) -> MNIST:
    """Read MNIST (or Fashion-MNIST, same format) from ``folder``.

    Checks each file's magic number and size, that images are (N, rows, cols) uint8 and labels
    (N,) with the same N and values 0–9, and records the SHA-256 of every file read.
    """
    folder = os.fspath(folder)
    arrays, files = {}, {}
    for key, stem in FILES.items():
        path = _find(folder, stem)
        files[path] = sha256(path)
        arrays[key] = read_idx(path)
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3 or images.dtype != np.uint8:
            raise IDXError(f"load_mnist: {split} images must be (N, rows, cols) uint8, got {images.shape} {images.dtype}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise IDXError(f"load_mnist: {len(images)} {split} images but labels of shape {labels.shape}")
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            raise IDXError(f"load_mnist: {split} labels must be 0-9, found {labels.min()}..{labels.max()}")
    return MNIST(x_train=arrays["train_images"].astype(np.float32) / 255.0,
                 y_train=arrays["train_labels"].astype(np.int64),
                 x_test=arrays["test_images"].astype(np.float32) / 255.0,
                 y_test=arrays["test_labels"].astype(np.int64), files=files)
