"""Device "cuda" without a GPU: the layers, training and drawings run on a CuPy stand-in
(tests/fake_cupy.py) whose arrays refuse implicit conversion to NumPy, so any host/device
leak in device-agnostic code fails here in CI. Results must equal the CPU's."""
from __future__ import annotations

import numpy as np
import pytest

import fake_cupy
import tinygrad_rnn as tg
from tinygrad_rnn import backend


@pytest.fixture
def cuda(monkeypatch):
    fake_cupy.install(monkeypatch)
    return "cuda"


def test_the_stand_in_refuses_what_cupy_refuses(cuda):
    t = tg.randn(3, 4).to(cuda)
    assert t.device == "cuda:0" and isinstance(t.data, fake_cupy.ndarray)
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(t.data)
    with pytest.raises(TypeError, match="host"):
        t.data + np.ones((3, 4), dtype=t.data.dtype)
    assert isinstance(t.numpy(), np.ndarray)                  # .get() is the way to the host
    with pytest.raises(tg.DeviceMismatchError):
        t + tg.randn(3, 4)


def _run_layer(kind, fused, device, seed=0):
    tg.manual_seed(seed)
    layer = getattr(tg.nn, kind)(3, 5, num_layers=2, bidirectional=True, fused=fused).double()
    x_host = np.random.default_rng(seed).standard_normal((6, 4, 3))
    layer.to(device)
    x = tg.tensor(x_host, dtype=tg.float64, device=device, requires_grad=True)
    out, state = layer(x, lengths=[6, 4, 6, 2])
    h = state[0] if isinstance(state, tuple) else state
    loss = (out * out).sum() + h.sum()
    loss.backward()
    grads = {name: p.grad.numpy() for name, p in layer.named_parameters()}
    return out.numpy(), x.grad.numpy(), grads


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("fused", [False, True])
def test_layers_on_cuda_equal_cpu(kind, fused, cuda):
    out_c, dx_c, g_c = _run_layer(kind, fused, "cpu")
    out_g, dx_g, g_g = _run_layer(kind, fused, cuda)
    np.testing.assert_allclose(out_g, out_c, atol=1e-12)
    np.testing.assert_allclose(dx_g, dx_c, atol=1e-12)
    for name in g_c:
        np.testing.assert_allclose(g_g[name], g_c[name], atol=1e-12, err_msg=name)


def _train(device, steps=5):
    tg.manual_seed(1)
    model = tg.nn.LSTM(4, 8, fused="auto").double().to(device)
    head = tg.nn.Linear(8, 2).double().to(device)
    params = list(model.parameters()) + list(head.parameters())
    opt = tg.optim.Adam(params, lr=1e-2)
    rng = np.random.default_rng(2)
    x = tg.tensor(rng.standard_normal((7, 3, 4)), dtype=tg.float64, device=device)
    y = tg.tensor(rng.integers(0, 2, 3), device=device)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        out, _ = model(x)
        loss = tg.nn.CrossEntropyLoss()(head(out[-1]), y)
        loss.backward()
        tg.nn.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(float(loss.item()))
    return losses, [p.numpy() for p in params]


def test_training_on_cuda_equals_cpu(cuda):
    losses_c, params_c = _train("cpu")
    losses_g, params_g = _train(cuda)
    np.testing.assert_allclose(losses_g, losses_c, atol=1e-12)
    for a, b in zip(params_g, params_c):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_drawing_a_cuda_graph_with_gradients(cuda):
    tg.manual_seed(0)
    cell = tg.nn.LSTMCell(3, 4).to(cuda)
    x = tg.randn(2, 3).to(cuda)
    h, c = cell(x, cell.init_state(2))
    loss = (h * h).sum()
    tg.viz.backward_with_grads(loss)
    dot = tg.viz.to_dot(loss)
    assert dot.startswith("digraph") and ("σ" in dot or "sigmoid" in dot)
    norms = [n.grad_norm for n in tg.viz.build_graph(loss).nodes if getattr(n, "grad_norm", None) is not None]
    assert norms and all(isinstance(v, float) and np.isfinite(v) for v in norms)


def test_backend_reports_the_stand_in_as_cuda(cuda):
    assert backend.cuda_is_available()
    a = backend.to_device(np.arange(3.0), "cuda:0")
    assert backend.device_of(a) == "cuda:0" and backend.xp_of(a) is fake_cupy
    np.testing.assert_array_equal(backend.to_numpy(a), np.arange(3.0))


def test_gradient_flow_and_explorer_page_on_cuda(cuda, tmp_path):
    tg.manual_seed(0)
    cell = tg.nn.GRUCell(3, 4).double().to(cuda)
    x = tg.randn(5, 2, 3, dtype=tg.float64).to(cuda)
    flow = tg.viz.gradient_flow(cell, x)
    assert flow.norms["h"].shape == (5,) and (flow.norms["h"] > 0).all()
    cell_cpu = tg.nn.GRUCell(3, 4).double()
    cell_cpu.load_state_dict({k: v.to("cpu") if isinstance(v, tg.Tensor) else v
                              for k, v in cell.state_dict().items()})
    flow_cpu = tg.viz.gradient_flow(cell_cpu, x.to("cpu"))
    np.testing.assert_allclose(flow.norms["h"], flow_cpu.norms["h"], atol=1e-12)
    model = tg.nn.LSTM(3, 4).to(cuda)
    out, _ = model(tg.randn(4, 2, 3).to(cuda))
    page = tg.viz.explore((out * out).sum(), params=model)
    path = tmp_path / "page.html"
    page.save(str(path)) if hasattr(page, "save") else path.write_text(page._repr_html_())
    assert path.stat().st_size > 1000
