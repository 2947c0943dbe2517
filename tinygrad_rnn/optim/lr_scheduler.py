"""Learning-rate schedules with PyTorch's rules: ``tg.optim.lr_scheduler.StepLR(opt, 30)``.

A scheduler changes ``group["lr"]`` of an optimizer's parameter groups; call its ``step()``
once per epoch (or per batch, whichever the schedule counts), *after* ``opt.step()``::

    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    sched = tg.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(...)                # opt.step() inside
        sched.step()

Each rule is PyTorch's, written the same way (the chained form where PyTorch chains), so
the learning rates are the same floats as ``torch.optim.lr_scheduler`` gives, step by step.
Creating a scheduler records ``initial_lr`` in every group (``base_lrs``) and takes step 0.

=========================  ===================================================================
schedule                   lr at step t (η₀ = the group's initial lr)
=========================  ===================================================================
``LambdaLR(fn)``           η₀ · fn(t)
``StepLR(s, γ)``           η₀ · γ^⌊t/s⌋   (TensorFlow's ``exponential_decay(staircase=True)``)
``ExponentialLR(γ)``       η₀ · γᵗ
``CosineAnnealingLR(T)``   η_min + (η₀ − η_min)·(1 + cos(π t/T))/2
``ReduceLROnPlateau``      × ``factor`` after ``patience`` steps without improvement of a metric
=========================  ===================================================================
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from ..arguments import describe, finite_real, positive_int, real, size
from ..errors import ArgumentError, ArgumentTypeError, MissingKeyError
from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau"]


def _check_optimizer(optimizer: Any, who: str) -> None:
    if not isinstance(optimizer, Optimizer):
        raise ArgumentTypeError(f"{who}: expected a tinygrad_rnn optimizer, got {type(optimizer).__name__}")


class LRScheduler:
    """Base class: ``step()`` advances ``last_epoch`` by one and writes :meth:`get_lr`'s values
    into the optimizer's groups; :meth:`get_last_lr` reads them back."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        who = type(self).__name__
        _check_optimizer(optimizer, who)
        last_epoch = size(last_epoch, "last_epoch", who, minimum=-1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise MissingKeyError(f"{who}: param_groups[{i}] has no 'initial_lr'; resuming with "
                                   f"last_epoch={last_epoch} needs the optimizer's saved state loaded first")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True      # step 0: the rules that chain from the current lr keep it
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rate of every group at ``last_epoch``."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates the last :meth:`step` set, one per parameter group."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one step (call after ``optimizer.step()``)."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (a lambda is not saved: it is code)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


class LambdaLR(LRScheduler):
    """lr = initial_lr · lr_lambda(t). ``lr_lambda`` is one function or one per group."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        _check_optimizer(optimizer, "LambdaLR")
        n = len(optimizer.param_groups)
        if callable(lr_lambda):
            self.lr_lambdas = [lr_lambda] * n
        else:
            if not isinstance(lr_lambda, (list, tuple)) or not all(callable(f) for f in lr_lambda):
                raise ArgumentTypeError(f"LambdaLR: lr_lambda must be a function or a list of functions (one "
                                        f"per group), got {describe(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
            if len(self.lr_lambdas) != n:
                raise ArgumentError(f"LambdaLR: expected {n} lr_lambdas (one per group), got {len(self.lr_lambdas)}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` steps: η₀ · γ^⌊t/step_size⌋.

    This is the staircase decay of TF1's ``tf.train.exponential_decay(lr, global_step,
    decay_steps, decay_rate, staircase=True)`` with ``step_size=decay_steps``, ``gamma=decay_rate``.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = positive_int(step_size, "step_size", "StepLR")
        # a non-finite factor would make the lr non-finite, which the optimizers refuse
        self.gamma = finite_real(gamma, "gamma", "StepLR", low=0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        # chained, as PyTorch: multiply the current lr at each multiple of step_size
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` at every step: η₀ · γᵗ."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = finite_real(gamma, "gamma", "ExponentialLR", low=0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from the initial lr down to ``eta_min`` over ``T_max`` steps (Loshchilov &
    Hutter 2017, without restarts); past T_max it climbs back up, as PyTorch's does.

    Computed, as PyTorch does, by the ratio of consecutive cosine values applied to the current
    lr, so a learning rate changed by hand in between is respected.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:  # noqa: N803
        self.T_max = positive_int(T_max, "T_max", "CosineAnnealingLR")
        self.eta_min = finite_real(eta_min, "eta_min", "CosineAnnealingLR", low=0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current()
        if self._step_count == 1 and t > 0:
            return [lo + (base - lo) * (1 + math.cos(t * math.pi / T)) / 2 for base in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:     # the bottom of the cosine: the ratio below would be 0/0
            return [lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, self._current())]
        # η_t − η_min = (η_{t−1} − η_min) · (1 + cos(π t/T)) / (1 + cos(π (t−1)/T))
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (lr - lo) + lo
                for lr in self._current()]


class ReduceLROnPlateau:
    """Divide the lr when a metric stops improving: ``sched.step(val_loss)`` once per epoch.

    After more than ``patience`` steps without an improvement (``mode="min"``: smaller by
    more than ``threshold``, relative or absolute), every group's lr becomes
    max(lr · factor, min_lr); then ``cooldown`` steps pass before counting again. A change
    smaller than ``eps`` is skipped. PyTorch's rule, argument for argument.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | Sequence[float] = 0.0, eps: float = 1e-8) -> None:
        _check_optimizer(optimizer, "ReduceLROnPlateau")
        who = "ReduceLROnPlateau"
        factor = real(factor, "factor", who, low=0.0, high=1.0, high_open=True)
        patience, cooldown = size(patience, "patience", who), size(cooldown, "cooldown", who)
        threshold, eps = finite_real(threshold, "threshold", who, low=0.0), finite_real(eps, "eps", who, low=0.0)
        if mode not in ("min", "max"):
            raise ArgumentError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ArgumentError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ArgumentError(f"ReduceLROnPlateau: expected {n} min_lrs (one per group), got {len(min_lr)}")
            self.min_lrs = [finite_real(v, "min_lr", who, low=0.0) for v in min_lr]
        else:
            self.min_lrs = [finite_real(min_lr, "min_lr", who, low=0.0)] * n
        self.optimizer, self.mode, self.factor = optimizer, mode, factor
        self.patience, self.threshold, self.threshold_mode = patience, threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < best * (1.0 - self.threshold) if self.threshold_mode == "rel" else a < best - self.threshold
        return a > best * (self.threshold + 1.0) if self.threshold_mode == "rel" else a > best + self.threshold

    def step(self, metrics: Any) -> None:
        """Record this epoch's metric (a float or a one-element Tensor) and maybe reduce the lr."""
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0          # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)
