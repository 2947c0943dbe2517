"""Learning-rate schedulers give PyTorch's learning rates, float for float, over 100 steps."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg
from tinygrad_rnn.optim import lr_scheduler as tls

STEPS = 100


def _pair(lr: float = 0.1, groups: int = 2):
    """A tinygrad and a torch SGD with ``groups`` parameter groups of different lrs."""
    ours = tg.optim.SGD([{"params": [tg.nn.Parameter(np.ones(3))], "lr": lr * (k + 1)} for k in range(groups)], lr=lr)
    theirs = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.ones(3))], "lr": lr * (k + 1)}
                              for k in range(groups)], lr=lr)
    return ours, theirs


def _trajectory(opt, sched, metric=None) -> list[list[float]]:
    out = [list(sched.get_last_lr())]
    for t in range(STEPS):
        opt.step()
        if metric is None:
            sched.step()
        else:
            sched.step(metric(t))
        out.append([float(g["lr"]) for g in opt.param_groups])
    return out


CASES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "StepLR_default_gamma": lambda m, o: m.StepLR(o, step_size=30),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.95),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=20, eta_min=0.001),
    "CosineAnnealingLR_long": lambda m, o: m.CosineAnnealingLR(o, T_max=150),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lr_lambda=lambda t: 1.0 / (1.0 + 0.1 * t)),
    "LambdaLR_per_group": lambda m, o: m.LambdaLR(o, [lambda t: 0.9 ** t, lambda t: 1.0 / (t + 1)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_schedule_equals_pytorch(name: str) -> None:
    ours_opt, torch_opt = _pair()
    ours = _trajectory(ours_opt, CASES[name](tls, ours_opt))
    theirs = _trajectory(torch_opt, CASES[name](torch.optim.lr_scheduler, torch_opt))
    assert ours == theirs          # the same floats, not just close ones
    assert len({tuple(r) for r in ours}) > 1, "the schedule never changed the lr"


@pytest.mark.parametrize("kwargs", [dict(), dict(mode="max", factor=0.5, patience=3, cooldown=2, min_lr=1e-3),
                                    dict(threshold_mode="abs", threshold=0.05, patience=2, min_lr=[0.01, 0.0])])
def test_reduce_on_plateau_equals_pytorch(kwargs: dict) -> None:
    # a metric that improves, stalls, improves a little, stalls: every branch is taken
    def metric(t: int) -> float:
        return 1.0 / (1 + min(t, 10)) + 0.01 * math.sin(t) + (0.3 if 40 < t < 60 else 0.0)

    ours_opt, torch_opt = _pair()
    ours = _trajectory(ours_opt, tls.ReduceLROnPlateau(ours_opt, **kwargs), metric)
    theirs = _trajectory(torch_opt, torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **kwargs), metric)
    assert ours == theirs
    assert len({tuple(r) for r in ours}) > 1


def test_cosine_respects_manual_lr_change_like_pytorch() -> None:
    ours_opt, torch_opt = _pair(groups=1)
    s1 = tls.CosineAnnealingLR(ours_opt, T_max=10)
    s2 = torch.optim.lr_scheduler.CosineAnnealingLR(torch_opt, T_max=10)
    for t in range(25):
        if t == 5:
            ours_opt.param_groups[0]["lr"] = torch_opt.param_groups[0]["lr"] = 0.5
        ours_opt.step(), torch_opt.step()
        s1.step(), s2.step()
        assert s1.get_last_lr() == s2.get_last_lr()


def test_scheduler_state_dict_round_trip() -> None:
    opt, _ = _pair(groups=1)
    sched = tls.StepLR(opt, step_size=3, gamma=0.5)
    for _ in range(4):
        sched.step()
    saved = sched.state_dict()
    opt2, _ = _pair(groups=1)
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    sched2 = tls.StepLR(opt2, step_size=3, gamma=0.5)
    sched2.load_state_dict(saved)
    for _ in range(5):
        sched.step(), sched2.step()
    assert sched.get_last_lr() == sched2.get_last_lr() == [0.1 * 0.5 ** 3]


def test_bad_arguments_are_named() -> None:
    opt, _ = _pair(groups=2)
    with pytest.raises(TypeError, match="StepLR: expected a tinygrad_rnn optimizer"):
        tls.StepLR(object(), 3)
    with pytest.raises(ValueError, match="step_size"):
        tls.StepLR(opt, 0)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        tls.LambdaLR(opt, [lambda t: 1.0])
    with pytest.raises(ValueError, match=r"factor must be a finite number in \[0, 1\)"):
        tls.ReduceLROnPlateau(opt, factor=1.5)
