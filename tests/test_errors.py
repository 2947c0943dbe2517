"""Bad input gives one of our exception types with a message naming the op and the operands
— never a bare NumPy traceback."""
from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_rnn as tg


def test_matmul_inner_dimensions() -> None:
    a, b = tg.zeros(3, 4), tg.zeros(5, 2)
    with pytest.raises(tg.ShapeError, match=re.escape("matmul: (3, 4) @ (5, 2): inner dimensions 4 and 5 differ")):
        a @ b
    with pytest.raises(tg.ShapeError, match=re.escape("matmul: (3,) @ (4,): inner dimensions 3 and 4 differ")):
        tg.zeros(3) @ tg.zeros(4)
    with pytest.raises(tg.ShapeError, match="at least one dimension"):
        tg.zeros(3) @ tg.tensor(2.0)
    with pytest.raises(tg.ShapeError, match=r"matmul.*\(2, 3, 4\).*\(5, 4, 2\)"):
        tg.zeros(2, 3, 4) @ tg.zeros(5, 4, 2)        # batch axes 2 and 5 do not broadcast


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum"])
def test_broadcasting_mismatch_names_op_and_shapes(op: str) -> None:
    a, b = tg.zeros(2, 3), tg.ones(4)
    fn = {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
          "div": lambda: a / b, "maximum": lambda: a.maximum(b)}[op]
    with pytest.raises(tg.ShapeError) as info:
        fn()
    assert str(info.value).startswith(f"{op}:") and "(2, 3)" in str(info.value) and "(4,)" in str(info.value)
    assert isinstance(info.value, ValueError)     # what a NumPy user would catch


def test_reshape_and_shape_ops() -> None:
    with pytest.raises(tg.ShapeError, match=re.escape("reshape: cannot view shape (2, 3) (6 elements) as (4,)")):
        tg.zeros(2, 3).reshape(4)
    with pytest.raises(tg.ShapeError, match="permute"):
        tg.zeros(2, 3).permute(0, 5)                 # 5 must not wrap around to axis 1
    with pytest.raises(tg.ShapeError, match="permute"):
        tg.zeros(2, 3).permute(1, 1)
    with pytest.raises(tg.ShapeError, match="transpose"):
        tg.zeros(2, 3).transpose(0, 2)
    with pytest.raises(tg.ShapeError, match=re.escape("broadcast_to: cannot broadcast shape (2, 3) to (4, 3)")):
        tg.zeros(2, 3).expand(4, 3)
    with pytest.raises(tg.ShapeError, match="unsqueeze"):
        tg.zeros(2).unsqueeze(3)
    with pytest.raises(tg.ShapeError, match="sum: axis 2 is out of range"):
        tg.zeros(2, 3).sum(2)
    with pytest.raises(tg.ShapeError, match="max: cannot reduce an empty axis"):
        tg.zeros(0, 3).max(0)
    with pytest.raises(tg.ShapeError, match="softmax"):
        tg.zeros(2, 3).softmax(4)


def test_cat_stack_split_errors() -> None:
    with pytest.raises(tg.ShapeError, match=re.escape("cat: shapes [(2, 3), (3, 3)] differ outside dim 1")):
        tg.cat([tg.zeros(2, 3), tg.zeros(3, 3)], 1)
    with pytest.raises(tg.ShapeError, match="cat: expected a non-empty sequence"):
        tg.cat([])
    with pytest.raises(tg.ShapeError, match="cat: dim 2 out of range"):
        tg.cat([tg.zeros(2, 3)], 2)
    with pytest.raises(tg.ShapeError, match=re.escape("stack: all tensors must have the same shape, got [(2,), (3,)]")):
        tg.stack([tg.zeros(2), tg.zeros(3)])
    with pytest.raises(tg.ShapeError, match="split: sizes \\[1, 1\\] add up to 2"):
        tg.zeros(3).split([1, 1])
    with pytest.raises(tg.ShapeError, match="chunk: chunks must be positive"):
        tg.zeros(3).chunk(0)
    with pytest.raises(tg.DtypeError, match="cat: tensors have different dtypes"):
        tg.cat([tg.zeros(2), tg.zeros(2, dtype=tg.float64)])


def test_index_out_of_range() -> None:
    with pytest.raises(tg.ShapeError, match=re.escape("index: cannot index shape (3,) with [5]")):
        tg.zeros(3)[5]
    with pytest.raises(tg.ShapeError, match=r"index: cannot index shape \(3, 2\) with \[array\(2,\)\].*7"):
        tg.zeros(3, 2)[[0, 7]]
    with pytest.raises(tg.ShapeError, match="index"):
        tg.zeros(3)[0, 0]


def test_requires_grad_on_integers() -> None:
    with pytest.raises(tg.DtypeError, match="only floating-point tensors can require gradients, got dtype int64"):
        tg.tensor([1, 2], requires_grad=True)
    with pytest.raises(tg.DtypeError, match="bool"):
        tg.tensor([True]).requires_grad_()
    with pytest.raises(tg.DtypeError):
        tg.arange(3, requires_grad=True)
    with pytest.raises(tg.DtypeError):
        tg.zeros(3, dtype=tg.int32, requires_grad=True)


def test_unknown_device() -> None:
    for bad in ("tpu", "cuda:x", "gpu0", ""):
        with pytest.raises(tg.UnknownDeviceError, match="unknown device"):
            tg.zeros(2, device=bad)
    with pytest.raises(tg.UnknownDeviceError, match="must be a string"):
        tg.tensor([1.0], device=0)
    with pytest.raises(tg.UnknownDeviceError):
        tg.zeros(2).to("metal")
    with pytest.raises(tg.UnknownDeviceError):
        tg.set_default_device("tpu")
    assert tg.get_default_device() == "cpu"


def test_backward_on_tensor_without_grad() -> None:
    with pytest.raises(tg.BackwardError, match=re.escape("backward: tensor of shape (2,) does not require grad")):
        (tg.ones(2) * 2.0).backward(tg.ones(2))
    x = tg.ones(2, requires_grad=True)
    with tg.no_grad():
        y = (x * 2.0).sum()
    with pytest.raises(tg.BackwardError, match="no_grad"):
        y.backward()
    with pytest.raises(tg.BackwardError, match="register_hook"):
        tg.ones(2).register_hook(lambda g: g)


def test_mixed_float_dtypes() -> None:
    a, b = tg.zeros(2), tg.zeros(2, dtype=tg.float64)
    for fn, op in [(lambda: a + b, "add"), (lambda: a * b, "mul"), (lambda: a @ b, "matmul"),
                   (lambda: tg.where(a > 0, a, b), "where"), (lambda: a.maximum(b), "maximum")]:
        with pytest.raises(tg.DtypeError, match=f"{op}: operands have different float dtypes \\(float32 and float64\\)"):
            fn()
    with pytest.raises(tg.DtypeError):
        a + np.zeros(2)              # a float64 ndarray is not silently upcast into either
    assert isinstance(tg.DtypeError("x"), TypeError)


def test_other_type_errors() -> None:
    with pytest.raises(tg.DtypeError, match="cannot make a tensor from str"):
        tg.tensor("abc")
    with pytest.raises(tg.DtypeError, match="add: unsupported operand of type dict"):
        tg.zeros(2) + {}
    with pytest.raises(tg.DtypeError, match="pow: the exponent must be a Python number"):
        tg.zeros(2) ** tg.zeros(2)
    with pytest.raises(tg.DtypeError, match="where: the condition must be boolean"):
        tg.where(tg.zeros(2), tg.zeros(2), 1.0)
    with pytest.raises(tg.DtypeError, match="unknown dtype"):
        tg.zeros(2, dtype="float77")
    with pytest.raises(tg.DtypeError, match="set_default_dtype: expected a floating dtype"):
        tg.set_default_dtype(tg.int32)
    with pytest.raises(tg.DtypeError, match=r"sub: cannot apply to \(2,\) bool and \(2,\) bool"):
        (tg.zeros(2) > 0) - (tg.zeros(2) > 0)     # NumPy refuses `-` on booleans


def test_every_error_is_a_tinygrad_error() -> None:
    for cls in (tg.ShapeError, tg.DtypeError, tg.UnknownDeviceError, tg.DeviceUnavailableError,
                tg.DeviceMismatchError, tg.BackwardError, tg.GraphFreedError, tg.AnomalyError,
                tg.GradcheckError):
        assert issubclass(cls, tg.TinygradRNNError)
    assert issubclass(tg.GraphFreedError, tg.BackwardError)
