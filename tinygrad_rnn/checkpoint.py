"""Checkpoints: save a model, its optimizer and the run's bookkeeping to one ``.npz`` file.

::

    tg.save({"model": model, "optimizer": opt, "step": 500, "config": {"hidden": 128}}, "run.npz")
    ckpt = tg.load("run.npz", restore_rng=True)     # also puts the random generator back
    model.load_state_dict(ckpt["model"]); opt.load_state_dict(ckpt["optimizer"])

What is stored:

* every array (a Module's parameters via ``state_dict()``, an optimizer's buffers, any
  NumPy/CuPy array or Tensor in the object) as an ordinary ``.npy`` entry — read back with
  ``allow_pickle=False``, so loading a file never runs code from it;
* one JSON header: the format name and version, the structure of the saved object with
  its plain values (numbers, strings, lists, dicts), the ``step`` and ``config`` entries
  when the object has them, and the state of the random generator at save time.

The file is written to a temporary file in the same folder, flushed and fsync'ed, then
renamed over the target with ``os.replace`` (atomic on POSIX and Windows): a crash while
saving leaves the previous checkpoint untouched and never a half-written one.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from . import backend
from .errors import TinygradRNNError
from .tensor import Tensor

FORMAT = "tinygrad_rnn.checkpoint"
VERSION = 1
_HEADER_KEY = "__header__"


class CheckpointError(TinygradRNNError, ValueError):
    """A file is not a readable tinygrad_rnn checkpoint (truncated, foreign, newer version),
    or an object cannot be saved into one."""


# ---- object tree <-> (JSON tree, arrays) ------------------------------------------------
# JSON cannot hold arrays, tuples or non-string dict keys; these tagged forms stand in:
#   {"__array__": "a7"}               the array stored under npz key "a7"
#   {"__tuple__": [...]}              a tuple
#   {"__dict__": [[key, value], ...]} a dict whose keys are not all strings (optimizer state)

def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    if hasattr(obj, "state_dict") and callable(obj.state_dict):   # Module, Optimizer
        return _encode(obj.state_dict(), arrays, where)
    if isinstance(obj, Tensor):
        obj = obj.numpy()
    if backend.is_array(obj):
        arr = np.asarray(backend.to_numpy(obj))
        if arr.dtype.hasobject:
            raise CheckpointError(f"save: {where} is an object array, which cannot be stored without pickle")
        key = f"a{len(arrays)}"
        arrays[key] = arr
        return {"__array__": key}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and not any(k.startswith("__") and k.endswith("__") for k in obj):
            return {k: _encode(v, arrays, f"{where}[{k!r}]") for k, v in obj.items()}
        for k in obj:
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise CheckpointError(f"save: {where} has a key of type {type(k).__name__}; keys must be "
                                      f"strings or numbers")
        return {"__dict__": [[k, _encode(v, arrays, f"{where}[{k!r}]")] for k, v in obj.items()]}
    raise CheckpointError(f"save: cannot store {where} of type {type(obj).__name__}; use arrays, Tensors, "
                          f"Modules, optimizers, numbers, strings, lists and dicts")


def _decode(node: Any, arrays: Any) -> Any:
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if isinstance(node, dict):
        if "__array__" in node:
            return arrays[node["__array__"]]
        if "__tuple__" in node:
            return tuple(_decode(v, arrays) for v in node["__tuple__"])
        if "__dict__" in node:
            return {k: _decode(v, arrays) for k, v in node["__dict__"]}
        return {k: _decode(v, arrays) for k, v in node.items()}
    return node


# ---- writing ------------------------------------------------------------------------------

def save(obj: Any, path: str | os.PathLike, *, config: dict | None = None, step: int | None = None,
         save_rng: bool = True) -> None:
    """Write ``obj`` to ``path`` (a ``.npz`` file) atomically.

    ``obj`` may be a Module (its ``state_dict()``), an optimizer (its ``state_dict()``), an
    array or Tensor, or a dict/list nesting those with numbers and strings. ``config`` and
    ``step`` go into the header (taken from ``obj["config"]``/``obj["step"]`` when ``obj``
    is a dict that has them); with ``save_rng`` the generator's state is recorded too.
    """
    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    content = _encode(obj, arrays, "the object")
    if isinstance(obj, dict):
        config = obj.get("config", config)
        step = obj.get("step", step)
    header = {"format": FORMAT, "version": VERSION,
              "config": _encode(config, arrays, "config") if config is not None else None,
              "step": step if step is None else int(step),
              "rng_state": backend.get_rng_state() if save_rng else None,
              "content": content}
    try:
        text = json.dumps(header, allow_nan=True)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"save: the header is not JSON-serialisable: {e}") from None
    arrays[_HEADER_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    _atomic_write(path, arrays)


def _write_npz(f: Any, arrays: dict[str, np.ndarray]) -> None:
    np.savez(f, allow_pickle=False, **arrays)


def _atomic_write(path: str, arrays: dict[str, np.ndarray]) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:   # make the rename itself durable (not possible on every platform)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


# ---- reading ------------------------------------------------------------------------------

def _open(path: str) -> tuple[dict, dict[str, np.ndarray]]:
    """Read and check the header and every array; any damage becomes a CheckpointError."""
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise CheckpointError(f"load: {path} is a single .npy array, not a tinygrad_rnn checkpoint")
        with loaded as npz:
            if _HEADER_KEY not in npz.files:
                raise CheckpointError(f"load: {path} is an .npz file but not a tinygrad_rnn checkpoint "
                                      f"(no {_HEADER_KEY} entry; it holds {sorted(npz.files)[:5]})")
            header = json.loads(npz[_HEADER_KEY].tobytes().decode("utf-8"))
            arrays = {k: npz[k] for k in npz.files if k != _HEADER_KEY}
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, UnicodeDecodeError) as e:
        raise CheckpointError(f"load: {path} is truncated or not a checkpoint "
                              f"({type(e).__name__}: {e})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"load: {path} has a header but not the {FORMAT} format")
    if not isinstance(header.get("version"), int) or header["version"] > VERSION:
        raise CheckpointError(f"load: {path} is format version {header.get('version')}; this tinygrad_rnn "
                              f"reads versions up to {VERSION} (upgrade tinygrad_rnn)")
    return header, arrays


def load(path: str | os.PathLike, *, restore_rng: bool = False) -> Any:
    """Read a checkpoint written by :func:`save` and return the object it holds.

    Modules and optimizers come back as their state dicts (plain NumPy arrays, numbers,
    dicts), ready for ``load_state_dict``. With ``restore_rng=True`` the random generator is
    put back to its state at save time, so a resumed run draws the same numbers as an
    uninterrupted one. Raises :class:`CheckpointError` for truncated or foreign files.
    """
    path = os.fspath(path)
    header, arrays = _open(path)
    missing = _array_keys(header["content"]) - set(arrays)
    if missing:
        raise CheckpointError(f"load: {path} lacks array entries {sorted(missing)[:5]}; the file is damaged")
    if restore_rng:
        if header.get("rng_state") is None:
            raise CheckpointError(f"load: {path} was saved without the random generator's state")
        backend.set_rng_state(header["rng_state"])
    return _decode(header["content"], arrays)


def read_header(path: str | os.PathLike) -> dict:
    """The header only: ``format``, ``version``, ``step``, ``config`` and ``rng_state``."""
    header, arrays = _open(os.fspath(path))
    out = {k: v for k, v in header.items() if k != "content"}
    out["config"] = _decode(out.get("config"), arrays)
    return out


def _array_keys(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_array_keys(v) for v in node)) if node else set()
    if isinstance(node, dict):
        if "__array__" in node:
            return {node["__array__"]}
        return set().union(*(_array_keys(v) for v in node.values())) if node else set()
    return set()
