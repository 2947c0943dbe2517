# %% [markdown]
# # 4. Vanishing and exploding gradients
# > Why gradients through time shrink or blow up: products of Jacobians, tanh′ ≤ 1, W's largest singular value, and clipping.
#
# **What you will learn**
#
# * that the gradient reaching step k from step T passes through a **product of T − k Jacobians**
#   `∂s_t/∂s_{t−1}`;
# * what each factor is made of (`tanh′ ≤ 1` and the matrix `W`), and why the **largest singular
#   value** of `W` decides whether the product must vanish or may explode;
# * the **eigenvalue view**: in the long run a product of `W`s grows or shrinks like the
#   **spectral radius** `ρ(W)` (largest |eigenvalue|), which can be far below `σ_max(W)`;
# * how to measure it with `tg.viz.jacobian_norms` and `tg.viz.gradient_flow`, and check the
#   measurement by hand;
# * how gated cells (LSTM, GRU) compare at initialisation, stated honestly;
# * what an exploding gradient does to one gradient step, and how **clipping by global norm**
#   (`tg.nn.clip_grad_norm`) tames it.
#
# Run it with `tinygrad-rnn lesson 4`; pictures go to `tinygrad_rnn_lessons/04_vanishing_exploding/`.

# %%
import inspect

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lessons import check, fast, out_dir, show

OUT = out_dir("04_vanishing_exploding")
T = 40 if fast() else 100          # sequence length
H = 16 if fast() else 32           # hidden size
I = 8                              # input size

# %% [markdown]
# ## 1. One number first
#
# Take the smallest recurrent network there is: one unit, `s_t = tanh(w·s_{t−1} + x_t)`.
# By the chain rule, one step back multiplies the gradient by
#
# $$\frac{\partial s_t}{\partial s_{t-1}} = w \cdot (1 - s_t^2),$$
#
# and `T − k` steps back multiply `T − k` such factors. The factor `1 − s_t²` is `tanh′`: at
# most 1, and small when the unit saturates (`|s_t|` near 1). So if `|w| < 1`, every factor is
# below 1 in size and the product shrinks exponentially, whatever the inputs. If `|w| > 1`,
# the product *may* grow, but only while the unit stays away from saturation.

# %%
rng = np.random.default_rng(0)
x_scalar = rng.standard_normal(50) * 0.01          # tiny inputs: the state starts near 0
scalar_factors, scalar_state = {}, {}
for w in (0.5, 0.9, 1.5, 3.0):
    s, factors = 0.0, []
    for x in x_scalar:
        s = np.tanh(w * s + x)
        factors.append(w * (1 - s * s))
    scalar_factors[w], scalar_state[w] = np.array(factors), s
    print(f"w = {w}: first 10 factors multiply to {np.prod(factors[:10]):9.3g}, "
          f"last 10 to {np.prod(factors[-10:]):9.3g}, all 50 to {np.prod(factors):9.3g};  s_50 = {s:.3f}")
per_10 = {w: np.prod(f) ** (10 / len(f)) for w, f in scalar_factors.items()}
print(f"w = 0.5 and 0.9: the product shrinks by a factor of about {1 / per_10[0.5]:.3g} and "
      f"{1 / per_10[0.9]:.3g} every 10 steps")
s_rest = scalar_state[1.5]
print(f"w = 1.5: the first 10 steps multiply by {np.prod(scalar_factors[1.5][:10]):.3g}; the state settles at "
      f"s ≈ {s_rest:.2f}, where each factor is 1.5 · (1 − {s_rest:.2f}²) ≈ {1.5 * (1 - s_rest ** 2):.2f}")
first_saturated = int(np.argmax(scalar_factors[3.0] < 0.5))
print(f"w = 3: from step {first_saturated + 1} on, every factor is below 0.5; "
      f"the last one is {scalar_factors[3.0][-1]:.2g}")
check(all(np.all(np.abs(scalar_factors[w]) < 1) for w in (0.5, 0.9)), "|w| < 1: every factor is below 1")
check(np.prod(scalar_factors[1.5][:10]) > 10 and 1.5 * (1 - s_rest ** 2) < 1 and np.prod(scalar_factors[1.5]) < 1e-6,
      "w = 1.5: the product grows while the state leaves 0, then vanishes once it rests")
check(np.all(scalar_factors[3.0][first_saturated:] < 0.5) and first_saturated < 10,
      "w = 3: the unit saturates within a few steps and every later factor is small")

# %% [markdown]
# * `w = 0.5` and `w = 0.9`: every factor is below 1, and the product falls exponentially,
#   by the factor per 10 steps printed above (fast for 0.5, slower for 0.9).
# * `w = 1.5`: while the state is still near 0, `tanh′ ≈ 1` and each factor is about 1.5, so the
#   first ten steps multiply the gradient by a lot. Then the state settles at a resting value
#   well away from 0, where each factor `1.5 · (1 − s²)` is below 1 (both printed above), and the
#   product vanishes after all.
# * `w = 3`: the state saturates within a few steps, `tanh′` is almost 0, and the product collapses.
#
# The `w = 1.5` case shows a general rule. When the state rests at a *stable* value, small
# disturbances die out, and that is what "stable" means. A gradient measures the effect of a small
# disturbance, so it dies out too. Growth happens only while the state is moving (here, leaving 0)
# or near a switch between two resting states. Section 4 shows such a switch.
#
# ## 2. Many units: Jacobians and singular values
#
# With a state vector, `s_t = tanh(U x_t + W s_{t−1})`, each step's Jacobian is a matrix:
#
# $$J_t = \frac{\partial s_t}{\partial s_{t-1}} = \mathrm{diag}(1 - s_t^2)\, W,
# \qquad \frac{\partial s_T}{\partial s_k} = J_T J_{T-1} \cdots J_{k+1}.$$
#
# The size of a matrix product is bounded by the product of sizes. Measured by the
# spectral norm (the largest singular value `σ_max`):
#
# $$\Big\lVert \frac{\partial s_T}{\partial s_k} \Big\rVert \le \prod_{t=k+1}^{T} \lVert \mathrm{diag}(1-s_t^2)\rVert\,\lVert W\rVert
# \le \sigma_{\max}(W)^{\,T-k}.$$
#
# So **`σ_max(W) < 1` is enough for vanishing**, at least as fast as `σ_max^(T−k)` (Bengio et al. 1994;
# Pascanu et al. 2013). `σ_max(W) > 1` is *necessary* for exploding, but not enough: tanh can
# still saturate and kill the product.
#
# To control `σ_max` exactly, we initialise `W` as `scale × orthogonal`. All singular values of
# an orthogonal matrix are 1, so all of ours equal `scale`. `RNNCell` takes a
# `recurrent_initializer` (any function `shape -> array`), and `tg.nn.init.orthogonal` draws
# the orthogonal matrix. We use float64 so that values near 1e-30 are still exact.

# %%
def rnn_with_scale(scale: float, seed: int = 1) -> tg.nn.RNNCell:
    tg.manual_seed(seed)
    return tg.nn.RNNCell(I, H, bias=False, dtype=tg.float64,
                         recurrent_initializer=lambda shape: scale * tg.nn.init.orthogonal(shape))


cell = rnn_with_scale(0.9)
sv = np.linalg.svd(cell.weight_hh.numpy(), compute_uv=False)
print(f"singular values of W: min {sv.min():.6f}, max {sv.max():.6f}")
check(np.allclose(sv, 0.9), "scale × orthogonal has every singular value equal to the scale")

tg.manual_seed(0)
xs = tg.randn(T, 4, I, dtype=tg.float64) * 0.5          # 4 sequences of T steps

# %% [markdown]
# `tg.viz.jacobian_norms(cell, xs)` runs the cell over `xs` (T, B, I) and returns, for every
# step `t` and sequence `b`, the spectral norm of `∂h_{T−1}/∂h_t` (the library counts steps from
# 0, so `h_{T−1}` is the last state). It finds the Jacobian one row at a time: backpropagate the unit vector
# `e_k` from the last state and record what arrives at each earlier state.
#
# Before we trust it, we check it. Below we rebuild the product `J_T ⋯ J_{k+1}` in NumPy from
# the weights and the states, for the first sequence, and compare.

# %%
J_lib = tg.viz.jacobian_norms(cell, xs)                 # (T, B)
Wn, Un = cell.weight_hh.numpy(), cell.weight_ih.numpy()
x0 = xs.numpy()[:, 0, :]                                 # the first sequence, (T, I)
states = [np.zeros(H)]
for t in range(T):
    states.append(np.tanh(Un @ x0[t] + Wn @ states[-1]))
product = np.eye(H)                                      # ∂h_{T−1}/∂h_{T−1} = I
by_hand = np.zeros(T)
for t in range(T - 1, -1, -1):                           # states[t + 1] is the library's h_t
    by_hand[t] = np.linalg.norm(product, 2)
    product = product @ (np.diag(1 - states[t + 1] ** 2) @ Wn)   # one more Jacobian on the right
check(np.allclose(J_lib[:, 0], by_hand, rtol=1e-8, atol=1e-300),
      "jacobian_norms equals the product of diag(1 − s²)·W computed by hand")
check(np.all(J_lib[:-1, 0] <= 0.9 ** np.arange(T - 1, 0, -1) * (1 + 1e-9)),
      "with σ_max(W) = 0.9 every ‖∂h_T/∂h_t‖ stays under the bound 0.9^(T−t)")

# %% [markdown]
# Now the picture: the same measurement for five scales, against the distance `T − t`.

# %%
scales = [0.5, 0.9, 1.0, 1.5, 3.0]
colors = ["#1f77b4", "#2ca02c", "#7f7f7f", "#ff7f0e", "#d62728"]
curves = {}
fig, ax = plt.subplots(figsize=(8, 4.6), dpi=110)
dist = np.arange(T - 1, -1, -1)                          # T − 1 − t for t = 0 … T − 1
for scale, color in zip(scales, colors):
    J = tg.viz.jacobian_norms(rnn_with_scale(scale), xs)
    curves[scale] = J.mean(axis=1)
    ax.semilogy(dist, curves[scale], color=color, lw=2, label=f"σ_max(W) = {scale}: measured")
    if scale < 1:
        ax.semilogy(dist, scale ** dist.astype(float), color=color, ls=":", lw=1, label=f"bound {scale}^(T−t)")
ax.set_xlabel("steps back from the last state (T − t)")
ax.set_ylabel("‖∂h_T / ∂h_t‖ (spectral, mean of 4 sequences)")
ax.set_title(f"Plain tanh RNN, H = {H}, W = scale × orthogonal, inputs N(0, 0.25), no training", fontsize=9)
ax.set_ylim(1e-36, 1e16)
ax.legend(fontsize=7, ncol=2)
fig.tight_layout()
fig.savefig(OUT / "04_jacobian_norms_by_scale.png")
plt.close(fig)
show(OUT / "04_jacobian_norms_by_scale.png")
for scale in scales:
    print(f"σ_max = {scale}: ‖∂h_T/∂h_t‖ at {T - 1} steps back = {curves[scale][0]:.3g}")
growth_3 = curves[3.0][0] ** (1 / (T - 1))
print(f"σ_max = 3: the gradient grows by a factor {growth_3:.2f} per step on average, not 3")

# %% [markdown]
# **Reading the picture** (`04_jacobian_norms_by_scale.png`). The y axis is logarithmic, so
# exponential decay is a straight line. For `σ_max = 0.5` and `0.9` the measured curves fall
# at least as steeply as their dotted bounds `σ^(T−t)`, often steeper because `tanh′ < 1` takes
# a little more at every step. At `σ_max = 1` the bound says nothing (it is 1), yet the
# gradient still decays, slowly, through tanh′ alone. For `1.5` and `3` the gradient **grows**
# with distance: the loss at step T is sensitive to early states, enormously so for 3. The
# growth per step (printed above) is far below 3, because the larger `W` pushes the units towards
# saturation, where `tanh′` is small. (Unlike the single unit of Section 1, these `H` units
# never come to rest: fresh random inputs keep moving the state at every step.) Both effects are exponential in the distance, which is
# why they are problems: a factor 0.9 per step is harmless over 5 steps and fatal over 100.

# %%
check(curves[0.5][0] <= 0.5 ** (T - 1) and curves[0.9][0] < curves[1.0][0] < 1,
      "small σ_max: the gradient from far back vanishes, faster for smaller σ_max")
check(curves[3.0][0] > 1e3 * curves[1.5][0] > 1e3,
      "large σ_max: the gradient from far back explodes, faster for larger σ_max")
check(growth_3 < 2, "with σ_max = 3 the growth per step stays far below 3: saturation takes its share")

# %% [markdown]
# ## 2b. The eigenvalue view: spectral radius against the singular-value bound
#
# The bound `σ_max(W)^(T−k)` holds at every distance, but over long distances it is loose.
# Leave tanh aside for a moment (it only shrinks things further) and look at the product of
# `W`s itself, `‖Wⁿ‖`. Gelfand's formula says that `‖Wⁿ‖^(1/n)` tends to the **spectral
# radius** `ρ(W)`, the largest absolute value of an eigenvalue, and `ρ(W) ≤ σ_max(W)` always.
# For a symmetric or orthogonal-times-scale `W` the two are equal (as in the picture above). For
# other matrices they can differ a lot: then `‖Wⁿ‖` may first **grow** (as `σ_max > 1` allows)
# and still **vanish** in the end (as `ρ < 1` demands).
#
# A matrix that shows it: every eigenvalue is 0.9, but each pair of units also feeds one
# into the other with weight 1.5 (blocks `[[0.9, 1.5], [0, 0.9]]`, turned by a random rotation so
# that no unit is special).

# %%
rng_eig = np.random.default_rng(4)
block = np.array([[0.9, 1.5], [0.0, 0.9]])
W_nn = np.kron(np.eye(H // 2), block)                           # H/2 copies of the block
Q, _ = np.linalg.qr(rng_eig.standard_normal((H, H)))
W_nn = Q @ W_nn @ Q.T                                           # same eigenvalues, same singular values
rho, smax = np.abs(np.linalg.eigvals(W_nn)).max(), np.linalg.norm(W_nn, 2)
ns = np.arange(101)                                            # 100 steps, in fast mode too
power_norms = np.array([np.linalg.norm(np.linalg.matrix_power(W_nn, n), 2) for n in ns])
late_rate = (power_norms[-1] / power_norms[-11]) ** 0.1
print(f"ρ(W) = {rho:.4f}, σ_max(W) = {smax:.3f}; ‖Wⁿ‖ peaks at n = {power_norms.argmax()} with "
      f"{power_norms.max():.3g}, and is {power_norms[-1]:.3g} at n = {ns[-1]}")
print(f"over the last 10 steps ‖Wⁿ‖ shrinks by a factor {late_rate:.4f} per step (ρ = {rho:.4f})")

fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=110)
ax.semilogy(ns, power_norms, lw=2, color="#9467bd", label="‖Wⁿ‖ measured")
ax.semilogy(ns, smax ** ns.astype(float), ":", color="#d62728", label=f"σ_max(W)ⁿ = {smax:.2f}ⁿ (the bound)")
ax.semilogy(ns, rho ** ns.astype(float), "--", color="#1f77b4", label=f"ρ(W)ⁿ = {rho:.2f}ⁿ (the long-run rate)")
ax.set_ylim(max(power_norms.min(), 1e-8) / 10, 10 * power_norms.max())
ax.set_xlabel("n (steps back)")
ax.set_ylabel("spectral norm")
ax.set_title(f"A non-normal W (H = {H}): eigenvalues 0.9, σ_max {smax:.2f}: growth first, vanishing later", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "04_spectral_radius.png")
plt.close(fig)
show(OUT / "04_spectral_radius.png")
check(rho < 1 < smax, "this W has spectral radius below 1 and largest singular value above 1")
check(power_norms.max() > 1 and power_norms[-1] < 0.1, "‖Wⁿ‖ first grows above 1, then vanishes")
check(abs(late_rate - rho) < 0.05, "in the long run ‖Wⁿ‖ shrinks at about ρ(W) per step")

# %% [markdown]
# **Reading the picture** (`04_spectral_radius.png`). The dotted line is the singular-value
# bound: it climbs without end and says nothing. The measured `‖Wⁿ‖` does climb at first, since
# units feed each other before the eigenvalues' 0.9 per step has had time to win. Then it turns
# round and falls with the slope of the dashed line `ρⁿ` (the peak and the long-run rate are
# printed above). So for long sequences: **`ρ(W) < 1` means the product vanishes in the end**,
# whatever `σ_max` is, and `σ_max(W) < 1` means it vanishes at every distance. Exploding needs
# `σ_max > 1` for a short burst and `ρ > 1` to last (with tanh′ not taking it back).
#
# ## 3. Gated cells at initialisation
#
# Real networks are not initialised with a chosen `σ_max`. How do the library's cells behave
# at their default (PyTorch's) initialisation, `U(−1/√H, 1/√H)` for every weight?
# `tg.viz.gradient_flow` runs a cell over a sequence, takes the loss `L = Σ h_{T−1}` (the sum of
# the last hidden state), backpropagates once, and records `‖∂L/∂h_t‖` (and `‖∂L/∂c_t‖` for the
# LSTM's cell state) at every step with gradient hooks. `plot_gradient_flow` draws the runs
# together.
#
# We compare four cells: a plain RNN, an LSTM as PyTorch initialises it, the same LSTM with
# its forget-gate bias set to 1 (`forget_bias=1.0`, as TensorFlow's `BasicLSTMCell` and Keras'
# `unit_forget_bias` do), and a GRU. The LSTM's forward pass shows where that bias goes:

# %%
print(inspect.getsource(tg.nn.LSTMCell.forward))

# %%
tg.manual_seed(0)
x_flow = tg.randn(T, 1, I)
flows = []
for label, make in [("RNN (tanh)", lambda: tg.nn.RNNCell(I, H)),
                    ("LSTM, PyTorch init", lambda: tg.nn.LSTMCell(I, H)),
                    ("LSTM, forget bias 1", lambda: tg.nn.LSTMCell(I, H, forget_bias=1.0)),
                    ("GRU", lambda: tg.nn.GRUCell(I, H))]:
    tg.manual_seed(2)
    flows.append(tg.viz.gradient_flow(make(), x_flow, label=label))
tg.viz.plot_gradient_flow(flows, OUT / "04_gradient_flow_cells.png",
                          title=f"‖∂L/∂state_t‖, L = Σ h_(T−1), T = {T}, H = {H}, untrained, float32")
show(OUT / "04_gradient_flow_cells.png")
orders_lost = {}
for flow in flows:
    parts = "   ".join(f"‖∂L/∂{k}_0‖ = {v[0]:.2g}" for k, v in flow.norms.items())
    orders_lost[flow.label] = np.log10(flow.norms["h"][-1] / flow.norms["h"][0])
    print(f"{flow.label:22s} {parts}   (h loses {orders_lost[flow.label]:.1f} orders of magnitude over {T} steps)")

# %% [markdown]
# **Reading the picture** (`04_gradient_flow_cells.png`). Every curve starts on the right at
# `‖∂L/∂h_{T−1}‖ = √H` (the loss is a plain sum, so its gradient is all ones) and falls towards
# the left. Solid lines are `h`, dashed lines the LSTM's cell state `c`.
#
# * The **plain RNN** falls fastest. Its `W` is not small in the sense of Section 2: the
#   printout below shows a largest singular value near 1, so the bound promises little. But
#   its spectral radius (Section 2b) is far below 1, and over many steps that is the rate that
#   counts; tanh′ takes more at every step.
# * The **LSTM at PyTorch's initialisation also fades**, by many orders of magnitude (the printout
#   above counts them for every cell). This may surprise you,
#   since the LSTM was designed against vanishing gradients. The cell state's path `c_t = f ⊙ c_{t−1} + …` multiplies the gradient by the
#   forget gate `f` at each step, and at initialisation `f ≈ σ(0) = 0.5`: half is lost per step.
# * With **forget bias 1**, `f ≈ σ(1) ≈ 0.73` and the cell state keeps many orders of magnitude more
#   gradient over the same distance. Training can push `f` closer to 1 on the units that need memory.
# * The **GRU** at its default initialisation fades too, like the cells without a forget bias: far
#   more than the LSTM with one.
#
# So the gates do not prevent vanishing by themselves. They make the decay *learnable*: a
# forget gate near 1 is a path whose Jacobian is nearly the identity. Lesson 5 builds the
# LSTM and shows this path.

# %%
tg.manual_seed(2)                                                   # the RNN drawn above
W_rnn = tg.nn.RNNCell(I, H).weight_hh.numpy().astype(np.float64)     # PyTorch's default init
sv_rnn = np.linalg.svd(W_rnn, compute_uv=False)
rho_rnn = np.abs(np.linalg.eigvals(W_rnn)).max()
print(f"plain RNN at PyTorch init: σ_max(W) = {sv_rnn.max():.3f}, spectral radius ρ(W) = {rho_rnn:.3f}")
check(rho_rnn < 0.8 < sv_rnn.max(), "the default RNN's W: spectral radius well below 1, largest singular value near 1")
by_label = {f.label: f for f in flows}
check(by_label["LSTM, forget bias 1"].norms["c"][0] > 1e3 * by_label["LSTM, PyTorch init"].norms["c"][0],
      "forget bias 1 keeps over 1000× more gradient on the cell state at step 0 than forget bias 0")
check(by_label["RNN (tanh)"].norms["h"][0] < 1e-6 * by_label["RNN (tanh)"].norms["h"][-1],
      "the untrained plain RNN loses more than six orders of magnitude over the sequence")
check(min(orders_lost[k] for k in ("RNN (tanh)", "LSTM, PyTorch init", "GRU")) > orders_lost["LSTM, forget bias 1"] + 3,
      "the RNN, the LSTM without forget bias and the GRU each lose over 1000× more than the LSTM with forget bias 1")

# %% [markdown]
# ## 4. Exploding gradients and clipping
#
# Vanishing gradients make learning slow and blind to the far past. Exploding gradients are
# more violent: one huge gradient turns one step of gradient descent into a jump to a random
# place. Pascanu et al. (2013) explain where they come from with the one-unit network of
# Section 1. As a weight changes, the network's long-run behaviour can switch suddenly, from
# settling on one fixed point to settling on another. The loss then has a **cliff**: a narrow
# region where it changes by a lot, and its gradient is enormous.
#
# Here is one. The unit `s_t = tanh(w·s_{t−1} − 0.3)` starts at `s_0 = 0.6` and runs 50 steps;
# the loss is `L(w) = (s_50 − 0.5)²`. We evaluate it for 2600 values of `w` at once, as one tensor:
# the values do not interact, so `w.grad[i]` is `dL/dw` at `w[i]`.

# %%
def cliff_loss(w: tg.Tensor, steps: int = 50) -> tg.Tensor:
    """L(w) = (s_steps − 0.5)² for s_t = tanh(w·s_{t−1} − 0.3), s_0 = 0.6; w of any shape."""
    s = tg.full(w.shape, 0.6, dtype=w.dtype)
    for _ in range(steps):
        s = (w * s - 0.3).tanh()
    return (s - 0.5) ** 2


w_values = np.union1d(np.linspace(0.5, 3.0, 2001), np.linspace(1.653, 1.656, 601))   # extra points near the wall
w_grid = tg.tensor(w_values, dtype=tg.float64, requires_grad=True)
L_grid = cliff_loss(w_grid)
L_grid.sum().backward()
Lg, Gg, wg = L_grid.numpy(), np.abs(w_grid.grad.numpy()), w_grid.numpy()

# the same derivative by central differences, as an independent check
eps = 1e-7
numeric = (cliff_loss(tg.tensor(wg + eps, dtype=tg.float64)).numpy()
           - cliff_loss(tg.tensor(wg - eps, dtype=tg.float64)).numpy()) / (2 * eps)
smooth = Gg < 100                                           # away from the wall, where differences are reliable
check(np.allclose(w_grid.grad.numpy()[smooth], numeric[smooth], rtol=1e-4, atol=1e-6),
      "autograd's dL/dw along the curve agrees with central differences")

# %% [markdown]
# Now stand on the wall and take one gradient-descent step with learning rate 0.1, once
# plainly and once after `tg.nn.clip_grad_norm(params, max_norm=1.0)`. The library's
# formula, from its source:

# %%
print(inspect.getsource(tg.nn.clip_grad_norm))

# %%
w_start = 1.6545                                          # on the wall (found from the grid above)
lr = 0.1


def one_step(clip: bool) -> tuple[float, float]:
    w = tg.tensor(w_start, dtype=tg.float64, requires_grad=True)
    cliff_loss(w).backward()
    raw = w.grad.item()
    if clip:
        total = tg.nn.clip_grad_norm([w], max_norm=1.0)
        check(abs(total - abs(raw)) < 1e-9 * abs(raw), "clip_grad_norm returns the norm before clipping")
    return w.item() - lr * w.grad.item(), raw


w_plain, raw_grad = one_step(clip=False)
w_clipped, _ = one_step(clip=True)
L_start = cliff_loss(tg.tensor(w_start, dtype=tg.float64)).item()
L_clipped = cliff_loss(tg.tensor(w_clipped, dtype=tg.float64)).item()
print(f"on the wall: w = {w_start}, L = {L_start:.3f}, dL/dw = {raw_grad:.4g}")
print(f"plain step:   w → {w_plain:.4g}   (a jump of {abs(w_plain - w_start):.3g})")
print(f"clipped step: w → {w_clipped:.4f}   L = {L_clipped:.4f}")
check(abs(raw_grad) > 1e3, "on the wall the gradient is over 1000")
check(abs(w_clipped - w_start) <= lr * 1.0 + 1e-12, "the clipped step moves w by at most lr × max_norm")
check(np.sign(w_clipped - w_start) == np.sign(w_plain - w_start), "clipping keeps the direction of the step")

fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5.6), dpi=110, sharex=True)
ax1.plot(wg, Lg, color="#1f77b4")
ax1.plot([w_start], [L_start], "o", color="#d62728", label=f"start on the wall, w = {w_start}")
ax1.annotate("", xy=(w_clipped, L_clipped), xytext=(w_start, L_start),
             arrowprops=dict(arrowstyle="->", color="#2ca02c", lw=2))
ax1.plot([w_clipped], [L_clipped], "s", color="#2ca02c", label=f"clipped step (max_norm 1, lr 0.1): w = {w_clipped:.3f}")
ax1.annotate(f"plain step lands at w ≈ {w_plain:.0f}:\nfar off this chart", xy=(3.0, 1.0), xytext=(2.2, 1.2),
             arrowprops=dict(arrowstyle="->", color="#d62728"), color="#d62728", fontsize=8)
ax1.set_ylabel("L(w) = (s_50 − 0.5)²")
ax1.legend(fontsize=8, loc="upper left")
ax1.set_title("One unit s_t = tanh(w·s_(t−1) − 0.3), s_0 = 0.6, 50 steps: a cliff in the loss", fontsize=9)
ax2.semilogy(wg, np.maximum(Gg, 1e-12), color="#d62728")
ax2.plot([w_start], [abs(raw_grad)], "o", color="#d62728")
ax2.set_ylabel("|dL/dw| (log)")
ax2.set_xlabel("recurrent weight w")
fig.tight_layout()
fig.savefig(OUT / "04_cliff_and_clipping.png")
plt.close(fig)
show(OUT / "04_cliff_and_clipping.png")
steep = Gg > 100                                             # the wall: where |dL/dw| is over 100
wall_lo, wall_hi = wg[steep].min(), wg[steep].max()
left, right = wg < wall_lo, wg > wall_hi
far = np.abs(wg - wg[Gg.argmax()]) > 0.01
print(f"the wall: |dL/dw| > 100 for w in [{wall_lo:.5f}, {wall_hi:.5f}] (width {wall_hi - wall_lo:.2g}), "
      f"peak {Gg.max():.3g} at w = {wg[Gg.argmax()]:.5f}")
print(f"left of it L is between {Lg[left].min():.2f} and {Lg[left].max():.2f}; right of it between "
      f"{Lg[right].min():.1e} and {Lg[right].max():.2f}")
print(f"more than 0.01 from the wall, |dL/dw| stays between {Gg[far].min():.2g} and {Gg[far].max():.2g}")
check(Lg[left].min() > Lg[right].max(), "the loss left of the wall is higher than anywhere right of it")
check(wall_lo < w_start < wall_hi < w_clipped, "the start is on the wall and the clipped step lands right of it")
check(L_clipped < L_start / 2, "the clipped step lowers the loss")

# %% [markdown]
# **Reading the picture** (`04_cliff_and_clipping.png`). Top: the loss against `w`. Left of the
# wall the unit settles near a negative fixed point and the loss is high; just right of it, it
# settles near a positive one and the loss drops almost to 0. The wall between them is very
# narrow. Bottom: `|dL/dw|` on a log scale, modest away from the wall and enormous on it (the
# dot marks the start point); the printout gives the wall's width and both ranges. The plain
# step (learning rate 0.1 times the huge gradient printed above) throws `w` far off the chart.
# Clipping keeps the direction and caps the length, so the step moves `w` by
# `lr × max_norm = 0.1` and lands in the valley on the right.
#
# `clip_grad_norm` scales **all** gradients of a model together by one factor. The
# direction of the full gradient is kept; only its length is capped. Check that on a model with several
# parameters, against NumPy:

# %%
tg.manual_seed(3)
model = tg.nn.RNNCell(I, H)
xs_small = tg.randn(20, 2, I)
h = None
for t in range(20):
    h = model(xs_small[t] * 5.0, h)
(h * 100.0).sum().backward()                             # a deliberately large gradient
before = [p.grad.numpy().astype(np.float64) for p in model.parameters()]
total_by_hand = np.sqrt(sum((g ** 2).sum() for g in before))
total = tg.nn.clip_grad_norm(model.parameters(), max_norm=1.0)
after = [p.grad.numpy().astype(np.float64) for p in model.parameters()]
print(f"global gradient norm before {total:.4g}, after {np.sqrt(sum((g ** 2).sum() for g in after)):.6f}")
check(abs(total - total_by_hand) < 1e-4 * total_by_hand, "the returned total is √(Σ‖g_i‖²) over all parameters")
check(all(np.allclose(a, b * (1.0 / (total_by_hand + 1e-6)), rtol=1e-5, atol=1e-9) for a, b in zip(after, before)),
      "every gradient was scaled by the same factor max_norm / (total + 1e-6)")

# %% [markdown]
# In a training loop, clipping goes between `loss.backward()` and `optimizer.step()`:
#
# ```python
# loss.backward()
# norm = tg.nn.clip_grad_norm(model.parameters(), max_norm=1.0)   # log `norm`: spikes are explosions
# opt.step()
# ```
#
# Clipping cures explosions, not vanishing: it can shrink a gradient but never enlarge one.
# Against vanishing we need a different architecture, one whose state can carry gradient
# through time unchanged. That is the LSTM, in lesson 5.
#
# ## 5. Check yourself
#
# Open `lessons/exercises/04_vanishing_exploding.py`, fill in the functions, and run
# `tinygrad-rnn check 4`.
#
# 1. `jacobian_product_norms(W, states)`: NumPy only. Given `W` and the states of a
#    bias-free tanh RNN, return `‖∂s_T/∂s_t‖` (spectral) for every t, as in Section 2.
# 2. `clip_by_global_norm(grads, max_norm)`: NumPy only. PyTorch's clipping formula on a list
#    of arrays; return the clipped list and the norm before clipping.
#
# The check draws fresh inputs each run and watches for library calls inside your functions;
# `tinygrad-rnn check 4 --hint` gives a nudge, one level deeper each time.

# %%
print("lesson 4 finished")
