"""Checkpoints: save a model, its optimizer and the run's bookkeeping to one ``.npz`` file.

::

    tg.save({"model": model, "optimizer": opt, "step": 500, "config": {"hidden": 128}}, "run.npz")
    ckpt = tg.load("run.npz", restore_rng=True)     # also puts the random generator back
    model.load_state_dict(ckpt["model"]); opt.load_state_dict(ckpt["optimizer"])

What is stored:

* every array (a Module's parameters via ``state_dict()``, an optimizer's buffers, any
  NumPy/CuPy array or Tensor in the object) as an ordinary ``.npy`` entry of the zip;
* one JSON header: the format name and version, the structure of the saved object with
  its plain values (numbers, strings, lists, dicts), the dtype and shape of every array,
  the ``step`` and ``config`` entries when the object has them, and the state of the random
  generator at save time.

Writing: to a temporary file in the same folder (created with the umask's permissions),
flushed and fsync'ed, then renamed over the target with ``os.replace`` (atomic on POSIX and
Windows): a crash while saving leaves the previous checkpoint untouched. Temporary files
left by saves that were killed are removed by the next save into the same folder.

Reading trusts nothing in the file. It does not use ``np.load``: it walks the zip's central
directory itself, checks every member's local header against it, keeps every read inside
the file's real size, checks each member's CRC-32, parses each ``.npy`` header strictly
(no pickle, the data exactly as long as dtype × shape says) and checks dtypes and shapes
against the JSON header. A damaged or crafted file raises :class:`CheckpointError` naming
the file and what is wrong; it never loads wrong numbers and never runs code.
"""
from __future__ import annotations

import ast
import contextlib
import json
import os
import secrets
import signal
import struct
import zipfile
import zlib
from typing import Any, BinaryIO, Iterator

import numpy as np

from . import backend
from .errors import ArgumentTypeError, CheckpointError, MissingFileError
from .tensor import Tensor

__all__ = ["save", "load", "read_header", "CheckpointError", "FORMAT", "VERSION"]

FORMAT = "tinygrad_rnn.checkpoint"
VERSION = 1
_HEADER_KEY = "__header__"
_MAX_NPY_HEADER = 65536        # bytes; NumPy's own limit is 10 000
_MAX_DEPTH = 64                # nesting of the saved object
_RNG_NAMES = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


# ---- object tree <-> (JSON tree, arrays) ------------------------------------------------
# JSON cannot hold arrays, tuples or non-string dict keys; these tagged forms stand in:
#   {"__array__": "a7"}               the array stored under zip member "a7.npy"
#   {"__tuple__": [...]}              a tuple
#   {"__dict__": [[key, value], ...]} a dict whose keys are not all strings (optimizer state)

def _path(path: Any, who: str) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"{who}: path must be a str or os.PathLike, got {type(path).__name__}")
    return os.fspath(path)


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str, depth: int = 0) -> Any:
    if depth > _MAX_DEPTH:
        raise CheckpointError(f"save: {where} is nested more than {_MAX_DEPTH} levels deep")
    if hasattr(obj, "state_dict") and callable(obj.state_dict):   # Module, Optimizer
        return _encode(obj.state_dict(), arrays, where, depth + 1)
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
        return {"__tuple__": [_encode(v, arrays, f"{where}[{i}]", depth + 1) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, arrays, f"{where}[{i}]", depth + 1) for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and not any(k.startswith("__") and k.endswith("__") for k in obj):
            return {k: _encode(v, arrays, f"{where}[{k!r}]", depth + 1) for k, v in obj.items()}
        for k in obj:
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise CheckpointError(f"save: {where} has a key of type {type(k).__name__}; keys must be "
                                      f"strings or numbers")
        return {"__dict__": [[k, _encode(v, arrays, f"{where}[{k!r}]", depth + 1)] for k, v in obj.items()]}
    raise CheckpointError(f"save: cannot store {where} of type {type(obj).__name__}; use arrays, Tensors, "
                          f"Modules, optimizers, numbers, strings, lists and dicts")


def _decode(node: Any, arrays: dict[str, np.ndarray], path: str, depth: int = 0) -> Any:
    """The saved object from its JSON tree; every tagged form is checked, as the file may be crafted."""
    def bad(what: str) -> CheckpointError:
        return CheckpointError(f"load: {path}: the header is damaged ({what})")

    if depth > _MAX_DEPTH:
        raise bad(f"nested more than {_MAX_DEPTH} levels deep")
    if isinstance(node, list):
        return [_decode(v, arrays, path, depth + 1) for v in node]
    if not isinstance(node, dict):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        raise bad(f"a value of type {type(node).__name__}")
    if "__array__" in node:
        key = node["__array__"]
        if len(node) != 1 or not isinstance(key, str) or key not in arrays:
            raise bad(f"an array reference {str(node)[:60]} that names no stored array")
        return arrays[key]
    if "__tuple__" in node:
        if len(node) != 1 or not isinstance(node["__tuple__"], list):
            raise bad("a malformed tuple")
        return tuple(_decode(v, arrays, path, depth + 1) for v in node["__tuple__"])
    if "__dict__" in node:
        items = node["__dict__"]
        if len(node) != 1 or not isinstance(items, list) or not all(
                isinstance(kv, list) and len(kv) == 2 and (kv[0] is None or isinstance(kv[0], (str, int, float, bool)))
                for kv in items):
            raise bad("a malformed dict")
        return {k: _decode(v, arrays, path, depth + 1) for k, v in items}
    return {k: _decode(v, arrays, path, depth + 1) for k, v in node.items()}


# ---- writing ------------------------------------------------------------------------------

def save(obj: Any, path: str | os.PathLike, *, config: dict | None = None, step: int | None = None,
         save_rng: bool = True) -> None:
    """Write ``obj`` to ``path`` (a ``.npz`` file) atomically.

    ``obj`` may be a Module (its ``state_dict()``), an optimizer (its ``state_dict()``), an
    array or Tensor, or a dict/list nesting those with numbers and strings. ``config`` and
    ``step`` go into the header (taken from ``obj["config"]``/``obj["step"]`` when ``obj``
    is a dict that has them); with ``save_rng`` the generator's state is recorded too.
    The folder must exist (``MissingFileError``, a ``FileNotFoundError``, names it otherwise).
    """
    path = _path(path, "save")
    arrays: dict[str, np.ndarray] = {}
    content = _encode(obj, arrays, "the object")
    if isinstance(obj, dict):
        config = obj.get("config", config)
        step = obj.get("step", step)
    if step is not None and (isinstance(step, bool) or not isinstance(step, (int, np.integer))):
        raise CheckpointError(f"save: step must be an integer, got {type(step).__name__} {step!r}")
    header = {"format": FORMAT, "version": VERSION,
              "config": _encode(config, arrays, "config") if config is not None else None,
              "step": step if step is None else int(step),
              "rng_state": backend.get_rng_state() if save_rng else None,
              "content": content}
    header["arrays"] = {k: [a.dtype.str, list(a.shape)] for k, a in arrays.items()}
    try:
        text = json.dumps(header, allow_nan=True)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"save: the header is not JSON-serialisable: {e}") from None
    arrays[_HEADER_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    _atomic_write(path, arrays)


def _write_npz(f: Any, arrays: dict[str, np.ndarray]) -> None:
    np.savez(f, allow_pickle=False, **arrays)


def _temp_name(path: str) -> str:
    # the writer's pid is in the name, so a later save can tell a dead writer's file from a live one
    folder, base = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{base}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _remove_stale_temporaries(folder: str) -> None:
    """Delete ``.NAME.PID.RANDOM.tmp`` files whose writer process no longer runs (or is this
    one: its own save in progress is not in the folder yet), and the ``.NAME.XXXXXXXX.tmp``
    files of older versions, which had no pid in their names."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith(".") and name.endswith(".tmp")):
            continue
        head, _, rand = name[1:-4].rpartition(".")
        base, _, pid = head.rpartition(".")
        if base and pid.isdigit() and len(rand) == 8:
            stale = int(pid) == os.getpid() or not _alive(int(pid))
        else:     # older versions' tempfile.mkstemp names: .NAME.npz.XXXXXXXX.tmp
            stale = head.endswith(".npz") and len(rand) == 8
        if stale:
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    names = ("SIGINT", "SIGTERM", "SIGHUP")
    held = {getattr(signal, n) for n in names if hasattr(signal, n)}
    if not hasattr(signal, "pthread_sigmask"):      # Windows: nothing to hold
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _atomic_write(path: str, arrays: dict[str, np.ndarray]) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise CheckpointError(f"save: {path} is a folder; give a file name such as {os.path.join(path, 'checkpoint.npz')}")
    # checked here, so the error names the target rather than the temporary file beside it
    if not os.path.isdir(folder):
        what = "is a file, not a folder" if os.path.exists(folder) else \
            f"does not exist (create it first: os.makedirs({os.path.dirname(path)!r}, exist_ok=True))"
        raise MissingFileError(f"save: cannot write {path}: its folder {folder} {what}")
    _remove_stale_temporaries(folder)
    tmp = _temp_name(path)
    # Stop signals (Ctrl-C, kill, hang-up) wait while the temporary file exists: an exception
    # raised by a handler in the middle could leave it behind. They are delivered right after.
    with _signals_held():
        try:
            # 0o666 and O_EXCL: the umask decides the permissions, as for any file the user writes
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
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

_LOCAL = struct.Struct("<4sHHHHHIIIHH")    # zip local file header, 30 bytes


def _kind_of_file(path: str, start: bytes) -> str | None:
    """A one-line description of a file that is not a zip at all."""
    if start.startswith(b"\x93NUMPY"):
        return (f"load: {path} is a single .npy array, not a tinygrad_rnn checkpoint "
                f"(read it with numpy.load)")
    if start[:1] == b"\x80" and start[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return (f"load: {path} is a Python pickle, such as PyTorch's older torch.save format, not a "
                f"tinygrad_rnn checkpoint; tinygrad_rnn never unpickles (it could run code). To bring "
                f"PyTorch weights over: state = torch.load(path, map_location='cpu') in PyTorch, then "
                f"model.load_state_dict(state) here (torch tensors are accepted)")
    return None


def _read_members(path: str, f: BinaryIO, size: int) -> dict[str, bytes]:
    """Every member's bytes, each checked against its local header, the file's size and its CRC."""
    def bad(what: str) -> CheckpointError:
        return CheckpointError(f"load: {path} is damaged or truncated: {what}")

    try:
        zf = zipfile.ZipFile(f)
        infos = zf.infolist()
        start_dir = zf.start_dir
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            struct.error, UnicodeDecodeError, NotImplementedError, OverflowError) as e:
        raise bad(f"its zip directory is unreadable ({e})") from None
    names = [i.filename for i in infos]
    if any(n.endswith("data.pkl") for n in names):
        raise CheckpointError(
            f"load: {path} is a PyTorch file (torch.save), not a tinygrad_rnn checkpoint; tinygrad_rnn never "
            f"unpickles (it could run code). To bring PyTorch weights over: state = torch.load(path, "
            f"map_location='cpu') in PyTorch, then model.load_state_dict(state) here (torch tensors are accepted)")
    if _HEADER_KEY + ".npy" not in names:
        raise CheckpointError(f"load: {path} is an .npz file but not a tinygrad_rnn checkpoint "
                              f"(no {_HEADER_KEY} entry; it holds {sorted(names)[:5]})")
    if len(set(names)) != len(names):
        raise bad("a member name appears twice")
    if not 0 <= start_dir <= size:
        raise bad("the zip directory lies outside the file")
    members: dict[str, bytes] = {}
    end_of_last = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        name = info.filename
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            raise bad(f"member {name!r} is compressed or encrypted; checkpoints store arrays as they are")
        if info.compress_size != info.file_size:
            raise bad(f"member {name!r} has different stored and real sizes")
        offset = info.header_offset
        if offset < end_of_last or offset + _LOCAL.size > start_dir:
            raise bad(f"member {name!r} starts at byte {offset}, outside the space for members")
        f.seek(offset)
        local = _LOCAL.unpack(f.read(_LOCAL.size))
        sig, _, flags, method, _, _, crc, csize, usize, nlen, xlen = local
        if sig != b"PK\x03\x04":
            raise bad(f"member {name!r} has no local header at byte {offset}")
        raw_name = f.read(nlen)
        extra = f.read(xlen)
        if len(extra) != xlen:
            raise bad(f"member {name!r}'s header runs past the end of the file")
        if csize == usize == 0xFFFFFFFF:          # sizes in the ZIP64 extra field
            csize = usize = -1
            pos = 0
            while pos + 4 <= len(extra):
                tag, n = struct.unpack_from("<HH", extra, pos)
                if tag == 1 and 16 <= n <= len(extra) - pos - 4:
                    usize, csize = struct.unpack_from("<QQ", extra, pos + 4)
                pos += 4 + n
        name_bytes = name.encode("utf-8" if info.flag_bits & 0x800 else "cp437", errors="replace")
        if raw_name != name_bytes or method != info.compress_type or (flags & 0x8) == 0 and (
                crc != info.CRC or csize != info.compress_size or usize != info.file_size):
            raise bad(f"member {name!r}: its local header disagrees with the zip directory")
        data_start = offset + _LOCAL.size + nlen + xlen
        data_end = data_start + info.compress_size
        if data_end > start_dir or data_end > size:
            raise bad(f"member {name!r} claims {info.compress_size} bytes, more than the file holds")
        data = f.read(info.compress_size)
        if len(data) != info.compress_size:
            raise bad(f"member {name!r} is cut short")
        if zlib.crc32(data) & 0xFFFFFFFF != info.CRC:
            raise bad(f"member {name!r} fails its CRC-32 check")
        members[name] = data
        end_of_last = data_end
    return members


def _parse_npy(path: str, name: str, data: bytes) -> np.ndarray:
    """One ``.npy`` member, parsed strictly: no pickle, no object dtype, exact length."""
    def bad(what: str) -> CheckpointError:
        return CheckpointError(f"load: {path}: member {name!r} is not a valid array ({what})")

    if not data.startswith(b"\x93NUMPY") or len(data) < 10:
        raise bad("no .npy magic")
    major = data[6]
    if major == 1:
        hlen, start = struct.unpack_from("<H", data, 8)[0], 10
    elif major in (2, 3) and len(data) >= 12:
        hlen, start = struct.unpack_from("<I", data, 8)[0], 12
    else:
        raise bad(f"unknown .npy version {major}")
    if hlen > _MAX_NPY_HEADER or start + hlen > len(data):
        raise bad("its header is longer than the member")
    try:
        text = data[start:start + hlen].decode("utf-8" if major == 3 else "latin1")
        meta = ast.literal_eval(text)
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError, TypeError) as e:
        raise bad(f"unreadable header: {type(e).__name__}") from None
    if not isinstance(meta, dict) or set(meta) != {"descr", "fortran_order", "shape"}:
        raise bad("its header lacks descr/fortran_order/shape")
    shape, fortran = meta["shape"], meta["fortran_order"]
    if not isinstance(shape, tuple) or not all(type(n) is int and n >= 0 for n in shape) or not isinstance(fortran, bool):
        raise bad(f"shape {shape!r}")
    try:
        dtype = np.lib.format.descr_to_dtype(meta["descr"])
    except (TypeError, ValueError, KeyError, SyntaxError) as e:
        raise bad(f"dtype {meta['descr']!r}: {e}") from None
    if dtype.hasobject or dtype.itemsize == 0:
        raise bad(f"dtype {dtype} cannot be stored in a checkpoint")
    count = 1
    for n in shape:
        count *= n
    body = start + hlen
    if len(data) - body != count * dtype.itemsize:
        raise bad(f"shape {shape} of {dtype} needs {count * dtype.itemsize} bytes, the member holds {len(data) - body}")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=body)
    return arr.reshape(shape, order="F" if fortran else "C").copy(order="K")


def _source(path: Any, who: str) -> tuple[str, BinaryIO | None]:
    """(name for messages, open binary file or None): a path, or a file object as torch.load takes."""
    if hasattr(path, "read") and hasattr(path, "seek"):
        return str(getattr(path, "name", f"<{type(path).__name__}>")), path
    return _path(path, who), None


def _members_of(path: str, f: BinaryIO) -> dict[str, bytes]:
    f.seek(0, os.SEEK_END)
    size = f.tell()                   # the file's real size bounds every read
    f.seek(0)
    start = f.read(8)
    if not start.startswith(b"PK"):
        kind = _kind_of_file(path, start)
        raise CheckpointError(kind or f"load: {path} is not a tinygrad_rnn checkpoint (not a zip/.npz file; "
                                      f"it starts with {start!r})")
    f.seek(0)
    return _read_members(path, f, size)


def _open(path: str, fileobj: BinaryIO | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """Read and check the header and every array; any damage becomes a CheckpointError."""
    if fileobj is not None:
        members = _members_of(path, fileobj)
    else:
        if os.path.isdir(path):
            raise CheckpointError(f"load: {path} is a folder, not a checkpoint file")
        try:
            f = open(path, "rb")         # PermissionError passes through as itself
        except FileNotFoundError:
            raise MissingFileError(f"load: no such file: {path}") from None
        with f:
            members = _members_of(path, f)
    if not all(n.endswith(".npy") for n in members):
        raise CheckpointError(f"load: {path} is not a tinygrad_rnn checkpoint (it holds members that are not "
                              f".npy arrays: {sorted(n for n in members if not n.endswith('.npy'))[:5]})")
    raw = _parse_npy(path, _HEADER_KEY + ".npy", members.pop(_HEADER_KEY + ".npy"))
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise CheckpointError(f"load: {path}: its header entry is {raw.dtype} {raw.shape}, not bytes")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise CheckpointError(f"load: {path}: its header is not valid JSON ({type(e).__name__})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"load: {path} has a header but not the {FORMAT} format")
    version = header.get("version")
    if type(version) is not int or version > VERSION or version < 1:
        raise CheckpointError(f"load: {path} is format version {version}; this tinygrad_rnn "
                              f"reads versions 1 to {VERSION} (upgrade tinygrad_rnn)")
    for key, kind in (("step", int), ("rng_state", dict)):
        value = header.get(key)
        if value is not None and (type(value) is not kind):
            raise CheckpointError(f"load: {path}: its header's {key} is {type(value).__name__}, not {kind.__name__}")
    if "content" not in header:
        raise CheckpointError(f"load: {path}: its header has no content entry")
    arrays = {n[:-4]: _parse_npy(path, n, data) for n, data in members.items()}
    listed = header.get("arrays")
    if listed is not None:     # files from this version list every array's dtype and shape
        if not isinstance(listed, dict) or set(listed) != set(arrays):
            raise CheckpointError(f"load: {path}: the arrays stored ({sorted(arrays)[:5]}...) are not the ones "
                                  f"its header lists")
        for key, arr in arrays.items():
            if listed[key] != [arr.dtype.str, list(arr.shape)]:
                raise CheckpointError(f"load: {path}: array {key} is {arr.dtype.str} {list(arr.shape)} but the "
                                      f"header says {listed[key]}")
    used = _array_keys(header["content"], path) | _array_keys(header.get("config"), path)
    if used != set(arrays):
        missing, extra = sorted(used - set(arrays)), sorted(set(arrays) - used)
        raise CheckpointError(f"load: {path} is damaged: arrays missing {missing[:5]}, unreferenced {extra[:5]}")
    return header, arrays


def _restore_rng(path: str, state: Any) -> None:
    if state is None:
        raise CheckpointError(f"load: {path} was saved without the random generator's state")
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in _RNG_NAMES:
        raise CheckpointError(f"load: {path}: its random generator state names {str(name)[:40]!r}")
    try:                       # try it on a scratch generator first: a bad state must not half-apply
        getattr(np.random, name)().state = state
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        raise CheckpointError(f"load: {path}: its random generator state is invalid ({e})") from None
    backend.set_rng_state(state)


def load(path: str | os.PathLike | BinaryIO, *, restore_rng: bool = False) -> Any:
    """Read a checkpoint written by :func:`save` and return the object it holds.

    Modules and optimizers come back as their state dicts (plain NumPy arrays, numbers,
    dicts), ready for ``load_state_dict``. With ``restore_rng=True`` the random generator is
    put back to its state at save time, so a resumed run draws the same numbers as an
    uninterrupted one. Raises :class:`CheckpointError` for damaged, truncated, crafted or
    foreign files (a PyTorch ``.pt`` file included), ``MissingFileError`` (a ``FileNotFoundError``) for a missing one.
    ``path`` may also be a binary file object (``open(..., "rb")``, ``io.BytesIO``).
    """
    path, fileobj = _source(path, "load")
    header, arrays = _open(path, fileobj)
    content = _decode(header["content"], arrays, path)
    if restore_rng:
        _restore_rng(path, header.get("rng_state"))
    return content


def read_header(path: str | os.PathLike | BinaryIO) -> dict:
    """The header only: ``format``, ``version``, ``step``, ``config`` and ``rng_state``."""
    path, fileobj = _source(path, "read_header")
    header, arrays = _open(path, fileobj)
    out = {k: v for k, v in header.items() if k not in ("content", "arrays")}
    out["config"] = _decode(out.get("config"), arrays, path)
    return out


def _array_keys(node: Any, path: str) -> set[str]:
    """Every array name the JSON tree refers to (iterative: a crafted file may nest deeply)."""
    keys: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "__array__" in item and isinstance(item["__array__"], str):
                keys.add(item["__array__"])
            else:
                stack.extend(item.values())
    return keys
