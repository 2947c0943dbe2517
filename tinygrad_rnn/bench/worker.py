"""One benchmark run in a fresh process: build one implementation, time its training steps.

``python -m tinygrad_rnn.bench.worker '<json spec>'`` prints one JSON line with the step
times (seconds) and the peak resident memory growth during training (MiB above the baseline
taken after imports, model and data are set up). The parent (``recurrent.py``) starts one such
process per implementation per round, so no run inherits another's caches or memory.

A training step is: the recurrent layer over (T, B, I) inputs, a linear head on the last
hidden state, mean squared error, backward through time, and a plain SGD update.
"""
from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np
from ..errors import ArgumentError

LR = 1e-3


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def _reset_peak() -> float:
    """Reset the kernel's peak-RSS mark (Linux: write 5 to clear_refs) and return current RSS.

    Without the reset the peak would include whatever importing PyTorch or NumPy touched."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status_mib("VmRSS") or 0.0
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _peak_mib() -> float:
    return _status_mib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _data(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    dt = np.dtype(spec["dtype"])
    x = rng.standard_normal((spec["steps"], spec["batch"], spec["input"])).astype(dt)
    y = rng.standard_normal((spec["batch"], spec["output"])).astype(dt)
    return x, y


def make_numpy(spec: dict):
    from . import numpy_reference as ref
    x, y = _data(spec)
    rng = np.random.default_rng(1)
    H, I, O, cell = spec["hidden"], spec["input"], spec["output"], spec["cell"]
    G = {"lstm": 4, "gru": 3, "rnn": 1}[cell]
    k = 1 / np.sqrt(H)
    dt = x.dtype
    p = {"weight_ih": rng.uniform(-k, k, (G * H, I)), "weight_hh": rng.uniform(-k, k, (G * H, H)),
         "w_out": rng.uniform(-k, k, (O, H)), "b_out": np.zeros(O)}
    if cell == "gru":
        p["bias_ih"], p["bias_hh"] = rng.uniform(-k, k, G * H), rng.uniform(-k, k, G * H)
    else:
        p["bias"] = rng.uniform(-k, k, G * H)
    p = {n: v.astype(dt) for n, v in p.items()}

    def step() -> None:
        if cell == "gru":
            _, g = ref.gru_step(x, y, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"], p["w_out"], p["b_out"])
        else:
            fn = ref.lstm_step if cell == "lstm" else ref.rnn_step
            _, g = fn(x, y, p["weight_ih"], p["weight_hh"], p["bias"], p["w_out"], p["b_out"])
        for n in p:
            p[n] -= LR * g[n]

    return step, lambda: None


def make_tinygrad(spec: dict, fused: bool, numba: bool = True):
    import tinygrad_rnn as tg
    from tinygrad_rnn.fused import steps
    steps.use_numba(numba)
    x_np, y_np = _data(spec)
    tg.manual_seed(0)
    layer_cls = {"lstm": tg.nn.LSTM, "gru": tg.nn.GRU, "rnn": tg.nn.RNN}[spec["cell"]]
    layer = layer_cls(spec["input"], spec["hidden"], fused=fused).astype(spec["dtype"]).to(spec["device"])
    head = tg.nn.Linear(spec["hidden"], spec["output"]).astype(spec["dtype"]).to(spec["device"])
    params = layer.parameters() + head.parameters()
    x = tg.Tensor(x_np, device=spec["device"])
    y = tg.Tensor(y_np, device=spec["device"])

    def step() -> None:
        out, _ = layer(x)
        loss = ((head(out[-1]) - y) ** 2).mean()
        loss.backward()
        with tg.no_grad():
            for q in params:
                q.data -= LR * q.grad.data
                q.grad = None

    return step, _sync(spec["device"])


def make_torch(spec: dict, primitive: bool):
    import torch
    dt = getattr(torch, spec["dtype"])
    dev = spec["device"]
    torch.manual_seed(0)
    x_np, y_np = _data(spec)
    x, y = torch.tensor(x_np, device=dev), torch.tensor(y_np, device=dev)
    cell, H, I = spec["cell"], spec["hidden"], spec["input"]
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](I, H).to(dev, dt)
    head = torch.nn.Linear(H, spec["output"]).to(dev, dt)
    params = list(layer.parameters()) + list(head.parameters())
    w_ih, w_hh, b_ih, b_hh = layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0

    def unrolled(x: "torch.Tensor") -> "torch.Tensor":
        h = torch.zeros(x.shape[1], H, device=dev, dtype=dt)
        c = torch.zeros_like(h)
        for t in range(x.shape[0]):
            if cell == "lstm":
                z = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
                i, f, g, o = z.chunk(4, 1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            elif cell == "gru":
                gi, gh = x[t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
                r = torch.sigmoid(gi[:, :H] + gh[:, :H])
                z = torch.sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
                n = torch.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
                h = (1 - z) * n + z * h
            else:
                h = torch.tanh(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        return h

    def step() -> None:
        last = unrolled(x) if primitive else layer(x)[0][-1]
        loss = ((head(last) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for q in params:
                q -= LR * q.grad
                q.grad = None

    sync = (lambda: torch.cuda.synchronize()) if dev.startswith("cuda") else (lambda: None)
    return step, sync


def make_dezero(spec: dict):
    """DeZero's (deep-learning-from-scratch-3) own RNN/LSTM layer: one recorded op per gate
    matrix product and activation, in the Python engine of that book."""
    if not hasattr(np, "int"):
        np.int = int   # DeZero 0.0.13 predates NumPy 1.24, which removed this alias
    import dezero
    import dezero.functions as F
    import dezero.layers as L
    from dezero import optimizers
    if spec["cell"] == "gru":
        raise ArgumentError("DeZero has no GRU layer")
    x_np, y_np = _data(spec)
    H, I, O = spec["hidden"], spec["input"], spec["output"]

    class Net(dezero.Model):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = (L.LSTM if spec["cell"] == "lstm" else L.RNN)(H, in_size=I)
            self.fc = L.Linear(O, in_size=H)

    model = Net()
    opt = optimizers.SGD(lr=LR).setup(model)

    def step() -> None:
        model.rnn.reset_state()
        for t in range(x_np.shape[0]):
            h = model.rnn(x_np[t])
        loss = F.mean_squared_error(model.fc(h), y_np)
        model.cleargrads()
        loss.backward()
        opt.update()

    return step, lambda: None


def make_hips(spec: dict):
    """HIPS autograd: the same model written in autograd.numpy, differentiated by tracing."""
    import autograd.numpy as anp
    from autograd import grad
    x, y = _data(spec)
    H, I, O, cell = spec["hidden"], spec["input"], spec["output"], spec["cell"]
    G = {"lstm": 4, "gru": 3, "rnn": 1}[cell]
    rng = np.random.default_rng(1)
    k = 1 / np.sqrt(H)
    p = {n: rng.uniform(-k, k, shape).astype(x.dtype) for n, shape in
         (("w_ih", (G * H, I)), ("w_hh", (G * H, H)), ("b_ih", (G * H,)), ("b_hh", (G * H,)),
          ("w_out", (O, H)), ("b_out", (O,)))}

    def sig(z):
        return 1 / (1 + anp.exp(-z))

    def loss_fn(q):
        h = anp.zeros((x.shape[1], H), dtype=x.dtype)
        c = h
        for t in range(x.shape[0]):
            gi, gh = anp.dot(x[t], q["w_ih"].T) + q["b_ih"], anp.dot(h, q["w_hh"].T) + q["b_hh"]
            if cell == "lstm":
                z = gi + gh
                c = sig(z[:, H:2 * H]) * c + sig(z[:, :H]) * anp.tanh(z[:, 2 * H:3 * H])
                h = sig(z[:, 3 * H:]) * anp.tanh(c)
            elif cell == "gru":
                r, u = sig(gi[:, :H] + gh[:, :H]), sig(gi[:, H:2 * H] + gh[:, H:2 * H])
                n = anp.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
                h = (1 - u) * n + u * h
            else:
                h = anp.tanh(gi + gh)
        return anp.mean((anp.dot(h, q["w_out"].T) + q["b_out"] - y) ** 2)

    gradient = grad(loss_fn)

    def step() -> None:
        g = gradient(p)
        for n in p:
            p[n] = p[n] - LR * g[n]

    return step, lambda: None


def _sync(device: str):
    if device == "cpu":
        return lambda: None
    import cupy
    return lambda: cupy.cuda.Device().synchronize()


MAKERS = {
    "numpy": make_numpy,
    "tinygrad-primitive": lambda s: make_tinygrad(s, fused=False),
    "tinygrad-fused": lambda s: make_tinygrad(s, fused=True),
    "tinygrad-fused-numpy": lambda s: make_tinygrad(s, fused=True, numba=False),
    "torch-primitive": lambda s: make_torch(s, primitive=True),
    "torch-nn": lambda s: make_torch(s, primitive=False),
    "dezero": make_dezero,
    "hips-autograd": make_hips,
}


def run(spec: dict) -> dict:
    step, sync = MAKERS[spec["impl"]](spec)
    base = _reset_peak()
    for _ in range(spec["warmup"]):
        step()
    sync()
    times = []
    for _ in range(spec["iters"]):
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    return {"times": times, "peak_mib": _peak_mib() - base}


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))
