# %% [markdown]
# # 6. The constant error carousel
# > The 1997 LSTM without a forget gate, why its state drifts, the forget gate of 2000, peephole connections, the two hard sigmoids, and both cells trained on a memory task.
#
# Lesson 5 took apart the LSTM that PyTorch, Keras and TensorFlow ship today. That cell is not
# the one Hochreiter and Schmidhuber published in 1997. Theirs had no forget gate: its memory
# was a pure running sum, which they called the **constant error carousel** (CEC). This lesson
# goes back to that design, shows what it does well (gradients that do not fade at all) and
# what goes wrong with it (a state that drifts and saturates), and then follows the fixes and
# variants that came after:
#
# 1. the carousel: why a linear unit with a self-connection of weight 1 keeps errors alive;
# 2. the 1997 cell, `tg.nn.LSTMCell(..., forget_gate=False)`, and its drifting state,
#    measured over a long input stream;
# 3. the forget gate of Gers, Schmidhuber and Cummins (2000), which lets the cell reset itself;
# 4. peephole connections (Gers, Schraudolph and Schmidhuber 2002; Graves 2013) and
#    TensorFlow's `use_peepholes` and `forget_bias` (our `peepholes` and `forget_bias`);
# 5. the "hard sigmoid" gates of old Keras, and why Keras 3 and PyTorch mean something else by
#    the same name.
#
# Run it with `tinygrad-rnn lesson 6` (`--fast` for small sizes, `--notebook` for Jupyter).
# Lesson 5 is useful background, but this lesson runs on its own.

# %%
import inspect
import math

import matplotlib

matplotlib.use("Agg")                 # write files only; no window is opened
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lessons import check, fast, out_dir, show

OUT = out_dir("06_constant_error_carousel")
FAST = fast()
T_STREAM = 400 if FAST else 2000      # length of the long input stream in section 2

tg.set_default_dtype(tg.float64)      # exact comparisons below need float64
sigmoid_np = lambda a: 1.0 / (1.0 + np.exp(-a))


# %% [markdown]
# ## 1. The carousel
#
# Lesson 4 ended with a diagnosis: back-propagating through a recurrent unit multiplies the
# error, once per step, by the unit's self-weight times the slope of its activation. For one
# unit $s_t = \phi(w\, s_{t-1} + \ldots)$ that factor is $w\,\phi'(\cdot)$, and over T steps
# the error is scaled by its T-th power: it vanishes if the factor is below 1 and explodes if it
# is above.
#
# Hochreiter and Schmidhuber's answer was to make the factor **exactly 1**: take the identity
# as the activation ($\phi'=1$) and fix the self-weight at $w = 1$. The unit then simply adds up
# what it is given, $s_t = s_{t-1} + \text{input}_t$, and an error arriving at $s_T$ reaches
# $s_0$ unchanged, however far back that is. The error goes round and round without loss,
# hence "carousel". Here are both cases as plain numbers:

# %%
def run_unit(w, act, s0, inputs):
    s = s0
    for u in inputs:
        s = act(w * s + u)
    return s

inputs = np.random.default_rng(0).normal(0, 0.3, size=50)
eps = 1e-6
for name, w, act in [("tanh unit, w = 0.9", 0.9, math.tanh), ("carousel, w = 1, identity", 1.0, lambda v: v)]:
    slope = (run_unit(w, act, 0.1 + eps, inputs) - run_unit(w, act, 0.1 - eps, inputs)) / (2 * eps)
    print(f"  {name:28s} d s_50 / d s_0 = {slope:.3e}")
carousel_slope = (run_unit(1.0, lambda v: v, 0.1 + eps, inputs) - run_unit(1.0, lambda v: v, 0.1 - eps, inputs)) / (2 * eps)
check(abs(carousel_slope - 1.0) < 1e-8, "through the carousel, the error after 50 steps is exactly the error we started with")

# %% [markdown]
# A carousel alone cannot learn anything: it sums every input without choice. The 1997 memory
# cell wraps it in two multiplicative gates. An **input gate** $i_t$ decides which inputs are
# written onto the carousel and an **output gate** $o_t$ decides when the content is shown to
# the rest of the network:
#
# $$
# \begin{aligned}
# i_t &= \sigma(W_{ii} x_t + W_{hi} h_{t-1} + b_i) \\
# g_t &= \tanh(W_{ig} x_t + W_{hg} h_{t-1} + b_g) \\
# o_t &= \sigma(W_{io} x_t + W_{ho} h_{t-1} + b_o) \\
# c_t &= c_{t-1} + i_t \odot g_t \qquad \text{(the carousel: self-weight 1)} \\
# h_t &= o_t \odot \tanh(c_t)
# \end{aligned}
# $$
#
# In this library that is `tg.nn.LSTMCell(input_size, hidden_size, forget_gate=False)`. With
# no forget gate there are no forget weights: three blocks of H rows in the order **i, g, o**,
# so `weight_ih` is (3H, I) instead of (4H, I).
#
# Two historical footnotes, so that nothing here misleads you. The 1997 paper squashed the
# candidate with $4\sigma(x)-2$ and the output with $2\sigma(x)-1$ rather than tanh; since
# $4\sigma(x)-2 = 2\tanh(x/2)$, halving the candidate's weights turns our cell into exactly the
# paper's, with c holding half the paper's state. And the paper trained with a truncated
# gradient that flowed back in time *only* through the carousel; autograd, like every modern
# library, computes the full gradient through every path.

# %%
old = tg.nn.LSTMCell(4, 3, forget_gate=False)
print(old)
for name, p in old.named_parameters():
    print(f"  {name:10s} {p.shape}")
check(old.weight_ih.shape == (9, 4) and old.weight_hh.shape == (9, 3),
      "the 1997 cell has three gate blocks (i, g, o): weight_ih is (3H, I)")

# %% [markdown]
# The carousel's promise can be checked on the real cell. We zero `weight_hh`, so that the
# gates cannot see the past and the carousel is the only way from $c_0$ to $c_T$. Then
# $\partial(\sum c_T)/\partial c_0$ must be exactly 1 for every unit, after any number of steps.

# %%
sd = old.state_dict()
sd["weight_hh"][:] = 0.0
old.load_state_dict(sd)
tg.manual_seed(1)
states, (h_T, c_T) = tg.viz.unroll_cell(old, tg.randn(60, 2, 4))
states[0][1].retain_grad()
c_T.sum().backward()
grad_c0 = states[0][1].grad.numpy()
print("  dΣc_59/dc_0 =", np.round(grad_c0, 12))
check(np.array_equal(grad_c0, np.ones_like(grad_c0)), "in the 1997 cell the gradient along the carousel is exactly 1 after 59 steps")

# %% [markdown]
# ## 2. Why the state drifts
#
# Now the catch. Nothing ever takes anything *off* the carousel. Every step adds $i_t \odot
# g_t$, and unless those additions happen to average zero, $c_t$ grows like t. The 1997 paper
# knew this ("internal state drift") and fought it with negative input-gate biases and by
# resetting the state by hand at the start of every sequence. But on a long, continuous input
# stream with no sequence boundaries, nobody resets it.
#
# A growing c does damage through the output: $h_t = o_t \tanh(c_t)$. Once |c| is a few units,
# tanh is flat there, $\partial h_t / \partial c_t = o_t (1 - \tanh^2 c_t) \approx 0$, and no
# error from the output can reach the carousel any more. The cell has saturated and stops
# learning: the very path that was meant to carry the gradient is closed at its entrance.
#
# Let us feed the same long stream of random inputs to three untrained cells with the same
# seed: the 1997 cell, PyTorch's LSTM (forget gate, f ≈ 0.5 at first) and the same with a
# forget bias of 1 (f ≈ 0.73).

# %%
def stream_stats(cell, xs):
    """Mean |c_t| and the mean slope 1 − tanh²(c_t) for every step of xs (T, B, I)."""
    state = cell.init_state(xs.shape[1])
    mean_abs_c, mean_slope = [], []
    with tg.no_grad():
        for t in range(xs.shape[0]):
            state = cell(xs[t], state)
            c = state[1].numpy()
            mean_abs_c.append(np.abs(c).mean())
            mean_slope.append((1.0 - np.tanh(c) ** 2).mean())
    return np.array(mean_abs_c), np.array(mean_slope)

tg.manual_seed(2)
xs_stream = tg.randn(T_STREAM, 8, 4)
stream = {}
for label, kwargs in [("1997 cell (no forget gate)", dict(forget_gate=False)),
                      ("forget gate, PyTorch init", {}),
                      ("forget gate, forget bias 1", dict(unit_forget_bias=True))]:
    tg.manual_seed(3)
    stream[label] = stream_stats(tg.nn.LSTMCell(4, 16, **kwargs), xs_stream)
    c_abs, slope = stream[label]
    print(f"  {label:28s} mean |c| at t = {T_STREAM // 10}: {c_abs[T_STREAM // 10 - 1]:7.2f}   "
          f"at t = {T_STREAM}: {c_abs[-1]:7.2f}   mean slope of tanh at the end: {slope[-1]:.4f}")

t_axis = np.arange(1, T_STREAM + 1)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), dpi=110)
for (label, (c_abs, slope)), color in zip(stream.items(), ["#d62728", "#1f77b4", "#2ca02c"]):
    ax1.plot(t_axis, c_abs, color=color, label=label)
    ax2.plot(t_axis, slope, color=color, label=label)
ax1.set_xscale("log")
ax1.set_yscale("log")
ax1.set_xlabel("step t (log scale)")
ax1.set_ylabel("mean |c_t| (log scale)")
ax1.set_title("The cell state over a long input stream")
ax1.legend(fontsize=8)
ax2.set_xscale("log")
ax2.set_ylim(0, 1.05)
ax2.set_xlabel("step t (log scale)")
ax2.set_ylabel("mean of 1 − tanh²(c_t)")
ax2.set_title("How much error can enter the cell from h")
fig.suptitle("Untrained LSTM cells (H = 16, 8 sequences), same random input stream", fontsize=10)
fig.tight_layout()
fig.savefig(OUT / "state_drift.png")
plt.close(fig)
show(OUT / "state_drift.png")

c97, slope97 = stream["1997 cell (no forget gate)"]
c00, _ = stream["forget gate, PyTorch init"]
check(c97[-1] > 5 * c97[T_STREAM // 10 - 1], "without a forget gate, |c| keeps growing: over 5x between t = T/10 and t = T")
check(np.all(c97 <= t_axis), "and it never grows faster than t, since each step adds i·g with |i·g| < 1")
check(slope97[-1] < 0.05, "by the end, tanh is flat at the 1997 cell's state: under 5% of the error from h gets in")
passes_10 = int(np.argmax(c97 > 10)) + 1 if c97.max() > 10 else None
print(f"the 1997 cell's mean |c| passes 10 at step {passes_10}" if passes_10 else
      f"the 1997 cell's mean |c| reaches {c97.max():.1f} by step {T_STREAM}")
slopes_gated = np.concatenate([stream[k][1] for k in ("forget gate, PyTorch init", "forget gate, forget bias 1")])
print(f"the two cells with a forget gate keep the slope of tanh between {slopes_gated.min():.2f} and "
      f"{slopes_gated.max():.2f} over the whole stream")
check(slopes_gated.min() > 0.5, "with a forget gate the slope of tanh stays high over the whole stream")
check(c00.max() < 1.0 / (1.0 - 0.9) and c00[-1] < 2 * c00[T_STREAM // 10 - 1],
      "with a forget gate the state stays bounded and stops growing")

# %% [markdown]
# The left panel is a log-log plot, on which a line of slope 1 means "grows like t". The 1997
# cell (red) follows such a line: its mean |c| keeps growing (the step where it passes 10 is
# printed above). The two cells with
# a forget gate (blue, green) level off after a few steps and stay there: each step they keep
# only a fraction f < 1 of the state, so the sum of the past is a geometric series, bounded by
# $\max|i g| / (1 - f_{max})$. The right panel shows the consequence: the slope of tanh at the
# 1997 cell's state sinks towards 0, so the carousel can no longer be reached from the output,
# while the other two keep it high (the printed range). (All three cells are untrained; a trained 1997 cell can
# learn small input gates, but on an endless stream it still has no way to empty itself.)
#
# ## 3. The forget gate (2000)
#
# Gers, Schmidhuber and Cummins replaced the carousel's fixed weight 1 by a gate:
#
# $$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad f_t = \sigma(W_{if} x_t + W_{hf} h_{t-1} + b_f).$$
#
# With f = 1 it is the 1997 carousel; with f = 0 it is a reset. The cell *learns* when to do
# which. To see a reset without training, we can set the weights of a one-unit cell by hand:
#
# * input 0 is a "reset" signal; the forget gate's weight on it is −20 and its bias +10, so
#   f = σ(10) ≈ 0.99995 normally (the carousel) and σ(−10) ≈ 0.00005 when the signal is 1;
# * input 1 is a value; the candidate is g = tanh(input 1), and the input gate is held open by
#   a bias of +5 (i = σ(5) ≈ 0.993);
# * the recurrent weights are zero, so nothing else interferes.
#
# The 1997 cell gets exactly the same input and candidate weights, only without the forget row.

# %%
T_RESET = 200
reset_steps = [50, 90, 150]
x_np = np.zeros((T_RESET, 1, 2))
x_np[:, 0, 1] = np.random.default_rng(4).uniform(0.1, 0.5, T_RESET)    # the values to add up
x_np[reset_steps, 0, 0] = 1.0                                           # the reset signals

w_i, w_f, w_g, w_o = [0.0, 0.0], [-20.0, 0.0], [0.0, 1.0], [0.0, 0.0]
b_i, b_f, b_g, b_o = 5.0, 10.0, 0.0, 0.0
forgetful = tg.nn.LSTMCell(2, 1)
forgetful.load_state_dict({"weight_ih": np.array([w_i, w_f, w_g, w_o]), "weight_hh": np.zeros((4, 1)),
                           "bias_ih": np.array([b_i, b_f, b_g, b_o]), "bias_hh": np.zeros(4)})
carousel = tg.nn.LSTMCell(2, 1, forget_gate=False)                      # blocks i, g, o
carousel.load_state_dict({"weight_ih": np.array([w_i, w_g, w_o]), "weight_hh": np.zeros((3, 1)),
                          "bias_ih": np.array([b_i, b_g, b_o]), "bias_hh": np.zeros(3)})

xs_reset = tg.tensor(x_np)
with tg.no_grad():
    c_forget = np.array([s[1].item() for s in tg.viz.unroll_cell(forgetful, xs_reset)[0]])
    c_1997 = np.array([s[1].item() for s in tg.viz.unroll_cell(carousel, xs_reset)[0]])

# right after a reset the state holds that step's write i·g, plus the sliver σ(−10) ≈ 0.00005
# of the old state that the nearly shut forget gate lets through; both computed here by hand
for t in reset_steps:
    write = sigmoid_np(b_i) * np.tanh(x_np[t, 0, 1])
    by_hand = sigmoid_np(b_f - 20.0) * c_forget[t - 1] + write
    print(f"  t = {t}: c before {c_forget[t - 1]:6.3f}, after {c_forget[t]:.5f};  "
          f"i·g by hand {write:.5f}, plus σ(−10)·c_(t−1) {by_hand:.5f}")
check(all(abs(c_forget[t] - (sigmoid_np(b_f - 20.0) * c_forget[t - 1] + sigmoid_np(b_i) * np.tanh(x_np[t, 0, 1]))) < 1e-12
          for t in reset_steps),
      "at a reset signal the forget gate empties the cell: c_t is that step's i·g plus σ(−10) of the old state")
check(np.allclose(c_1997, np.cumsum(sigmoid_np(b_i) * np.tanh(x_np[:, 0, 1])), atol=1e-10),
      "the 1997 cell's state is exactly the running sum of i·g")

fig, ax = plt.subplots(figsize=(9, 3.6), dpi=110)
ax.plot(c_1997, color="#d62728", label="1997 cell: c_t = c_{t-1} + i·g")
ax.plot(c_forget, color="#2ca02c", label="with forget gate: c_t = f·c_{t-1} + i·g")
for t in reset_steps:
    ax.axvline(t, color="grey", linestyle=":", linewidth=1)
ax.set_xlabel("step t (dotted lines: reset signal on input 0)")
ax.set_ylabel("cell state c_t")
ax.set_title("One hand-set memory cell adding up its input, with and without a forget gate")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "forget_gate_reset.png")
plt.close(fig)
show(OUT / "forget_gate_reset.png")

# %% [markdown]
# Both cells add up the same positive values, so both states climb. The 1997 cell (red) climbs
# for ever: it has no way to let go. The cell with a forget gate (green) climbs just as
# steadily (f ≈ 0.99995 is the carousel, almost exactly), and at each dotted line its forget gate
# closes for one step and the state falls to that step's write. In a trained network, the
# forget gate's weights are learned, so the cell decides for itself what counts as "the end of
# something".
#
# The price of the forget gate is that the carousel is now only as good as f: lesson 5 showed
# that an untrained forget gate near 0.5 lets the gradient fade fast, which is why its bias is
# usually started at 1. Gers et al. noted that a large forget bias turns their cell back into
# the 1997 one, and that is exactly what the experiment above used.
#
# ## 4. Peephole connections
#
# In the cells so far the gates see $x_t$ and $h_{t-1}$, but not the cell state itself, and
# $h_{t-1} = o_{t-1}\tanh(c_{t-1})$ hides c completely whenever the output gate is shut. Gers,
# Schraudolph and Schmidhuber (2002) gave each gate a direct view of its own cell, a
# **peephole**: one extra weight per unit (a diagonal matrix, so unit k's gate sees only cell k).
# The form most papers cite is Graves's (2013):
#
# $$
# \begin{aligned}
# i_t &= \sigma(W_{ii} x_t + W_{hi} h_{t-1} + w_{ci} \odot c_{t-1} + b_i) \\
# f_t &= \sigma(W_{if} x_t + W_{hf} h_{t-1} + w_{cf} \odot c_{t-1} + b_f) \\
# o_t &= \sigma(W_{io} x_t + W_{ho} h_{t-1} + w_{co} \odot c_t + b_o)
# \end{aligned}
# $$
#
# Note the timing: the input and forget gates look at the *old* state $c_{t-1}$ (they decide
# what to do with it), the output gate at the *new* state $c_t$ (it decides whether to show it).
#
# TensorFlow 1's `tf.nn.rnn_cell.LSTMCell(use_peepholes=True)` computes this, with its
# diagonal weights called `w_i_diag`, `w_f_diag`, `w_o_diag`. Here it is
# `tg.nn.LSTMCell(..., peepholes=True)`, with parameters `weight_ci`, `weight_cf`, `weight_co`
# of shape (H,). TensorFlow 1 also adds a constant `forget_bias` (default 1.0) to the forget
# pre-activation at every step; ours is `forget_bias=` (default 0, as in PyTorch). One more
# honest footnote: in the 2002 paper no error flowed back through the peepholes into the cell;
# TensorFlow, and autograd here, backpropagate through every connection.
#
# The library's code for these options is in the same `forward` we read in lesson 5:

# %%
source = inspect.getsource(tg.nn.LSTMCell.forward)
print("\n".join(line for line in source.splitlines() if "peephole" in line or "weight_c" in line or "forget_bias" in line))

# %% [markdown]
# As always, we check it against the equations evaluated by hand with NumPy:

# %%
B, I, H = 2, 3, 4
tg.manual_seed(5)
peep = tg.nn.LSTMCell(I, H, peepholes=True, forget_bias=1.0)
print(peep, [name for name, _ in peep.named_parameters()])
p = {name: value for name, value in peep.state_dict().items()}
rng = np.random.default_rng(6)
x0, h0, c0 = rng.normal(size=(B, I)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
h1, c1 = peep(tg.tensor(x0), (tg.tensor(h0), tg.tensor(c0)))

a = x0 @ p["weight_ih"].T + p["bias_ih"] + h0 @ p["weight_hh"].T + p["bias_hh"]
a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
i = sigmoid_np(a_i + p["weight_ci"] * c0)                 # peeks at the old state
f = sigmoid_np(a_f + 1.0 + p["weight_cf"] * c0)           # forget_bias = 1.0, added at every step
c_hand = f * c0 + i * np.tanh(a_g)
o = sigmoid_np(a_o + p["weight_co"] * c_hand)             # peeks at the new state
h_hand = o * np.tanh(c_hand)
check(np.allclose(c1.numpy(), c_hand, atol=1e-13) and np.allclose(h1.numpy(), h_hand, atol=1e-13),
      "LSTMCell(peepholes=True, forget_bias=1.0) matches the peephole equations computed with NumPy")

# forget_bias is the same as adding 1 to the forget block of the bias (at least until training changes the bias)
plain = tg.nn.LSTMCell(I, H, peepholes=True)
sd = peep.state_dict()
sd["bias_ih"][H:2 * H] += 1.0
plain.load_state_dict(sd)
h2, c2 = plain(tg.tensor(x0), (tg.tensor(h0), tg.tensor(c0)))
check(np.allclose(h2.numpy(), h1.numpy(), atol=1e-14),
      "forget_bias=1.0 computes the same step as a forget-block bias raised by 1")

# and the gradients through the peepholes are right too (central differences in float64)
small = tg.nn.LSTMCell(2, 2, peepholes=True)
xs_g = [tg.randn(1, 2, requires_grad=True) for _ in range(3)]
def three_steps(x_a, x_b, x_c):
    state = small(x_a)
    state = small(x_b, state)
    h, c = small(x_c, state)
    return (h * c).sum()
check(tg.gradcheck(three_steps, xs_g), "gradients through three peephole steps agree with finite differences")

# %% [markdown]
# ## 5. Two hard sigmoids
#
# Old Keras (up to 2.2, and `tf.keras` in TensorFlow 1) used a cheaper gate activation by
# default, `recurrent_activation="hard_sigmoid"`: a straight line through (0, 0.5) clipped to
# [0, 1]. The trouble is that two different straight lines go by that name:
#
# * **Keras 2**: $\mathrm{clip}(0.2x + 0.5,\ 0,\ 1)$, reaching 0 and 1 at x = ∓2.5, slope 0.2.
#   Ours: `"hard_sigmoid"`.
# * **Keras 3 and PyTorch** (`torch.nn.functional.hardsigmoid`): $\mathrm{clip}(x/6 + 0.5,\ 0,\ 1)
#   = \mathrm{relu6}(x+3)/6$, reaching 0 and 1 at x = ∓3, slope 1/6. Ours: `"hardsigmoid"`.
#
# A model trained with one and run with the other gives different numbers, and since
# `tf.keras` switched from Keras 2 to Keras 3 in TensorFlow 2.16, the same line of code
# `activation="hard_sigmoid"` means different functions in different versions. Pin the version
# when porting. Let us plot both against the logistic sigmoid, with the slopes computed by
# autograd.

# %%
acts = {"sigmoid": tg.nn.activations.get("sigmoid"),
        "hard_sigmoid (Keras 2)": tg.nn.activations.get("hard_sigmoid"),
        "hardsigmoid (Keras 3, PyTorch)": tg.nn.activations.get("hardsigmoid")}
grid = np.linspace(-5, 5, 1001)
values, slopes = {}, {}
for name, act in acts.items():
    xg = tg.tensor(grid, requires_grad=True)
    y = act(xg)
    y.sum().backward()                     # each output depends on one input: the gradient is the slope
    values[name], slopes[name] = y.numpy(), xg.grad.numpy()

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), dpi=110)
for (name, v), color, style in zip(values.items(), ["black", "#d62728", "#1f77b4"], ["-", "--", "-."]):
    ax1.plot(grid, v, color=color, linestyle=style, label=name)
    ax2.plot(grid, slopes[name], color=color, linestyle=style, label=name)
ax1.set_title("Gate activations")
ax1.set_xlabel("pre-activation x")
ax1.legend(fontsize=8)
ax1.grid(alpha=0.3)
ax2.set_title("Their slopes (from autograd)")
ax2.set_xlabel("pre-activation x")
ax2.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(OUT / "hard_sigmoids.png")
plt.close(fig)
show(OUT / "hard_sigmoids.png")

pts = np.array([-3.0, -2.5, -1.0, 0.0, 1.0, 2.0, 2.5, 3.0])
keras2 = acts["hard_sigmoid (Keras 2)"](tg.tensor(pts)).numpy()
keras3 = acts["hardsigmoid (Keras 3, PyTorch)"](tg.tensor(pts)).numpy()
print("  x                :", pts)
print("  Keras 2          :", np.round(keras2, 4))
print("  Keras 3 / PyTorch:", np.round(keras3, 4))
check(np.allclose(keras2, np.clip(0.2 * pts + 0.5, 0, 1), atol=1e-15), "'hard_sigmoid' is Keras 2's clip(0.2x + 0.5, 0, 1)")
check(np.allclose(keras3, np.clip(pts / 6 + 0.5, 0, 1), atol=1e-15), "'hardsigmoid' is Keras 3 / PyTorch's clip(x/6 + 0.5, 0, 1)")
inside = np.abs(grid) < 2.4
check(np.allclose(slopes["hard_sigmoid (Keras 2)"][inside], 0.2) and np.all(slopes["hard_sigmoid (Keras 2)"][np.abs(grid) > 2.6] == 0),
      "Keras 2's slope is 0.2 inside (−2.5, 2.5) and exactly 0 outside")

# %% [markdown]
# The left panel shows how close the three curves are near 0 and how the hard ones stop
# abruptly: Keras 2's (red, dashed) is steeper and flattens at ±2.5, Keras 3's (blue) at ±3.
# The right panel shows what that means for learning: the smooth sigmoid's slope is never zero,
# the hard sigmoids' slope is a box that is **exactly zero** outside it.
#
# For the carousel this cuts both ways. A hard-sigmoid forget gate can be *exactly* 1 (any
# pre-activation above 2.5 for Keras 2's), so the 1997 carousel can reappear inside a modern
# cell with no leak at all. But a gate that is pushed that far receives exactly zero gradient
# for its own weights, and only comes back when its input moves it back into the box. Here is
# the exact carousel inside an LSTM with a forget gate:

# %%
hard = tg.nn.LSTMCell(3, 4, recurrent_activation="hard_sigmoid")
sd = hard.state_dict()
sd["weight_hh"][:] = 0.0                   # only the carousel links c_0 to c_T
sd["weight_ih"][4:8] = 0.0                 # forget block: no input weights ...
sd["bias_ih"][4:8], sd["bias_hh"][4:8] = 3.0, 0.0   # ... and a bias beyond 2.5: f = 1 exactly
hard.load_state_dict(sd)
states, (_, c_T) = tg.viz.unroll_cell(hard, tg.randn(40, 2, 3))
states[0][1].retain_grad()
c_T.sum().backward()
print("  dΣc_39/dc_0 with a hard-sigmoid forget gate held at 1:", states[0][1].grad.numpy()[0])
check(np.array_equal(states[0][1].grad.numpy(), np.ones((2, 4))),
      "a saturated hard-sigmoid forget gate is exactly 1: the gradient along the belt is exactly 1 after 39 steps")
check(np.all(hard.bias_ih.grad.numpy()[4:8] == 0.0),
      "and the saturated forget gate's own bias gets exactly zero gradient")

# %% [markdown]
# ## 6. Trained: the carousel on lesson 5's memory task
#
# Does the carousel learn? Lesson 5's task once more (name the marked first symbol of 20,
# through 19 look-alikes), with the same data, sizes, optimiser, 100 steps and seed, for the
# plain RNN, the 1997 cell (`forget_gate=False`) and the cell with the forget gate of 2000
# (started at σ(3) ≈ 0.95, as in lesson 5). The 1997 cell needs no bias trick to keep: its belt
# keeps everything by construction. But it also keeps every look-alike symbol it lets in.

# %%
from tinygrad_rnn.lessons import remember_the_marked, train_to_remember

task_train, task_test = remember_the_marked(2000, 20, seed=1), remember_the_marked(300, 20, seed=2)
runs = {}
for label, make in [("RNN (tanh)", lambda: tg.nn.RNN(5, 16)),
                    ("LSTM 1997 (no forget gate)", lambda: tg.nn.LSTM(5, 16, forget_gate=False)),
                    ("LSTM 2000, forget bias 3", lambda: tg.nn.LSTM(5, 16, forget_bias=3.0))]:
    tg.manual_seed(0)
    runs[label] = train_to_remember(make(), 16, task_train, task_test, 100)
    print(f"{label:27s} test accuracy every 25 steps: {[round(a, 2) for a in runs[label]['accuracy']]}")

fig, ax = plt.subplots(figsize=(7, 3.8), dpi=110)
for (label, run), colour in zip(runs.items(), ("tab:red", "tab:purple", "tab:blue")):
    ax.plot(run["step"], run["accuracy"], "o-", color=colour, label=label)
ax.axhline(0.25, color="grey", ls="--", label="guessing (1 in 4)")
ax.set_ylim(0, 1.05)
ax.set_xlabel("training step (batches of 32)")
ax.set_ylabel("test accuracy")
ax.set_title("Name the marked first symbol of 20; H = 16, Adam lr 0.02, same data and seed", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "trained_rnn_vs_lstm1997.png")
plt.close(fig)
show(OUT / "trained_rnn_vs_lstm1997.png")
acc00, rnn_acc = runs["LSTM 2000, forget bias 3"]["accuracy"][-1], runs["RNN (tanh)"]["accuracy"][-1]
acc97 = runs["LSTM 1997 (no forget gate)"]["accuracy"]
check(acc00 > 0.9, f"the LSTM with a forget gate learned the task: {acc00:.0%}")
check(rnn_acc < 0.5, f"the plain RNN is still near guessing: {rnn_acc:.0%}")
print(f"the 1997 cell: best {max(acc97):.0%}, last {acc97[-1]:.0%}")

# %% [markdown]
# **Reading the picture** (`trained_rnn_vs_lstm1997.png`). The cell with a forget gate learns
# the task, the RNN stays on the guessing line, and the 1997 cell is the one to study (the
# printout gives all three curves). Its belt adds up every symbol the input gate lets in: the
# marked one at step 0 and, until the gate has learned to shut after step 0, the 19 look-alikes
# too, with nothing ever taking them off again. That is section 2's drift, on a task, and it
# makes the 1997 cell's training slower and less steady. The forget gate lets the 2000 cell
# weigh the past, and gives the optimiser a knob the 1997 cell does not have.
#
# ## What to remember
#
# * The 1997 LSTM's cell state is a pure sum (the constant error carousel): its gradient along
#   the sum is exactly 1, but nothing ever empties it, so on long streams it drifts, tanh
#   saturates, and the output stops passing error into the cell.
# * The forget gate (2000) turns the fixed weight 1 into a learned $f_t$: 1 to remember, 0 to
#   reset. It costs the gradient a factor f per step, hence a forget bias near 1 at the start.
# * Peepholes let the gates read the cell state (old state for i and f, new state for o).
#   TensorFlow's `use_peepholes` and `forget_bias` are our `peepholes` and `forget_bias`.
# * "hard_sigmoid" means clip(0.2x + 0.5) in Keras 2 and clip(x/6 + 0.5) in Keras 3 and
#   PyTorch; both have exactly flat tails.
#
# ## Exercises
#
# Open `lessons/exercises/06_constant_error_carousel.py`, fill in the functions marked
# `# TODO`, and run `tinygrad-rnn check 6`.
#
# 1. **`lstm1997_step_numpy`**: one step of the 1997 cell in NumPy (blocks i, g, o).
# 2. **`hard_sigmoid_numpy`**: both hard sigmoids, chosen by the Keras version.
# 3. **`first_saturated_step`**: given the writes $i_t g_t$ of a 1997 cell, find the first
#    step at which its output would be saturated.
#
# The check draws fresh inputs every run and watches for the library inside your NumPy
# functions; `tinygrad-rnn check 6 --hint` gives a nudge, one level deeper each time.
#
# Lesson 7 meets the other gated cell everyone uses, the GRU, which has no separate cell state
# at all.
