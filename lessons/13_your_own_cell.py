# %% [markdown]
# # 13. Build your own cell
# > Design a new recurrent cell, write it in fifteen lines on tg.nn.RNNCellBase, gradcheck it, draw it, stack it, run it both ways, and race it against an LSTM on the adding problem.
#
# The cells in `tg.nn` are not special. A layer only needs an object that turns
# `(x_t, state)` into a new state; write that for an idea of your own and the library gives
# you the rest: stacking, both directions, padded batches, graph drawings, gradient checks,
# training. This lesson designs a cell, builds it and puts it through everything.
#
# **What you will learn**
#
# 1. how to go from a question ("what does this task need to remember?") to cell equations;
# 2. the contract of `tg.nn.RNNCellBase` and how little it asks;
# 3. how to trust a new cell before training it: `tg.gradcheck` in float64;
# 4. how to look at it: its graph, and its gradient flow through time next to an LSTM's;
# 5. running it stacked and bidirectional, PyTorch style and Keras style;
# 6. training it on the adding problem (lesson 8) against an LSTM with the same budget.
#
# Run it with `tinygrad-rnn lesson 13` (`--fast` for small sizes, `--notebook` for Jupyter).

# %%
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # steadier speed on small, busy machines
import time

import matplotlib

matplotlib.use("Agg")                 # write files only; no window is opened
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.data.adding import adding_problem
from tinygrad_rnn.lessons import check, fast, out_dir, show

OUT = out_dir("13_your_own_cell")
FAST = fast()


# %% [markdown]
# ## 1. Designing a cell from what the task needs
#
# The adding problem (lesson 8): at each step the network reads a pair (value, marker). Two
# steps carry the marker 1; at the end it must output the **sum of the two marked values**.
# What would a perfect memory for this task do? At each step: *if* the marker is on, *add* the
# value to a running sum; otherwise leave the sum alone. So the cell needs
#
# * a running sum that is carried unchanged when nothing happens (no squashing, no matrix in
#   the way: the gradient along it should not shrink);
# * a gate that decides how much of the new value to **add**, computed from the input;
# * a gate that decides how much of the old sum to **keep** (to reset it, should a task need that).
#
# That gives our cell, which we call the **gated accumulator**. It is a design for this lesson,
# not a cell from a paper: an LSTM's cell state with the output gate and the tanh squashing
# taken away, and the state itself used as the output.
#
# $$
# \begin{aligned}
# f_t &= \sigma(W_f x_t + U_f h_{t-1} + b_f) && \text{keep gate} \\
# i_t &= \sigma(W_i x_t + U_i h_{t-1} + b_i) && \text{add gate} \\
# v_t &= W_v x_t + b_v && \text{the value to add (linear: no squashing)} \\
# h_t &= f_t \odot h_{t-1} + i_t \odot v_t && \text{the running sum}
# \end{aligned}
# $$
#
# Along the sum, ∂h_t/∂h_{t−1} contains the term diag(f_t): exactly the LSTM's "conveyor belt"
# from lesson 5. The risk of a linear value: nothing bounds h, so the keep gate must stay below 1
# for long sequences. That is the kind of trade-off you make when you design a cell.
#
# ## 2. The cell in code
#
# The contract of `tg.nn.RNNCellBase` (see `docs/custom_cell.md`): name the state's parts in
# `state_names`, call `super().__init__(input_size, hidden_size)`, make parameters with
# `self.new_parameter(shape)`, and write `forward(x, state) -> new_state` with tensor ops only.
# We keep PyTorch's habit of stacking the gates' weights into one matrix (rows in the order
# f, i, v), so one matrix product serves all three.

# %%
class GatedAccumulator(tg.nn.RNNCellBase):
    """x: (B, I), h: (B, H) -> h': (B, H).  h' = f ⊙ h + i ⊙ v  (f, i gates; v a linear value)."""
    state_names = ("h",)

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__(input_size, hidden_size)
        H = hidden_size
        self.weight_ih = self.new_parameter((3 * H, input_size))     # [W_f; W_i; W_v]
        self.weight_hh = self.new_parameter((2 * H, H))              # [U_f; U_i]: v ignores h
        self.bias_ih = self.new_parameter((3 * H,)) if bias else None  # [b_f; b_i; b_v]

    def forward(self, x, h):
        a = x @ self.weight_ih.T
        if self.bias_ih is not None:
            a = a + self.bias_ih
        a_f, a_i, v = a.chunk(3, dim=1)
        r_f, r_i = (h @ self.weight_hh.T).chunk(2, dim=1)
        # f_t = σ(W_f·x_t + U_f·h_{t−1} + b_f)
        f = (a_f + r_f).sigmoid()
        f.name = "f"
        # i_t = σ(W_i·x_t + U_i·h_{t−1} + b_i)
        i = (a_i + r_i).sigmoid()
        i.name = "i"
        # v_t = W_v·x_t + b_v  (already in a: the third block)
        v.name = "v"
        # h_t = f_t ⊙ h_{t−1} + i_t ⊙ v_t
        h_new = f * h + i * v
        h_new.name = "h"
        return h_new


tg.manual_seed(13)
cell = GatedAccumulator(2, 4)
print(cell)
print([(name, tuple(p.shape)) for name, p in cell.named_parameters()])
h = cell(tg.randn(3, 2))                  # no state given: the base class starts from zeros
print("one step from zeros:", tuple(h.shape))

# %% [markdown]
# The base class did three things for free here: it started from a zero state of the right
# shape, it checked the input's shape (try `cell(tg.randn(3, 5))`: a `ShapeError` that names
# `GatedAccumulator` and the shapes), and it registered the parameters in the order we wrote
# them.
#
# **Check yourself, by hand.** Before anything else, one step computed with NumPy from the
# cell's own weights must match the cell:

# %%
W, U, b = (p.numpy().astype(np.float64) for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih))
x_np, h_np = np.random.default_rng(0).normal(size=(3, 2)), np.random.default_rng(1).normal(size=(3, 4))
sig = lambda z: 1 / (1 + np.exp(-z))
a_np = x_np @ W.T + b
r_np = h_np @ U.T
f_np, i_np = sig(a_np[:, :4] + r_np[:, :4]), sig(a_np[:, 4:8] + r_np[:, 4:])
want = f_np * h_np + i_np * a_np[:, 8:]
got = cell(tg.tensor(x_np, dtype=tg.float32), tg.tensor(h_np, dtype=tg.float32)).numpy()
check(np.allclose(got, want, atol=1e-5), "one step of the cell equals the equations worked in NumPy")

# %% [markdown]
# ## 3. Gradcheck: is the backward pass right?
#
# We wrote no backward code: autograd derives it from the ops. But a detached tensor or a wrong
# custom op would silently give wrong gradients, so we compare with finite differences.
# `tg.gradcheck(fn, inputs)` perturbs every input in float64 and compares the change in the
# output with what backpropagation says. We unroll three steps, so the check covers the
# gradient through time too, and include the parameters among the inputs.

# %%
small = GatedAccumulator(2, 3).double()
xs = [tg.randn(2, 2, dtype=tg.float64, requires_grad=True) for _ in range(3)]
h0 = tg.randn(2, 3, dtype=tg.float64, requires_grad=True)


def three_steps(x0, x1, x2, h0, weight_ih, weight_hh):
    small.weight_ih, small.weight_hh = weight_ih, weight_hh
    return small(x2, small(x1, small(x0, h0)))


ok = tg.gradcheck(three_steps, xs + [h0, small.weight_ih, small.weight_hh])
check(ok, "gradcheck passes for three unrolled steps: inputs, initial state and both weight matrices")

# %% [markdown]
# ## 4. Looking at it
#
# First the graph of two steps, with the gradient of L = Σ h_1 on every node (the library counts
# steps from 0). The gate names we set (`f`, `i`, `v`, `h`) become the labels. Time runs left to
# right and each step top to bottom (`rankdir="TB"`), which keeps the picture narrow.

# %%
tg.manual_seed(4)
draw_cell = GatedAccumulator(2, 3)
_, h_last = tg.viz.unroll_cell(draw_cell, tg.randn(2, 1, 2), scope="gatedaccumulator")
loss = h_last.sum()
tg.viz.backward_with_grads(loss)
graph = tg.viz.draw(loss, params=draw_cell, rankdir="TB", label="GatedAccumulator, 2 steps, untrained; L = sum(h_1)")
path = tg.viz.render(graph, OUT / "gated_accumulator_graph.png")
show(path)

# %% [markdown]
# Each step box holds two matrix products feeding the gates `f` and `i`, the value `v` split off
# the input product, and the sum `h`. The edge from `h_0` straight into the product `f ⊙ h`
# is the accumulator's belt; the other path from `h_0` goes through `weight_hh` and the gates.
#
# Next, how the gradient survives through time at initialisation, next to lesson 5's cells.
# `tg.viz.gradient_flow` unrolls a cell over T steps and records ‖∂L/∂h_t‖ for L = Σ h_T.

# %%
T_FLOW, H_FLOW = (40, 16) if FAST else (100, 32)
tg.manual_seed(5)
x_flow = tg.randn(T_FLOW, 1, 2)
open_cell = GatedAccumulator(2, H_FLOW)
open_cell.bias_ih.data[:H_FLOW] += 2.0    # rows 0:H are b_f: start the keep gate at about σ(2) ≈ 0.88
flows = [tg.viz.gradient_flow(tg.nn.RNNCell(2, H_FLOW), x_flow, label="RNN (tanh)"),
         tg.viz.gradient_flow(tg.nn.LSTMCell(2, H_FLOW), x_flow, label="LSTM, PyTorch init"),
         tg.viz.gradient_flow(GatedAccumulator(2, H_FLOW), x_flow, label="GatedAccumulator, PyTorch-style init"),
         tg.viz.gradient_flow(open_cell, x_flow, label="GatedAccumulator, keep bias +2")]
path = OUT / "gradient_flow.png"
fig = tg.viz.plot_gradient_flow(flows, path, title=f"‖∂L/∂h_t‖, L = Σ h_T, T = {T_FLOW}, H = {H_FLOW}, untrained")
plt.close(fig)
show(path)
per_step = {}
for fl in flows:
    h = fl.norms["h"]
    per_step[fl.label] = (h[0] / h[-1]) ** (1 / (len(h) - 1))      # geometric mean over the steps
    print(f"  {fl.label:38s} ‖∂L/∂h_0‖ = {h[0]:.1e}   ×{per_step[fl.label]:.2f} per step back on average")
check(per_step["GatedAccumulator, PyTorch-style init"] < 0.75 < per_step["GatedAccumulator, keep bias +2"],
      "the plain keep gate loses gradient fast per step; the open one keeps far more")
check(flows[3].norms["h"][0] > 1e3 * flows[2].norms["h"][0],
      "with the keep gate started near 0.88, over 1000x more gradient reaches step 0")

# %% [markdown]
# Be honest about what this shows. At the PyTorch-style initialisation our keep gate sits near
# σ(0) = 0.5, just like the LSTM's forget gate, so the accumulator's gradient decays
# exponentially too: a straight line on the log scale, roughly as steep as the RNN's (the
# average factor per step of every curve is printed above). Having a belt is not enough; it
# must be open. Start the keep gate's bias at 2 (the same trick as the LSTM's forget bias in
# lesson 5), so that the keep gate starts near σ(2) ≈ 0.88 instead of 0.5, and the line
# becomes far flatter. In training we keep
# the plain initialisation, to compare with a plain LSTM; try the open one yourself.
#
# ## 5. Stacked and bidirectional, both styles
#
# Since our class follows the contract, the layers take it as it is. PyTorch style, pass the
# class as `cell=`: the layer builds one cell per layer and direction and names the parameters
# the PyTorch way.

# %%
T_SEQ, B = 5, 3
layer = tg.nn.RNN(2, 4, num_layers=2, bidirectional=True, cell=GatedAccumulator)
out, h_n = layer(tg.randn(T_SEQ, B, 2))
print("PyTorch style:", tuple(out.shape), tuple(h_n.shape))
print("parameters:", [n for n, _ in layer.named_parameters()][:6], "...")
check(tuple(out.shape) == (T_SEQ, B, 8) and tuple(h_n.shape) == (4, B, 4),
      "a 2-layer bidirectional RNN of our cells gives output (T, B, 2H) and h_n (2·2, B, H)")
check(layer.cells[2].input_size == 8, "the second layer's cells read both directions of the first (2H features)")

keras = tg.nn.Bidirectional(tg.nn.Recurrent(GatedAccumulator(2, 4), return_sequences=True))
y = keras(tg.randn(B, T_SEQ, 2))
print("Keras style:", tuple(y.shape))
same = np.array_equal(keras.forward_layer.cell.weight_ih.numpy(), keras.backward_layer.cell.weight_ih.numpy())
check(tuple(y.shape) == (B, T_SEQ, 8) and not same,
      "Bidirectional(Recurrent(our cell)) works, and its backward copy got weights of its own")

# %% [markdown]
# ## 6. Training: the adding problem, against an LSTM
#
# Both models read the sequence with `tg.nn.Recurrent` (Keras style, last output only) and put
# a `tg.nn.Linear(H, 1)` on top. Same hidden size, same data, same optimiser (Adam), same
# learning rate, same number of steps, same gradient clipping: the only difference is the cell.
# Predicting the constant 1 gives a mean squared error of about 1/6: a model must go below
# that to have learned anything.

# %%
T_ADD, H, STEPS, LR, BATCH = (10, 16, 300, 3e-3, 32) if FAST else (30, 32, 1000, 3e-3, 32)
train_x, train_y = adding_problem(2000, T_ADD, seed=1)
test_x, test_y = adding_problem(500, T_ADD, seed=2)
BASELINE = float(np.mean((test_y - 1.0) ** 2))


def train(make_cell, label):
    tg.manual_seed(0)
    layer = tg.nn.Recurrent(make_cell())
    head = tg.nn.Linear(H, 1)
    params = list(layer.parameters()) + list(head.parameters())
    opt = tg.optim.Adam(params, lr=LR)
    batches = np.random.default_rng(0)
    losses, start = [], time.perf_counter()
    for _ in range(STEPS):
        idx = batches.integers(0, len(train_x), BATCH)
        loss = tg.nn.mse_loss(head(layer(tg.tensor(train_x[idx]))), tg.tensor(train_y[idx]))
        opt.zero_grad()
        loss.backward()
        tg.nn.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(loss.item())
    with tg.no_grad():
        test = tg.nn.mse_loss(head(layer(tg.tensor(test_x))), tg.tensor(test_y)).item()
    n_params = sum(int(np.prod(p.shape)) for p in params)
    print(f"{label:18s} {n_params:6d} parameters  {time.perf_counter() - start:5.1f} s  test MSE {test:.4f}"
          f"  (baseline {BASELINE:.4f})")
    return np.array(losses), test


curves = {"GatedAccumulator": train(lambda: GatedAccumulator(2, H), "GatedAccumulator"),
          "LSTM": train(lambda: tg.nn.LSTMCell(2, H), "LSTM")}

fig, ax = plt.subplots(figsize=(7, 4.2))
window = 20
for (label, (losses, test)), colour in zip(curves.items(), ("tab:green", "tab:blue")):
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax.plot(np.arange(len(smooth)) + window, smooth, color=colour, label=f"{label} (test MSE {test:.3f})")
ax.axhline(BASELINE, color="grey", ls="--", label="always answer 1 (baseline)")
ax.set_yscale("log")
ax.set_xlabel("training step")
ax.set_ylabel(f"training MSE, mean of {window} steps")
ax.set_title(f"Adding problem, T = {T_ADD}, H = {H}, Adam lr = {LR}, batch {BATCH}")
ax.legend(fontsize=9)
fig.tight_layout()
path = OUT / "adding_problem.png"
fig.savefig(path, dpi=110)
plt.close(fig)
show(path)

for label, (losses, _) in curves.items():
    check(losses[-window:].mean() < losses[:window].mean(), f"{label}: the training loss went down")
if not FAST:
    check(curves["GatedAccumulator"][1] < BASELINE / 5, "the gated accumulator beats the baseline by more than 5x on test data")
for label, (_, test) in curves.items():
    print(f"{label:18s} test MSE {test:.4f}: " + (f"{BASELINE / test:.1f} times below" if test < BASELINE else
                                                 "not below") + f" the baseline {BASELINE:.4f}")
n_acc = sum(int(np.prod(p.shape)) for p in GatedAccumulator(2, H).parameters())
n_lstm = sum(int(np.prod(p.shape)) for p in tg.nn.LSTMCell(2, H).parameters())
print(f"cell parameters at H = {H}: GatedAccumulator {n_acc}, LSTMCell {n_lstm} ({n_lstm / n_acc:.2f} times as many)")
check(1.5 < n_lstm / n_acc < 2.5, "the LSTM cell has about twice the accumulator's parameters")

# %% [markdown]
# What the chart shows (at full size, T = 30; the `--fast` run is too short to say much). Both
# curves start near the baseline: early on, the best a model can do is to answer the mean. Then
# the accumulator's loss falls far below it (the factor on test data is printed above): its
# equations contain the solution (open the add gate on the marker, add the value), and
# gradient descent only has to find it. How fast the LSTM follows depends on the seed and the
# learning rate; with this budget it may still be on the plateau (its factor is printed too).
# Try it longer, or with a learning rate of 1e-2, and see whether it gets there: it is the more
# general cell, and pays for that with more to learn (its candidate is squashed by tanh, its
# output by the output gate) and about twice as many parameters (the count is printed above). A cell shaped after the task is a strong prior: it helps on that
# task and may hurt on others. Try ours on lesson 6's tasks.
#
# ## What to remember
#
# * A cell is `state_names`, `__init__` with `new_parameter`, and `forward(x, state)` from tensor
#   ops. Everything else (layers, drawings, checks, both styles) comes from the library.
# * Before training a new cell: compare one step with NumPy, then `tg.gradcheck` a few unrolled
#   steps in float64.
# * Look at its gradient flow at initialisation and say honestly what it shows.
#
# ## Exercises
#
# Open `lessons/exercises/13_your_own_cell.py`, fill in the parts marked `# TODO`, and run
# `tinygrad-rnn check 13`.
#
# 1. **`IndRNNCell`**: the independently recurrent cell of Li et al. (2018),
#    h_t = relu(W x_t + u ⊙ h_{t−1} + b), where u is a *vector*: each unit only sees its own
#    past. Write `__init__` and `forward` as a cell class, as this lesson did for
#    `GatedAccumulator`. The check then does to your cell what this lesson did to its own: it
#    compares one step with NumPy, gradchecks three unrolled steps in float64, stacks it in a
#    two-layer bidirectional `tg.nn.RNN`, draws one step (`tg.viz.to_dot`: a `relu` and all
#    three parameters must be in the picture), and trains it with Adam to sum sequences of six
#    numbers (the loss must fall below a fifth of where it started).
# 2. **`indrnn_gradient_product`**: for that cell, ∂h_T/∂h_0 is diagonal. Compute its
#    diagonal from u and the pre-activations, by hand (NumPy only; the check watches for the
#    library).
#
# Every run draws fresh weights and inputs. `tinygrad-rnn check 13 --hint` gives a nudge, one
# level deeper each time; `lessons/solutions/13_your_own_cell.py` has one way to do each.
#
# Lesson 14 goes beyond recurrence: attention.
