"""tinygrad_rnn's Keras and TF1 layers against the real thing: TensorFlow and tf_keras, float64.

Seeded weights are set in the TensorFlow layer and copied into ours; outputs, final states
and the gradients of a random projection of every output (with respect to the input, the
initial states and every weight) must agree to 1e−10 (relative to the values where they
exceed 1). Dropout runs with the same masks on both sides (TensorFlow's cell is handed ours). Needs the ``keras-oracle`` extra
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
# one thread each: these are tiny ops, and on a busy machine a thread pool only waits for cores
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
TOL = 1e-10
B, T, I, H = 3, 5, 4, 3
MAX_ERR: dict[str, float] = {}     # configuration -> worst error seen (printed at the end with -s)


def _close(label: str, ours, theirs) -> None:
    ours = np.asarray(ours.numpy() if hasattr(ours, "numpy") else ours, dtype=np.float64)
    theirs = np.asarray(theirs.numpy() if hasattr(theirs, "numpy") else theirs, dtype=np.float64)
    assert ours.shape == theirs.shape, f"{label}: shape {ours.shape} != TensorFlow's {theirs.shape}"
    # absolute error, relative once values exceed 1 (an exponential activation compounds)
    scale = max(1.0, float(np.max(np.abs(theirs)))) if theirs.size else 1.0
    err = float(np.max(np.abs(ours - theirs))) / scale if ours.size else 0.0
    key = label.split(" :: ")[0]
    MAX_ERR[key] = max(MAX_ERR.get(key, 0.0), err)
    assert err <= TOL, f"{label}: max |ours − TensorFlow| / max(1, |TensorFlow|) = {err:.3e} > {TOL}"


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


# ---- Keras layers: weights from tf_keras, outputs / states / gradients compared ----------------

from tinygrad_rnn.keras import layers as L          # noqa: E402

MASKS = {
    "right": np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], bool),
    "left": np.array([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 0, 0, 1]], bool),
    "holes": np.array([[1, 0, 1, 0, 1], [0, 1, 1, 0, 0], [0, 0, 0, 0, 0]], bool),
}


def _fixed_dropout(theirs, ours, dp: list | None, rec: list | None) -> None:
    """Hand both layers the same dropout masks: ours through the cell's draw, TensorFlow's
    through the mask getters of the layer and its cell (the fused tf_keras path asks the
    layer with the whole (B, T, I) input: it gets our per-call mask on every step)."""
    def getter(masks):
        def get(inputs, training, count=1):
            if masks is None:
                return None
            ms = [tf.constant(m[:, None, :] if len(inputs.shape) == 3 else m) for m in masks]
            ms = ms * (count // len(ms)) if len(ms) < count else ms
            return ms if count > 1 else ms[0]
        return get
    for obj in (theirs, theirs.cell):
        obj.get_dropout_mask_for_cell = getter(dp)
        obj.get_recurrent_dropout_mask_for_cell = getter(rec)
    ours.cell.draw_dropout_masks = lambda batch, like: (
        None if dp is None else [tg.Tensor(m) for m in dp], None if rec is None else [tg.Tensor(m) for m in rec])


def _compare(label: str, make_tf, make_ours, *, mask=None, training=False, initial=None, dropout=None,
             x_shape=(B, T, I), check_losses=False, seed=0) -> None:
    """Build both layers, copy TensorFlow's weights into ours, run both and compare every
    output, the gradients of Σ_k ⟨cot_k, out_k⟩ (+ the layers' losses) w.r.t. the input, the
    initial states and the weights."""
    rng = _rng(seed)
    xs = rng.standard_normal(x_shape)
    theirs, ours = make_tf(), make_ours()
    theirs.build(x_shape)                              # builds without a (slow) TensorFlow call
    ours(tg.Tensor(xs))
    # seeded weights, not TensorFlow's unseeded draw: every run compares the same numbers
    theirs.set_weights([rng.uniform(-0.4, 0.4, w.shape) for w in theirs.get_weights()])
    ours.set_weights(theirs.get_weights())
    if dropout is not None:
        _fixed_dropout(theirs, ours, *dropout)
    init_np = None if initial is None else [rng.standard_normal((x_shape[0], n)) for n in initial]

    x_tf = tf.constant(xs)
    inits_tf = None if init_np is None else [tf.constant(a) for a in init_np]
    kw_tf = {} if mask is None else {"mask": tf.constant(mask)}
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        if inits_tf is not None:
            for v in inits_tf:
                tape.watch(v)
            kw_tf["initial_state"] = inits_tf
        outs_tf = theirs(x_tf, training=training, **kw_tf)
        outs_tf = tf.nest.flatten(outs_tf)              # Keras 3 nests the states in a tuple
        cots = [_rng(100 + k).standard_normal(o.shape) for k, o in enumerate(outs_tf)]
        loss_tf = sum(tf.reduce_sum(o * c) for o, c in zip(outs_tf, cots))
        if check_losses:
            loss_tf += tf.add_n(theirs.losses)
    sources = [x_tf] + (inits_tf or []) + list(theirs.trainable_weights)
    grads_tf = tape.gradient(loss_tf, sources)

    x = tg.Tensor(xs, requires_grad=True)
    inits = None if init_np is None else [tg.Tensor(a, requires_grad=True) for a in init_np]
    kw = {} if mask is None else {"mask": mask}
    if inits is not None:
        kw["initial_state"] = inits
    outs = ours(x, training=training, **kw)
    outs = outs if isinstance(outs, list) else [outs]
    assert len(outs) == len(outs_tf), f"{label}: {len(outs)} outputs, TensorFlow gives {len(outs_tf)}"
    for k, (o, o_tf) in enumerate(zip(outs, outs_tf)):
        _close(f"{label} :: output {k}", o, o_tf)
    loss = sum(((o * c).sum() for o, c in zip(outs, cots)), tg.Tensor(np.zeros(())))
    if check_losses:
        assert len(ours.losses) == len(theirs.losses), f"{label}: {len(ours.losses)} losses vs {len(theirs.losses)}"
        total = sum(ours.losses[1:], ours.losses[0])
        _close(f"{label} :: losses", total, tf.add_n(theirs.losses))
        loss = loss + total
    loss.backward()
    ours_sources = [x] + (inits or []) + list(ours.trainable_weights)
    assert len(ours_sources) == len(sources)
    for k, (s, g_tf) in enumerate(zip(ours_sources, grads_tf)):
        g = s.grad.numpy() if s.grad is not None else np.zeros(s.shape)
        _close(f"{label} :: grad {k}", g, g_tf)


RNN_CASES = {
    "LSTM": (lambda **k: tf_keras.layers.LSTM(H, **k), lambda **k: L.LSTM(H, **k), [H, H]),
    "GRU reset_after=True": (lambda **k: tf_keras.layers.GRU(H, **k), lambda **k: L.GRU(H, **k), [H]),
    "GRU reset_after=False": (lambda **k: tf_keras.layers.GRU(H, reset_after=False, **k),
                              lambda **k: L.GRU(H, reset_after=False, **k), [H]),
    "SimpleRNN": (lambda **k: tf_keras.layers.SimpleRNN(H, **k), lambda **k: L.SimpleRNN(H, **k), [H]),
}
OPTIONS = {   # the plain call (last output only) is part of return_state's result
    "return_state": dict(return_state=True),
    "go_backwards seq+state": dict(go_backwards=True, return_sequences=True, return_state=True),
    "use_bias=False": dict(use_bias=False, return_sequences=True),
    "unroll, implementation=1": dict(unroll=True, implementation=1, return_sequences=True),
}


@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("kind", sorted(RNN_CASES))
def test_recurrent_layer_options(kind: str, option: str) -> None:
    make_tf, make_ours, _ = RNN_CASES[kind]
    kw = dict(OPTIONS[option])
    if kind == "SimpleRNN":
        kw.pop("implementation", None)
    _compare(f"{kind} {option}", lambda: make_tf(**kw), lambda: make_ours(**kw))


@pytest.mark.parametrize("kind", sorted(RNN_CASES))
def test_recurrent_layer_initial_state(kind: str) -> None:
    make_tf, make_ours, sizes = RNN_CASES[kind]
    kw = dict(return_sequences=True, return_state=True)
    _compare(f"{kind} initial_state", lambda: make_tf(**kw), lambda: make_ours(**kw), initial=sizes)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear", "hard_sigmoid", "softsign", "softplus",
                                        "elu", "selu", "swish", "mish", "exponential"])
def test_simple_rnn_any_activation(activation: str) -> None:
    kw = dict(activation=activation, return_sequences=True)
    _compare(f"SimpleRNN activation={activation}", lambda: tf_keras.layers.SimpleRNN(H, **kw),
             lambda: L.SimpleRNN(H, **kw))


@pytest.mark.parametrize("kind", ["LSTM", "GRU reset_after=True", "GRU reset_after=False"])
def test_gated_layers_other_activations(kind: str) -> None:
    make_tf, make_ours, _ = RNN_CASES[kind]
    kw = dict(activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True)
    _compare(f"{kind} relu / hard_sigmoid", lambda: make_tf(**kw), lambda: make_ours(**kw))


@pytest.mark.parametrize("kind", sorted(RNN_CASES))
def test_masks_any_pattern(kind: str) -> None:
    """Every pattern forwards and backwards (all outputs and states); the last output alone
    and zero_output_for_mask on one pattern each."""
    make_tf, make_ours, _ = RNN_CASES[kind]
    runs = [(p, dict(return_sequences=True, return_state=True, go_backwards=back))
            for p in sorted(MASKS) for back in (False, True)]
    runs += [("left", dict()), ("holes", dict(return_sequences=True, zero_output_for_mask=True))]
    for pattern, kw in runs:
        label = f"{kind} mask={pattern} " + ",".join(k for k in sorted(kw) if kw[k])
        _compare(label, lambda: make_tf(**kw), lambda: make_ours(**kw), mask=MASKS[pattern])


@pytest.mark.parametrize("merge_mode,kind", [("concat", "LSTM"), ("sum", "GRU reset_after=True"), ("mul", "LSTM"),
                                             ("ave", "SimpleRNN"), (None, "GRU reset_after=False")])
def test_bidirectional_merge_modes(merge_mode, kind: str) -> None:
    make_tf, make_ours, _ = RNN_CASES[kind]
    for kw in (dict(return_sequences=True), dict(return_state=True)):
        label = f"Bidirectional({kind}) merge_mode={merge_mode} " + ",".join(sorted(kw))
        _compare(label, lambda: tf_keras.layers.Bidirectional(make_tf(**kw), merge_mode=merge_mode),
                 lambda: L.Bidirectional(make_ours(**kw), merge_mode=merge_mode))


@pytest.mark.parametrize("pattern,kind", [("right", "LSTM"), ("left", "GRU reset_after=True"),
                                          ("holes", "GRU reset_after=False"), ("holes", "SimpleRNN")])
def test_bidirectional_with_mask(pattern: str, kind: str) -> None:
    make_tf, make_ours, _ = RNN_CASES[kind]
    for kw in (dict(return_sequences=True, return_state=True), dict()):
        label = f"Bidirectional({kind}) mask={pattern} " + ",".join(sorted(kw))
        _compare(label, lambda: tf_keras.layers.Bidirectional(make_tf(**kw)),
                 lambda: L.Bidirectional(make_ours(**kw)), mask=MASKS[pattern])


def _masks(shape_in, shape_h, n_in, n_rec, p=0.4, seed=9):
    rng = _rng(seed)
    keep = lambda shape: (rng.random(shape) >= p) / (1 - p)          # noqa: E731
    return ([keep(shape_in) for _ in range(n_in)] if n_in else None,
            [keep(shape_h) for _ in range(n_rec)] if n_rec else None)


DROPOUT = {   # name -> (layer kwargs, input masks per gate-set, recurrent masks)
    "dropout (implementation 2: one mask)": (dict(dropout=0.4), 1, 0),
    # unroll=True: tf_keras' fused path ignores implementation=1 for the input masks
    "dropout, implementation=1 (a mask per gate)": (dict(dropout=0.4, implementation=1, unroll=True), "G", 0),
    "recurrent_dropout (a mask per gate)": (dict(recurrent_dropout=0.4), 0, "G"),
    "dropout + recurrent_dropout": (dict(dropout=0.3, recurrent_dropout=0.4), "G", "G"),
}
GATES = {"LSTM": 4, "GRU reset_after=True": 3, "GRU reset_after=False": 3, "SimpleRNN": 1}


@pytest.mark.parametrize("mode", sorted(DROPOUT))
@pytest.mark.parametrize("kind", sorted(RNN_CASES))
def test_dropout_with_fixed_masks(kind: str, mode: str) -> None:
    make_tf, make_ours, _ = RNN_CASES[kind]
    kw, n_in, n_rec = DROPOUT[mode]
    kw = dict(kw, return_sequences=True, return_state=True)
    if kind == "SimpleRNN":
        kw.pop("implementation", None)
    G = GATES[kind]
    n_in = G if n_in == "G" else n_in
    n_rec = G if n_rec == "G" else n_rec
    dp, rec = _masks((B, I), (B, H), n_in, n_rec)
    for pattern in ((None, "holes") if n_in and n_rec else (None,)):
        label = f"{kind} {mode}" + (f" mask={pattern}" if pattern else "")
        _compare(label, lambda: make_tf(**kw), lambda: make_ours(**kw), training=True, dropout=(dp, rec),
                 mask=None if pattern is None else MASKS[pattern])


REGULARIZED = dict(kernel_regularizer="l2", recurrent_regularizer="l1", bias_regularizer="l1_l2",
                   activity_regularizer="l2", return_sequences=True, return_state=True)


@pytest.mark.parametrize("kind", sorted(RNN_CASES))
def test_regularizers_in_layer_losses(kind: str) -> None:
    from tinygrad_rnn.keras import regularizers as R
    make_tf, make_ours, _ = RNN_CASES[kind]
    tf_kw = dict(REGULARIZED, kernel_regularizer=tf_keras.regularizers.l2(0.02),
                 recurrent_regularizer=tf_keras.regularizers.l1(0.03),
                 bias_regularizer=tf_keras.regularizers.l1_l2(0.01, 0.04),
                 activity_regularizer=tf_keras.regularizers.l2(0.05))
    our_kw = dict(REGULARIZED, kernel_regularizer=R.l2(0.02), recurrent_regularizer=R.l1(0.03),
                  bias_regularizer=R.l1_l2(0.01, 0.04), activity_regularizer=R.l2(0.05))
    _compare(f"{kind} regularizers (kernel l2, recurrent l1, bias l1_l2, activity l2)",
             lambda: make_tf(**tf_kw), lambda: make_ours(**our_kw), check_losses=True)


@pytest.mark.parametrize("kind", sorted(RNN_CASES))
def test_constraints_after_an_sgd_step(kind: str) -> None:
    """One SGD step of tf_keras and of tinygrad_rnn from the same weights: the constrained
    weights after the step are equal."""
    from tinygrad_rnn.keras import constraints as C
    make_tf, make_ours, _ = RNN_CASES[kind]
    theirs = make_tf(return_sequences=True, kernel_constraint=tf_keras.constraints.max_norm(0.3),
                     recurrent_constraint=tf_keras.constraints.unit_norm(),
                     bias_constraint=tf_keras.constraints.non_neg())
    ours = make_ours(return_sequences=True, kernel_constraint=C.max_norm(0.3), recurrent_constraint=C.unit_norm(),
                     bias_constraint=C.non_neg())
    xs = _rng(11).standard_normal((B, T, I))
    theirs(tf.constant(xs))
    ours(tg.Tensor(xs))
    ours.set_weights(theirs.get_weights())
    cot = _rng(12).standard_normal((B, T, H))
    opt_tf = tf_keras.optimizers.SGD(learning_rate=0.5)
    with tf.GradientTape() as tape:
        loss_tf = tf.reduce_sum(theirs(tf.constant(xs)) * cot)
    opt_tf.apply_gradients(zip(tape.gradient(loss_tf, theirs.trainable_weights), theirs.trainable_weights))
    opt = tg.optim.SGD(ours.parameters(), lr=0.5)
    (ours(tg.Tensor(xs)) * cot).sum().backward()
    opt.step()
    for k, (w, w_tf) in enumerate(zip(ours.get_weights(), theirs.get_weights())):
        _close(f"{kind} constraints max_norm/unit_norm/non_neg after SGD :: weight {k}", w, w_tf)
    assert np.all(ours.get_weights()[-1] >= 0)


def test_embedding_mask_zero_and_dense() -> None:
    """Embedding(mask_zero) -> LSTM(mask) -> Dense, the mask carried by compute_mask."""
    ids = np.array([[3, 5, 1, 0, 0], [0, 0, 2, 7, 4], [6, 0, 9, 0, 1]])
    emb_tf, lstm_tf, dense_tf = (tf_keras.layers.Embedding(10, I, mask_zero=True),
                                 tf_keras.layers.LSTM(H, return_sequences=True), tf_keras.layers.Dense(2, "tanh"))
    emb, lstm, dense = L.Embedding(10, I, mask_zero=True, dtype="float64"), L.LSTM(H, return_sequences=True), \
        L.Dense(2, "tanh")
    y_tf = dense_tf(lstm_tf(emb_tf(ids)))            # Keras carries the mask on the tensors
    y = dense(lstm(emb(ids), mask=emb.compute_mask(ids)))
    emb.set_weights(emb_tf.get_weights())
    lstm.set_weights(lstm_tf.get_weights())
    dense.set_weights(dense_tf.get_weights())
    cot = _rng(13).standard_normal((B, T, 2))
    with tf.GradientTape() as tape:
        y_tf = dense_tf(lstm_tf(emb_tf(ids)))
        loss_tf = tf.reduce_sum(y_tf * cot)
    weights_tf = emb_tf.trainable_weights + lstm_tf.trainable_weights + dense_tf.trainable_weights
    grads_tf = tape.gradient(loss_tf, weights_tf)
    y = dense(lstm(emb(ids), mask=emb.compute_mask(ids)))
    _close("Embedding(mask_zero) -> LSTM -> Dense :: output", y, y_tf)
    np.testing.assert_array_equal(emb.compute_mask(ids), emb_tf.compute_mask(ids).numpy())
    (y * cot).sum().backward()
    weights = emb.trainable_weights + lstm.trainable_weights + dense.trainable_weights
    for w, g_tf in zip(weights, grads_tf):
        g_tf = tf.convert_to_tensor(g_tf)            # the embedding's gradient is sparse in TF
        _close("Embedding(mask_zero) -> LSTM -> Dense :: grads", w.grad, g_tf)


def test_masking_layer() -> None:
    xs = _rng(14).standard_normal((B, T, I))
    xs[0, 3:] = 0.0
    xs[2, :2] = 0.0
    m_tf, g_tf = tf_keras.layers.Masking(), tf_keras.layers.GRU(H, return_sequences=True)
    m, g = L.Masking(), L.GRU(H, return_sequences=True)
    y_tf = g_tf(m_tf(tf.constant(xs)))
    g(m(tg.Tensor(xs)), mask=m.compute_mask(xs))
    g.set_weights(g_tf.get_weights())
    y_tf = g_tf(m_tf(tf.constant(xs)))
    x = tg.Tensor(xs)
    _close("Masking -> GRU :: output", g(m(x), mask=m.compute_mask(x)), y_tf)
    np.testing.assert_array_equal(m.compute_mask(x), m_tf.compute_mask(tf.constant(xs)).numpy())


def test_stateful_two_calls_equal_one_long_call() -> None:
    make_tf, make_ours, _ = RNN_CASES["LSTM"]
    theirs = tf_keras.layers.LSTM(H, return_sequences=True)
    ours = L.LSTM(H, return_sequences=True, stateful=True)
    xs = _rng(15).standard_normal((B, 2 * T, I))
    y_tf = theirs(tf.constant(xs))
    ours(tg.Tensor(xs[:, :T]))
    ours.set_weights(theirs.get_weights())
    ours.reset_states()
    y1 = ours(tg.Tensor(xs[:, :T]))
    # a validation call with its own initial state leaves the carried state alone
    ours(tg.Tensor(xs[:, :2]), initial_state=[tg.zeros(B, H).double(), tg.zeros(B, H).double()])
    y2 = ours(tg.Tensor(xs[:, T:]))
    _close("LSTM stateful: two calls = one long call", tg.cat([y1, y2], 1), y_tf)


# ---- Keras 3 (installed with TensorFlow ≥ 2.16): the same layers, a few configurations --------

K3_CASES = {
    "LSTM": (lambda k: k.layers.LSTM(H, return_sequences=True, return_state=True),
             lambda: L.LSTM(H, return_sequences=True, return_state=True)),
    "GRU go_backwards": (lambda k: k.layers.GRU(H, return_sequences=True, go_backwards=True),
                         lambda: L.GRU(H, return_sequences=True, go_backwards=True)),
    # Keras 3's hard_sigmoid is relu6(x + 3)/6: our "hardsigmoid" (our "hard_sigmoid" is Keras 2's)
    "LSTM hard_sigmoid (Keras 3's)": (lambda k: k.layers.LSTM(H, recurrent_activation="hard_sigmoid", return_sequences=True),
                                      lambda: L.LSTM(H, recurrent_activation="hardsigmoid", return_sequences=True)),
    "Bidirectional(SimpleRNN)": (lambda k: k.layers.Bidirectional(k.layers.SimpleRNN(H, return_sequences=True)),
                                 lambda: L.Bidirectional(L.SimpleRNN(H, return_sequences=True))),
}


@pytest.mark.parametrize("name", sorted(K3_CASES))
def test_keras3_layers(name: str) -> None:
    keras = pytest.importorskip("keras", minversion="3", reason="Keras 3 comes with TensorFlow >= 2.16")
    keras.config.set_floatx("float64")
    make_k3, make_ours = K3_CASES[name]
    for pattern in (None, "holes"):
        label = f"Keras 3 {name}" + (f" mask={pattern}" if pattern else "")
        _compare(label, lambda: make_k3(keras), make_ours, mask=None if pattern is None else MASKS[pattern])


def test_sequential_model_with_mask_propagation() -> None:
    """A whole tf_keras Sequential model (Embedding(mask_zero) -> LSTM -> Bidirectional(GRU) ->
    Dense) and ours, weights loaded with model-level set_weights."""
    from tinygrad_rnn.keras import Sequential
    ids = np.array([[3, 5, 1, 0, 0], [0, 0, 2, 7, 4], [6, 0, 9, 0, 1]])
    theirs = tf_keras.Sequential([tf_keras.layers.Embedding(10, I, mask_zero=True),
                                  tf_keras.layers.LSTM(H, return_sequences=True),
                                  tf_keras.layers.Bidirectional(tf_keras.layers.GRU(H)),
                                  tf_keras.layers.Dense(2)])
    ours = Sequential([L.Embedding(10, I, mask_zero=True, dtype="float64"), L.LSTM(H, return_sequences=True),
                       L.Bidirectional(L.GRU(H)), L.Dense(2)])
    theirs(ids)
    ours(ids)
    ours.set_weights(theirs.get_weights())
    cot = _rng(16).standard_normal((B, 2))
    with tf.GradientTape() as tape:
        y_tf = theirs(ids)
        loss_tf = tf.reduce_sum(y_tf * cot)
    grads_tf = tape.gradient(loss_tf, theirs.trainable_weights)
    y = ours(ids)
    _close("Sequential(Embedding(mask_zero), LSTM, Bidirectional(GRU), Dense) :: output", y, y_tf)
    (y * cot).sum().backward()
    for w, g_tf in zip(ours.trainable_weights, grads_tf):
        _close("Sequential(Embedding(mask_zero), LSTM, Bidirectional(GRU), Dense) :: grads", w.grad,
               tf.convert_to_tensor(g_tf))
