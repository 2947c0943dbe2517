"""Ops that move elements around without changing them: the gradient moves them back.

Each backward runs on arrays, or on tensors when it is recorded (``create_graph=True``, see
:class:`~tinygrad_rnn.tensor.Function`); indexing and slicing read the same on both.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import backend
from ..backend import xp_of
from ..dims import int_dim, pick_dim
from ..errors import ArgumentTypeError, DeviceMismatchError, DtypeError, ShapeError
from ..tensor import Function, MultiFunction, Tensor, check_tensor, refuse_torch_tensor


class Reshape(Function):
    """y = x viewed with a new shape;  ∂L/∂x = ∂L/∂y reshaped back."""
    name = "reshape"

    def forward(self, x: Any, shape: tuple) -> Any:
        self.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(f"reshape: cannot view shape {tuple(x.shape)} ({x.size} elements) "
                             f"as {tuple(shape)}") from None

    def backward(self, g: Any) -> Any:
        return g.reshape(self.shape)


class Permute(Function):
    """y = x with axes reordered by ``dims``;  ∂L/∂x = ∂L/∂y with the inverse order."""
    name = "permute"

    def forward(self, x: Any, dims: tuple) -> Any:
        self.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return x.transpose(dims)

    def backward(self, g: Any) -> Any:
        return g.permute(self.inverse) if isinstance(g, Tensor) else g.transpose(self.inverse)


class BroadcastTo(Function):
    """y = x repeated along broadcast axes;  ∂L/∂x = ∂L/∂y summed back (done by the walk)."""
    name = "broadcast_to"

    def forward(self, x: Any, shape: tuple) -> Any:
        try:
            return xp_of(x).broadcast_to(x, shape)
        except ValueError:
            raise ShapeError(f"broadcast_to: cannot broadcast shape {tuple(x.shape)} to {tuple(shape)}") from None

    def backward(self, g: Any) -> Any:
        return g


def _is_advanced(index: Any) -> bool:
    """True when the index holds an integer/boolean array (a gather that may repeat)."""
    items = index if isinstance(index, tuple) else (index,)
    return any(backend.is_array(i) or isinstance(i, (list, np.ndarray)) for i in items)


class Index(Function):
    """y = x[index];  ∂L/∂x = zeros with ∂L/∂y added at the indexed places.

    With integer arrays an element may be picked several times (an embedding lookup of a
    repeated token): its gradients are added up (``scatter_add``), never overwritten.
    """
    name = "index"

    def forward(self, x: Any, index: Any) -> Any:
        self.shape, self.index = x.shape, index
        try:
            return x[index]
        except IndexError as e:
            raise ShapeError(f"index: cannot index shape {tuple(x.shape)} with {_show(index)}: {e}") from None

    def backward(self, g: Any) -> Any:
        if isinstance(g, Tensor):
            return IndexAdd.apply(g, shape=self.shape, index=self.index)
        return _index_add(g, self.shape, self.index)


class IndexAdd(Function):
    """y = zeros(shape) with x added at ``index`` (Index's backward, as an op of its own so that
    a recorded backward can be differentiated again);  ∂L/∂x = ∂L/∂y[index]"""
    name = "index_add"

    def forward(self, x: Any, shape: tuple, index: Any) -> Any:
        self.index = index
        return _index_add(x, shape, index)

    def backward(self, g: Any) -> Any:
        return g[self.index]


def _index_add(g: Any, shape: tuple, index: Any) -> Any:
    """zeros(shape) with the array ``g`` added at ``index``; repeated indices add up."""
    out = xp_of(g).zeros(shape, dtype=g.dtype)
    if _is_advanced(index):
        backend.scatter_add(out, index, g)
    else:
        out[index] = g
    return out


class Split(MultiFunction):
    """y_1, …, y_k = x cut along ``axis`` into pieces of ``sizes`` (one op with k outputs);
    ∂L/∂x = [∂L/∂y_1 | … | ∂L/∂y_k] joined along ``axis``, zeros for a piece no gradient reached.

    ``a.chunk(4, dim=1)`` of an LSTM's gate pre-activations is one such op: its backward writes
    the four gate gradients side by side into one array, where four index ops would each build
    a zero array the size of ``a`` and the walk would add them up.
    """
    name = "split"

    def forward(self, x: Any, axis: int, sizes: tuple[int, ...]) -> tuple:
        self.axis, self.sizes = axis, sizes
        lead = (slice(None),) * axis
        pieces, start = [], 0
        for n in sizes:                                  # views into x, like x[:, a:b]
            pieces.append(x[lead + (slice(start, start + n),)])
            start += n
        return tuple(pieces)

    def backward(self, grads: tuple) -> Any:
        (x,) = self.inputs
        parts = list(grads)
        for k, g in enumerate(parts):
            if g is None:                                # an unused piece: its share is zero
                shape = x.shape[:self.axis] + (self.sizes[k],) + x.shape[self.axis + 1:]
                data = x.data if isinstance(x, Tensor) else x
                parts[k] = xp_of(data).zeros(shape, dtype=data.dtype)
        if any(isinstance(g, Tensor) for g in parts):    # recorded (create_graph): join by an op
            parts = [g if isinstance(g, Tensor) else Tensor._make(g, False, None) for g in parts]
            return Cat.apply(*parts, axis=self.axis)
        return xp_of(parts[0]).concatenate(parts, axis=self.axis)


def _show(index: Any) -> str:
    items = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(f"array{tuple(i.shape)}" if backend.is_array(i) else repr(i) for i in items) + "]"


class Cat(Function):
    """y = the inputs joined along ``axis``;  each input's gradient is its slice of ∂L/∂y."""
    name = "cat"

    def forward(self, *xs: Any, axis: int) -> Any:
        self.axis = axis
        self.bounds = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return xp_of(xs[0]).concatenate(xs, axis=axis)

    def backward(self, g: Any) -> tuple:
        edges = [0, *self.bounds, g.shape[self.axis]]
        lead = (slice(None),) * self.axis
        return tuple(g[lead + (slice(int(a), int(b)),)] for a, b in zip(edges[:-1], edges[1:]))


class Stack(Function):
    """y = the inputs stacked along a new ``axis``;  input i gets ∂L/∂y taken at i on that axis."""
    name = "stack"

    def forward(self, *xs: Any, axis: int) -> Any:
        self.axis = axis
        return xp_of(xs[0]).stack(xs, axis=axis)

    def backward(self, g: Any) -> tuple:
        lead = (slice(None),) * self.axis
        return tuple(g[lead + (i,)] for i in range(g.shape[self.axis]))


class ToDevice(Function):
    """y = x copied to another device;  ∂L/∂x = ∂L/∂y copied back."""
    name = "to_device"

    def forward(self, x: Any, device: str) -> Any:
        self.source = backend.device_of(x)
        return backend.to_device(x, device)

    def backward(self, g: Any) -> Any:
        return g.to(self.source) if isinstance(g, Tensor) else backend.to_device(g, self.source)


class Clone(Function):
    """y = a copy of x in new memory;  ∂L/∂x = ∂L/∂y"""
    name = "clone"

    def forward(self, x: Any) -> Any:
        return x.copy()

    def backward(self, g: Any) -> Any:
        return g


# ---- functions over several tensors ------------------------------------------------------

def _check_group(op: str, tensors: Sequence[Tensor]) -> list[Tensor]:
    if len(tensors) == 0:
        raise ShapeError(f"{op}: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):     # arrays join as constants; a torch.Tensor is not read silently
        refuse_torch_tensor(op, f"tensors[{i}]", t)
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    dev, dt = ts[0].device, ts[0].dtype
    for t in ts[1:]:
        if t.device != dev:
            raise DeviceMismatchError(f"{op}: tensors are on different devices ({dev} and {t.device})")
        if t.dtype != dt:
            raise DtypeError(f"{op}: tensors have different dtypes ({dt} and {t.dtype})")
    return ts


def cat(tensors: Sequence[Tensor], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing axis ``dim`` (or ``axis``; 0 by default): shapes must
    agree except along it."""
    dim = pick_dim("cat", dim, axis, 0)
    if type(dim) is not int:
        dim = int_dim("cat", dim)
    ts = _check_group("cat", tensors)
    nd = ts[0].ndim
    if not -nd <= dim < nd:
        raise ShapeError(f"cat: dim {dim} out of range for tensors with {nd} dimensions")
    ax = dim % nd
    for t in ts[1:]:
        if t.ndim != nd or any(a != b for i, (a, b) in enumerate(zip(t.shape, ts[0].shape)) if i != ax):
            raise ShapeError(f"cat: shapes {[tuple(x.shape) for x in ts]} differ outside dim {dim}")
    return Cat.apply(*ts, axis=ax)


def stack(tensors: Sequence[Tensor], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Stack same-shaped tensors along a new axis ``dim`` (or ``axis``; 0 by default)."""
    dim = pick_dim("stack", dim, axis, 0)
    if type(dim) is not int:
        dim = int_dim("stack", dim)
    ts = _check_group("stack", tensors)
    if any(t.shape != ts[0].shape for t in ts[1:]):
        raise ShapeError(f"stack: all tensors must have the same shape, got {[tuple(x.shape) for x in ts]}")
    nd = ts[0].ndim + 1
    if not -nd <= dim < nd:
        raise ShapeError(f"stack: dim {dim} out of range for the result's {nd} dimensions")
    return Stack.apply(*ts, axis=dim % nd)


def split(t: Tensor, split_size_or_sections: int | Sequence[int], dim: int | None = None, *,
          axis: int | None = None) -> list[Tensor]:
    """PyTorch's split along ``dim`` (or ``axis``; 0 by default): an int is the size of each
    piece (the last may be smaller); a list gives each piece's size and must add up to the
    axis length."""
    check_tensor("split", "the tensor", t)
    dim = pick_dim("split", dim, axis, 0)
    if type(dim) is not int:
        dim = int_dim("split", dim)
    if not -t.ndim <= dim < t.ndim:
        raise ShapeError(f"split: dim {dim} out of range for shape {tuple(t.shape)}")
    ax = dim % t.ndim
    n = t.shape[ax]
    if isinstance(split_size_or_sections, (int, np.integer)) and not isinstance(split_size_or_sections, bool):
        if split_size_or_sections <= 0:
            raise ShapeError(f"split: split size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, n - s) for s in range(0, n, split_size_or_sections)]
    else:
        if not isinstance(split_size_or_sections, (tuple, list)):
            raise ArgumentTypeError(f"split: split_size_or_sections must be an int or a list of ints, got "
                                    f"{type(split_size_or_sections).__name__} {split_size_or_sections!r}")
        sizes = [int_dim("split", s, "a section size") for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise ShapeError(f"split: section sizes must be >= 0, got {sizes}")
        if sum(sizes) != n:
            raise ShapeError(f"split: sizes {sizes} add up to {sum(sizes)}, but dim {dim} of shape {tuple(t.shape)} has {n}")
    return list(Split.apply(t, axis=ax, sizes=tuple(sizes)))


def chunk(t: Tensor, chunks: int, dim: int | None = None, *, axis: int | None = None) -> list[Tensor]:
    """Split into ``chunks`` nearly equal pieces along ``dim`` (or ``axis``; 0 by default),
    PyTorch's rule: ceil(n / chunks) each."""
    check_tensor("chunk", "the tensor", t)
    dim = pick_dim("chunk", dim, axis, 0)
    if type(chunks) is not int:
        chunks = int_dim("chunk", chunks, "chunks")
    if type(dim) is not int:
        dim = int_dim("chunk", dim)
    if chunks <= 0:
        raise ShapeError(f"chunk: chunks must be positive, got {chunks}")
    if not -t.ndim <= dim < t.ndim:
        raise ShapeError(f"chunk: dim {dim} out of range for shape {tuple(t.shape)}")
    n = t.shape[dim % t.ndim]
    return split(t, max(1, -(-n // chunks)), dim)
