"""gradient_flow, jacobian_norms and plot_gradient_flow against PyTorch, in float64."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import tinygrad_rnn as tg


def _pair(kind: str, I: int, H: int):
    tg.manual_seed(0)
    ours = {"rnn": tg.nn.RNNCell, "lstm": tg.nn.LSTMCell, "gru": tg.nn.GRUCell}[kind](I, H, dtype="float64")
    ref = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[kind](I, H).double()
    with torch.no_grad():
        for name, p in ref.named_parameters():
            p.copy_(torch.from_numpy(dict(ours.named_parameters())[name].numpy()))
    return ours, ref


def _torch_states(ref, kind, xt, H):
    h = torch.zeros(xt.shape[1], H, dtype=torch.float64)
    c = torch.zeros_like(h)
    hs, cs = [], []
    for t in range(xt.shape[0]):
        if kind == "lstm":
            h, c = ref(xt[t], (h, c))
            c.retain_grad(); cs.append(c)
        else:
            h = ref(xt[t], h)
        h.retain_grad(); hs.append(h)
    return hs, cs


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_gradient_flow_equals_pytorch(kind):
    T, B, I, H = 12, 2, 3, 5
    ours, ref = _pair(kind, I, H)
    x = tg.randn(T, B, I, dtype="float64")
    flow = tg.viz.gradient_flow(ours, x)
    hs, cs = _torch_states(ref, kind, torch.from_numpy(x.numpy()), H)
    hs[-1].sum().backward()        # the documented default loss: L = sum(h_T)
    np.testing.assert_allclose(flow.norms["h"], [float(h.grad.norm()) for h in hs], rtol=1e-10)
    if kind == "lstm":
        np.testing.assert_allclose(flow.norms["c"], [float(c.grad.norm()) for c in cs], rtol=1e-10)
    assert flow.steps == T and flow.loss == pytest.approx(float(hs[-1].detach().sum()))
    assert flow.norms["h"][-1] == pytest.approx(np.sqrt(B * H))   # dL/dh_T is all ones


@pytest.mark.parametrize("kind,norm", [("rnn", "spectral"), ("lstm", "fro"), ("gru", "spectral")])
def test_jacobian_norms_equal_pytorch_jacobians(kind, norm):
    T, B, I, H = 5, 2, 3, 4
    ours, ref = _pair(kind, I, H)
    x = tg.randn(T, B, I, dtype="float64")
    got = tg.viz.jacobian_norms(ours, x, norm=norm)
    assert got.shape == (T, B)
    xt = torch.from_numpy(x.numpy())
    # the forward states, then dh_T/dh_t by running steps t+1..T-1 from h_t (c_t held)
    h = torch.zeros(B, H, dtype=torch.float64)
    c = torch.zeros_like(h)
    states = []
    for t in range(T):
        h, c = ref(xt[t], (h, c)) if kind == "lstm" else (ref(xt[t], h), c)
        states.append((h.detach(), c.detach()))
    for t in range(T):
        for b in range(B):
            def tail(h_t, t=t, b=b):
                h, c = h_t.unsqueeze(0), states[t][1][b:b + 1]
                for s in range(t + 1, T):
                    h, c = ref(xt[s, b:b + 1], (h, c)) if kind == "lstm" else (ref(xt[s, b:b + 1], h), c)
                return h[0]
            J = torch.autograd.functional.jacobian(tail, states[t][0][b]).numpy()
            want = np.linalg.norm(J, 2) if norm == "spectral" else np.linalg.norm(J, "fro")
            assert got[t, b] == pytest.approx(want, rel=1e-9)
    assert got[-1] == pytest.approx(1.0 if norm == "spectral" else np.sqrt(H))


def test_jacobian_norms_bad_arguments():
    ours, _ = _pair("rnn", 2, 3)
    x = tg.randn(3, 1, 2, dtype="float64")
    with pytest.raises(ValueError, match="norm"):
        tg.viz.jacobian_norms(ours, x, norm="nuclear")
    with pytest.raises(ValueError, match="wrt"):
        tg.viz.jacobian_norms(ours, x, wrt="c")
    with pytest.raises(ValueError, match="input_size"):
        tg.viz.gradient_flow(ours, tg.randn(3, 1, 5, dtype="float64"))


def test_unrolled_names_and_scopes_follow_the_convention():
    ours, _ = _pair("lstm", 2, 3)
    states, _ = tg.viz.unroll_cell(ours, tg.randn(3, 1, 2, dtype="float64"), scope="lstm")
    h1, c1 = states[1]
    assert (h1.name, c1.name) == ("h_1", "c_1")
    assert h1._ctx.scope == ("lstm", "layer0", "forward", "t=1")


def test_plot_gradient_flow_writes_a_log_scale_png(tmp_path):
    x = tg.randn(20, 1, 3, dtype="float64")
    flows = []
    for kind in ("rnn", "lstm", "gru"):
        cell, _ = _pair(kind, 3, 4)
        flows.append(tg.viz.gradient_flow(cell, x, label=kind))
    fig = tg.viz.plot_gradient_flow(flows, str(tmp_path / "flow.png"), title="t")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert len(ax.get_lines()) == 4                    # rnn h, lstm h and c, gru h
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), flows[0].norms["h"])
    assert (tmp_path / "flow.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        tg.viz.plot_gradient_flow([])
