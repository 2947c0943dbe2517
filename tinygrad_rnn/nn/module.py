"""Modules and parameters: how layers hold their weights.

A :class:`Module` registers every :class:`Parameter` and sub-module assigned to one of its
attributes, in the order they were assigned, so ``parameters()`` and ``state_dict()`` have
the same order on every run. Names follow PyTorch (``lstm.weight_ih_l0``), so PyTorch
``state_dict`` files load with :meth:`Module.load_state_dict`.
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..errors import ArgumentTypeError, StateError, UnsupportedError
from .. import backend
from ..dtypes import as_dtype
from ..dtypes import device_or_dtype as device_or_dtype_of
from ..errors import DtypeError, ShapeError, TinygradRNNError
from ..tensor import Tensor, _is_torch_tensor


class Parameter(Tensor):
    """A tensor that a module trains: a float leaf with ``requires_grad=True``.

    ``constraint`` (None by default) is a function ``array -> array`` that every optimizer
    applies to the new value after its update, as Keras optimizers do with a variable's
    constraint (see :mod:`tinygrad_rnn.keras.constraints`).
    """

    __slots__ = ("constraint",)

    def __init__(self, data: Any, requires_grad: bool = True, name: str | None = None) -> None:
        super().__init__(data, requires_grad=False, name=name)
        if self.data.dtype.kind != "f":
            raise DtypeError(f"Parameter: parameters must be floating point, got {self.data.dtype}")
        self.requires_grad_(requires_grad)
        self.constraint: Any = None

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of layers and models: define parameters in ``__init__``, math in ``forward``."""

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # -- registration by attribute assignment --
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise StateError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, value: Tensor | None) -> None:
        """A tensor that belongs to the module's state but is not trained (saved, moved)."""
        object.__setattr__(self, name, value)
        self._buffers[name] = value

    # -- calling --
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise UnsupportedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            if _is_torch_tensor(value):   # would fail deep inside with "expected Tensor, got Tensor"
                raise ArgumentTypeError(f"{type(self).__name__}: got torch.Tensor; convert it with tg.tensor(t)")
        return self.forward(*args, **kwargs)

    # -- walking the tree --
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def children(self) -> Iterator["Module"]:
        yield from (m for m in self._modules.values() if m is not None)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs in definition order; shared parameters appear once."""
        seen: set[int] = set()
        for mname, m in self.named_modules(prefix):
            for pname, p in m._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        for mname, m in self.named_modules():
            for bname, b in m._buffers.items():
                if b is not None:
                    yield (f"{mname}.{bname}" if mname else bname), b

    # -- state --
    def state_dict(self) -> dict[str, np.ndarray]:
        """Every parameter and buffer as a NumPy array (host copies), by dotted name."""
        out = {name: p.numpy() for name, p in self.named_parameters()}
        out.update({name: b.numpy() for name, b in self.named_buffers()})
        return out

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy arrays (NumPy, CuPy, Tensors, or torch tensors via ``.numpy()``) into this model.

        With ``strict=True`` missing and unexpected keys are an error that lists them; a
        shape mismatch is always an error. Values are converted to each parameter's dtype
        and device; nothing is changed unless every key checks out.
        """
        own = dict(self.named_parameters())
        own.update(dict(self.named_buffers()))
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if strict and (missing or unexpected):
            raise StateError(f"load_state_dict for {type(self).__name__}: missing keys {missing}, "
                                   f"unexpected keys {unexpected}")
        staged = {}
        for key, value in state.items():
            if key not in own:
                continue
            target = own[key]
            arr = _host_array(value)
            if tuple(arr.shape) != tuple(target.shape):
                raise ShapeError(f"load_state_dict for {type(self).__name__}: {key} has shape "
                                 f"{tuple(arr.shape)} in the file but {tuple(target.shape)} in the model")
            # always a copy: the model must never share memory with the caller's arrays (a torch
            # tensor's .numpy() is a view, and its optimizer would change our weights in place)
            staged[key] = backend.to_device(np.array(arr, dtype=target.dtype, copy=True), target.device)
        for key, arr in staged.items():
            own[key].data = arr

    # -- devices, dtypes, modes --
    def to(self, device_or_dtype: Any = None, dtype: Any = None, *, device: str | None = None) -> "Module":
        """Move every parameter and buffer to a device and/or convert its floats to a dtype, in
        place, as PyTorch's ``Module.to``: ``m.to("cuda")``, ``m.to(tg.float64)``,
        ``m.to("cpu", tg.float32)``. Returns self."""
        if device_or_dtype is not None:
            try:
                dev, dt = device_or_dtype_of(device_or_dtype)
            except TinygradRNNError as e:
                raise type(e)(f"{type(self).__name__}.to: {e}") from None
            if (dev is not None and device is not None) or (dt is not None and dtype is not None):
                raise ArgumentTypeError(f"{type(self).__name__}.to: got the device or the dtype twice")
            device, dtype = device or dev, dtype if dt is None else dt
        if device is not None:
            try:
                backend.parse_device(device)
            except TinygradRNNError as e:
                raise type(e)(f"{type(self).__name__}.to: {e}") from None
            self._to_device(device)
        return self if dtype is None else self.astype(dtype)

    def cpu(self) -> "Module":
        """Every parameter and buffer on the CPU (NumPy), in place; returns self."""
        return self.to("cpu")

    def cuda(self, device: int | None = None) -> "Module":
        """Every parameter and buffer on GPU ``device`` (CuPy; 0 by default), in place."""
        return self.to(f"cuda:{0 if device is None else device}")

    def _to_device(self, device: str) -> None:
        dev = backend.parse_device(device)
        if dev != "cpu":
            backend.require_cuda(dev)
        for t in self._all_tensors():
            t.data = backend.to_device(t.data, dev)
            if t.grad is not None:
                t.grad = Tensor._make(backend.to_device(t.grad.data, dev), False, None)

    def astype(self, dtype: Any) -> "Module":
        """Convert every floating parameter and buffer to ``dtype`` in place; returns self."""
        d = as_dtype(dtype)
        for t in self._all_tensors():
            if t.dtype.kind == "f":
                t.data = t.data.astype(d)
                t.grad = None
        return self

    def double(self) -> "Module":
        return self.astype(np.float64)

    def float(self) -> "Module":
        return self.astype(np.float32)

    def _all_tensors(self) -> list[Tensor]:
        return [p for _, p in self.named_parameters()] + [b for _, b in self.named_buffers()]

    def train(self, mode: bool = True) -> "Module":
        """Training mode (dropout active); ``eval()`` turns it off. Applies to all sub-modules."""
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, m in self._modules.items():
            child = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child}")
        return lines[0] + ")" if len(lines) == 1 else "\n".join(lines) + "\n)"


def _host_array(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return backend.to_numpy(value.data)
    if backend.is_array(value):
        return backend.to_numpy(value)
    if hasattr(value, "detach") and hasattr(value, "numpy"):   # a torch tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)


class ModuleList(Module):
    """A list of modules registered as ``0``, ``1``, ... (PyTorch's naming)."""

    def __init__(self, modules: Any = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "ModuleList":
        setattr(self, str(len(self._modules)), module)
        return self

    def __getitem__(self, i: int) -> Module:
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))


class Sequential(ModuleList):
    """Modules applied one after another: ``Sequential(a, b)(x) == b(a(x))``."""

    def __init__(self, *modules: Module) -> None:
        super().__init__(modules)

    def forward(self, x: Any) -> Any:
        for m in self:
            x = m(x)
        return x
