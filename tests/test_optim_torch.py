"""Optimizers follow PyTorch's parameter trajectory step for step (float64, 20 steps)."""
import numpy as np
import pytest
import torch

import tinygrad_rnn as tg

STEPS = 20


def make_arrays(seed=0):
    r = np.random.default_rng(seed)
    return {"w1": r.standard_normal((5, 3)), "b1": r.standard_normal(5), "w2": r.standard_normal((2, 5)),
            "b2": r.standard_normal(2), "unused": r.standard_normal(4)}


def data(seed=1):
    r = np.random.default_rng(seed)
    return r.standard_normal((8, 3)), r.standard_normal((8, 2))


def tg_loss(p, x, y):
    h = (tg.Tensor(x) @ p["w1"].T + p["b1"]).tanh()
    out = h @ p["w2"].T + p["b2"]
    return ((out - tg.Tensor(y)) ** 2).mean()


def torch_loss(p, x, y):
    h = torch.tanh(torch.from_numpy(x) @ p["w1"].T + p["b1"])
    out = h @ p["w2"].T + p["b2"]
    return ((out - torch.from_numpy(y)) ** 2).mean()


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.02)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.05, betas=(0.5, 0.9))),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, eps=1e-4, weight_decay=0.05)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.02)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6)),
]


def run_both(name, opts, steps=STEPS):
    arrays = make_arrays()
    x, y = data()
    tp = {k: tg.Tensor(v.copy(), requires_grad=True) for k, v in arrays.items()}
    pp = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in arrays.items()}
    ours = getattr(tg.optim, name)(list(tp.values()), **opts)
    theirs = getattr(torch.optim, name)(list(pp.values()), **opts)
    worst = 0.0
    for _ in range(steps):
        ours.zero_grad()
        tg_loss(tp, x, y).backward()
        ours.step()
        theirs.zero_grad()
        torch_loss(pp, x, y).backward()
        theirs.step()
        for k in arrays:
            worst = max(worst, float(np.abs(tp[k].numpy() - pp[k].detach().numpy()).max()))
    return tp, pp, worst


@pytest.mark.parametrize("name,opts", CASES, ids=[f"{n}-{'-'.join(o)}" for n, o in CASES])
def test_trajectory_matches_torch(name, opts):
    tp, pp, worst = run_both(name, opts)
    assert worst < 1e-10, f"{name}{opts}: max deviation from torch {worst:.3g}"
    arrays = make_arrays()
    assert np.array_equal(tp["unused"].numpy(), arrays["unused"])           # no gradient: untouched
    assert np.abs(tp["w1"].numpy() - arrays["w1"]).max() > 1e-3             # the others really moved


@pytest.mark.parametrize("name,opts", [CASES[2], CASES[7], CASES[11], CASES[14]], ids=lambda c: str(c))
def test_state_dict_resume_matches_uninterrupted(name, opts):
    arrays = make_arrays()
    x, y = data()
    full, _, _ = run_both(name, opts, steps=STEPS)
    # 10 steps, state_dict, a fresh optimizer over fresh tensors holding the same values, 10 more
    tp = {k: tg.Tensor(v.copy(), requires_grad=True) for k, v in arrays.items()}
    opt = getattr(tg.optim, name)(list(tp.values()), **opts)
    for _ in range(STEPS // 2):
        opt.zero_grad(); tg_loss(tp, x, y).backward(); opt.step()
    sd = opt.state_dict()
    tp2 = {k: tg.Tensor(v.numpy(), requires_grad=True) for k, v in tp.items()}
    opt2 = getattr(tg.optim, name)(list(tp2.values()), lr=123.0)       # lr comes from the state
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == opts["lr"]
    for _ in range(STEPS // 2):
        opt2.zero_grad(); tg_loss(tp2, x, y).backward(); opt2.step()
    for k in arrays:
        np.testing.assert_array_equal(tp2[k].numpy(), full[k].numpy())


def test_param_groups_and_lr_change_match_torch():
    arrays = make_arrays()
    x, y = data()
    tp = {k: tg.Tensor(v.copy(), requires_grad=True) for k, v in arrays.items()}
    pp = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in arrays.items()}
    groups = lambda p: [{"params": [p["w1"], p["b1"]]}, {"params": [p["w2"], p["b2"]], "lr": 0.01}]
    ours, theirs = tg.optim.Adam(groups(tp), lr=0.1), torch.optim.Adam(groups(pp), lr=0.1)
    for step in range(10):
        if step == 5:
            ours.param_groups[0]["lr"] = theirs.param_groups[0]["lr"] = 0.02
        ours.zero_grad(); tg_loss(tp, x, y).backward(); ours.step()
        theirs.zero_grad(); torch_loss(pp, x, y).backward(); theirs.step()
    for k in ("w1", "b1", "w2", "b2"):
        np.testing.assert_allclose(tp[k].numpy(), pp[k].detach().numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_step_keeps_dtype_and_never_mutates_grad(name):
    w = tg.Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    opts = {"lr": 0.1, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.1}
    opt = getattr(tg.optim, name)([w], **opts)
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()
        grad_array = w.grad.data
        before = grad_array.copy()
        old_data = w.data
        old_copy = old_data.copy()
        opt.step()
        np.testing.assert_array_equal(grad_array, before)     # the gradient array is untouched
        np.testing.assert_array_equal(old_data, old_copy)     # and so is the old parameter array
    assert w.dtype == np.float32
    assert not np.array_equal(w.numpy(), np.ones((3, 2)))


def test_bad_arguments_are_clear_errors():
    w = tg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="Nesterov"):
        tg.optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="learning rate"):
        tg.optim.Adam([w], lr=-1.0)
    with pytest.raises(ValueError, match="betas"):
        tg.optim.Adam([w], betas=(1.0, 0.9))
    with pytest.raises(TypeError, match="single Tensor"):
        tg.optim.Adam(w)
    with pytest.raises(ValueError, match="empty"):
        tg.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="leaf"):
        tg.optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="unknown option"):
        tg.optim.SGD([{"params": [w], "momentun": 0.9}], lr=0.1)
    opt = tg.optim.Adam([w])
    other = tg.optim.Adam([w, tg.Tensor(np.ones(2), requires_grad=True)])
    with pytest.raises(tg.TinygradRNNError, match="parameters"):
        opt.load_state_dict(other.state_dict())


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_optimizers_run_on_every_device(devices, name):
    host = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    results = []
    for device in ("cpu", devices):
        w = tg.Tensor(host.copy(), requires_grad=True).to(device)
        opt = getattr(tg.optim, name)([w], lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
        assert w.device == tg.Tensor(host).to(device).device
        results.append(w.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6)
    assert np.all(np.abs(results[0]) < np.abs(host))        # every rule shrinks w on ‖w‖²


@pytest.mark.parametrize("lr", [float("nan"), float("inf"), -1e-3])
def test_learning_rate_must_be_finite_and_not_negative(lr):
    p = tg.nn.Parameter(np.zeros(3, dtype=np.float32))
    for opt in (tg.optim.SGD, tg.optim.Adam, tg.optim.RMSprop, tg.optim.Adagrad):
        with pytest.raises(tg.ArgumentError, match="learning rate lr must be a finite number >= 0"):
            opt([p], lr=lr)
    with pytest.raises(tg.ArgumentTypeError, match="lr must be a number"):
        tg.optim.SGD([p], lr="0.1")
    tg.optim.SGD([p], lr=np.float32(0.1))          # NumPy scalars are numbers too
