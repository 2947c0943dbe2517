"""Backend selection: the one place that decides which array module (``xp``) runs an op.

Device ``"cpu"`` is NumPy, ``"cuda"``/``"cuda:N"`` is CuPy on GPU ``N``; ``"numpy"`` and
``"cupy"`` are accepted as aliases. Ops never import NumPy or CuPy to compute: they ask
:func:`xp_of` for the module that owns their input array, so the same code runs on both.

Random numbers come from one NumPy generator seeded by :func:`manual_seed` and are moved to
the tensor's device afterwards: a model initialised with the same seed holds the same
numbers on the CPU and on any GPU.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .errors import StateError
from .errors import DeviceMismatchError, DeviceUnavailableError, UnknownDeviceError

_GPU_HINT = 'install the GPU extra: pip install "tinygrad_rnn[gpu]" (CuPy for CUDA 12; see the install guide for other CUDA versions)'

_cupy: Any = None          # the cupy module once it imported successfully
_cupy_error: BaseException | None = None
_default_device = "cpu"


def _load_cupy() -> Any:
    """Import CuPy once and check that a GPU answers; remember why not if it fails."""
    global _cupy, _cupy_error
    if _cupy is not None or _cupy_error is not None:
        return _cupy
    try:
        import cupy  # noqa: PLC0415  (optional dependency, imported on first use)
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise StateError("CuPy found no CUDA device")
        _cupy = cupy
    except Exception as e:  # ImportError, CUDARuntimeError, missing driver, ...
        _cupy_error = e
    return _cupy


def cuda_is_available() -> bool:
    """True when CuPy imports and sees at least one GPU."""
    return _load_cupy() is not None


def parse_device(device: Any) -> str:
    """Normalise a device name: ``None`` -> the default, ``"numpy"`` -> ``"cpu"``,
    ``"cuda"``/``"cupy"`` -> ``"cuda:0"``. Raises :class:`UnknownDeviceError` otherwise."""
    if device is None:
        return _default_device
    if not isinstance(device, str):
        raise UnknownDeviceError(f"device must be a string such as 'cpu' or 'cuda:0', got {device!r}")
    d = device.strip().lower()
    if d in ("cpu", "numpy"):
        return "cpu"
    if d in ("cuda", "cupy", "gpu"):
        return "cuda:0"
    if d.startswith("cuda:") and d[5:].isdigit():
        return f"cuda:{int(d[5:])}"
    raise UnknownDeviceError(f"unknown device {device!r}: use 'cpu' (NumPy), 'cuda' or 'cuda:N' (CuPy)")


def require_cuda(device: str) -> Any:
    """Return the cupy module for ``device`` or raise one clear error with the install hint."""
    cp = _load_cupy()
    if cp is None:
        raise DeviceUnavailableError(
            f"device {device!r} needs CuPy and an NVIDIA GPU, but it is not available "
            f"({type(_cupy_error).__name__}: {_cupy_error}); {_GPU_HINT}") from _cupy_error
    index = int(device.split(":")[1])
    count = cp.cuda.runtime.getDeviceCount()
    if index >= count:
        raise DeviceUnavailableError(f"device {device!r} does not exist: CuPy sees {count} GPU(s)")
    return cp


def set_default_device(device: str) -> None:
    """Device used by factories when no ``device=`` is given."""
    global _default_device
    d = parse_device(device)
    if d != "cpu":
        require_cuda(d)
    _default_device = d


def get_default_device() -> str:
    return _default_device


def xp_of(array: Any) -> Any:
    """The array module (numpy or cupy) that owns ``array``."""
    if type(array) is np.ndarray or _cupy is None:
        return np
    return _cupy if isinstance(array, _cupy.ndarray) else np


def xp_for(device: str) -> Any:
    """The array module for a parsed device name."""
    return np if device == "cpu" else require_cuda(device)


def device_of(array: Any) -> str:
    """The device name of a backend array."""
    if type(array) is np.ndarray or _cupy is None or not isinstance(array, _cupy.ndarray):
        return "cpu"
    return f"cuda:{array.device.id}"


def is_array(x: Any) -> bool:
    """True for NumPy arrays and (when loaded) CuPy arrays."""
    return isinstance(x, np.ndarray) or (_cupy is not None and isinstance(x, _cupy.ndarray))


def to_device(array: Any, device: str) -> Any:
    """Copy ``array`` to ``device`` (no copy when it is already there)."""
    here = device_of(array)
    if here == device:
        return array
    if device == "cpu":
        return array.get()
    cp = require_cuda(device)
    with cp.cuda.Device(int(device.split(":")[1])):
        return cp.asarray(array)


def to_numpy(array: Any) -> np.ndarray:
    """A host (NumPy) view or copy of a backend array."""
    return array if isinstance(array, np.ndarray) else array.get()


def check_same_device(op: str, *arrays: Any) -> None:
    """Raise :class:`DeviceMismatchError` unless all arrays live on one device."""
    first = device_of(arrays[0])
    for a in arrays[1:]:
        other = device_of(a)
        if other != first:
            raise DeviceMismatchError(
                f"{op}: operands are on different devices ({first} and {other}); "
                f"move one with .to({first!r}) or .to({other!r})")


def scatter_add(target: Any, index: Any, values: Any) -> None:
    """``target[index] += values`` where repeated indices accumulate (unbuffered)."""
    xp = xp_of(target)
    if xp is np:
        np.add.at(target, index, values)
    else:
        import cupyx  # noqa: PLC0415
        cupyx.scatter_add(target, index, values)


# ---- random numbers -------------------------------------------------------------------

_rng = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed every random draw tinygrad_rnn makes (initialisation, dropout, data). The seed is
    an int >= 0 (NumPy's generators take no negative seeds)."""
    from .arguments import size
    global _rng
    _rng = np.random.default_rng(size(seed, "seed", "manual_seed"))


def rng() -> np.random.Generator:
    """The generator behind ``randn``, ``rand``, initialisers and dropout masks."""
    return _rng


def get_rng_state() -> dict:
    """The generator's state, for checkpoints (a JSON-friendly dict)."""
    return _rng.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state taken with :func:`get_rng_state`."""
    _rng.bit_generator.state = state


# ---- CPU threads ------------------------------------------------------------------------

# Small products on one BLAS thread, so a busy machine does not stall every step (threads.py);
# applied here because every op imports this module before it computes anything.
from . import threads as _threads  # noqa: E402

_threads.configure_from_env()
