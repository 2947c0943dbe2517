"""The Tensor and the Function every op is made of (the backward walk is in ``autograd.py``).

How reverse mode works here, in four sentences:

1. Every op is a :class:`Function` subclass with ``forward`` (raw arrays in, array out)
   and ``backward`` (the output's gradient in, one gradient per input out) side by side.
2. ``Function.apply`` runs ``forward`` and, when some input requires grad, links the output
   tensor to the function object (``out._ctx``), which remembers its inputs (``parents``).
3. ``Tensor.backward`` (:func:`tinygrad_rnn.autograd.backward_walk`) counts each node's
   consumers *without recursion* (unrolled RNNs are deep), then visits the graph from the root
   back to the leaves, each node once, as soon as all its consumers have sent their share
   (a reversed topological order).
4. Each node's gradient is the sum of what its consumers sent it (built out of place, never
   by mutating a shared buffer); gradients of broadcast inputs are summed back to the input's
   shape in one place, :func:`unbroadcast`.
"""
from __future__ import annotations

import traceback
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .errors import ArgumentError, ArgumentTypeError
from . import backend
from .dims import ElementCount, int_dim, pick_dim, pick_keepdim
from .dtypes import as_dtype, get_default_dtype
from .dtypes import device_or_dtype as _device_or_dtype
from .errors import (AnomalyError, BackwardError, DeviceMismatchError, DtypeError, ShapeError,
                     TinygradRNNError, UnknownDeviceError)
from .modes import state

Shape = tuple[int, ...]


# ---- the op base class ------------------------------------------------------------------

class Function:
    """One differentiable op. Subclasses define ``forward`` on raw arrays and ``backward``.

    ``forward(*arrays, **options) -> array`` may keep what backward needs (masks, shapes) as
    attributes of ``self``; its inputs and result are kept for it. ``backward(grad) -> gradient
    or tuple of gradients``, one per input (``None`` where an input needs none, see
    ``self.needs``). Gradients may have the broadcast shape: the walk sums them back to each
    input's shape.

    One backward serves two passes. In an ordinary pass ``grad`` is a raw array and
    ``self.inputs`` / ``self.output`` are the arrays forward took and returned. When the pass
    is itself recorded (``backward(create_graph=True)``, ``tg.grad(..., create_graph=True)``),
    so that the gradient can be differentiated again, ``grad`` is a Tensor and the walk sets
    ``self.inputs`` / ``self.output`` to the tensors themselves for that call. The math is
    written with what both kinds understand (``+ − * / @ **``, ``.sum``, ``.reshape``,
    indexing): the first-order pass stays plain NumPy, the recorded one builds a graph of the
    same ops. Masks and signs may stay arrays: their derivative is zero. An op whose backward
    is array-only code sets ``once_differentiable = True`` (PyTorch's name) and
    ``create_graph=True`` refuses it.

    After a backward pass without ``retain_graph`` :meth:`free` drops what was saved, but the
    graph's structure stays, so it can still be drawn.
    """

    __slots__ = ("parents", "needs", "scope", "freed", "origin", "inputs", "output", "__dict__")
    name = "op"
    once_differentiable = False
    multi_output = False   # True for a :class:`MultiFunction`: one node, several output tensors

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def backward(self, grad: Any) -> Any:
        raise NotImplementedError

    def free(self) -> None:
        """Drop everything kept for backward; ``parents``, ``needs`` and ``scope`` stay, so
        the graph can still be drawn, and ``freed`` tells a second backward to stop."""
        self.inputs = self.output = None
        self.__dict__.clear()
        self.freed = True

    @classmethod
    def apply(cls, *inputs: Any, **kwargs: Any) -> "Tensor":
        """Run the op on tensors (or constants) and record it when a gradient is needed."""
        fn = cls()
        arrays, needs, wanted = [], [], False
        for x in inputs:   # one pass: raw arrays for forward, and which inputs need a gradient
            if isinstance(x, Tensor):
                arrays.append(x.data)
                needs.append(x._requires_grad)
                wanted = wanted or x._requires_grad
            else:
                arrays.append(x)
                needs.append(False)
        try:
            out = fn.forward(*arrays, **kwargs)
        except Exception as e:
            error = _forward_error(cls.name, inputs, e)
            if error is e:
                raise
            raise error from None
        if isinstance(out, np.generic):   # NumPy returns scalars from 0-d math; keep arrays
            out = np.asarray(out)
        record = wanted and state.grad_enabled
        t = Tensor._make(out, record, fn if record else None)
        if record:
            fn.parents = inputs
            fn.inputs, fn.output = arrays, out   # for backward (the tensors hold them anyway)
            fn.needs = tuple(needs)
            fn.scope = state.scope
            fn.freed = False
            fn.origin = _user_line() if state.anomaly else None
        if state.anomaly:
            _check_finite(out, cls.name, "forward", inputs, fn)
        return t


class MultiFunction(Function):
    """An op with several outputs (``split``, ``chunk``): ONE node of the graph and one backward.

    ``forward(*arrays, **options) -> tuple of arrays``, and ``backward(grads)`` gets a tuple with
    one gradient per output, ``None`` for an output that no gradient reached (unused, or not on
    the way to the root); it returns the inputs' gradients as :class:`Function` does. Every
    output tensor has this op as ``_ctx``; :meth:`output_index` tells which output a tensor is.
    The backward walk calls ``backward`` once, when every output that leads to the root has its
    complete gradient. ``self.output`` is not kept: a multi-output backward gets by without it.

    Why not several one-output ops: ``a.chunk(4)`` as four index ops makes four nodes, and each
    one's backward builds a zero gradient the size of ``a`` that the walk then sums; as one op,
    backward joins the four gradients into one array (PyTorch's ``split`` does the same).
    """

    __slots__ = ("out_ids",)
    multi_output = True

    def output_index(self, t: "Tensor") -> int:
        """Which output of this op ``t`` is (0, 1, ...)."""
        # ids of the outputs, not the tensors themselves: an op holding its outputs would be a
        # reference cycle (tensor -> op -> tensor). An output alive now has its own id here.
        return self.out_ids.index(id(t))

    @classmethod
    def apply(cls, *inputs: Any, **kwargs: Any) -> "tuple[Tensor, ...]":  # type: ignore[override]
        """Run the op on tensors and record it (once) when a gradient is needed."""
        fn = cls()
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        needs = tuple(isinstance(x, Tensor) and x._requires_grad for x in inputs)
        try:
            outs = fn.forward(*arrays, **kwargs)
        except Exception as e:
            error = _forward_error(cls.name, inputs, e)
            if error is e:
                raise
            raise error from None
        record = any(needs) and state.grad_enabled
        ts = tuple(Tensor._make(o, record, fn if record else None) for o in outs)
        if record:
            fn.parents, fn.inputs, fn.output, fn.needs = inputs, arrays, None, needs
            fn.scope, fn.freed = state.scope, False
            fn.origin = _user_line() if state.anomaly else None
            fn.out_ids = tuple(id(t) for t in ts)
        if state.anomaly:
            for o in outs:
                _check_finite(o, cls.name, "forward", inputs, fn)
        return ts


def _forward_error(name: str, inputs: Iterable[Any], e: Exception) -> Exception:
    """What an op's forward raises when NumPy/CuPy failed inside it: NumPy's own message, but
    named after our op and our operands (ShapeError, or DtypeError for a TypeError such as `-`
    on booleans). Our own errors and anything else pass through unchanged."""
    if isinstance(e, TinygradRNNError) or not isinstance(e, (ValueError, IndexError, TypeError)):
        return e
    kind = DtypeError if isinstance(e, TypeError) else ShapeError
    return kind(f"{name}: cannot apply to {describe(inputs)}: {e}")


def describe(inputs: Iterable[Any]) -> str:
    """``(3, 4) float32 and (5,) float32`` — for error messages."""
    parts = []
    for x in inputs:
        if isinstance(x, Tensor):
            parts.append(f"{tuple(x.shape)} {x.dtype}")
        elif backend.is_array(x):
            parts.append(f"array{tuple(x.shape)} {x.dtype}")
        else:
            parts.append(repr(x))
    return " and ".join(parts)


def _user_line() -> str:
    """The innermost stack frame outside this package: where the user created the op."""
    pkg = __file__.rsplit("/", 1)[0]
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not frame.filename.startswith(pkg):
            return f'{frame.filename}:{frame.lineno}: {(frame.line or "").strip()}'
    return "<unknown>"


def _check_finite(array: Any, op: str, phase: str, inputs: Sequence[Any], fn: Function) -> None:
    xp = backend.xp_of(array)
    if array is not None and xp.issubdtype(array.dtype, xp.floating) and not bool(xp.isfinite(array).all()):
        where = getattr(fn, "origin", None) or _user_line()
        raise AnomalyError(f"{op}: {phase} produced NaN or Inf; inputs {describe(inputs)}; "
                           f"op created at {where}")


def unbroadcast(grad: Any, shape: Shape) -> Any:
    """Sum ``grad`` back to ``shape``: the one place broadcast gradients are reduced.

    If ``y = x + b`` broadcast ``b`` of shape (3,) to (2, 3), each element of ``b`` was used
    twice, so ∂L/∂b is the sum of ∂L/∂y over the broadcast axis.
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and grad.shape[lead + i] != 1)
    if axes:
        grad = grad.sum(axis=axes)
    return grad.reshape(shape)


# ---- the tensor ------------------------------------------------------------------------

def _as_array(data: Any, dtype: Any, device: str | None) -> Any:
    """Build the backend array for ``Tensor(data, dtype=, device=)``."""
    if isinstance(data, Tensor):
        data = data.data
    elif _is_torch_tensor(data):   # through NumPy; torch itself is never imported here
        data = data.detach().cpu().numpy()
    if type(data) is not np.ndarray and isinstance(data, np.ndarray):
        data = np.asarray(data)   # np.matrix, memmap, masked arrays: plain arrays, plain semantics
    if backend.is_array(data):
        arr = data if dtype is None else data.astype(as_dtype(dtype), copy=False)
    else:
        if isinstance(data, np.generic):   # a NumPy scalar keeps its dtype, like an array
            arr = np.asarray(data)
        else:
            arr = np.asarray(data)
            if arr.dtype == object or arr.dtype.kind in "USV":
                raise DtypeError(f"Tensor: cannot make a tensor from {type(data).__name__} "
                                 f"(got an array of dtype {arr.dtype}); pass numbers or arrays")
            if arr.dtype.kind == "f" and dtype is None:
                arr = arr.astype(get_default_dtype())   # Python floats -> the default float
        if dtype is not None:
            arr = arr.astype(as_dtype(dtype), copy=False)
    if device is not None:
        arr = backend.to_device(arr, backend.parse_device(device))
    elif backend.get_default_device() != "cpu" and not backend.is_array(data):
        arr = backend.to_device(arr, backend.get_default_device())
    return arr


def _comparable(value: Any) -> bool:
    """Whether ``==`` with a tensor compares elementwise: tensors, numbers, arrays, sequences."""
    return isinstance(value, (Tensor, bool, int, float, np.generic, list, tuple)) or \
        backend.is_array(value) or _is_torch_tensor(value)


def _is_torch_tensor(value: Any) -> bool:
    """A ``torch.Tensor`` (recognised by its class's module, without importing torch)."""
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def refuse_torch_tensor(who: str, what: str, value: Any) -> None:
    """Raise :class:`ArgumentTypeError` with the conversion hint when ``value`` is a
    ``torch.Tensor``, for entry points that take arrays and numbers too but must not read a
    PyTorch tensor silently (targets, ``tg.cat``'s pieces, ``tg.where``'s operands)."""
    if _is_torch_tensor(value):
        raise ArgumentTypeError(f"{who}: {what} must be a tinygrad_rnn Tensor, got torch.Tensor; "
                                f"convert it with tg.tensor(t)")


def check_tensor(who: str, what: str, value: Any) -> "Tensor":
    """``value`` itself when it is a tinygrad_rnn Tensor; anything else raises
    :class:`ArgumentTypeError`.

    The one check behind every entry point that takes a tensor (modules' inputs, losses,
    ``tg.exp``, ``tg.cat``, ...): a ``torch.Tensor`` gets the conversion hint instead of
    being converted silently, or running its own op and coming back as a torch.Tensor.
    """
    if isinstance(value, Tensor):
        return value
    refuse_torch_tensor(who, what, value)
    raise ArgumentTypeError(f"{who}: {what} must be a Tensor, got {type(value).__name__}")


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    ``Tensor(array)`` shares memory with a NumPy/CuPy array of the same dtype, as
    ``torch.from_numpy`` does (changing the array changes the tensor); ``tg.tensor(data)``
    always copies, as ``torch.tensor`` does. A PyTorch tensor is taken through NumPy.

    >>> x = Tensor([[1.0, 2.0]], requires_grad=True)   # shape (1, 2), float32
    >>> y = (x * x).sum()                               # shape ()
    >>> y.backward(); x.grad                            # 2x
    """

    __slots__ = ("data", "grad", "_requires_grad", "_ctx", "name", "_hooks", "_retain", "__weakref__")
    __array_ufunc__ = None   # makes `ndarray + Tensor` call Tensor.__radd__ instead of NumPy

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 device: str | None = None, name: str | None = None) -> None:
        self.data = _as_array(data, dtype, device)
        self.grad: Tensor | None = None
        self._requires_grad = False
        self._ctx: Function | None = None
        self.name = name
        self._hooks: list[Callable] | None = None
        self._retain = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data: Any, requires_grad: bool, ctx: Function | None) -> "Tensor":
        """Fast constructor used by ops: no conversion, no checks."""
        t = object.__new__(Tensor)
        t.data = data
        t.grad = None
        t._requires_grad = requires_grad
        t._ctx = ctx
        t.name = None
        t._hooks = None
        t._retain = False
        return t

    # -- attributes --
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place (leaves only); integer tensors cannot require grad."""
        if requires_grad and self.data.dtype.kind != "f":
            raise DtypeError(f"requires_grad: only floating-point tensors can require gradients, "
                             f"got dtype {self.data.dtype} (shape {tuple(self.shape)})")
        if not requires_grad and self._ctx is not None:
            raise BackwardError("requires_grad_: cannot turn off gradients of a non-leaf tensor; use .detach()")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def shape(self) -> Shape:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> ElementCount:
        """``x.size()`` is the shape and ``x.size(dim)`` one length, as in PyTorch; ``x.size``
        used as a number is the element count, as in NumPy (see :class:`~tinygrad_rnn.dims.ElementCount`)."""
        return ElementCount(self.data.shape)

    def numel(self) -> int:
        """The number of elements."""
        return int(self.data.size)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def device(self) -> str:
        return backend.device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by a recorded op)."""
        return self._ctx is None

    @property
    def op(self) -> str | None:
        """Name of the op that made this tensor, or None for a leaf."""
        return None if self._ctx is None else self._ctx.name

    @property
    def grad_fn(self) -> Function | None:
        return self._ctx

    def __len__(self) -> int:
        return len(self.data)

    def __bool__(self) -> bool:
        # Without this every tensor is truthy, and `while loss > 0.1:` would never end.
        if self.data.size != 1:
            raise ShapeError(f"bool: the truth value of a tensor of shape {tuple(self.shape)} is ambiguous; "
                             f"use .any() on .numpy(), or compare one element")
        return bool(self.data)

    def __float__(self) -> float:
        return float(self._one("float"))

    def __int__(self) -> int:
        return int(self._one("int"))

    def _one(self, op: str) -> Any:
        if self.data.size != 1:
            raise ShapeError(f"{op}: only one-element tensors convert to a Python number, got shape "
                             f"{tuple(self.shape)}; use .tolist() or .numpy() for more")
        return self.data.item()

    def __repr__(self) -> str:
        host = backend.to_numpy(self.data)
        body = np.array2string(host, precision=4, threshold=20, edgeitems=2, separator=", ",
                               prefix="Tensor(")
        extra = f"shape={tuple(self.shape)}, dtype={self.dtype}, device={self.device}"
        if self._ctx is not None:
            extra += f", op={self._ctx.name}"
        elif self._requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"Tensor({body}, {extra})"

    # -- conversion --
    def numpy(self) -> np.ndarray:
        """A host (NumPy) copy of the data."""
        return np.array(backend.to_numpy(self.data), copy=True)

    def item(self) -> Any:
        """The single value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ShapeError(f"item: only one-element tensors convert to a number, got shape {tuple(self.shape)}")
        return self.data.item()

    def tolist(self) -> Any:
        return backend.to_numpy(self.data).tolist()

    def to(self, device_or_dtype: Any = None, dtype: Any = None, *, device: str | None = None) -> "Tensor":
        """This tensor on another device and/or in another dtype, as PyTorch's ``to``:
        ``x.to("cuda")``, ``x.to(tg.float64)``, ``x.to("cpu", tg.float32)``, ``x.to(device=...)``.
        Differentiable; returns ``self`` when nothing changes."""
        if device_or_dtype is not None:
            try:
                dev, dt = _device_or_dtype(device_or_dtype)
            except DtypeError as e:
                raise DtypeError(f"to: {e}") from None
            if dev is not None and device is not None:
                raise ArgumentTypeError(f"to: got the device twice ({device_or_dtype!r} and device={device!r})")
            if dt is not None and dtype is not None:
                raise ArgumentTypeError(f"to: got the dtype twice ({device_or_dtype!r} and dtype={dtype!r})")
            device, dtype = device or dev, dtype if dt is None else dt
        try:
            out = self if device is None else self._to_device(device)
        except UnknownDeviceError as e:
            raise UnknownDeviceError(f"to: {e}") from None
        return out if dtype is None else out.astype(dtype)

    def _to_device(self, device: str) -> "Tensor":
        target = backend.parse_device(device)
        if target == self.device:
            return self
        if target != "cpu":
            backend.require_cuda(target)
        from .ops.shape import ToDevice
        out = ToDevice.apply(self, device=target)
        if self.is_leaf:   # a moved leaf stays a leaf, like a model's parameters
            out = Tensor._make(out.data, self._requires_grad, None)
            out.name = self.name
        return out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self, index: int = 0) -> "Tensor":
        return self.to(f"cuda:{index}")

    def astype(self, dtype: Any) -> "Tensor":
        """A copy in another dtype (differentiable between float dtypes)."""
        try:
            d = as_dtype(dtype)
        except DtypeError as e:
            raise DtypeError(f"astype: {e}") from None
        if d == self.dtype:
            return self
        if self._requires_grad and d.kind != "f":
            return Tensor._make(self.data.astype(d), False, None)
        return _u.Cast.apply(self, dtype=d)

    def float(self) -> "Tensor":
        return self.astype(np.float32)

    def double(self) -> "Tensor":
        return self.astype(np.float64)

    def clone(self) -> "Tensor":
        """A copy with its own memory, still in the graph (gradients flow through it)."""
        return _s.Clone.apply(self)

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory)."""
        t = Tensor._make(self.data, False, None)
        t.name = self.name
        return t

    # -- gradients --
    def retain_grad(self) -> "Tensor":
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        self._retain = True
        return self

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]) -> "_HookHandle":
        """Call ``hook(grad)`` when this tensor's gradient is complete during backward.

        Return a Tensor to replace the gradient, or None to keep it. Returns a handle whose
        ``remove()`` unregisters the hook.
        """
        if not self._requires_grad:
            raise BackwardError("register_hook: the tensor does not require grad, so no gradient will reach it")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _HookHandle(self._hooks, hook)

    def zero_grad(self) -> None:
        self.grad = None

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate ∂self/∂leaf into every leaf's ``.grad``.

        ``gradient`` (same shape as ``self``) is required unless ``self`` has one element.
        ``create_graph=True`` records the backward pass itself, so each ``.grad`` is a Tensor
        with its own graph that can be differentiated again. The saved arrays are freed
        afterwards unless ``retain_graph=True`` (which defaults to ``create_graph``). The walk
        is :func:`tinygrad_rnn.autograd.backward_walk`.
        """
        _autograd.backward(self, gradient, retain_graph, create_graph)

    # -- arithmetic (Python scalars and arrays work on either side) --
    def __add__(self, other: Any) -> "Tensor":
        a, b = _operands("add", self, other)
        return _a.Add.apply(a, b)

    def __radd__(self, other: Any) -> "Tensor":
        a, b = _operands("add", self, other)
        return _a.Add.apply(b, a)

    def __sub__(self, other: Any) -> "Tensor":
        a, b = _operands("sub", self, other)
        return _a.Sub.apply(a, b)

    def __rsub__(self, other: Any) -> "Tensor":
        a, b = _operands("sub", self, other)
        return _a.Sub.apply(b, a)

    def __mul__(self, other: Any) -> "Tensor":
        a, b = _operands("mul", self, other)
        return _a.Mul.apply(a, b)

    def __rmul__(self, other: Any) -> "Tensor":
        a, b = _operands("mul", self, other)
        return _a.Mul.apply(b, a)

    def __truediv__(self, other: Any) -> "Tensor":
        a, b = _operands("div", self, other)
        return _a.Div.apply(a, b)

    def __rtruediv__(self, other: Any) -> "Tensor":
        a, b = _operands("div", self, other)
        return _a.Div.apply(b, a)

    def __neg__(self) -> "Tensor":
        return _a.Neg.apply(self)

    def __pow__(self, exponent: Any) -> "Tensor":
        if isinstance(exponent, np.generic):
            exponent = exponent.item()
        if not isinstance(exponent, (int, float)) or isinstance(exponent, bool):
            raise DtypeError(f"pow: the exponent must be a Python number, got {type(exponent).__name__}; "
                             f"for a tensor exponent write (b * a.log()).exp()")
        return _a.Pow.apply(self, exponent=exponent)

    def __rpow__(self, base: Any) -> "Tensor":
        # base ** x = exp(x · ln base): composed, so its gradient comes for free.
        if isinstance(base, np.generic):
            base = base.item()
        if not isinstance(base, (int, float)) or base <= 0:
            raise DtypeError(f"pow: a scalar base must be a positive number, got {base!r}")
        return (self * float(np.log(base))).exp()

    def __matmul__(self, other: Any) -> "Tensor":
        a, b = _operands("matmul", self, other, tensor_only=True)
        return _mm.MatMul.apply(a, b)

    def __rmatmul__(self, other: Any) -> "Tensor":
        a, b = _operands("matmul", self, other, tensor_only=True)
        return _mm.MatMul.apply(b, a)

    def matmul(self, other: Any) -> "Tensor":
        return self @ other

    # comparisons give boolean tensors and record nothing (they have no gradient)
    def _compare(self, other: Any, ufunc: str) -> "Tensor":
        a, b = _operands(ufunc, self, other)
        bd = b.data if isinstance(b, Tensor) else b
        return Tensor._make(getattr(backend.xp_of(a.data), ufunc)(a.data, bd), False, None)

    def __lt__(self, other: Any) -> "Tensor":
        return self._compare(other, "less")

    def __le__(self, other: Any) -> "Tensor":
        return self._compare(other, "less_equal")

    def __gt__(self, other: Any) -> "Tensor":
        return self._compare(other, "greater")

    def __ge__(self, other: Any) -> "Tensor":
        return self._compare(other, "greater_equal")

    def __eq__(self, other: Any) -> "Tensor":  # type: ignore[override]
        if not _comparable(other):   # `t == None`, `t == "a"`: False, as in PyTorch
            return NotImplemented    # (Python then falls back to identity)
        return self._compare(other, "equal")

    def __ne__(self, other: Any) -> "Tensor":  # type: ignore[override]
        if not _comparable(other):
            return NotImplemented
        return self._compare(other, "not_equal")

    # ``==`` is elementwise, so a tensor hashes by identity, as in PyTorch: tensors stay usable
    # as dict keys and set members (lookups compare identity first, never calling ``==``).
    __hash__ = object.__hash__

    def eq(self, other: Any) -> "Tensor":
        """Elementwise ``==`` as a boolean tensor (the same as ``self == other``)."""
        return self._compare(other, "equal")

    def ne(self, other: Any) -> "Tensor":
        """Elementwise ``!=`` as a boolean tensor."""
        return self._compare(other, "not_equal")

    # -- elementwise math --
    def exp(self) -> "Tensor":
        return _u.Exp.apply(self)

    def log(self) -> "Tensor":
        return _u.Log.apply(self)

    def sqrt(self) -> "Tensor":
        return _u.Sqrt.apply(self)

    def abs(self) -> "Tensor":
        return _u.Abs.apply(self)

    def tanh(self) -> "Tensor":
        return _u.Tanh.apply(self)

    def sigmoid(self) -> "Tensor":
        return _u.Sigmoid.apply(self)

    def relu(self) -> "Tensor":
        return _u.Relu.apply(self)

    def hard_sigmoid(self) -> "Tensor":
        """Keras 2's piecewise-linear sigmoid: clip(0.2·x + 0.5, 0, 1)."""
        return _u.HardSigmoid.apply(self)

    def clip(self, min: float | None = None, max: float | None = None) -> "Tensor":
        return _u.Clip.apply(self, lo=min, hi=max)

    clamp = clip

    def maximum(self, other: Any) -> "Tensor":
        a, b = _operands("maximum", self, other)
        return _a.Maximum.apply(a, b)

    def minimum(self, other: Any) -> "Tensor":
        a, b = _operands("minimum", self, other)
        return _a.Minimum.apply(a, b)

    def softmax(self, dim: int | None = None, *, axis: int | None = None) -> "Tensor":
        """Softmax along ``dim`` (or ``axis``; the last axis by default)."""
        return _sm.Softmax.apply(self, axis=_axis(pick_dim("softmax", dim, axis, -1), self.ndim, "softmax"))

    def log_softmax(self, dim: int | None = None, *, axis: int | None = None) -> "Tensor":
        """log(softmax) along ``dim`` (or ``axis``; the last axis by default), computed stably."""
        return _sm.LogSoftmax.apply(self, axis=_axis(pick_dim("log_softmax", dim, axis, -1), self.ndim,
                                                     "log_softmax"))

    # -- reductions --
    # Every reduction takes dim= or axis= (an int, a tuple, or None for all) and keepdim= or
    # keepdims= (see tinygrad_rnn/dims.py).
    def sum(self, dim: int | Sequence[int] | None = None, keepdim: bool | None = None, *,
            axis: int | Sequence[int] | None = None, keepdims: bool | None = None) -> "Tensor":
        return _r.Sum.apply(self, axis=_axes(pick_dim("sum", dim, axis), self.ndim, "sum"),
                            keepdims=pick_keepdim("sum", keepdim, keepdims))

    def mean(self, dim: int | Sequence[int] | None = None, keepdim: bool | None = None, *,
             axis: int | Sequence[int] | None = None, keepdims: bool | None = None) -> "Tensor":
        axes = _axes(pick_dim("mean", dim, axis), self.ndim, "mean")
        n = self.data.size if axes is None else int(np.prod([self.shape[i] for i in axes]))
        keep = pick_keepdim("mean", keepdim, keepdims)
        return _r.Sum.apply(self, axis=axes, keepdims=keep) * (1.0 / n if n else float("nan"))

    def max(self, dim: int | Sequence[int] | None = None, keepdim: bool | None = None, *,
            axis: int | Sequence[int] | None = None, keepdims: bool | None = None) -> "Tensor":
        """The largest values along ``dim`` (all axes by default): PyTorch's ``amax`` and NumPy's
        ``max``. The positions are :meth:`argmax`."""
        return _r.Max.apply(self, axis=_axes(pick_dim("max", dim, axis), self.ndim, "max"),
                            keepdims=pick_keepdim("max", keepdim, keepdims))

    def min(self, dim: int | Sequence[int] | None = None, keepdim: bool | None = None, *,
            axis: int | Sequence[int] | None = None, keepdims: bool | None = None) -> "Tensor":
        """The smallest values along ``dim`` (PyTorch's ``amin``); the positions are :meth:`argmin`."""
        return _r.Min.apply(self, axis=_axes(pick_dim("min", dim, axis), self.ndim, "min"),
                            keepdims=pick_keepdim("min", keepdim, keepdims))

    amax, amin = max, min

    def argmax(self, dim: int | None = None, keepdim: bool | None = None, *, axis: int | None = None,
               keepdims: bool | None = None) -> "Tensor":
        """Index of the largest value along ``dim`` (int64, no gradient); with no dim, the
        index into the flattened tensor. Ties give the first index, as in PyTorch."""
        return self._arg("argmax", dim, keepdim, axis, keepdims)

    def argmin(self, dim: int | None = None, keepdim: bool | None = None, *, axis: int | None = None,
               keepdims: bool | None = None) -> "Tensor":
        """Index of the smallest value along ``dim`` (int64, no gradient); see :meth:`argmax`."""
        return self._arg("argmin", dim, keepdim, axis, keepdims)

    def _arg(self, op: str, dim: Any, keepdim: Any, axis: Any, keepdims: Any) -> "Tensor":
        d, keep = pick_dim(op, dim, axis), pick_keepdim(op, keepdim, keepdims)
        if d is not None:
            d = _axes(d, self.ndim, op)
            if len(d) != 1:
                raise ShapeError(f"{op}: takes one dim, got {dim if dim is not None else axis!r}")
            d = d[0]
        if self.data.size == 0 or (d is not None and self.shape[d] == 0):
            raise ShapeError(f"{op}: cannot reduce an empty axis (shape {tuple(self.shape)}, dim {d})")
        xp = backend.xp_of(self.data)
        out = getattr(xp, op)(self.data, axis=d, keepdims=keep) if d is not None else \
            getattr(xp, op)(self.data).reshape((1,) * self.ndim if keep else ())
        return Tensor._make(xp.asarray(out, dtype=np.int64), False, None)

    # -- shape --
    def reshape(self, *shape: Any) -> "Tensor":
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _s.Reshape.apply(self, shape=shape)

    view = reshape

    def flatten(self) -> "Tensor":
        return self.reshape(-1)

    def permute(self, *dims: Any) -> "Tensor":
        dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        nd = self.ndim
        if any(type(d) is not int or not -nd <= d < nd for d in dims) or \
                sorted(d % nd for d in dims) != list(range(nd)):
            dims = tuple(int_dim("permute", d) for d in dims)   # NumPy ints pass; others get a clear error
            if any(not -nd <= d < nd for d in dims) or sorted(d % nd for d in dims) != list(range(nd)):
                raise ShapeError(f"permute: {dims} is not a permutation of the {nd} axes of shape {tuple(self.shape)}")
        return _s.Permute.apply(self, dims=tuple(d % nd for d in dims))

    def transpose(self, dim0: int = 0, dim1: int = 1) -> "Tensor":
        """Swap two axes (PyTorch's meaning; NumPy's full permutation is :meth:`permute`)."""
        dims = list(range(self.ndim))
        try:
            dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        except IndexError:
            raise ShapeError(f"transpose: axes {dim0} and {dim1} out of range for shape {tuple(self.shape)}") from None
        except TypeError:   # not list indices: say which one
            int_dim("transpose", dim0, "dim0"), int_dim("transpose", dim1, "dim1")
            raise
        return _s.Permute.apply(self, dims=tuple(dims))

    @property
    def T(self) -> "Tensor":
        return _s.Permute.apply(self, dims=tuple(reversed(range(self.ndim))))

    def expand(self, *shape: Any) -> "Tensor":
        """Broadcast to ``shape``; ``-1`` keeps an axis as it is (PyTorch's expand)."""
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        if any(type(n) is not int for n in shape):
            shape = tuple(int_dim("expand", n, "a length") for n in shape)
        lead = len(shape) - self.ndim
        full = tuple(self.shape[i - lead] if (n == -1 and i >= lead) else n for i, n in enumerate(shape))
        try:
            return self.broadcast_to(full)
        except ShapeError as e:
            raise ShapeError(f"expand: {e}") from None

    def broadcast_to(self, shape: Sequence[int]) -> "Tensor":
        try:
            shape = tuple(shape)
        except TypeError:
            raise ArgumentTypeError(f"broadcast_to: shape must be a tuple of ints, got {type(shape).__name__} "
                                    f"{shape!r}") from None
        return _s.BroadcastTo.apply(self, shape=shape)

    def squeeze(self, dim: int | Sequence[int] | None = None, *, axis: int | Sequence[int] | None = None) -> "Tensor":
        """Drop axes of length 1: all of them, or those among ``dim`` (or ``axis``); an axis
        whose length is not 1 is kept, as in PyTorch."""
        dim = pick_dim("squeeze", dim, axis)
        if dim is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            drop = {d for d in _axes(dim, self.ndim, "squeeze") if self.shape[d] == 1}
            shape = tuple(n for i, n in enumerate(self.shape) if i not in drop)
        return self.reshape(shape)

    def unsqueeze(self, dim: int | None = None, *, axis: int | None = None) -> "Tensor":
        """Insert an axis of length 1 at ``dim`` (or ``axis``); negative counts from the end of
        the result, as in PyTorch."""
        dim = pick_dim("unsqueeze", dim, axis)
        if not isinstance(dim, (int, np.integer)):
            raise ArgumentTypeError(f"unsqueeze: needs one int dim (or axis), got {dim!r}")
        d = dim if dim >= 0 else dim + self.ndim + 1
        if not 0 <= d <= self.ndim:
            raise ShapeError(f"unsqueeze: dim {dim} out of range for shape {tuple(self.shape)}")
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def __getitem__(self, index: Any) -> "Tensor":
        return _s.Index.apply(self, index=_index(index, self))

    def split(self, split_size_or_sections: int | Sequence[int], dim: int | None = None, *,
              axis: int | None = None) -> list["Tensor"]:
        return _fn_split(self, split_size_or_sections, dim, axis=axis)

    def chunk(self, chunks: int, dim: int | None = None, *, axis: int | None = None) -> list["Tensor"]:
        return _fn_chunk(self, chunks, dim, axis=axis)

    # no __iter__ over rows via __getitem__ by accident: be explicit and fast
    def __iter__(self):
        return (self[i] for i in range(len(self)))


class _HookHandle:
    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


# ---- operand handling -------------------------------------------------------------------

def _operands(op: str, a: Tensor, b: Any, tensor_only: bool = False) -> tuple[Any, Any]:
    """Check and convert the other operand of a binary op.

    Python numbers pass through (NumPy then keeps the tensor's dtype); arrays become
    constant tensors; tensors must be on the same device, and two float tensors must share
    a dtype. Integer or boolean operands join a float tensor in its dtype.
    """
    if isinstance(b, np.generic) and not tensor_only:
        b = b.item()   # NumPy scalars act as Python numbers (np.float64 would upcast float32)
    if isinstance(b, Tensor):
        pass
    elif isinstance(b, (bool, int, float)) and not tensor_only:
        if isinstance(b, float) and a.data.dtype.kind in "biu":
            a = a.astype(get_default_dtype())
        return a, b
    elif backend.is_array(b) or isinstance(b, (list, tuple, int, float, np.generic)):
        b = Tensor._make(_as_array(b, None, None), False, None)
    elif _is_torch_tensor(b):
        raise DtypeError(f"{op}: got torch.Tensor; convert it with tg.tensor(t)")
    else:
        raise DtypeError(f"{op}: unsupported operand of type {type(b).__name__} (with a tensor of shape {tuple(a.shape)})")
    ad, bd = a.data, b.data
    if type(ad) is not type(bd) or (type(ad) is not np.ndarray and ad.device != bd.device):
        raise DeviceMismatchError(f"{op}: operands are on different devices ({a.device} and {b.device}); "
                                  f"move one with .to({a.device!r}) or .to({b.device!r})")
    if ad.dtype != bd.dtype:
        fa, fb = ad.dtype.kind == "f", bd.dtype.kind == "f"
        if fa and fb:
            raise DtypeError(f"{op}: operands have different float dtypes ({ad.dtype} and {bd.dtype}); "
                             f"convert one with .astype(...) — tinygrad_rnn never upcasts silently")
        if fa:
            b = Tensor._make(bd.astype(ad.dtype), False, None) if not b._requires_grad else b.astype(ad.dtype)
        elif fb:
            a = Tensor._make(ad.astype(bd.dtype), False, None) if not a._requires_grad else a.astype(bd.dtype)
    return a, b


def _axes(axis: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """Normalise an axis argument to a sorted tuple of non-negative axes (or None for all)."""
    if axis is None:
        return None
    n = ndim if ndim > 0 else 1
    if type(axis) is int and -n <= axis < n:      # the common case: one axis in range
        return (axis % n,)
    if isinstance(axis, (tuple, list)):
        if not axis:   # PyTorch reduces over all axes, NumPy over none: too ambiguous to guess
            raise ArgumentError(f"{op}: dim={axis!r} names no axis; pass None for all axes")
        axes = tuple(int_dim(op, ax) for ax in axis)
    else:
        axes = (int_dim(op, axis),)
    out = []
    for ax in axes:
        if not -n <= ax < n:
            raise ShapeError(f"{op}: axis {ax} is out of range for a tensor with {ndim} dimensions")
        out.append(ax % n)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: dim {tuple(axes)} names an axis twice (a tensor with {ndim} dimensions)")
    return tuple(sorted(out))


def _axis(axis: Any, ndim: int, op: str) -> int:
    """One axis (softmax, log_softmax), normalised to a non-negative int."""
    if type(axis) is not int:
        axis = int_dim(op, axis)
    return _axes(axis, ndim, op)[0]


_BASIC = (int, slice, type(None), type(Ellipsis))


def _index(index: Any, t: Tensor) -> Any:
    """Turn tensors inside an index into arrays and check the device."""
    if type(index) in _BASIC or (type(index) is tuple and all(type(i) in _BASIC for i in index)):
        return index   # the common case (x[t], a chunk of gates): nothing to convert
    def conv(i: Any) -> Any:
        if isinstance(i, Tensor):
            i = i.data
        if backend.is_array(i):
            where = backend.device_of(i)
            if where == "cpu" and t.device != "cpu":
                # as in PyTorch, a host index may address a GPU tensor: indices are small, copy them over
                return backend.xp_of(t.data).asarray(i)
            if where != t.device:
                raise DeviceMismatchError(f"index: tensor on {t.device} indexed with an array on {where}")
            return i
        if isinstance(i, list):   # an empty list would become a float array: make it an index
            xp = backend.xp_of(t.data)
            return xp.asarray(i) if i else xp.zeros(0, dtype=xp.intp)
        return i
    return tuple(conv(i) for i in index) if isinstance(index, tuple) else conv(index)


# the op library, imported last because it builds on Function and Tensor above
from .ops import arithmetic as _a  # noqa: E402
from .ops import matmul as _mm  # noqa: E402
from .ops import reduce as _r  # noqa: E402
from .ops import shape as _s  # noqa: E402
from .ops import softmax as _sm  # noqa: E402
from .ops import unary as _u  # noqa: E402
from .ops.shape import chunk as _fn_chunk, split as _fn_split  # noqa: E402
from . import autograd as _autograd  # noqa: E402  (the walk builds on Function and Tensor)
from .autograd import consumer_counts as _consumer_counts  # noqa: E402,F401  (its old home)
