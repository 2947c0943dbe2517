# %% [markdown]
# # 7. GRU
# > The gated recurrent unit: update and reset gates, its two published forms, its size next to the LSTM's, and a GRU trained on a memory task the RNN fails.
#
# The LSTM of lessons 5 and 6 carries two states, a hidden state h and a cell state c, and
# uses three gates to manage them. In 2014 Cho and colleagues proposed a leaner design, the
# **gated recurrent unit** (GRU): one state, two gates, and the same trick at its heart, a
# path through time along which the state is copied rather than squashed.
#
# **What you will learn**
#
# 1. the update gate z and the reset gate r, first with numbers by hand, then as equations;
# 2. a GRU step written from primitive ops in this lesson, checked equal to `tg.nn.GRUCell`;
# 3. the two forms of the GRU that libraries disagree on, `reset_after=True` (PyTorch, cuDNN,
#    Keras since TensorFlow 2) and `reset_after=False` (Cho et al. 2014, standalone Keras 2), and that they
#    give different numbers from the same weights;
# 4. how many parameters a GRU has next to an LSTM (3 gate blocks against 4);
# 5. the GRU's direct path, checked exactly, and a GRU trained on lesson 5's memory task next
#    to the plain RNN;
# 6. (exercises) the step's backward by hand, checked against autograd.
#
# Run it with `tinygrad-rnn lesson 7` (`--fast` for small sizes, `--notebook` for Jupyter).

# %%
import inspect

import matplotlib

matplotlib.use("Agg")                 # write files only; no window is opened
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lessons import check, fast, out_dir, show

OUT = out_dir("07_gru")
FAST = fast()

T_VARIANTS = 30 if FAST else 60       # steps for the comparison of the two forms

tg.set_default_dtype(tg.float64)      # exact comparisons below need float64
sigmoid_np = lambda a: 1.0 / (1.0 + np.exp(-a))


# %% [markdown]
# ## 1. One unit, by hand
#
# A GRU unit holds one number h. At each step it computes a **candidate** n (a proposal for
# the new value, between −1 and 1) and an **update gate** z between 0 and 1, and then mixes:
#
# $$h_t = (1 - z_t)\, n_t + z_t\, h_{t-1}.$$
#
# With z = 1 the unit keeps its old value exactly; with z = 0 it takes the candidate; in
# between it moves part of the way. The new value is a weighted average of the old value and
# the candidate, so it always lies between them. Let us watch a unit that holds 0.8 while
# candidates of −0.3 keep arriving, with z = 0.9 and with z = 0.2:

# %%
for z in (0.9, 0.2):
    h = 0.8
    trace = [h]
    for _ in range(5):
        h = (1 - z) * (-0.3) + z * h
        trace.append(h)
    print(f"z = {z}:  h =", "  ".join(f"{v:+.4f}" for v in trace))
check(abs(trace[-1] - (-0.3 + (0.8 + 0.3) * 0.2 ** 5)) < 1e-12,
      "h_t approaches the candidate geometrically: h_5 = n + (h_0 − n)·z^5")

# %% [markdown]
# The update gate plays the part of the LSTM's forget gate, with a twist: the same number z
# decides both how much of the old state to keep and (through 1 − z) how much of the new one
# to let in, so keeping and writing are coupled. (In the LSTM, f and i are independent.)
#
# The gradient along the state is, by the same reasoning as in lesson 5,
# $\partial h_t / \partial h_{t-1} = z_t$ along the direct path. A finite difference, with z and
# n held fixed:

# %%
def mix(h0, zs=(0.9, 0.7, 0.95), n=-0.3):
    h = h0
    for z in zs:
        h = (1 - z) * n + z * h
    return h

eps = 1e-6
slope = (mix(0.8 + eps) - mix(0.8 - eps)) / (2 * eps)
print(f"d h_3 / d h_0 = {slope:.6f};  z1·z2·z3 = {0.9 * 0.7 * 0.95:.6f}")
check(abs(slope - 0.9 * 0.7 * 0.95) < 1e-8, "along the direct path, dh_T/dh_0 is the product of the update gates")

# %% [markdown]
# ## 2. The equations
#
# The candidate is computed from the input and the old state, but the old state first passes
# a **reset gate** r: when r is near 0 the candidate ignores the past and is built from the
# input alone, which lets a unit start afresh. PyTorch's form, which `tg.nn.GRUCell` follows by
# default, is
#
# $$
# \begin{aligned}
# r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) && \text{reset gate} \\
# z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) && \text{update gate} \\
# n_t &= \tanh\big(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big) && \text{candidate} \\
# h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
# \end{aligned}
# $$
#
# The weights are stacked like the LSTM's, with three blocks of H rows in the order **r, z, n**:
# `weight_ih` is (3H, I), `weight_hh` (3H, H), `bias_ih` and `bias_hh` (3H,). (Keras stores the
# blocks in the order z, r, h and transposed; exercise 4 ports weights between the two.)
#
# As a picture (`gru_schematic.png`, drawn by `tg.viz.cell_schematic("gru")`): there is no
# separate belt; the state itself runs along the top, and the update gate mixes it with the
# candidate.

# %%
tg.viz.cell_schematic("gru", OUT / "gru_schematic.png", dpi=100)     # 1330 px wide: fits a page
show(OUT / "gru_schematic.png")

# %% [markdown]
# ## 3. Building the step from primitive ops
#
# Each line below is one line of the equations; `block(k)` slices rows `kH:(k+1)H` out of a
# stacked parameter.

# %%
def gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    """One GRU step (PyTorch's form) from primitive ops. x (B, I), h (B, H) -> (B, H)."""
    H = h.shape[1]

    def block(t, k):
        return t[k * H:(k + 1) * H]

    def from_x(k):
        return x @ block(weight_ih, k).T + block(bias_ih, k)

    def from_h(k):
        return h @ block(weight_hh, k).T + block(bias_hh, k)

    # r_t = σ(W_ir·x + b_ir + W_hr·h + b_hr)
    r = (from_x(0) + from_h(0)).sigmoid()
    # z_t = σ(W_iz·x + b_iz + W_hz·h + b_hz)
    z = (from_x(1) + from_h(1)).sigmoid()
    # n_t = tanh(W_in·x + b_in + r_t ⊙ (W_hn·h + b_hn))
    n = (from_x(2) + r * from_h(2)).tanh()
    # h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
    return (1.0 - z) * n + z * h

# %% [markdown]
# One set of weights as NumPy arrays, three ways to run them: our step, the library's cell
# loaded with the same arrays, and NumPy alone.

# %%
B, I, H = 3, 4, 5
rng = np.random.default_rng(7)
weights = {"weight_ih": rng.normal(0, 0.5, (3 * H, I)), "weight_hh": rng.normal(0, 0.5, (3 * H, H)),
           "bias_ih": rng.normal(0, 0.5, 3 * H), "bias_hh": rng.normal(0, 0.5, 3 * H)}
x_np, h_np = rng.normal(size=(B, I)), rng.normal(size=(B, H))

params = {k: tg.tensor(v, requires_grad=True) for k, v in weights.items()}
h_ours = gru_step(tg.tensor(x_np), tg.tensor(h_np), **params)

cell = tg.nn.GRUCell(I, H)
cell.load_state_dict(weights)
h_lib = cell(tg.tensor(x_np), tg.tensor(h_np))

gi = x_np @ weights["weight_ih"].T + weights["bias_ih"]
gh = h_np @ weights["weight_hh"].T + weights["bias_hh"]
(i_r, i_z, i_n), (h_r, h_z, h_n) = np.split(gi, 3, axis=1), np.split(gh, 3, axis=1)
r, z = sigmoid_np(i_r + h_r), sigmoid_np(i_z + h_z)
h_by_hand = (1 - z) * np.tanh(i_n + r * h_n) + z * h_np

print("largest difference, ours vs library:", np.abs(h_ours.numpy() - h_lib.numpy()).max())
check(np.allclose(h_ours.numpy(), h_lib.numpy(), atol=1e-13), "the gate-by-gate step equals tg.nn.GRUCell loaded with the same weights")
check(np.allclose(h_lib.numpy(), h_by_hand, atol=1e-13), "tg.nn.GRUCell equals the equations evaluated with NumPy alone")

(h_ours * h_ours).sum().backward()
(h_lib * h_lib).sum().backward()
check(all(np.allclose(params[name].grad.numpy(), p.grad.numpy(), atol=1e-12) for name, p in cell.named_parameters()),
      "and both give the same gradient for every parameter")

# %% [markdown]
# Here is the library's `forward`. It computes all three blocks with one matrix product per
# input, splits them with `chunk(3)`, and carries the second form of the GRU, which we look at
# next:

# %%
print(inspect.getsource(tg.nn.GRUCell.forward))

# %% [markdown]
# And one step drawn as a graph, coloured by the gradient of L = Σ h. Find `r`, `z` and `n`
# by name, and the `mul` by `z` that carries the old state straight to the output.

# %%
tg.manual_seed(0)
tiny = tg.nn.GRUCell(2, 2)
h_prev = tg.randn(1, 2, requires_grad=True)     # we want to see its gradient too
h_prev.name = "h_prev"
_, h_last = tg.viz.unroll_cell(tiny, tg.randn(1, 1, 2), state=h_prev, scope="gru")
loss = h_last.sum()
tg.viz.backward_with_grads(loss)
g = tg.viz.draw(loss, params=tiny, rankdir="TB",
                label="GRUCell(2, 2), PyTorch init, one step from a random state h_prev; L = sum(h_0)")
tg.viz.render(g, OUT / "gru_one_step.png")
show(OUT / "gru_one_step.png")
g                                     # in Jupyter, the last expression of a cell is drawn inline

# %% [markdown]
# Reading from the top: the input `x_0` (a blue dashed box: an input, which needs no
# gradient) and the previous state `h_prev` (drawn as a tag, since it is a leaf we asked a
# gradient for) each go through one matrix product with a stacked weight (the green-edged tags
# `W_ihᵀ`, `W_hhᵀ`) and get their bias added. Each (1, 6) result is cut into three (1, 2)
# slices by a `split`, and the slices meet pairwise in sums that feed the gates `r` and `z` and,
# through a product with `r`, the candidate `n`. The `1 − z` node computes the candidate's share.
# Notice that `h_prev` reaches the output twice: through the matrix product into the gates and
# the candidate, and straight into the product `z ⊙ h_prev` on the left (a second `h_prev`
# tag). That second route is the direct path that keeps the GRU's gradient alive.
#
# ## 4. Two GRUs with one name
#
# Cho et al. (2014) put the reset gate *before* the recurrent matrix product, on the state
# itself:
#
# $$n_t = \tanh\big(W_{in} x_t + b_{in} + W_{hn} (r_t \odot h_{t-1})\big) \qquad \text{(reset before: Cho 2014, TF1, standalone Keras 2)}$$
#
# while PyTorch and cuDNN apply it *after* the product:
#
# $$n_t = \tanh\big(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big) \qquad \text{(reset after: PyTorch, cuDNN, Keras since TF 2)}$$
#
# The "after" form is faster: $W_{hn} h_{t-1}$ no longer waits for r, so all three recurrent
# products are one matrix multiplication. Keras offers both through `reset_after`, and changed
# its default from False (standalone Keras 2) to True (`tf.keras` in TensorFlow 2, and Keras 3).
# This library defaults to True like PyTorch, with `tg.nn.GRUCell(..., reset_after=False)`
# for the original. The "before" form has no recurrent bias (only `bias_ih`): every recurrent
# term is now a plain product with h, so a bias added to it would simply add to the matching
# part of `bias_ih` and could never be told apart from it.
#
# These are different functions. Load the same weights into both, with the recurrent bias of
# the "after" cell set to zero so that the only difference left is where r acts, and run both
# over the same sequence:

# %%
I2, H2 = 3, 8
tg.manual_seed(8)
after = tg.nn.GRUCell(I2, H2)                     # reset_after=True, the default
before = tg.nn.GRUCell(I2, H2, reset_after=False)
sd = after.state_dict()
sd["weight_hh"] = sd["weight_hh"] * 4.0           # larger recurrent weights make the difference easier to see
sd["bias_hh"][:] = 0.0
after.load_state_dict(sd)
before.load_state_dict({k: v for k, v in sd.items() if k != "bias_hh"})
print("parameters of reset_after=False:", [f"{n} {p.shape}" for n, p in before.named_parameters()])

xs = tg.randn(T_VARIANTS, 1, I2)
with tg.no_grad():
    h_after = np.stack([s[0].numpy()[0] for s in tg.viz.unroll_cell(after, xs)[0]])
    h_before = np.stack([s[0].numpy()[0] for s in tg.viz.unroll_cell(before, xs)[0]])
gap = np.abs(h_after - h_before).max(axis=1)
print(f"  largest |h_after − h_before| over the run: {gap.max():.3f}")
check(gap.max() > 1e-2, "reset_after=True and reset_after=False give different states from the same weights")

# an independent NumPy run of Cho et al.'s equations for the reset-before cell
p = before.state_dict()
h_ref = np.zeros((1, H2))
for t in range(T_VARIANTS):
    gi = xs[t].numpy() @ p["weight_ih"].T + p["bias_ih"]
    i_r, i_z, i_n = np.split(gi, 3, axis=1)
    W_r, W_z, W_n = np.split(p["weight_hh"], 3, axis=0)
    r = sigmoid_np(i_r + h_ref @ W_r.T)
    z = sigmoid_np(i_z + h_ref @ W_z.T)
    n = np.tanh(i_n + (r * h_ref) @ W_n.T)            # reset *before* the product
    h_ref = (1 - z) * n + z * h_ref
check(np.allclose(h_ref[0], h_before[-1], atol=1e-12), "reset_after=False follows Cho et al.'s equations, checked with NumPy")

# with the reset gate held wide open (r = 1) the two forms must agree, since then r ⊙ (W h) = W (r ⊙ h)
sd_open = dict(sd)
sd_open["bias_ih"] = sd["bias_ih"].copy()
sd_open["bias_ih"][0:H2] = 50.0                   # r block: σ(50) = 1 in float64
after.load_state_dict(sd_open)
before.load_state_dict({k: v for k, v in sd_open.items() if k != "bias_hh"})
with tg.no_grad():
    a_last = tg.viz.unroll_cell(after, xs)[1].numpy()
    b_last = tg.viz.unroll_cell(before, xs)[1].numpy()
check(np.allclose(a_last, b_last, atol=1e-12), "with the reset gate held at 1 the two forms agree exactly")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), dpi=110)
for k, color in zip(range(3), ["#1f77b4", "#2ca02c", "#9467bd"]):
    ax1.plot(h_after[:, k], color=color, label=f"unit {k}, reset after")
    ax1.plot(h_before[:, k], color=color, linestyle="--", label=f"unit {k}, reset before")
ax1.set_xlabel("step t")
ax1.set_ylabel("h_t")
ax1.set_title("Three units of the same GRU weights, two forms")
ax1.legend(fontsize=7, ncol=2)
ax2.plot(gap, color="black")
ax2.set_xlabel("step t")
ax2.set_ylabel("max over units of |h_after − h_before|")
ax2.set_title("How far apart the two forms are")
fig.tight_layout()
fig.savefig(OUT / "reset_after_vs_before.png")
plt.close(fig)
show(OUT / "reset_after_vs_before.png")

# %% [markdown]
# On the left, each colour is one unit; solid lines are the "after" form, dashed the "before"
# form. They start together (the state before the first step is zero, so r has nothing to
# act on yet) and then go their own ways. The gap on the right does not grow without bound (both states stay in (−1, 1)),
# but it does not go away either. The practical lesson: a GRU trained in one form cannot be run
# in the other. Weights from standalone Keras 2 or from TensorFlow 1's `GRUCell` need a cell
# with `reset_after=False`, not just a reshuffle of the weight blocks; PyTorch's `nn.GRU` has
# no such form at all.
#
# ## 5. How big is a GRU?
#
# Each gate block of a cell has an input matrix (H×I), a recurrent matrix (H×H) and its
# biases. So with G blocks a cell has $G\cdot H(I + H)$ weights plus its biases, and:
#
# * RNN: G = 1, biases 2H: $H(I+H) + 2H$
# * GRU: G = 3, biases 6H (reset after) or 3H (reset before): $3H(I+H) + 6H$
# * LSTM: G = 4, biases 8H: $4H(I+H) + 8H$
#
# A GRU is three quarters of an LSTM of the same width. We count the library's parameters and
# compare them with these formulas.

# %%
def count(module):
    return sum(int(np.prod(p.shape)) for p in module.parameters())

sizes = [(32, 32), (64, 128), (128, 256)]
rows = []
for I_, H_ in sizes:
    n_rnn, n_gru = count(tg.nn.RNNCell(I_, H_)), count(tg.nn.GRUCell(I_, H_))
    n_gru_b, n_lstm = count(tg.nn.GRUCell(I_, H_, reset_after=False)), count(tg.nn.LSTMCell(I_, H_))
    rows.append((n_rnn, n_gru_b, n_gru, n_lstm))
    print(f"  I = {I_:3d}, H = {H_:3d}:  RNN {n_rnn:7,d}   GRU (before) {n_gru_b:7,d}   GRU {n_gru:7,d}   LSTM {n_lstm:7,d}"
          f"   GRU / LSTM = {n_gru / n_lstm:.3f}")
    check((n_rnn, n_gru_b, n_gru, n_lstm) == (H_ * (I_ + H_) + 2 * H_, 3 * H_ * (I_ + H_) + 3 * H_,
                                             3 * H_ * (I_ + H_) + 6 * H_, 4 * H_ * (I_ + H_) + 8 * H_),
          f"parameter counts at I = {I_}, H = {H_} match G·H(I+H) plus biases")
check(all(4 * gru == 3 * lstm for _, _, gru, lstm in rows), "a GRU (reset after) has exactly 3/4 of an LSTM's parameters")

fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
names = ["RNN", "GRU (reset before)", "GRU (reset after)", "LSTM"]
width = 0.2
for j, (name, color) in enumerate(zip(names, ["#d62728", "#9467bd", "#2ca02c", "#1f77b4"])):
    xpos = np.arange(len(sizes)) + (j - 1.5) * width
    fractions = [r[j] / r[3] for r in rows]
    ax.bar(xpos, fractions, width, label=name, color=color)
    for xp_, fr, r in zip(xpos, fractions, rows):
        ax.text(xp_, fr + 0.02, f"{r[j]:,}", ha="center", fontsize=6, rotation=90)
ax.set_xticks(np.arange(len(sizes)))
ax.set_xticklabels([f"I = {i}, H = {h}" for i, h in sizes])
ax.set_ylim(0, 1.3)
ax.set_ylabel("parameters / LSTM's parameters")
ax.set_title("Parameters of one cell (1, 3 and 4 gate blocks), as a fraction of the LSTM's")
ax.legend(fontsize=8, loc="upper left", ncol=4)
fig.tight_layout()
fig.savefig(OUT / "parameter_counts.png")
plt.close(fig)
show(OUT / "parameter_counts.png")

# %% [markdown]
# Each bar is a cell's size divided by the LSTM's of the same I and H (the number on top is the
# count itself). The pattern is the same at every size: the RNN is about a quarter of the
# LSTM, the GRU three quarters (the reset-before form a little less, having no recurrent
# bias). Fewer parameters mean a faster step and less memory; whether they also
# mean a worse model depends on the task. Comparisons across many tasks (Chung et al. 2014;
# Jozefowicz et al. 2015) found neither cell better everywhere.
#
# ## 6. Gradient flow: RNN, LSTM and GRU on one chart
#
# The direct path in the GRU multiplies the gradient by z at every step, just as the LSTM's
# belt multiplies it by f. First the exact version of that claim: with `weight_hh` set to zero
# the gates no longer depend on h, the direct path is the only one, and
# $\partial(\sum h_T)/\partial h_t = z_T \odot \cdots \odot z_{t+1}$.

# %%
tg.manual_seed(9)
lone = tg.nn.GRUCell(4, 6)
sd = lone.state_dict()
sd["weight_hh"][:] = 0.0
lone.load_state_dict(sd)
xs_lone = tg.randn(15, 2, 4)
states, h_T = tg.viz.unroll_cell(lone, xs_lone)
states[0][0].retain_grad()
h_T.sum().backward()
zs = np.stack([sigmoid_np(xs_lone[t].numpy() @ sd["weight_ih"][6:12].T + sd["bias_ih"][6:12] + sd["bias_hh"][6:12])
               for t in range(15)])                # z_t by hand: with weight_hh = 0 it sees only x_t
check(np.allclose(states[0][0].grad.numpy(), np.prod(zs[1:], axis=0), rtol=1e-10, atol=0),
      "with weight_hh = 0, dΣh_14/dh_0 is exactly the product of the update gates z_1 … z_14")

# %% [markdown]
# ## 7. Trained: the memory task of lesson 5
#
# Untrained charts say what could be learned; so we train, on lesson 5's task: name the marked
# first symbol of 20, through 19 look-alike symbols. Same data, sizes, optimiser, steps and
# seed as there (`train_to_remember` from `tinygrad_rnn.lessons`). The GRU starts with its
# update-gate bias raised by 3 (`bias_ih[H:2H] += 3`): z ≈ σ(3) ≈ 0.95, keep 95 % of the old
# state at each step, the GRU's counterpart of lesson 5's forget bias of 3. (TensorFlow 1's
# `GRUCell` started both of its gates' biases at 1; there is no named option for this in
# PyTorch or here, so we edit the parameter.)

# %%
from tinygrad_rnn.lessons import remember_the_marked, train_to_remember


def gru_keep_biased(shift: float) -> tg.nn.GRU:
    layer = tg.nn.GRU(5, 16)
    layer.bias_ih_l0.data[16:32] += shift          # rows H:2H are the update gate z
    return layer


task_train, task_test = remember_the_marked(2000, 20, seed=1), remember_the_marked(300, 20, seed=2)
runs = {}
for label, make in [("RNN (tanh)", lambda: tg.nn.RNN(5, 16)), ("GRU, update bias +3", lambda: gru_keep_biased(3.0))]:
    tg.manual_seed(0)
    runs[label] = train_to_remember(make(), 16, task_train, task_test, 100)
    print(f"{label:20s} test accuracy every 25 steps: {[round(a, 2) for a in runs[label]['accuracy']]}")

fig, ax = plt.subplots(figsize=(7, 3.8), dpi=110)
for (label, run), colour in zip(runs.items(), ("tab:red", "tab:green")):
    ax.plot(run["step"], run["accuracy"], "o-", color=colour, label=label)
ax.axhline(0.25, color="grey", ls="--", label="guessing (1 in 4)")
ax.set_ylim(0, 1.05)
ax.set_xlabel("training step (batches of 32)")
ax.set_ylabel("test accuracy")
ax.set_title("Name the marked first symbol of 20; H = 16, Adam lr 0.02, same data and seed", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "trained_rnn_vs_gru.png")
plt.close(fig)
show(OUT / "trained_rnn_vs_gru.png")
gru_acc, rnn_acc = runs["GRU, update bias +3"]["accuracy"][-1], runs["RNN (tanh)"]["accuracy"][-1]
check(gru_acc > 0.9, f"the GRU learned the task: {gru_acc:.0%} on sequences it never saw")
check(rnn_acc < 0.5, f"the plain RNN, with the same budget, is still near guessing: {rnn_acc:.0%}")

# %% [markdown]
# **Reading the picture** (`trained_rnn_vs_gru.png`). As the LSTM did in lesson 5, the GRU
# leaves the guessing line early and ends far above it (the printout gives both curves, and the
# checks above their last values), while the RNN stays near 25 %. The GRU gets there with three gate blocks instead of four. The
# mechanism is the direct path checked exactly above: the gradient from the end reaches step 0
# scaled by the update gates, which start near 0.95 and which training can hold there for the
# units that carry the symbol. One seed and one length, as in lesson 5: given more steps the
# RNN gets there on some seeds at this length; what the picture shows is the speed.
#
# ## What to remember
#
# * GRU: $h_t = (1-z_t) \odot n_t + z_t \odot h_{t-1}$; z keeps (like the LSTM's f) and r
#   decides how much of the past the candidate sees.
# * `reset_after=True` (PyTorch, cuDNN, Keras since TF 2) and `reset_after=False` (Cho 2014,
#   TF1, standalone Keras 2) are different functions; port weights only between cells of the
#   same form.
# * A GRU has 3 gate blocks to the LSTM's 4: 3/4 of the parameters at the same width.
# * Untrained, all three cells lose their gradient exponentially; gated cells can learn, or
#   be started, to keep it, and then learn a dependency the plain RNN barely starts on.
#
# ## Exercises
#
# Open `lessons/exercises/07_gru.py`, fill in the functions marked `# TODO`, and run
# `tinygrad-rnn check 7`.
#
# 1. **`gru_step_numpy`**: one GRU step in NumPy, in both forms.
# 2. **`gru_step_backward`**: the same step (PyTorch's form) *backward*, by hand: from ∂L/∂h_new
#    to the gradients of x, h and the four parameter arrays. h_new uses h three ways (directly
#    through z ⊙ h, and through the gates and the candidate); the reset gate multiplies the
#    candidate's recurrent part *after* the matrix product, so the two sides of the step see
#    different δ's.
# 3. **`count_parameters`**: the parameter count of an RNN, GRU or LSTM cell, from the formula.
# 4. **`keras_gru_to_pytorch`**: port the weights of a Keras GRU (`reset_after=True`) to
#    PyTorch's layout, so that `tg.nn.GRUCell` computes the same outputs.
#
# The check draws fresh inputs every run, compares your backward with autograd to 1e-10, and
# watches for the library (or torch) inside your NumPy functions. `tinygrad-rnn check 7 --hint`
# gives a nudge, one level deeper each time; `lessons/solutions/07_gru.py` has one way to do
# each.

# %%
print("lesson 7 finished")
