# %% [markdown]
# # 5. LSTM gate by gate
# > The cell state as a conveyor belt: four gates built from primitive ops, checked against tg.nn.LSTMCell, why the forget bias starts high, and an LSTM trained on a memory task the RNN fails.
#
# In lesson 4 we watched the gradient of a plain tanh RNN shrink step after step on its way
# back through time. Every step multiplies it by the recurrent weight matrix and by the slope
# of tanh, and a product of many such factors goes to zero (or blows up). The long short-term
# memory cell (LSTM) adds a second state, the **cell state** `c`, whose update is almost a
# plain sum. Along that sum the gradient is multiplied only by a gate value that the network
# controls. This lesson takes the LSTM apart, one gate at a time.
#
# **What you will learn**
#
# 1. what the cell state does, first with a single number worked by hand;
# 2. the four gates (input, forget, candidate, output) as equations, then as tensor code
#    written in this lesson from primitive ops, checked equal to `tg.nn.LSTMCell`;
# 3. how PyTorch (and this library) lays the four gates out in `weight_ih` and `weight_hh`;
# 4. why the forget gate's bias is usually started at 1, and what TensorFlow's `forget_bias`
#    and Keras's `unit_forget_bias` do about it;
# 5. how to read the unrolled graph coloured by gradient;
# 6. that it pays: trained on a task that needs a memory of 20 steps, the LSTM learns it while
#    the plain RNN, trained the same way, stays at guessing;
# 7. (exercises) the step's backward by hand: the six δ equations, checked against autograd.
#
# Run it with `tinygrad-rnn lesson 5` (add `--fast` for small sizes, or `--notebook` to get a
# Jupyter notebook). The pictures go to the folder printed at the end.

# %%
import inspect
import math

import matplotlib

matplotlib.use("Agg")                 # write files only; no window is opened
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lessons import check, fast, out_dir, show

OUT = out_dir("05_lstm")
FAST = fast()
T_LONG = 40 if FAST else 100          # steps for the forget-gate chart
T_DRAW = 12 if FAST else 20           # steps for the collapsed drawings

# Every comparison below is between two ways of computing the same numbers, so we work in
# float64, where they agree to about 1e-15.
tg.set_default_dtype(tg.float64)


# %% [markdown]
# ## 1. One memory cell, worked by hand
#
# Forget the matrices for a moment and look at a single cell with a single number `c` in it.
# At every step three numbers between 0 and 1 (the gates) and one number between −1 and 1
# (the candidate) decide what happens to it:
#
# * the **forget gate** `f` says how much of the old `c` to keep,
# * the **candidate** `g` is a new value that could be written,
# * the **input gate** `i` says how much of the candidate to write,
#
# and the new cell state is
#
# $$c_t = f_t \cdot c_{t-1} + i_t \cdot g_t .$$
#
# That is the whole memory: the old content, scaled, plus something new, scaled. Picture a
# conveyor belt: items (information) ride along it from step to step; the forget gate takes
# some off, the input gate puts some on. Let us store the value 1.0 and then keep the input gate
# shut (`i = 0`) for five steps, once with `f = 0.5` and once with `f = 0.95`.

# %%
for f in (0.5, 0.95):
    c = 0.0
    c = 1.0 * c + 1.0 * 1.0           # step 0: f = 1, i = 1, g = 1 writes the value 1.0
    history = [c]
    for _ in range(5):
        c = f * c + 0.0 * 0.7         # i = 0: the candidate 0.7 is offered but not written
        history.append(c)
    print(f"f = {f}:  c =", "  ".join(f"{v:.4f}" for v in history))

check(abs(history[-1] - 0.95 ** 5) < 1e-12, "with the input gate shut, c after 5 steps is f^5 times what was stored")

# %% [markdown]
# With `f = 0.95` the value is still three quarters there after five steps; with `f = 0.5` only
# 3 % is left. The same factor rules the **gradient**. Since `c_t = f_t·c_{t−1} + i_t·g_t`,
#
# $$\frac{\partial c_t}{\partial c_{t-1}} = f_t \quad(\text{along the belt}),$$
#
# so an error signal travelling back along the belt from step T to step t is multiplied by
# $f_T f_{T-1}\cdots f_{t+1}$. There is no weight matrix and no squashing slope in that product,
# only the forget gates. If the network learns to hold `f` near 1, the signal survives. (The
# gates themselves depend on the hidden state, so there are other paths too; the belt is the
# one that can be kept open.)
#
# Let us verify that derivative with a finite difference, the way we did in lesson 1:

# %%
def belt(c0, fs=(0.9, 0.8, 0.95), i=0.3, g=0.6):
    c = c0
    for f in fs:
        c = f * c + i * g
    return c

eps = 1e-6
slope = (belt(1.0 + eps) - belt(1.0 - eps)) / (2 * eps)
print(f"d c_3 / d c_0 by finite differences: {slope:.6f};  f1·f2·f3 = {0.9 * 0.8 * 0.95:.6f}")
check(abs(slope - 0.9 * 0.8 * 0.95) < 1e-8, "along the belt, dc_T/dc_0 is the product of the forget gates")

# %% [markdown]
# ## 2. The four gates as equations
#
# A real LSTM has H cells side by side, and each gate is a vector of H numbers computed from
# the current input $x_t$ (I features) and the previous hidden state $h_{t-1}$ (H features).
# PyTorch's form, which `tg.nn.LSTMCell` follows, is
#
# $$
# \begin{aligned}
# i_t &= \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) && \text{input gate} \\
# f_t &= \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) && \text{forget gate} \\
# g_t &= \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) && \text{candidate} \\
# o_t &= \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) && \text{output gate} \\
# c_t &= f_t \odot c_{t-1} + i_t \odot g_t && \text{the belt} \\
# h_t &= o_t \odot \tanh(c_t) && \text{what the cell shows}
# \end{aligned}
# $$
#
# σ is the logistic sigmoid, so the three gates lie in (0, 1); tanh keeps the candidate in
# (−1, 1). The output gate decides how much of the (squashed) memory the rest of the network
# gets to see as $h_t$. Note that $c_t$ is never squashed when it is stored: only the copy that
# goes out through $h_t$ is.
#
# **Where the weights live.** PyTorch does not keep eight matrices. It stacks the four gates'
# input weights into one `weight_ih` of shape (4H, I), in the order **i, f, g, o**, and the
# recurrent weights into `weight_hh` (4H, H); likewise `bias_ih` and `bias_hh` (4H,). Rows
# `0:H` belong to the input gate, `H:2H` to the forget gate, `2H:3H` to the candidate and
# `3H:4H` to the output gate. One big matrix product then computes all four pre-activations at
# once. (Keras uses the same order i, f, c, o but stores the transposes; TensorFlow 1's
# `LSTMCell` uses i, j, f, o, with the candidate second. Mixing these up is the classic bug when
# porting weights.)
#
# The same step as a picture (`lstm_schematic.png`, drawn by `tg.viz.cell_schematic("lstm")`):
# the belt runs straight along the top, touched only by one product (the forget gate) and one
# sum (what the input gate lets in); the gates are the boxes below it.

# %%
tg.viz.cell_schematic("lstm", OUT / "lstm_schematic.png", dpi=100)   # 1330 px wide: fits a page
show(OUT / "lstm_schematic.png")

# %% [markdown]
# ## 3. Building the cell from primitive ops
#
# Here is one LSTM step written in this lesson with nothing but tensor slicing, `@`, `+`, `*`,
# `sigmoid` and `tanh`. It takes the four parameter tensors in PyTorch's layout and slices each
# gate's block out of them, so that every line reads like one line of the equations.

# %%
def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """One LSTM step from primitive ops. x (B, I), h and c (B, H) -> new (h, c), each (B, H)."""
    H = h.shape[1]

    def pre(k):
        """Pre-activation of gate block k (0 = i, 1 = f, 2 = g, 3 = o)."""
        rows = slice(k * H, (k + 1) * H)
        return x @ weight_ih[rows].T + bias_ih[rows] + h @ weight_hh[rows].T + bias_hh[rows]

    # i_t = σ(W_ii·x + b_ii + W_hi·h + b_hi)
    i = pre(0).sigmoid()
    # f_t = σ(W_if·x + b_if + W_hf·h + b_hf)
    f = pre(1).sigmoid()
    # g_t = tanh(W_ig·x + b_ig + W_hg·h + b_hg)
    g = pre(2).tanh()
    # o_t = σ(W_io·x + b_io + W_ho·h + b_ho)
    o = pre(3).sigmoid()
    # c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
    c_new = f * c + i * g
    # h_t = o_t ⊙ tanh(c_t)
    h_new = o * c_new.tanh()
    return h_new, c_new

# %% [markdown]
# Now we make one set of random weights as plain NumPy arrays, run our step on them, load the
# *same* arrays into `tg.nn.LSTMCell` with `load_state_dict`, and compare. As a third opinion
# we also compute the step with NumPy alone, without any autograd, straight from the equations.

# %%
B, I, H = 3, 4, 5
rng = np.random.default_rng(5)
weights = {
    "weight_ih": rng.normal(0, 0.5, (4 * H, I)),
    "weight_hh": rng.normal(0, 0.5, (4 * H, H)),
    "bias_ih": rng.normal(0, 0.5, 4 * H),
    "bias_hh": rng.normal(0, 0.5, 4 * H),
}
x_np, h_np, c_np = rng.normal(size=(B, I)), rng.normal(size=(B, H)), rng.normal(size=(B, H))

# (a) our primitive-op step
params = {k: tg.tensor(v, requires_grad=True) for k, v in weights.items()}
h_ours, c_ours = lstm_step(tg.tensor(x_np), tg.tensor(h_np), tg.tensor(c_np), **params)

# (b) the library's cell with the same weights
cell = tg.nn.LSTMCell(I, H)
cell.load_state_dict(weights)
h_lib, c_lib = cell(tg.tensor(x_np), (tg.tensor(h_np), tg.tensor(c_np)))

# (c) NumPy by hand: all four blocks at once, then split
sig = lambda a: 1.0 / (1.0 + np.exp(-a))
a = x_np @ weights["weight_ih"].T + weights["bias_ih"] + h_np @ weights["weight_hh"].T + weights["bias_hh"]
a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
c_np_new = sig(a_f) * c_np + sig(a_i) * np.tanh(a_g)
h_np_new = sig(a_o) * np.tanh(c_np_new)

print("largest difference, ours vs library:", np.abs(h_ours.numpy() - h_lib.numpy()).max(),
      np.abs(c_ours.numpy() - c_lib.numpy()).max())
check(np.allclose(h_ours.numpy(), h_lib.numpy(), atol=1e-13) and np.allclose(c_ours.numpy(), c_lib.numpy(), atol=1e-13),
      "the gate-by-gate step equals tg.nn.LSTMCell loaded with the same weights")
check(np.allclose(h_lib.numpy(), h_np_new, atol=1e-13) and np.allclose(c_lib.numpy(), c_np_new, atol=1e-13),
      "tg.nn.LSTMCell equals the equations evaluated with NumPy alone")

# %% [markdown]
# The library's `forward` does the same thing, but with one matrix product for all four gates
# followed by `chunk(4)`, which is faster and gives the same numbers. Here it is, read straight
# from the installed package (the extra branches are options we meet in lesson 6):

# %%
print(inspect.getsource(tg.nn.LSTMCell.forward))

# %% [markdown]
# Forward numbers are only half the story. The gradients of our primitive-op version come from
# the autograd engine; if they match those of the library cell for every parameter, the two
# graphs are the same function in every direction that matters for training.

# %%
loss_ours = (h_ours * h_ours).sum() + c_ours.sum()
loss_lib = (h_lib * h_lib).sum() + c_lib.sum()
loss_ours.backward()
loss_lib.backward()
for name, p in cell.named_parameters():
    diff = np.abs(params[name].grad.numpy() - p.grad.numpy()).max()
    print(f"  grad of {name:9s}  max difference {diff:.1e}")
check(all(np.allclose(params[n].grad.numpy(), p.grad.numpy(), atol=1e-12) for n, p in cell.named_parameters()),
      "our step and tg.nn.LSTMCell give the same gradient for every parameter")

# finite difference on one forget-gate weight, independent of any autograd
k = H + 2                                # a row inside the forget block
def loss_np(w_ih):
    a = x_np @ w_ih.T + weights["bias_ih"] + h_np @ weights["weight_hh"].T + weights["bias_hh"]
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    c_new = sig(a_f) * c_np + sig(a_i) * np.tanh(a_g)
    h_new = sig(a_o) * np.tanh(c_new)
    return (h_new ** 2).sum() + c_new.sum()
w_plus, w_minus = weights["weight_ih"].copy(), weights["weight_ih"].copy()
w_plus[k, 1] += 1e-6
w_minus[k, 1] -= 1e-6
fd = (loss_np(w_plus) - loss_np(w_minus)) / 2e-6
print(f"  dL/dweight_ih[{k}, 1]: autograd {cell.weight_ih.grad.numpy()[k, 1]:.8f}, finite difference {fd:.8f}")
check(abs(cell.weight_ih.grad.numpy()[k, 1] - fd) < 1e-6, "autograd agrees with a finite difference on a forget-gate weight")

# %% [markdown]
# ## 4. Which block is which? An experiment
#
# The layout claim (rows `H:2H` are the forget gate, rows `0:H` the input gate) can be tested
# without reading any code. Set the forget block's bias to +50 (σ(50) is 1 to within 1e-21,
# so f = 1: keep everything) and the input block's bias to −50 (i ≈ 0: write nothing). If the
# layout is right, the cell state must stay exactly where it started, whatever the input.

# %%
frozen = tg.nn.LSTMCell(I, H)
sd = frozen.state_dict()
sd["bias_ih"][H:2 * H] = 50.0           # forget block: f = 1
sd["bias_ih"][0:H] = -50.0              # input block:  i = 0
frozen.load_state_dict(sd)
state = (tg.tensor(h_np), tg.tensor(c_np))
for t in range(10):
    state = frozen(tg.randn(B, I), state)
drift = np.abs(state[1].numpy() - c_np).max()
print(f"largest change in c after 10 steps with f = 1, i = 0: {drift:.1e}")
check(drift < 1e-12, "with the forget block's bias at +50 and the input block's at -50, c does not move: i, f, g, o order confirmed")

# %% [markdown]
# ## 5. Why the forget bias starts at 1
#
# PyTorch starts every weight and bias of an LSTM from U(−1/√H, 1/√H): small numbers around
# zero. So at the start of training the forget gate's pre-activation is near 0 and
# **f ≈ σ(0) = 0.5**. By section 1, the belt then keeps about half of its content, and half of
# its gradient, per step: after 20 steps about one millionth is left. The belt exists, but it is
# closed almost everywhere, and the network first has to learn to open it with only a tiny
# gradient to learn from.
#
# Gers, Schmidhuber and Cummins (2000), who introduced the forget gate, pointed out that a high
# forget-gate bias makes their cell behave like the original gate-free LSTM (lesson 6), and
# used a positive bias in their experiments. The common default since then is to start the
# forget bias at **1**, so f ≈ σ(1) ≈ 0.73 at first (Jozefowicz et al. 2015 found it helps
# across many tasks). Two libraries spell it differently, and the difference matters:
#
# * **Keras `unit_forget_bias=True`** (its default): the forget slice of the bias *starts* at 1
#   and is then trained like any other weight. Ours: `tg.nn.LSTMCell(..., unit_forget_bias=True)`.
#   Our bias is split in two like PyTorch's, so it sets `bias_ih[H:2H] = 1` and
#   `bias_hh[H:2H] = 0`, which sum to exactly 1.
# * **TensorFlow 1 `forget_bias=1.0`** (`BasicLSTMCell`, `LSTMCell`): a constant that is added
#   to the forget pre-activation at *every* step; it is not a parameter and is never trained.
#   Ours: `tg.nn.LSTMCell(..., forget_bias=1.0)`.
#
# At initialisation both give the same numbers. Let us measure the forget gates over a run of
# random inputs in all three settings. The helper below runs the cell and, at every step,
# evaluates the forget-gate equation on the cell's own parameters (rows `H:2H`), so it also
# tests once more that those rows are the forget gate.

# %%
def forget_gates(cell, xs):
    """f_t for every step of xs (T, B, I), computed from the cell's parameters: (T, B, H)."""
    Hc = cell.hidden_size
    state = cell.init_state(xs.shape[1])
    out = []
    with tg.no_grad():
        for t in range(xs.shape[0]):
            h_prev = state[0]
            a_f = (xs[t] @ cell.weight_ih[Hc:2 * Hc].T + cell.bias_ih[Hc:2 * Hc]
                   + h_prev @ cell.weight_hh[Hc:2 * Hc].T + cell.bias_hh[Hc:2 * Hc] + cell.forget_bias)
            out.append(a_f.sigmoid().numpy())
            state = cell(xs[t], state)
    return np.stack(out)


H_BIG = 32
tg.manual_seed(1)
xs = tg.randn(T_LONG, 4, 8)
settings = {}
for name, kwargs in [("PyTorch init", {}), ("Keras unit_forget_bias=True", dict(unit_forget_bias=True)),
                     ("TF1 forget_bias=1.0", dict(forget_bias=1.0))]:
    tg.manual_seed(2)                 # the same random draws for all three cells
    settings[name] = tg.nn.LSTMCell(8, H_BIG, **kwargs)
f_values = {name: forget_gates(c, xs) for name, c in settings.items()}
for name, fv in f_values.items():
    print(f"  {name:28s} mean f = {fv.mean():.3f}   (belt kept after 20 steps ≈ {np.exp(20 * np.log(fv).mean()):.1e})")

ufb = settings["Keras unit_forget_bias=True"]
check(np.all(ufb.bias_ih.numpy()[H_BIG:2 * H_BIG] == 1.0) and np.all(ufb.bias_hh.numpy()[H_BIG:2 * H_BIG] == 0.0),
      "unit_forget_bias=True sets bias_ih[H:2H] = 1 and bias_hh[H:2H] = 0")
check(abs(f_values["PyTorch init"].mean() - 0.5) < 0.05, "at PyTorch's initialisation the forget gates average about σ(0) = 0.5")
check(abs(f_values["TF1 forget_bias=1.0"].mean() - 1 / (1 + math.exp(-1))) < 0.05,
      "with a forget bias of 1 they average about σ(1) = 0.73")

fig, ax = plt.subplots(figsize=(7.5, 3.8), dpi=110)
bins = np.linspace(0, 1, 51)
for (name, fv), color in zip(f_values.items(), ["#1f77b4", "#2ca02c", "#ff7f0e"]):
    ax.hist(fv.ravel(), bins=bins, alpha=0.45, color=color, label=f"{name} (mean {fv.mean():.2f})")
ax.set_xlabel("forget gate value f")
ax.set_ylabel("count (all units, steps, sequences)")
ax.set_title(f"Forget gates of an untrained LSTM (H = {H_BIG}) on random inputs")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "forget_gate_values.png")
plt.close(fig)
show(OUT / "forget_gate_values.png")

# %% [markdown]
# The picture shows every forget-gate value of the run. With PyTorch's initialisation (blue)
# they cluster around 0.5; with a forget bias of 1 the whole cloud moves right, to around
# 0.73. The green (Keras) and orange (TF1) clouds nearly coincide. They are not identical
# because all three cells start from the same random draws, and Keras's recipe *replaces* the
# small random forget biases by exactly 1 while TF1's keeps them and adds 1. That shift looks modest, but it is raised to the power of the number of steps:
# 0.5²⁰ ≈ 1e-6 while 0.73²⁰ ≈ 2e-3.
#
# The two recipes stop agreeing once training starts: Keras's bias can drift away from 1 (or
# be pushed further up), TensorFlow 1's +1 stays forever. So when you port a TF1 checkpoint to
# a PyTorch-style cell, add `forget_bias` to the forget slice of the bias; when you port it
# to a cell that also has `forget_bias=1.0`, do not.
#
# The belt's gradient can be checked exactly. If we zero `weight_hh`, the gates no longer see
# the hidden state, so the belt is the *only* path from $c_t$ to $c_T$, and
# $\partial (\sum c_T) / \partial c_t = f_T \odot f_{T-1} \odot \cdots \odot f_{t+1}$ exactly.

# %%
def belt_only_check(cell, xs):
    sd = cell.state_dict()
    sd["weight_hh"][:] = 0.0
    lone = type(cell)(cell.input_size, cell.hidden_size, forget_bias=cell.forget_bias)
    lone.load_state_dict(sd)
    states, (h_T, c_T) = tg.viz.unroll_cell(lone, xs)
    for _, c_t in states:
        c_t.retain_grad()
    c_T.sum().backward()
    fs = forget_gates(lone, xs)                            # (T, B, H)
    t = 0
    expected = np.prod(fs[t + 1:], axis=0)                 # f_T ⊙ … ⊙ f_1
    got = states[t][1].grad.numpy()
    return got, expected

for name in ("PyTorch init", "Keras unit_forget_bias=True"):
    got, expected = belt_only_check(settings[name], xs[:20])
    print(f"  {name:28s} mean dΣc_19/dc_0 = {got.mean():.2e}  (product of forget gates {expected.mean():.2e})")
    check(np.allclose(got, expected, rtol=1e-10, atol=0), f"{name}: with weight_hh = 0, dL/dc_0 is exactly the product of forget gates")

# %% [markdown]
# ## 6. The unrolled graph, coloured by gradient
#
# Time to look. We unroll a small LSTM (H = 2) for two steps, take L = Σ h over the last
# hidden state, and run `tg.viz.backward_with_grads(L)`, an ordinary backward pass that keeps
# every node's gradient so the drawing can colour it. Darker red means a larger ‖∂L/∂node‖; the
# scale runs from 1e-8 (palest) to 1 (dark red) and is the same in every picture. Time runs
# from top to bottom (`rankdir="TB"`).

# %%
tg.manual_seed(0)
small = tg.nn.LSTMCell(2, 2)
x_small = tg.randn(2, 1, 2)
_, (h_T, _) = tg.viz.unroll_cell(small, x_small, scope="lstm")
loss = h_T.sum()
tg.viz.backward_with_grads(loss)
g = tg.viz.draw(loss, params=small, rankdir="TB", label="LSTMCell(2, 2), PyTorch init, untrained; L = sum(h_1)")
tg.viz.render(g, OUT / "lstm_graph_2_steps.png")
show(OUT / "lstm_graph_2_steps.png")
g                                     # in Jupyter, the last expression of a cell is drawn inline

# %% [markdown]
# Each grey cluster is one time step (`t=0`, `t=1`). Inside it, read from the top: the input
# `x_t` and the previous `h` are multiplied by the transposed weights (the `@` ops, with the
# weights as small green-edged tags `W_ihᵀ`, `W_hhᵀ`), the two biases are added, and the (1, 8)
# result is cut into four (1, 2) slices by one `split`. Each slice goes through a `sigmoid` or `tanh`
# and comes out as a gate named `i`, `f`, `g` or `o`. Then find `c_0` and `c_1`: each is a sum of
# two products, f times the old c and i times g. Step 1 reads `c_0` (the small tag `c_0` next to
# its `f ⊙ c_0`): that product is the conveyor belt. The parameters are drawn as a tag at every
# use, so both steps show their own `W_ihᵀ`, `W_hhᵀ`, `b_ih` and `b_hh`: one set of weights,
# used at every step.
#
# Two details worth a second look. In step 0 the forget gate `f` shows `|grad| 0`, the palest
# colour: it multiplies the initial cell state, which is zero, so changing f at step 0 cannot
# change anything (∂L/∂f_0 = ∂L/∂c_0 ⊙ c_{−1} = 0). For the same reason the transposed
# `weight_hh` of step 0 gets no gradient: it multiplies the initial hidden state, also zero.
#
# The full graph gets crowded fast. The **collapsed** view draws one box per time step, with
# one row for ‖∂L/∂h_t‖ and one for ‖∂L/∂c_t‖; the thick teal edges are the belt. We draw the
# same untrained LSTM twice, at PyTorch's initialisation and with `unit_forget_bias=True`,
# with the same seed and the same inputs.

# %%
def collapsed_picture(cell, xs, caption, path):
    """Draw the collapsed graph; return ‖∂L/∂c_t‖ for every step t (the numbers in its c row)."""
    states, (h_last, _) = tg.viz.unroll_cell(cell, xs, scope="lstm")
    loss = h_last.sum()
    tg.viz.backward_with_grads(loss)
    tg.viz.render(tg.viz.draw(loss, collapse=True, steps_per_row=7, label=caption), path)
    show(path)
    return np.array([np.linalg.norm(c_t.grad.numpy()) for _, c_t in states])

xs_draw = tg.randn(T_DRAW, 1, 8)
tg.manual_seed(2)
belt_pytorch = collapsed_picture(tg.nn.LSTMCell(8, 16), xs_draw,
                                 f"LSTMCell(8, 16), PyTorch init (f ≈ 0.5), untrained; L = sum(h_{T_DRAW - 1})",
                                 OUT / "lstm_collapsed_pytorch_init.png")
tg.manual_seed(2)
belt_bias_1 = collapsed_picture(tg.nn.LSTMCell(8, 16, unit_forget_bias=True), xs_draw,
                                f"LSTMCell(8, 16), unit_forget_bias=True (f ≈ 0.73), untrained; L = sum(h_{T_DRAW - 1})",
                                OUT / "lstm_collapsed_forget_bias_1.png")
# how much ‖∂L/∂c_t‖ shrinks per step back, on average over the whole row (a geometric mean)
per_step = {name: (row[-1] / row[0]) ** (1 / (len(row) - 1))
            for name, row in (("PyTorch init", belt_pytorch), ("forget bias 1", belt_bias_1))}
for name, row in (("PyTorch init", belt_pytorch), ("forget bias 1", belt_bias_1)):
    print(f"  {name:14s} ‖∂L/∂c_t‖ from {row[-1]:.2g} at t = {len(row) - 1} to {row[0]:.2g} at t = 0: "
          f"÷{per_step[name]:.2f} per step back on average")
check(per_step["PyTorch init"] > per_step["forget bias 1"] > 1,
      "both belts lose gradient step by step, the one with forget bias 1 more slowly")

# %% [markdown]
# Read both pictures from right to left, the way the gradient travels. In the first one
# (PyTorch's initialisation) the boxes fade within a handful of steps: the forget gates are
# near one half, and the numbers in the `c` row fall by the average factor per step printed
# above. In the second one (forget bias 1) the colour survives much further
# back along the teal belt, and the printed factor is smaller. Be
# honest about what this shows: both cells are untrained, and neither keeps its gradient
# forever; a forget bias of 1 slows the decay, it does not stop it. Training is what pushes
# the forget gates of the units that need a long memory towards 1.
#
# ## 7. Trained: a memory task the RNN fails and the LSTM learns
#
# Gradient charts of untrained cells only say what *could* be learned. So let us train. The
# task (`remember_the_marked` in `tinygrad_rnn.lessons`): a sequence of 20 random symbols from
# an alphabet of four, the first one marked; at the end, name the marked symbol. The later
# symbols look exactly like the marked one, so a model must write it at step 0 and then keep it
# through 19 look-alike inputs. Guessing gives 25 %.
#
# Both models get 16 units, a linear read-out of the last output, the same data, the same
# optimiser (Adam, learning rate 0.02, gradients clipped to norm 1) and the same 100 steps of
# 32 sequences. The LSTM starts with a forget bias of 3: σ(3) ≈ 0.95, so its belt keeps about
# 0.95²⁰ ≈ 0.36 of what was written at step 0 before training has done anything (the exercise
# `steps_until_forgotten` asks the same question the other way round). The training loop:

# %%
from tinygrad_rnn.lessons import remember_the_marked, train_to_remember

print(inspect.getsource(train_to_remember))

# %%
T_TASK, H_TASK, STEPS = 20, 16, 100
task_train, task_test = remember_the_marked(2000, T_TASK, seed=1), remember_the_marked(300, T_TASK, seed=2)
runs = {}
for label, make in [("RNN (tanh)", lambda: tg.nn.RNN(5, H_TASK)),
                    ("LSTM, forget bias 3", lambda: tg.nn.LSTM(5, H_TASK, forget_bias=3.0))]:
    tg.manual_seed(0)
    runs[label] = train_to_remember(make(), H_TASK, task_train, task_test, STEPS)
    print(f"{label:20s} test accuracy every 25 steps: {[round(a, 2) for a in runs[label]['accuracy']]}")

fig, ax = plt.subplots(figsize=(7, 3.8), dpi=110)
for (label, run), colour in zip(runs.items(), ("tab:red", "tab:blue")):
    ax.plot(run["step"], run["accuracy"], "o-", color=colour, label=label)
ax.axhline(0.25, color="grey", ls="--", label="guessing (1 in 4)")
ax.set_ylim(0, 1.05)
ax.set_xlabel("training step (batches of 32)")
ax.set_ylabel("test accuracy")
ax.set_title(f"Name the marked first symbol of {T_TASK}; H = {H_TASK}, Adam lr 0.02, same data and seed", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "trained_rnn_vs_lstm.png")
plt.close(fig)
show(OUT / "trained_rnn_vs_lstm.png")
rnn_acc, lstm_acc = runs["RNN (tanh)"]["accuracy"][-1], runs["LSTM, forget bias 3"]["accuracy"][-1]
check(lstm_acc > 0.9, f"the LSTM learned the task: {lstm_acc:.0%} on sequences it never saw")
check(rnn_acc < 0.5, f"the plain RNN, with the same budget, is still near guessing: {rnn_acc:.0%}")

# %% [markdown]
# **Reading the picture** (`trained_rnn_vs_lstm.png`). The LSTM leaves the guessing line early
# and ends far above it; the RNN, trained the same way, stays near 25 % (the printout gives both
# curves, and the checks above their last values). The difference is the path of section 6: the gradient that
# tells step 0 "write this symbol, it matters at the end" reaches step 0 along the belt, scaled
# by the forget gates, while in the RNN it has passed through 19 tanh Jacobians. Be honest about
# the limits of one run: this is one seed and one length; at this length the RNN gets there on
# some seeds given more steps, and both get harder as the sequence grows (lesson 8 measures
# that). What the picture shows reliably is the *speed*: the gated cell learns a long-range
# dependency that the plain one barely starts on.
#
# ## What to remember
#
# * The cell state is updated by $c_t = f_t \odot c_{t-1} + i_t \odot g_t$; along it the gradient
#   is multiplied only by the forget gates.
# * PyTorch stores the gates as blocks i, f, g, o of `weight_ih` (4H, I) and `weight_hh` (4H, H).
# * At PyTorch's initialisation f ≈ 0.5 and the belt leaks; start the forget bias at 1
#   (`unit_forget_bias=True`, or TF1's constant `forget_bias=1.0`) to open it.
#
# ## Exercises
#
# Open `lessons/exercises/05_lstm.py`, fill in the functions marked `# TODO`, and run
# `tinygrad-rnn check 5` to see which ones are right.
#
# 1. **`lstm_step_numpy`**: one LSTM step in plain NumPy, from PyTorch-layout weights.
# 2. **`lstm_step_backward`**: the same step *backward*, by hand: given ∂L/∂h_new and ∂L/∂c_new,
#    the gradients of x, h, c and all four parameter arrays. Work out the six δ's: the gradient
#    reaching c_new along both of its uses, the four gates' pre-activations, and the old cell
#    state (the one that flows along the belt, times f). Everything else is a linear map.
# 3. **`steps_until_forgotten`**: with a constant forget-gate pre-activation b, after how many
#    steps does the belt keep less than a given fraction?
# 4. **`tf1_bias_to_pytorch`**: turn a TensorFlow 1 `LSTMCell` bias (order i, j, f, o, plus the
#    constant `forget_bias`) into PyTorch's `bias_ih` layout.
#
# The check draws fresh sizes and numbers every run, compares your backward with autograd to
# 1e-10 (finite differences do not get there), and watches for the library inside your NumPy
# functions: loading the weights into `tg.nn.LSTMCell` is caught. Stuck?
# `tinygrad-rnn check 5 --hint` gives a nudge, one level deeper each time you ask;
# `lessons/solutions/05_lstm.py` has one way to do each.
#
# Lesson 6 goes back to 1997, to the LSTM without a forget gate, and asks why the forget gate
# was needed at all.
