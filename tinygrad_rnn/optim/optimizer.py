"""The optimizer base class: parameter groups, per-parameter state, and saving both.

An optimizer holds *parameter groups*: dicts with a ``"params"`` list and the
hyperparameters for those parameters (``lr``, ``momentum``, ...). Most code passes one
list of parameters and gets one group; changing ``opt.param_groups[0]["lr"]`` between steps
is how a learning-rate schedule works. Subclasses only write ``_update``: the rule for one
parameter, on raw arrays, with the array module ``xp`` of that parameter (NumPy or CuPy).

Updates never touch ``p.grad``'s array (another tensor may share it) and replace ``p.data``
with a new array, so a graph that still holds the old values is not corrupted either.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..arguments import describe, real
from ..errors import ArgumentError, ArgumentTypeError
from .. import backend
from ..errors import ShapeError, TinygradRNNError
from ..modes import no_grad
from ..tensor import Tensor


def _constrained(constraint: Any, p: Tensor) -> Any:
    """``constraint(p.data)`` checked: same shape, same dtype (a constraint may not resize or
    retype a parameter behind the optimizer's back)."""
    out = constraint(p.data)
    if isinstance(out, Tensor):
        out = out.data
    if getattr(out, "shape", None) != p.data.shape:
        raise ShapeError(f"constraint {constraint!r} returned shape {getattr(out, 'shape', None)} for a "
                         f"parameter of shape {tuple(p.shape)}")
    return out.astype(p.dtype, copy=False)


class Optimizer:
    """Base class: ``step()`` applies ``_update`` to every parameter that has a gradient, then
    the parameter's ``constraint`` if it has one (Keras' order: update, then project)."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise ArgumentTypeError(f"{type(self).__name__}: params must be an iterable of tensors (e.g. "
                            f"model.parameters()) or of dicts, got a single Tensor; wrap it in a list")
        if isinstance(params, (str, bytes, dict)) or not isinstance(params, Iterable):
            raise ArgumentTypeError(f"{type(self).__name__}: params must be an iterable of tensors (e.g. "
                                    f"model.parameters()) or of dicts, got {describe(params)}")
        params = list(params)
        if not params:
            raise ArgumentError(f"{type(self).__name__}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        # state[p] for each parameter p, keyed by the tensor itself (Tensor hashes by identity)
        self.state: dict[Tensor, dict[str, Any]] = {}
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add parameters with their own hyperparameters (missing ones take the defaults)."""
        if not isinstance(group, dict) or "params" not in group:
            raise ArgumentTypeError(f"{type(self).__name__}: a parameter group is a dict with a 'params' "
                                    f"entry, got {describe(group)}")
        params = group["params"]
        if not isinstance(params, Tensor) and (isinstance(params, (str, bytes, dict))
                                               or not isinstance(params, Iterable)):
            raise ArgumentTypeError(f"{type(self).__name__}: a group's 'params' must be Tensors, "
                                    f"got {describe(params)}")
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise ArgumentTypeError(f"{type(self).__name__}: parameters must be Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ArgumentError(f"{type(self).__name__}: can only optimize leaf tensors; got one made "
                                 f"by op {p.op!r} (shape {tuple(p.shape)})")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ArgumentError(f"{type(self).__name__}: a parameter appears in more than one group")
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise ArgumentTypeError(f"{type(self).__name__}: unknown option(s) {sorted(unknown)}; "
                            f"known: {sorted(self.defaults)}")
        full = {**self.defaults, **group, "params": params}
        self._check_group(full)
        self.param_groups.append(full)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Subclasses reject bad hyperparameters here, with a message naming them."""
        # a finite number >= 0: PyTorch refuses NaN (for most optimizers); an infinite rate
        # only ever turns the weights into inf/NaN, so it is refused as well
        self._check_number(group, "lr", low=0.0, what="the learning rate lr")

    def _check_number(self, group: dict[str, Any], key: str, what: str | None = None, **limits: Any) -> None:
        """``group[key]`` is a finite number within ``limits`` (see :func:`..arguments.real`)."""
        real(group[key], what or key, type(self).__name__, **limits)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad = None``, as PyTorch's default)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient; parameters without one are left alone."""
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad.data
                    if g.shape != p.data.shape:
                        raise ShapeError(f"{type(self).__name__}.step: gradient of shape {tuple(g.shape)} "
                                         f"for a parameter of shape {tuple(p.shape)}")
                    backend.check_same_device(f"{type(self).__name__}.step", p.data, g)
                    state = self.state.setdefault(p, {})
                    p.data = self._update(backend.xp_of(p.data), p.data, g, state, group)
                    constraint = getattr(p, "constraint", None)
                    if constraint is not None:     # Keras: project the updated value back
                        p.data = _constrained(constraint, p)

    def _update(self, xp: Any, p: Any, g: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        """Return the new value of parameter array ``p`` given its gradient ``g``."""
        raise NotImplementedError

    # -- saving and restoring --
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: numpy array or number}}, "param_groups": [...]}``.

        Parameters are numbered in group order (0, 1, ...), as in PyTorch, so the state can
        be loaded into a fresh optimizer over a fresh model with the same layout. Arrays are
        host (NumPy) copies; ``tg.save`` writes the whole dict.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[id(p)] = len(index)
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: backend.to_numpy(v).copy() if backend.is_array(v) else v
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (also after ``tg.save``/``tg.load``).

        The groups must have the same sizes; arrays are moved to each parameter's device and
        dtype. Nothing changes unless the whole dict checks out.
        """
        name = type(self).__name__
        try:
            saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        except (KeyError, TypeError):
            raise ArgumentError(f"{name}.load_state_dict: expected a dict with 'state' and "
                                   f"'param_groups' (from optimizer.state_dict())") from None
        if len(saved_groups) != len(self.param_groups):
            raise ArgumentError(f"{name}.load_state_dict: the saved state has {len(saved_groups)} "
                                   f"parameter group(s), this optimizer has {len(self.param_groups)}")
        params: dict[int, Tensor] = {}
        for saved, group in zip(saved_groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ArgumentError(f"{name}.load_state_dict: a saved group has {len(saved['params'])} "
                                       f"parameters, this optimizer's has {len(group['params'])}")
            params.update({int(i): p for i, p in zip(saved["params"], group["params"])})
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, entries in saved_state.items():
            p = params.get(int(key))
            if p is None:
                raise ArgumentError(f"{name}.load_state_dict: state for parameter {key}, which no group holds")
            restored = {}
            for k, v in entries.items():
                if backend.is_array(v) or isinstance(v, (list, Tensor)):
                    arr = np.asarray(v.numpy() if isinstance(v, Tensor) else backend.to_numpy(v)
                                     if backend.is_array(v) else v)
                    if arr.shape != tuple(p.shape):
                        raise ShapeError(f"{name}.load_state_dict: state {k!r} of parameter {key} has shape "
                                         f"{arr.shape}, the parameter has shape {tuple(p.shape)}")
                    v = backend.to_device(arr.astype(p.dtype), p.device)
                restored[k] = v
            new_state[p] = restored
        for saved, group in zip(saved_groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = tuple(v) if isinstance(self.defaults.get(k), tuple) else v
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"  group {i}: {len(group['params'])} parameters, "
                         + ", ".join(f"{k}={v}" for k, v in group.items() if k != "params"))
        return "\n".join(lines) + "\n)"
