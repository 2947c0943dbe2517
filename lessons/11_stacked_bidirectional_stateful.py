# %% [markdown]
# # 11. Stacked, bidirectional, stateful
# > From one cell to a layer: stacking, both directions, carried state, two kinds of dropout and padded batches, with the real shapes PyTorch-style and Keras-style layers return.
#
# Until now we stepped cells by hand: `h = cell(x_t, h)` in a Python loop. Real models hand
# the loop to a **layer**, and a layer has options: several cells stacked on top of each other,
# a second copy reading the sequence backwards, state carried from one batch to the next,
# dropout, and batches of sequences with different lengths. Two big libraries settled on two
# different sets of names and shapes for the same ideas, and tinygrad_rnn offers both:
#
# * **PyTorch style**: `tg.nn.RNN`, `tg.nn.LSTM`, `tg.nn.GRU`, time-major `(T, B, I)` input,
#   `num_layers`, `bidirectional`, `batch_first`, and the result `output, (h_n, c_n)`;
# * **Keras style**: `tg.nn.Recurrent(cell, ...)` and `tg.nn.Bidirectional(layer)`,
#   batch-major `(B, T, I)` input, `return_sequences`, `return_state`, `go_backwards`, `stateful`.
#
# **What you will learn**
#
# 1. what each option does to the shapes, read off the real tensors in two tables;
# 2. that both styles compute the same numbers from the same weights (we check it);
# 3. how `go_backwards` (Keras) and `bidirectional=True` (PyTorch) differ in where they
#    store the backward outputs;
# 4. what `stateful` carries between calls, and why it is detached;
# 5. dropout between layers versus variational (recurrent) dropout, drawn as masks;
# 6. padded batches with `lengths=`: zero outputs after each end, final states from the last
#    real step;
# 7. what a two-layer bidirectional LSTM looks like as a graph;
# 8. what a bidirectional layer cannot do (predict the next token), measured;
# 9. a task where a second layer helps, measured against a wider single layer.
#
# Notation: T steps, B sequences in a batch, I input features, H hidden units,
# L = `num_layers`, D = 2 for bidirectional layers and 1 otherwise.
#
# Run it with `tinygrad-rnn lesson 11` (`--fast` for small sizes, `--notebook` for Jupyter).

# %%
import os
import time

# One matrix-library (OpenBLAS) thread, set before NumPy loads: the matrices here are small, and
# on a small or busy machine extra BLAS threads only fight each other and make times jump.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
STARTED = time.perf_counter()

import matplotlib

matplotlib.use("Agg")                 # write files only; no window is opened
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lessons import check, fast, out_dir, show

OUT = out_dir("11_stacked_bidirectional_stateful")
FAST = fast()

# All comparisons below are between two ways of computing the same numbers; in float64 they
# agree to about 1e-15, so any real disagreement stands out.
tg.set_default_dtype(tg.float64)
tg.manual_seed(11)

T, B, I, H = 6, 3, 4, 5


def close(a, b, tol=1e-12):
    """True when two tensors (or arrays) hold the same numbers up to ``tol``."""
    a = a.numpy() if isinstance(a, tg.Tensor) else np.asarray(a)
    b = b.numpy() if isinstance(b, tg.Tensor) else np.asarray(b)
    return a.shape == b.shape and np.allclose(a, b, atol=tol, rtol=0)


def table(rows, header):
    """Print rows of strings as an aligned text table."""
    widths = [max(len(str(r[k])) for r in rows + [header]) for k in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))

# %% [markdown]
# ## 1. PyTorch style: one module for the whole grid of cells
#
# `tg.nn.LSTM(I, H, num_layers=L, bidirectional=...)` builds L·D cells: for each layer, one
# that reads t = 0, 1, …, T−1 and (when bidirectional) one that reads t = T−1, …, 0. Layer 0
# reads x; layer k+1 reads layer k's outputs, with both directions joined side by side. A call
# returns
#
# * `output`: the **last layer's** h at every step, both directions concatenated:
#   (T, B, D·H);
# * `h_n`, `c_n`: the **final state of every cell**: (D·L, B, H), one row per
#   (layer, direction), row = layer·D + direction.
#
# In equations, for one layer with input $x_0, \ldots, x_{T-1}$, the two directions run the
# same kind of cell with their own weights, in opposite orders, and meet only in the output:
#
# $$
# \begin{aligned}
# \overrightarrow{h}_t &= \mathrm{cell}_{\rightarrow}\big(x_t,\ \overrightarrow{h}_{t-1}\big), & t &= 0, 1, \ldots, T-1 \\
# \overleftarrow{h}_t &= \mathrm{cell}_{\leftarrow}\big(x_t,\ \overleftarrow{h}_{t+1}\big), & t &= T-1, \ldots, 1, 0 \\
# \mathrm{output}_t &= \big[\,\overrightarrow{h}_t\ ;\ \overleftarrow{h}_t\,\big] & &\text{(D·H features)}
# \end{aligned}
# $$
#
# so $\mathrm{output}_t$ depends on the whole sequence, $x_{t+1}, \ldots, x_{T-1}$ included.
# Layer k+1 reads layer k's $\mathrm{output}_t$ as its $x_t$.
#
# Rather than trust this text, let us print what the library actually returns for a few
# combinations of options.

# %%
x_tbi = tg.randn(T, B, I)                 # time-major, PyTorch's default
rows = []
for L, bi, bf in ((1, False, False), (2, False, False), (1, True, False), (2, True, False), (2, True, True)):
    lstm = tg.nn.LSTM(I, H, num_layers=L, bidirectional=bi, batch_first=bf)
    x = x_tbi.permute(1, 0, 2) if bf else x_tbi
    output, (h_n, c_n) = lstm(x)
    rows.append((f"LSTM(num_layers={L}, bidirectional={bi}, batch_first={bf})", tuple(x.shape),
                 tuple(output.shape), tuple(h_n.shape), tuple(c_n.shape)))
unbatched_out, (unbatched_h, unbatched_c) = tg.nn.LSTM(I, H)(x_tbi[:, 0])
rows.append(("LSTM(), unbatched input", (T, I), tuple(unbatched_out.shape), tuple(unbatched_h.shape),
             tuple(unbatched_c.shape)))
table(rows, ("layer", "x", "output", "h_n", "c_n"))

# %% [markdown]
# Read the table row by row:
#
# * Stacking (`num_layers=2`) does not change `output`, which is the top layer only, but
#   `h_n` gets one row per layer.
# * `bidirectional=True` doubles the feature axis of `output` (forward half, then backward
#   half) and the number of rows of `h_n`.
# * `batch_first=True` swaps the first two axes of `x` and `output`, **but not of `h_n`**:
#   the state is always (D·L, B, H). This is PyTorch's rule, and a classic source of bugs.
#
# Where does the backward direction store its outputs? At the **original** time index: the
# backward cell reads x_{T−1} first, but its output after reading x_t is stored at `output[t]`.
# So the forward half of the last row and the backward half of the first row are both "final"
# states. Let us check that, and then recompute the whole backward direction by hand with the
# layer's own cell (`lstm.cells[1]`), stepping it over the reversed sequence ourselves.

# %%
lstm = tg.nn.LSTM(I, H, bidirectional=True)
output, (h_n, c_n) = lstm(x_tbi)
check(close(output[-1, :, :H], h_n[0]), "forward half of output[T-1] is the forward cell's final h (h_n[0])")
check(close(output[0, :, H:], h_n[1]), "backward half of output[0] is the backward cell's final h (h_n[1])")

backward_cell = lstm.cells[1]
state = None
by_hand = [None] * T
for t in reversed(range(T)):              # the backward cell reads T-1, ..., 0
    state = backward_cell(x_tbi[t], state)
    by_hand[t] = state[0]                 # ... and its output is stored at the original t
check(close(tg.stack(by_hand, 0), output[:, :, H:]),
      "the backward half equals the backward cell stepped by hand over t = T-1 ... 0, stored at t")
print("parameter names:", [n for n, _ in lstm.named_parameters()])

# %% [markdown]
# The parameters carry PyTorch's flat names (`weight_ih_l0`, `weight_ih_l0_reverse`, ...), so
# a PyTorch `state_dict` loads as it is.
#
# ## 2. Keras style: one cell, one layer, options for what to return
#
# Keras wraps a single cell: `tg.nn.Recurrent(cell)`. It reads batch-major input (B, T, I)
# and by default returns **only the last output** (B, H), which is what a classifier wants.
# Options ask for more:
#
# * `return_sequences=True`: every step's output, (B, T, H);
# * `return_state=True`: also the final state parts, `(output, h, c)` for an LSTM;
# * `go_backwards=True`: read from t = T−1 down to 0;
# * `stateful=True`: start the next call from this call's final state.
#
# Stacking is done by hand (layer after layer), and `tg.nn.Bidirectional(layer)` runs a copy
# of the layer backwards and merges the two.

# %%
x_bti = x_tbi.permute(1, 0, 2)            # (B, T, I), Keras' layout
cell = tg.nn.LSTMCell(I, H)
rows = []
for opts in ({}, {"return_sequences": True}, {"return_state": True},
             {"return_sequences": True, "return_state": True}, {"go_backwards": True, "return_sequences": True}):
    result = tg.nn.Recurrent(cell, **opts)(x_bti)
    shapes = [tuple(r.shape) for r in result] if isinstance(result, tuple) else [tuple(result.shape)]
    rows.append((f"Recurrent(LSTMCell, {', '.join(f'{k}=True' for k in opts) or 'defaults'})",
                 tuple(x_bti.shape), " + ".join(map(str, shapes))))
for merge in ("concat", "sum"):
    result = tg.nn.Bidirectional(tg.nn.Recurrent(cell, return_sequences=True), merge_mode=merge)(x_bti)
    rows.append((f"Bidirectional(Recurrent(LSTMCell, return_sequences=True), merge_mode={merge!r})",
                 tuple(x_bti.shape), str(tuple(result.shape))))
result = tg.nn.Bidirectional(tg.nn.Recurrent(cell, return_state=True))(x_bti)
rows.append(("Bidirectional(Recurrent(LSTMCell, return_state=True))", tuple(x_bti.shape),
             " + ".join(str(tuple(r.shape)) for r in result)))
table(rows, ("layer", "x", "returns"))

# %% [markdown]
# The last row is `(output, h_fwd, c_fwd, h_bwd, c_bwd)`: Keras flattens both directions'
# states after the output.
#
# **Same weights, same numbers.** The two styles are two ways of calling the same cells. Copy
# the Keras layer's cell weights into a PyTorch-style layer (the names only gain the suffix
# `_l0`) and both give the same sequence of outputs, up to the transposed layout.

# %%
keras_layer = tg.nn.Recurrent(cell, return_sequences=True, return_state=True)
seq, h_k, c_k = keras_layer(x_bti)
torch_style = tg.nn.LSTM(I, H, batch_first=True)
torch_style.load_state_dict({f"{name}_l0": value for name, value in cell.state_dict().items()})
output, (h_n, c_n) = torch_style(x_bti)
check(close(seq, output), "Recurrent(cell, return_sequences=True) and LSTM(batch_first=True) agree step by step")
check(close(h_k, h_n[0]) and close(c_k, c_n[0]), "and their final states agree (h_n has the extra layer axis)")

# %% [markdown]
# **`go_backwards` is not PyTorch's backward direction.** Keras' `go_backwards=True` reads the
# sequence from the end and returns the outputs **in reading order**: `seq[:, 0]` is the output
# after x_{T−1}, `seq[:, -1]` the one after x_0. It is exactly a forward run over the reversed
# input. PyTorch's backward direction puts each output back at the t it read.
# `Bidirectional` flips the backward layer's outputs back before it merges, so its `concat`
# gives PyTorch's layout.

# %%
backwards = tg.nn.Recurrent(cell, return_sequences=True, go_backwards=True)(x_bti)
forwards_on_reversed = tg.nn.Recurrent(cell, return_sequences=True)(x_bti[:, ::-1])
check(close(backwards, forwards_on_reversed), "go_backwards = a forward run on the reversed input, outputs not re-reversed")

bi = tg.nn.Bidirectional(tg.nn.Recurrent(cell, return_sequences=True))
y = bi(x_bti)
bw = tg.nn.Recurrent(bi.backward_layer.cell, return_sequences=True, go_backwards=True)(x_bti)
check(close(y[:, :, H:], bw[:, ::-1]), "Bidirectional flips the backward outputs back to their original t")

# %% [markdown]
# **Stateful layers.** With `stateful=True`, sample b of the next call starts from the final
# state of sample b of this call. Cutting a long sequence into two halves and feeding them one
# after the other then gives the same final state as one pass over the whole sequence. The
# carried state is **detached** from the graph: the numbers go on, the history does not, so a
# `backward()` after the second call stops at its start (truncated backpropagation through
# time). `reset_states()` goes back to zeros, for instance at a new epoch.

# %%
stateful = tg.nn.Recurrent(cell, stateful=True, return_state=True)
stateful(x_bti[:, :T // 2])
_, h_two_calls, _ = stateful(x_bti[:, T // 2:])
_, h_one_call, _ = tg.nn.Recurrent(cell, return_state=True)(x_bti)
check(close(h_two_calls, h_one_call), "two stateful calls on the halves = one call on the whole sequence")
carried_h = stateful.states[0]
check(carried_h.is_leaf and not carried_h.requires_grad, "the carried state is detached (a leaf without gradient)")
stateful.reset_states()
check(stateful.states is None, "reset_states() forgets the carried state")

# %% [markdown]
# The same in PyTorch style has no flag: pass the previous `h_n` back as `hx`, after
# `tg.nn.detach_state(...)` if you train on the chunks.
#
# ## 3. Two kinds of dropout
#
# Dropout sets random units to zero during training (and scales the rest by 1/(1−p), so the
# expected value stays the same). In a recurrent network the question is *which* mask to draw
# *when*:
#
# * **PyTorch's `dropout=`** acts **between stacked layers** only: on layer k's output before
#   layer k+1 reads it, with a fresh random mask for every element, so every time step gets a
#   different mask. With `num_layers=1` it does nothing (and warns).
# * **Keras' `dropout=` and `recurrent_dropout=`** (variational dropout, Gal & Ghahramani 2016)
#   draw **one mask per sequence** and reuse it at every step: `dropout` on the input x_t,
#   `recurrent_dropout` on h_{t−1} before it enters the cell. A unit that is dropped is dropped
#   for the whole sequence. The argument: the recurrent weights are applied at every step, so
#   a mask that changed at every step would add noise at every step, and over a long sequence
#   that noise drowns the memory.
#
# To *see* the masks we need a cell that shows us what it receives. Here is a tiny one without
# parameters (any `RNNCellBase` works in both kinds of layer, as lesson 13 shows in detail):
# it records its inputs and always returns a state of ones. Whatever reaches it is therefore a
# mask times ones.

# %%
class Recorder(tg.nn.RNNCellBase):
    """Records the x_t and h_{t-1} it is given; its new state is always all ones."""
    state_names = ("h",)

    def __init__(self, input_size, hidden_size, **unused):
        super().__init__(input_size, hidden_size)
        self.seen_x, self.seen_h = [], []

    def forward(self, x, h):
        self.seen_x.append(x.numpy()[0])  # sequence 0 of the batch only
        self.seen_h.append(h.numpy()[0])
        return h * 0.0 + 1.0


T_MASK, UNITS, p = (12, 16, 0.5) if FAST else (30, 24, 0.5)
keras_cell = Recorder(UNITS, UNITS)
tg.nn.Recurrent(keras_cell, dropout=p, recurrent_dropout=p)(tg.ones(2, T_MASK, UNITS))
input_masks = np.stack(keras_cell.seen_x)          # (T, units)
recurrent_masks = np.stack(keras_cell.seen_h)[1:]  # step 0 sees the zero initial state: skip it

pytorch_layer = tg.nn.RNN(UNITS, UNITS, num_layers=2, dropout=p, cell=Recorder)
pytorch_layer(tg.ones(T_MASK, 2, UNITS))
between_masks = np.stack(pytorch_layer.cells[1].seen_x)   # what layer 1 read from layer 0

fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), sharey=False)
for ax, masks, title in zip(axes, (between_masks, input_masks, recurrent_masks),
                            ("PyTorch dropout (between layers)", "Keras dropout (on x_t)",
                             "Keras recurrent_dropout (on h_{t-1})")):
    ax.imshow(masks.T, cmap="Greys", vmin=0, vmax=2, aspect="auto", interpolation="nearest")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("time step t")
    ax.set_ylabel("unit")
fig.suptitle(f"Dropout masks seen by one sequence, p = {p} (black = kept and scaled by 2, white = dropped)")
fig.tight_layout()
path = OUT / "dropout_masks.png"
fig.savefig(path, dpi=110)
plt.close(fig)
show(path)

check(set(np.unique(between_masks)) <= {0.0, 2.0}, "kept units are scaled by 1/(1-p) = 2, dropped ones are 0")
check(all((m == input_masks[0]).all() for m in input_masks), "Keras dropout: the same input mask at every step")
check(all((m == recurrent_masks[0]).all() for m in recurrent_masks), "Keras recurrent_dropout: the same h mask at every step")
check(any((m != between_masks[0]).any() for m in between_masks), "PyTorch dropout: the mask changes from step to step")

# %% [markdown]
# Each picture is one sequence: time runs to the right, units downwards, black means the unit
# got through. On the left (PyTorch) the pattern is salt and pepper: a new mask at every step.
# In the middle and on the right (Keras) every row is a solid line: a unit is either kept for
# the whole sequence or dropped for the whole sequence. All three apply in training mode only;
# `layer.eval()` turns them off.
#
# ## 4. Padded batches: `lengths=`
#
# Sequences in a batch rarely have the same length. We pad the short ones with zeros up to T
# and tell the layer each true length. The rules (PyTorch's packed sequences give the same):
#
# * sequence b is processed only for t < lengths[b]; its outputs after that are **zero**;
# * its final state in `h_n`/`c_n` is the one **after its last real step**;
# * the backward direction **starts at that last real step**, not at the padding.
#
# The layer does this with a mask per step, `state_t = where(running_t, cell(x_t, state), state)`,
# so padding never reaches a state. The test of all three rules: each padded sequence must
# give exactly what the same sequence gives when run **alone, cut to its length**.

# %%
lengths = [T, 4, 2]
x_pad = tg.randn(T, B, I)
mask = np.arange(T)[:, None] < np.array(lengths)[None, :]           # (T, B): real steps
x_pad = x_pad * tg.tensor(mask[:, :, None].astype(np.float64))     # zeros in the padding
lstm = tg.nn.LSTM(I, H, num_layers=2, bidirectional=True)
output, (h_n, c_n) = lstm(x_pad, lengths=lengths)
print("output of sequence 2 (length 2), forward half, every step:")
print(np.round(output.numpy()[:, 2, :H], 3))
check((output.numpy()[~mask] == 0).all(), "outputs after each sequence's end are exactly zero")
for b, n in enumerate(lengths):
    alone_out, (alone_h, alone_c) = lstm(x_pad[:n, b:b + 1])
    check(close(output[:n, b:b + 1], alone_out) and close(h_n[:, b:b + 1], alone_h) and close(c_n[:, b:b + 1], alone_c),
          f"sequence {b} (length {n}) gives what it gives alone, cut to its length (both layers, both directions)")

# %% [markdown]
# ## 5. The picture: a two-layer bidirectional LSTM
#
# Let us draw the whole grid as a graph, one box per cell application (the collapsed view,
# `collapse=True`), coloured by the gradient that reached each state when the loss is the sum of the
# last layer's outputs at the final step. The layer records name scopes
# `("lstm", "layer0", "forward", "t=3")`, and the drawing boxes the steps by layer and direction.

# %%
T_DRAW = 4
small = tg.nn.LSTM(2, 3, num_layers=2, bidirectional=True)
out, _ = small(tg.randn(T_DRAW, 1, 2))
loss = out[-1].sum()
tg.viz.backward_with_grads(loss)
graph = tg.viz.draw(loss, collapse=True,
                    label=f"2-layer bidirectional LSTM, T = {T_DRAW}, H = 3, PyTorch init, untrained; L = sum(output[T-1])")
path = tg.viz.render(graph, OUT / "lstm_2layer_bidirectional.png")
show(path)

# %% [markdown]
# How to read it. There are four rows of boxes, one per (layer, direction). Each row is laid
# out in the order its cell reads: t = 0, 1, … in the forward rows, t = T−1, …, 0 in the
# backward rows. Each box has a row for
# h and one for c, and the thick teal edges are the cell state handed from step to step. Every
# box of layer 1 reads **two** boxes of layer 0 at its step: the forward and the backward
# output, joined side by side.
#
# The loss reads `output[T−1]` only. Its forward half is the top-layer forward cell's *last*
# step, and its backward half is the top-layer backward cell's *first* step (it read x_{T−1}
# first and stored the output at t = T−1). So in layer 1 the gradient enters at the box t = T−1
# of both rows: the last box of the forward row, the first box of the backward row. It then
# flows back along the whole forward row, while the backward row's later boxes (t = T−2 … 0)
# receive exactly zero gradient (the pale boxes marked 0): their outputs are not in the loss,
# and nothing reads their state afterwards. In layer 0 both rows get gradient, since every
# layer-0 output feeds layer 1. The colours are on the library's fixed scale; this is an
# untrained network at PyTorch's initialisation, nothing more.
#
# ## 6. What a bidirectional layer cannot do: predict the next token
#
# A bidirectional layer's output at step t has read the **whole** sequence, $x_{t+1}$
# included (the equations of section 1). That is what makes it good at labelling a sentence
# that is already complete. It also makes it useless for the one task a language model has:
# predicting $x_{t+1}$ from what came before, for then the "prediction" can simply read the
# answer. To see it, train two next-token predictors on sequences of **random** tokens, where
# nothing about $x_{t+1}$ can be known from $x_0 \ldots x_t$: an honest model can do no better
# than chance, 1/V.

# %%
V_TOK, T_TOK, H_TOK = 4, 12, 8
TOK_STEPS = 60 if FAST else 300


def random_tokens(n, rng):
    ids = rng.integers(0, V_TOK, size=(n, T_TOK + 1))
    return np.eye(V_TOK)[ids[:, :-1]], ids[:, 1:]          # one-hot x_0..x_{T-1}, targets x_1..x_T


def next_token_model(bidirectional):
    tg.manual_seed(110)
    layer = tg.nn.LSTM(V_TOK, H_TOK, batch_first=True, bidirectional=bidirectional, fused=True)
    return layer, tg.nn.Linear(H_TOK * (2 if bidirectional else 1), V_TOK)


def train_next_token(bidirectional):
    layer, head = next_token_model(bidirectional)
    params = layer.parameters() + head.parameters()
    opt = tg.optim.Adam(params, lr=1e-2)
    rng = np.random.default_rng(0)
    for _ in range(TOK_STEPS):
        x, y = random_tokens(32, rng)
        out, _ = layer(tg.tensor(x))
        loss = tg.nn.cross_entropy(head(out).reshape(-1, V_TOK), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return layer, head


def next_token_accuracy(layer, head, x, y):
    with tg.no_grad():
        out, _ = layer(tg.tensor(x))
        return float((head(out).numpy().argmax(-1) == y).mean())


x_tok, y_tok = random_tokens(500, np.random.default_rng(1))     # test sequences never trained on
uni = train_next_token(False)
bidi = train_next_token(True)
acc_uni, acc_bi = next_token_accuracy(*uni, x_tok, y_tok), next_token_accuracy(*bidi, x_tok, y_tok)
print(f"next-token accuracy on random tokens (chance 1/{V_TOK} = {1 / V_TOK:.2f}): "
      f"forward LSTM {acc_uni:.3f}, bidirectional LSTM {acc_bi:.3f}")

# the bidirectional model's prediction at t is read off x_{t+1}: change only the future, and it follows
x_changed = x_tok.copy()
y_changed = (y_tok + 1) % V_TOK                                  # every next token replaced by another one
x_changed[:, 1:] = np.eye(V_TOK)[y_changed[:, :-1]]              # the inputs after t show the new tokens
acc_bi_changed = next_token_accuracy(*bidi, x_changed, y_changed)
print(f"after replacing every future token, the bidirectional model 'predicts' the new ones: {acc_bi_changed:.3f}")
check(acc_uni < 1 / V_TOK + 0.06, "the forward model stays near chance: the future of random tokens cannot be known")
if not FAST:
    check(acc_bi > 0.8, "the bidirectional model 'predicts' random tokens: it reads them from the backward direction")

# %% [markdown]
# The forward model stays at chance, as it must. The bidirectional one scores far above it on
# tokens that are random by construction: it is not predicting, it is copying $x_{t+1}$ out of
# its backward half. The second line makes the point directly: change the future and its
# "prediction" changes with it. Such a model cannot generate text either, since at
# generation time $x_{t+1}$ does not exist yet. Use bidirectional layers where the whole
# input is known before any output is needed (tagging, classification, the encoder of lesson
# 14), and one-directional layers for anything that predicts or generates.
#
# ## 7. When stacking helps
#
# A second layer reads the first layer's outputs, so each step can compute a function of a
# function: more depth per step. A task that needs it: the input is a stream of random bits,
# and the target at each step is the **parity of the last four bits**, $y_t = x_t \oplus
# x_{t-1} \oplus x_{t-2} \oplus x_{t-3}$. A parity is the classic function that a single layer
# of squashing units finds hard and a composition of layers finds easy. We train three LSTMs
# with the same data, optimiser and number of steps: one layer of H = 4, two layers of H = 4,
# and one layer wide enough (H = 7) to have about as many parameters as the two-layer one, so
# that depth and size are not confused.

# %%
PARITY_K, PARITY_T = 4, 20
PARITY_STEPS = 60 if FAST else 400


def parity_batch(n, rng):
    bits = rng.integers(0, 2, size=(n, PARITY_T))
    window = np.stack([np.pad(bits, ((0, 0), (k, 0)))[:, :PARITY_T] for k in range(PARITY_K)])
    return bits[:, :, None].astype(np.float64), window.sum(0) % 2      # (n, T, 1), (n, T)


def train_parity(num_layers, hidden):
    tg.manual_seed(0)
    layer = tg.nn.LSTM(1, hidden, num_layers=num_layers, batch_first=True, fused=True)
    head = tg.nn.Linear(hidden, 2)
    params = layer.parameters() + head.parameters()
    opt = tg.optim.Adam(params, lr=1e-2)
    rng = np.random.default_rng(0)
    for _ in range(PARITY_STEPS):
        x, y = parity_batch(32, rng)
        out, _ = layer(tg.tensor(x))
        loss = tg.nn.cross_entropy(head(out).reshape(-1, 2), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        tg.nn.clip_grad_norm(params, 1.0)
        opt.step()
    x, y = parity_batch(500, np.random.default_rng(99))
    with tg.no_grad():
        out, _ = layer(tg.tensor(x))
        pred = head(out).numpy().argmax(-1)
    # the first K-1 steps see fewer than K bits; score the steps with a full window
    return float((pred[:, PARITY_K - 1:] == y[:, PARITY_K - 1:]).mean()), sum(p.size for p in params)


parity = {}
for label, L, H_p in (("1 layer, H = 4", 1, 4), ("2 layers, H = 4", 2, 4), ("1 layer, H = 7", 1, 7)):
    parity[label] = train_parity(L, H_p)
    print(f"  {label:16s} {parity[label][1]:4d} parameters   test accuracy {parity[label][0]:.3f}")
if not FAST:
    check(parity["2 layers, H = 4"][0] > parity["1 layer, H = 4"][0] + 0.05,
          "at the same width, the second layer makes the 4-bit parity learnable within the budget")
    check(parity["1 layer, H = 7"][0] > parity["2 layers, H = 4"][0] - 0.05,
          "a single layer with as many parameters as the stack does about as well or better")
check(abs(parity["1 layer, H = 7"][1] - parity["2 layers, H = 4"][1]) < 0.1 * parity["2 layers, H = 4"][1],
      "the wide single layer has about as many parameters as the two-layer stack (within 10%)")

# %% [markdown]
# Read the three lines together. At the same width, the second layer lifts the accuracy
# clearly: the first layer can keep the recent bits, and the second combines them. The third
# line is the honest part: a single layer with about as many parameters as the stack does at
# least about as well on this short task (in the full-size run; the check says so). Depth is one way to spend parameters, good for functions built from
# functions; width is another. For longer or more structured inputs (text, speech) stacks of
# two to four layers are the usual choice; beyond that, recurrent stacks get hard to train
# without extra help such as residual connections.
#
# ## What to remember
#
# | | PyTorch style (`LSTM`) | Keras style (`Recurrent(LSTMCell)`) |
# |---|---|---|
# | input | (T, B, I), or (B, T, I) with `batch_first` | (B, T, I) |
# | returns | `output, (h_n, c_n)`, always | the last output; more with `return_sequences`, `return_state` |
# | final state | (D·L, B, H), never batch-first | each (B, H) |
# | stacking | `num_layers` | layer after layer, by hand |
# | backward direction | `bidirectional=True`, stored at the original t | `go_backwards=True`, stored in reading order |
# | dropout | between layers, new mask every step | on x_t and h_{t−1}, one mask per sequence |
# | carry state | pass `h_n` back as `hx` (detached) | `stateful=True` |
# | padded batches | `lengths=` | pad and use the PyTorch-style layer |
#
# * A bidirectional output at t has read the future: fine for labelling a finished sequence,
#   a leak for predicting the next token.
# * Stacking adds depth per step; compare it with a wider single layer before you keep it.
#
# ## Exercises
#
# Open `lessons/exercises/11_stacked_bidirectional_stateful.py`, fill in the functions marked
# `# TODO`, and run `tinygrad-rnn check 11`.
#
# 1. **`lstm_shapes`**: predict the shapes of `output`, `h_n` and `c_n` for any combination of
#    `num_layers`, `bidirectional`, `batch_first` and `proj_size`, without running a layer.
# 2. **`reverse_padded`**: reverse each sequence of a padded batch within its own length, the
#    order in which the backward direction reads it.
# 3. **`final_states_from_output`**: rebuild the top layer's `h_n` rows from a padded
#    bidirectional `output` and the lengths (where is each direction's last step?).
#
# Lesson 12 takes the same layers to the GPU.

# %%
print(f"lesson 11 ran in {time.perf_counter() - STARTED:.0f} s")
