"""Dtype rules (float32 stays float32) and device handling (names, defaults, CuPy missing,
mixed devices)."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import backend

# Every op once, from float inputs x (2, 3) and w (3, 3): output and gradients must keep the dtype.
OPS = {
    "scalar_arith": lambda x, w: (x * 0.5 + 1.5 - 2.0) / 3.0,
    "rscalar_arith": lambda x, w: 1.0 - 2.0 * x + 1.0 / (x.abs() + 1.0),
    "numpy_scalars": lambda x, w: x * np.float64(0.5) + np.float64(1.0),
    "int_scalar": lambda x, w: x * 3 + 1,
    "pow": lambda x, w: x ** 2 + (x.abs() + 1.0) ** 0.5 + 2.0 ** x,
    "matmul": lambda x, w: x @ w,
    "unary": lambda x, w: x.exp() + (x.abs() + 1.0).log() + (x.abs() + 1.0).sqrt() + x.tanh()
    + x.sigmoid() + x.relu() + x.hard_sigmoid() + x.clip(-0.5, 0.5),
    "softmax": lambda x, w: x.softmax(1) + x.log_softmax(0),
    "reductions": lambda x, w: x.sum(0) + x.mean(0) + x.max(0) + x.min(0),
    "binary": lambda x, w: x.maximum(0.1) + x.minimum(w[:2]) + tg.where(x > 0, x, 0.5),
    "shape": lambda x, w: x.T.reshape(2, 3) + x[[0, 0]] + tg.cat(x.split(1, 1), 1) + tg.stack([x, x]).sum(0),
    "int_tensor": lambda x, w: x * tg.arange(3, device=x.device) + tg.tensor([True, False, True], device=x.device),
    "mean_of_int_axis": lambda x, w: x.mean((0, 1), keepdims=True),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", OPS)
def test_ops_keep_the_float_dtype(name: str, dtype: type, devices: str) -> None:
    x = tg.tensor(np.linspace(-1.0, 1.2, 6).reshape(2, 3), dtype=dtype, requires_grad=True, device=devices)
    w = tg.tensor(np.linspace(0.3, 0.9, 9).reshape(3, 3), dtype=dtype, requires_grad=True, device=devices)
    y = OPS[name](x, w)
    assert y.dtype == dtype, f"{name}: output became {y.dtype}"
    y.sum().backward()
    for t in (x, w):
        assert t.grad is None or t.grad.dtype == dtype, f"{name}: gradient became {t.grad.dtype}"
    assert x.grad is not None


def test_default_float_dtype_and_set_default_dtype() -> None:
    assert tg.get_default_dtype() == np.float32
    assert tg.tensor([1.0]).dtype == np.float32 and tg.tensor(2.5).dtype == np.float32
    assert tg.zeros(2).dtype == tg.randn(2).dtype == tg.rand(2).dtype == tg.eye(2).dtype == np.float32
    tg.set_default_dtype(tg.float64)
    assert tg.tensor([1.0]).dtype == np.float64
    assert tg.zeros(2).dtype == tg.randn(2).dtype == tg.ones(1).dtype == np.float64
    assert (tg.arange(3) * 0.5).dtype == np.float64     # int tensor with a float: the default float
    tg.set_default_dtype("float32")
    assert tg.tensor([1.0]).dtype == np.float32


def test_arrays_keep_their_dtype() -> None:
    for dt in (np.float16, np.float32, np.float64, np.int32, np.int64, np.bool_):
        assert tg.tensor(np.zeros(2, dtype=dt)).dtype == dt
    assert tg.tensor(np.float64(1.5)).dtype == np.float64   # a NumPy scalar acts as an array
    assert tg.tensor([1, 2]).dtype == np.int64
    assert tg.tensor([1, 2], dtype=tg.float32).dtype == np.float32


def test_integer_tensors_never_require_grad() -> None:
    i = tg.arange(3)
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert not (i * 2).requires_grad and (i * 2).dtype == np.int64
    y = x * i                        # an int operand joins the float tensor in its dtype
    assert y.dtype == np.float32 and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 2.0]
    assert not x.astype(tg.int32).requires_grad
    assert not i.requires_grad and i.grad is None


def test_mixed_float_dtypes_never_upcast() -> None:
    with pytest.raises(tg.DtypeError, match="never upcasts silently"):
        tg.zeros(2) + tg.zeros(2, dtype=tg.float64)
    y = tg.zeros(2) + tg.zeros(2, dtype=tg.float64).astype(tg.float32)   # explicit cast: fine
    assert y.dtype == np.float32


# ---- devices ------------------------------------------------------------------------------

def test_device_names_and_aliases() -> None:
    parse = backend.parse_device
    assert parse("cpu") == parse("numpy") == parse("CPU ") == "cpu"
    assert parse("cuda") == parse("cupy") == parse("cuda:0") == "cuda:0"
    assert parse("cuda:3") == "cuda:3"
    assert parse(None) == tg.get_default_device() == "cpu"
    assert tg.zeros(1, device="numpy").device == "cpu"


def test_cuda_is_available_is_a_bool_consistent_with_factories() -> None:
    available = tg.cuda_is_available()
    assert isinstance(available, bool)
    if available:
        assert tg.zeros(2, device="cuda").device == "cuda:0"
    else:
        with pytest.raises(tg.DeviceUnavailableError):
            tg.zeros(2, device="cuda")


@pytest.fixture
def no_cupy(monkeypatch: pytest.MonkeyPatch) -> ImportError:
    """Make the backend behave as on a machine where `import cupy` failed."""
    cause = ImportError("No module named 'cupy'")
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_cupy_error", cause)
    return cause


@pytest.mark.parametrize("ask", [
    lambda: tg.zeros(2, device="cuda"),
    lambda: tg.randn(2, device="cuda:0"),
    lambda: tg.tensor([1.0], device="cupy"),
    lambda: tg.tensor([1.0]).to("cuda"),
    lambda: tg.tensor([1.0]).cuda(),
    lambda: tg.set_default_device("cuda"),
])
def test_cuda_without_cupy_raises_with_cause_and_hint(ask, no_cupy: ImportError) -> None:
    assert not tg.cuda_is_available()
    with pytest.raises(tg.DeviceUnavailableError) as info:
        ask()
    msg = str(info.value)
    assert 'pip install "tinygrad_rnn[gpu]"' in msg
    assert "No module named 'cupy'" in msg and "ImportError" in msg
    assert info.value.__cause__ is no_cupy
    assert tg.get_default_device() == "cpu"


def test_set_default_device_is_used_by_factories(devices: str) -> None:
    tg.set_default_device(devices)
    for t in (tg.zeros(2), tg.ones(2), tg.randn(2), tg.tensor([1.0]), tg.arange(3), tg.eye(2)):
        assert t.device.startswith(devices)
    tg.set_default_device("numpy")
    assert tg.zeros(2).device == "cpu" and tg.get_default_device() == "cpu"


def test_same_seed_same_numbers_on_every_device(devices: str) -> None:
    tg.manual_seed(5)
    a = tg.randn(3, 2).numpy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(tg.randn(3, 2, device=devices).numpy(), a)


def test_results_stay_on_the_inputs_device(devices: str) -> None:
    x = tg.randn(2, 3, device=devices, requires_grad=True)
    y = (x @ x.T).softmax(1)[0].sum()
    y.backward()
    assert y.device == x.device == x.grad.device


class _OtherDeviceArray(np.ndarray):
    """An ndarray that the backend will report as living on another device."""


@pytest.fixture
def fake_gpu(monkeypatch: pytest.MonkeyPatch):
    """A second device on a CPU-only machine: arrays of _OtherDeviceArray report "cuda:1".

    Arithmetic compares the array types (as NumPy and CuPy arrays differ by type), and every
    other check asks backend.device_of, which is patched here: both paths are exercised.
    """
    real = backend.device_of
    monkeypatch.setattr(backend, "device_of",
                        lambda a: "cuda:1" if isinstance(a, _OtherDeviceArray) else real(a))

    def make(values) -> tg.Tensor:
        arr = np.asarray(values, dtype=np.float32).view(_OtherDeviceArray)
        return tg.Tensor._make(arr, False, None)
    return make


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "matmul", "maximum", "minimum"])
def test_device_mismatch_in_binary_ops(op: str, fake_gpu) -> None:
    a, b = tg.ones(2, 2), fake_gpu(np.ones((2, 2)))
    assert b.device == "cuda:1"
    fn = {"add": lambda: a + b, "sub": lambda: b - a, "mul": lambda: a * b, "div": lambda: a / b,
          "matmul": lambda: a @ b, "maximum": lambda: a.maximum(b), "minimum": lambda: b.minimum(a)}[op]
    with pytest.raises(tg.DeviceMismatchError) as info:
        fn()
    msg = str(info.value)
    assert msg.startswith(f"{op}:") and "cpu" in msg and "cuda:1" in msg


def test_device_mismatch_in_other_entry_points(fake_gpu) -> None:
    a, b = tg.ones(2), fake_gpu([1.0, 1.0])
    with pytest.raises(tg.DeviceMismatchError, match=r"cat: .*cpu and cuda:1"):
        tg.cat([a, b])
    with pytest.raises(tg.DeviceMismatchError, match=r"stack: .*cpu and cuda:1"):
        tg.stack([a, b])
    with pytest.raises(tg.DeviceMismatchError, match=r"where: .*cuda:1 and cpu|where: .*cpu and cuda:1"):
        tg.where(a > 0, b, 0.0)
    with pytest.raises(tg.DeviceMismatchError, match=r"index: .*cpu.*cuda:1"):
        a[fake_gpu([0.0]).data.astype(np.int64).view(_OtherDeviceArray)]
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(tg.DeviceMismatchError, match=r"backward: .*cpu and cuda:1"):
        (x * 2.0).backward(gradient=b)


def test_host_index_addresses_a_gpu_tensor(fake_gpu) -> None:
    # as in PyTorch: a NumPy index (or a CPU tensor) may index a GPU tensor; the reverse is an error
    g = fake_gpu([10.0, 11.0, 12.0])
    assert g[np.array([2, 0])].tolist() == [12.0, 10.0]
    assert g[tg.tensor([1])].tolist() == [11.0]
