"""Checks for lesson 13's exercises (run with ``tinygrad-rnn check 13``)."""
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lesson_checks import by_hand, rng


def check_indrnn_cell(cls):
    tg.manual_seed(130)
    cell = cls(3, 4)
    names = [(n, tuple(p.shape)) for n, p in cell.named_parameters()]
    want = [("weight_ih", (4, 3)), ("weight_hh", (4,)), ("bias_ih", (4,))]
    if names != want:
        raise AssertionError(f"parameters should be {want} in that order, got {names}")
    u = cell.weight_hh.numpy()
    if not ((u >= 0) & (u < 1)).all():
        raise AssertionError(f"weight_hh should start uniform in [0, 1), got {np.round(u, 3)}")
    if np.abs(cell.bias_ih.numpy()).max() != 0:
        raise AssertionError("bias_ih should start at zeros")
    if list(dict(cls(3, 4, bias=False).named_parameters())) != ["weight_ih", "weight_hh"]:
        raise AssertionError("with bias=False there should be no bias_ih parameter")
    cell = cell.double()
    r = rng()
    W, uu, b = r.normal(size=(4, 3)), r.normal(size=4), r.normal(size=4)
    cell.load_state_dict({"weight_ih": W, "weight_hh": uu, "bias_ih": b})
    x, h = r.normal(size=(5, 3)), r.normal(size=(5, 4))
    got = cell(tg.tensor(x), tg.tensor(h))
    want_h = np.maximum(x @ W.T + uu * h + b, 0.0)
    if tuple(got.shape) != (5, 4) or not np.allclose(got.numpy(), want_h, atol=1e-12):
        raise AssertionError("one step differs from relu(W·x + u ⊙ h + b) computed in NumPy")
    xs = [tg.randn(2, 3, dtype=tg.float64, requires_grad=True) for _ in range(3)]
    h0 = tg.tensor(np.abs(r.normal(size=(2, 4))) + 0.5, requires_grad=True)
    try:
        tg.gradcheck(lambda a, b_, c, d: cell(c, cell(b_, cell(a, d))), xs + [h0])
    except tg.GradcheckError as e:
        raise AssertionError(f"gradcheck of three unrolled steps failed: {e}") from None
    layer = tg.nn.RNN(3, 4, num_layers=2, bidirectional=True, cell=cls)
    out, h_n = layer(tg.randn(6, 2, 3))
    if tuple(out.shape) != (6, 2, 8) or tuple(h_n.shape) != (4, 2, 4):
        raise AssertionError(f"in a 2-layer bidirectional RNN: got output {tuple(out.shape)}, h_n {tuple(h_n.shape)}")
    # drawn: one step's graph goes through a relu and reaches all three parameters
    step = cls(3, 4)
    dot = tg.viz.to_dot(step(tg.randn(2, 3), tg.randn(2, 4)).sum(), params=step)
    for needed in ("relu", "weight_ih", "weight_hh", "bias_ih"):
        if needed not in dot:
            raise AssertionError(f"the drawing of one step (tg.viz.to_dot) has no {needed!r}: is every parameter used "
                                 f"in forward, and is the nonlinearity .relu()?")
    # trained: summing a sequence of 6 numbers is a task an IndRNN learns in a hundred-odd steps.
    # A relu cell can start with (or fall into) all units dead, so it gets two starts.
    xs = r.uniform(0, 1, (64, 6, 1)).astype(np.float32)
    ys = xs.sum(axis=1)
    baseline = float(ys.var())          # the loss of always answering the mean sum
    ends = []
    for _ in range(2):
        tg.manual_seed(int(r.integers(0, 2**31)))
        model, head = tg.nn.Recurrent(cls(1, 16)), tg.nn.Linear(16, 1)
        params = list(model.parameters()) + list(head.parameters())
        opt = tg.optim.Adam(params, lr=0.05)
        for _ in range(150):
            loss = tg.nn.mse_loss(head(model(tg.tensor(xs))), tg.tensor(ys))
            opt.zero_grad()
            loss.backward()
            opt.step()
        ends.append(loss.item())
        if ends[-1] < 0.2 * baseline:
            break
    else:
        raise AssertionError(f"trained twice for 150 Adam steps (lr 0.05) to sum 6 numbers, the loss ended at "
                             f"{ends[0]:.3g} and {ends[1]:.3g}; answering the mean sum scores {baseline:.3g}, and a "
                             f"working IndRNN gets below a fifth of that: do the gradients reach weight_hh, and is the "
                             f"state carried from step to step?")


def check_indrnn_gradient_product(fn):
    r = rng()
    T, B, H = (int(v) for v in r.integers(2, 7, 3))
    u = r.uniform(-1.2, 1.2, size=H)
    W = r.normal(size=(H, 2))
    xs = r.normal(size=(T, B, 2))
    h0 = r.normal(size=(B, H))

    def run(h):
        pre = []
        for t in range(T):
            a = xs[t] @ W.T + u * h
            pre.append(a)
            h = np.maximum(a, 0.0)
        return h, np.stack(pre)

    _, pre = run(h0)
    got = np.asarray(by_hand(fn, u, pre, what="NumPy only: the product of T diagonal Jacobians by hand"))
    if got.shape != (B, H):
        raise AssertionError(f"expected shape {(B, H)} (one diagonal per sequence), got {got.shape}")
    eps = 1e-6
    for k in range(H):   # central differences on unit k of h_0, for all sequences at once
        d = np.zeros((B, H))
        d[:, k] = eps
        slope = (run(h0 + d)[0][:, k] - run(h0 - d)[0][:, k]) / (2 * eps)
        if not np.allclose(got[:, k], slope, atol=1e-5):
            raise AssertionError(f"unit {k}: you return {np.round(got[:, k], 4)} but finite differences give "
                                 f"{np.round(slope, 4)}")


CHECKS = [
    ("1. an IndRNN cell: written, gradchecked, drawn, trained", "IndRNNCell", check_indrnn_cell, [
        "__init__ makes three parameters with self.new_parameter(shape, initialiser); forward is one line of "
        "tensor ops and a relu",
        "u is a vector (H,), so u ⊙ h is an elementwise product (*), not a matrix product; W·x for a batch of rows "
        "is x @ W.T",
        "with bias=False set self.bias_ih = None and skip the addition in forward",
    ]),
    ("2. the IndRNN's gradient through time", "indrnn_gradient_product", check_indrnn_gradient_product, [
        "each step's Jacobian ∂h_t/∂h_(t−1) is diagonal: unit k depends only on its own past",
        "its diagonal is u ⊙ relu′(a_t), and relu′(a) is 1 where a > 0 and 0 elsewhere",
        "multiply the T diagonals together (a product over the time axis), one result per sequence: shape (B, H)",
    ]),
]
