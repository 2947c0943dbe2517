"""tinygrad_rnn's Keras and TF1 layers against the real thing: TensorFlow and tf_keras, float64.

Weights are copied from the TensorFlow object into ours; outputs, final states and the
gradients of a random projection of every output (with respect to the input, the initial
states and every weight) must agree to 1e−10. Dropout runs with the same masks on both
sides (TensorFlow's cell is handed ours). Needs the ``keras-oracle`` extra
(``pip install -e '.[keras-oracle]'``); without it the module is skipped with that reason.

The TensorFlow import alone takes several seconds, so the configurations share one module
and small sizes (B = 3, T = 5, I = 4, H = 3).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
try:
    import tensorflow as tf
    import tf_keras
except ImportError as exc:   # pragma: no cover - depends on the environment
    pytest.skip(f"the Keras oracle needs TensorFlow and tf_keras (pip install -e '.[keras-oracle]'): {exc}",
                allow_module_level=True)

import tinygrad_rnn as tg

tf_keras.backend.set_floatx("float64")
TOL = 1e-10
B, T, I, H = 3, 5, 4, 3
MAX_ERR: dict[str, float] = {}     # configuration -> worst error seen (printed at the end with -s)


def _close(label: str, ours, theirs) -> None:
    ours = np.asarray(ours.numpy() if hasattr(ours, "numpy") else ours, dtype=np.float64)
    theirs = np.asarray(theirs.numpy() if hasattr(theirs, "numpy") else theirs, dtype=np.float64)
    assert ours.shape == theirs.shape, f"{label}: shape {ours.shape} != TensorFlow's {theirs.shape}"
    err = float(np.max(np.abs(ours - theirs))) if ours.size else 0.0
    key = label.split(" :: ")[0]
    MAX_ERR[key] = max(MAX_ERR.get(key, 0.0), err)
    assert err <= TOL, f"{label}: max |ours − TensorFlow| = {err:.3e} > {TOL}"


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    if MAX_ERR:
        width = max(len(k) for k in MAX_ERR)
        print("\nconfiguration".ljust(width + 1), "max error")
        for k, v in MAX_ERR.items():
            print(k.ljust(width), f"{v:.1e}")


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---- TF1: LSTMCell with cell_clip / num_proj / proj_clip, run by hand with zero_state ----------

def _tf1_kernel(cell: tg.nn.LSTMCell) -> tuple[np.ndarray, np.ndarray]:
    """Our (i, f, g, o) PyTorch-layout weights as TF1's (I + H_out, 4H) kernel (i, j, f, o) and bias."""
    Hh = cell.hidden_size

    def reorder(w: np.ndarray) -> np.ndarray:          # rows i, f, g, o -> i, g, f, o
        i, f, g, o = np.split(w, 4, axis=0)
        return np.concatenate([i, g, f, o], axis=0)
    kernel = np.concatenate([reorder(cell.weight_ih.numpy()).T, reorder(cell.weight_hh.numpy()).T], axis=0)
    bias = reorder(cell.bias_ih.numpy() + cell.bias_hh.numpy())
    assert kernel.shape[1] == 4 * Hh
    return kernel, bias


@pytest.mark.parametrize("cell_clip,proj,proj_clip,peepholes", [
    (0.3, 0, None, False), (None, 2, 0.1, False), (0.25, 2, 0.05, True), (None, 0, None, True)])
def test_tf1_lstm_cell_clip_and_projection(cell_clip, proj, proj_clip, peepholes) -> None:
    from tf_keras.src.layers.rnn import legacy_cells
    label = f"TF1 LSTMCell cell_clip={cell_clip} num_proj={proj} proj_clip={proj_clip} peepholes={peepholes}"
    tg.manual_seed(3)
    ours = tg.nn.LSTMCell(I, H, proj_size=proj, cell_clip=cell_clip, proj_clip=proj_clip,
                          peepholes=peepholes, kernel_initializer=lambda s: 2.0 * _rng(1).standard_normal(s),
                          dtype="float64")
    theirs = legacy_cells.LSTMCell(H, cell_clip=cell_clip, num_proj=proj or None, proj_clip=proj_clip,
                                   use_peepholes=peepholes, forget_bias=0.0, dtype="float64")
    xs = 2.0 * _rng(4).standard_normal((T, B, I))
    state_tf = theirs.zero_state(B, tf.float64)        # LSTMStateTuple(c, h)
    theirs(tf.constant(xs[0]), state_tf)               # builds the variables
    kernel, bias = _tf1_kernel(ours)
    theirs._kernel.assign(kernel)
    theirs._bias.assign(bias)
    if proj:
        theirs._proj_kernel.assign(ours.weight_hr.numpy().T)
    if peepholes:
        theirs._w_i_diag.assign(ours.weight_ci.numpy())
        theirs._w_f_diag.assign(ours.weight_cf.numpy())
        theirs._w_o_diag.assign(ours.weight_co.numpy())

    cot = _rng(5).standard_normal((T, B, proj or H))
    x_tf = tf.constant(xs)
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        state_tf = theirs.zero_state(B, tf.float64)
        loss_tf = 0.0
        hs_tf = []
        for t in range(T):
            h_tf, state_tf = theirs(x_tf[t], state_tf)
            hs_tf.append(h_tf)
            loss_tf += tf.reduce_sum(h_tf * cot[t])
        loss_tf += tf.reduce_sum(state_tf.c)
    variables = [x_tf, theirs._kernel, theirs._bias] + ([theirs._proj_kernel] if proj else [])
    if peepholes:
        variables += [theirs._w_i_diag, theirs._w_f_diag, theirs._w_o_diag]
    grads_tf = tape.gradient(loss_tf, variables)

    x = tg.Tensor(xs, requires_grad=True)
    state = ours.zero_state(B, "float64")              # LSTMState(h, c)
    loss = 0.0
    for t in range(T):
        state = ours(x[t], state)
        _close(f"{label} :: h_{t}", state.h, hs_tf[t])
        loss = loss + (state.h * cot[t]).sum()
    loss = loss + state.c.sum()
    _close(f"{label} :: c_T", state.c, state_tf.c)
    if cell_clip:                                      # the clip did act (else the test proves little)
        assert np.abs(state.c.numpy()).max() == cell_clip
    loss.backward()
    _close(f"{label} :: dx", x.grad, grads_tf[0])
    gk, gb = _tf1_kernel_grads(ours)
    _close(f"{label} :: dkernel", gk, grads_tf[1])
    _close(f"{label} :: dbias", gb, grads_tf[2])
    rest = grads_tf[3:]
    if proj:
        _close(f"{label} :: dproj", ours.weight_hr.grad.numpy().T, rest[0])
        rest = rest[1:]
    if peepholes:
        for ours_p, g in zip((ours.weight_ci, ours.weight_cf, ours.weight_co), rest):
            _close(f"{label} :: dpeep", ours_p.grad, g)


def _tf1_kernel_grads(cell: tg.nn.LSTMCell) -> tuple[np.ndarray, np.ndarray]:
    def reorder(w: np.ndarray) -> np.ndarray:
        i, f, g, o = np.split(w, 4, axis=0)
        return np.concatenate([i, g, f, o], axis=0)
    gk = np.concatenate([reorder(cell.weight_ih.grad.numpy()).T, reorder(cell.weight_hh.grad.numpy()).T], axis=0)
    assert np.array_equal(cell.bias_ih.grad.numpy(), cell.bias_hh.grad.numpy())
    return gk, reorder(cell.bias_ih.grad.numpy())


def test_tf1_state_tuple_is_read_by_name() -> None:
    """TF1's LSTMStateTuple is (c, h); our cell reads a (c, h) named tuple by its names."""
    from tf_keras.src.layers.rnn.legacy_cells import LSTMStateTuple
    tg.manual_seed(0)
    cell = tg.nn.LSTMCell(I, H, proj_size=2, dtype="float64")
    x = tg.Tensor(_rng(0).standard_normal((B, I)))
    h, c = tg.Tensor(_rng(1).standard_normal((B, 2))), tg.Tensor(_rng(2).standard_normal((B, H)))
    by_name = cell(x, LSTMStateTuple(c=c, h=h))
    ours = cell(x, tg.nn.LSTMState(h=h, c=c))
    _close("TF1 LSTMStateTuple(c, h) read by name", by_name.h, ours.h)
    _close("TF1 LSTMStateTuple(c, h) read by name", by_name.c, ours.c)


# ---- regularizers and constraints ------------------------------------------------------------

def test_regularizers_equal_keras() -> None:
    from tinygrad_rnn.keras import regularizers as R
    w = _rng(7).standard_normal((4, 6))
    cases = [(R.l1(0.03), tf_keras.regularizers.l1(0.03)), (R.l2(0.02), tf_keras.regularizers.l2(0.02)),
             (R.l1_l2(0.01, 0.05), tf_keras.regularizers.l1_l2(0.01, 0.05)),
             (R.L1L2(l2=0.3), tf_keras.regularizers.L1L2(l2=0.3)), (R.l1(), tf_keras.regularizers.l1())]
    for ours, theirs in cases:
        wt = tg.Tensor(w, requires_grad=True)
        wv = tf.Variable(w)
        with tf.GradientTape() as tape:
            pen = theirs(wv)
        out = ours(wt)
        out.backward()
        _close(f"regularizer {ours!r}", out, pen)
        _close(f"regularizer {ours!r}", wt.grad, tape.gradient(pen, wv))


def test_constraints_equal_keras() -> None:
    from tinygrad_rnn.keras import constraints as C
    w = 2.0 * _rng(8).standard_normal((4, 6))
    w[:, 1] = 0.0                                      # an all-zero column: ε keeps it finite
    cases = [(C.max_norm(1.5), tf_keras.constraints.max_norm(1.5)),
             (C.MaxNorm(2.0, axis=1), tf_keras.constraints.MaxNorm(2.0, axis=1)),
             (C.min_max_norm(0.5, 1.2, rate=0.7), tf_keras.constraints.min_max_norm(0.5, 1.2, rate=0.7)),
             (C.MinMaxNorm(axis=[0, 1]), tf_keras.constraints.MinMaxNorm(axis=[0, 1])),
             (C.non_neg(), tf_keras.constraints.non_neg()),
             (C.unit_norm(), tf_keras.constraints.unit_norm()),
             (C.UnitNorm(axis=1), tf_keras.constraints.UnitNorm(axis=1))]
    for ours, theirs in cases:
        _close(f"constraint {ours!r}", ours(w), theirs(tf.constant(w)))
