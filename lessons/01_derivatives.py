# %% [markdown]
# # 1. Derivatives and the chain rule
# > Slopes by nudging, the chain rule by hand, a thirty-line autograd, then the same with tg.Tensor.
#
# **What you will learn**
#
# * what a derivative *is*, measured by nudging the input a little (a finite difference);
# * why the nudge must be neither too big nor too small;
# * the chain rule, applied by hand to a tiny neuron `L = (tanh(w·x + b) − y)²`;
# * how reverse-mode automatic differentiation does the same bookkeeping for you — first in a
#   scalar engine of about thirty lines written right here, then with `tinygrad_rnn`;
# * how to read a drawing of a computation graph coloured by gradient.
#
# Everything in this course builds on these four ideas. Recurrent networks are long chains
# of small functions, and training them is the chain rule applied many times.
#
# Run this lesson with `tinygrad-rnn lesson 1` (pictures go to `tinygrad_rnn_lessons/01_derivatives/`),
# or open it as a notebook with `tinygrad-rnn lesson 1 --notebook`.

# %%
import math

import matplotlib

matplotlib.use("Agg")          # write files, never open windows
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lessons import check, out_dir, show

OUT = out_dir("01_derivatives")
print("pictures go to", OUT)

# %% [markdown]
# ## 1. A slope, measured
#
# The derivative of `f` at `x` says how much `f` changes per unit change of `x`, for a very
# small change:
#
# $$f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}.$$
#
# We cannot take a limit on a computer, but we can take a small `h` and look. Our function
# for this section is `f(x) = x · tanh(x)`. From calculus its derivative is
# `f'(x) = tanh(x) + x · (1 − tanh²(x))` (the product rule, plus `tanh' = 1 − tanh²`).
# We use that formula only to *grade* the measurements.

# %%
def f(x):
    return x * math.tanh(x)


def f_prime_exact(x):
    return math.tanh(x) + x * (1 - math.tanh(x) ** 2)


x0 = 0.7
for h in [1e-1, 1e-2, 1e-3, 1e-4]:
    forward = (f(x0 + h) - f(x0)) / h
    print(f"h = {h:.0e}:  (f(x+h) − f(x)) / h = {forward:.8f}   exact {f_prime_exact(x0):.8f}")

# %% [markdown]
# The forward difference gets closer as `h` shrinks: its error is about `h · f''(x) / 2`,
# proportional to `h`. A better recipe nudges both ways, the **central difference**
# `(f(x + h) − f(x − h)) / 2h`. The first-order error terms cancel and what is left is
# proportional to `h²`.
#
# But `h` cannot shrink forever. A float64 number carries about 16 significant digits,
# so `f(x + h) − f(x)` loses digits when the two values agree in most of them. Dividing that
# rounding noise (about 1e-16) by a tiny `h` makes it large. The picture below shows both
# effects for many `h`.

# %%
hs = np.logspace(-15, -1, 57)
err_forward = [abs((f(x0 + h) - f(x0)) / h - f_prime_exact(x0)) for h in hs]
err_central = [abs((f(x0 + h) - f(x0 - h)) / (2 * h) - f_prime_exact(x0)) for h in hs]

fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
ax.loglog(hs, np.maximum(err_forward, 1e-18), "o-", ms=3, label="forward difference (f(x+h) − f(x)) / h")
ax.loglog(hs, np.maximum(err_central, 1e-18), "s-", ms=3, label="central difference (f(x+h) − f(x−h)) / 2h")
ax.loglog(hs, hs, ":", color="grey", label="slope 1 (error ∝ h)")
ax.loglog(hs, hs ** 2, "--", color="grey", label="slope 2 (error ∝ h²)")
ax.set_ylim(1e-17, 1)
ax.set_xlabel("step h")
ax.set_ylabel("|estimate − exact f'(0.7)|")
ax.set_title("f(x) = x·tanh(x) at x = 0.7, float64: finite-difference error against h")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "01_finite_difference_error.png")
plt.close(fig)
show(OUT / "01_finite_difference_error.png")

# %% [markdown]
# **Reading the picture** (`01_finite_difference_error.png`). Read each curve from right to
# left. At large `h` the error falls as `h` shrinks: along the slope-1 line for the forward
# difference, along the much steeper slope-2 line for the central one. Then each curve turns
# around and climbs again as `h` keeps shrinking: that is rounding noise divided by `h`. The
# central difference turns around at a larger `h` than the forward one (its truncation error
# shrinks faster, so rounding wins later) and its lowest point is far lower; the printout below
# gives each curve's best `h`, its error there, and the ratio. The jagged left half is rounding
# noise: its exact size depends on how the last bits happen to fall, but its trend grows like
# 1/h. This is why `tg.gradcheck` uses central differences in float64 with `eps = 1e-6`.

# %%
best_forward = min(err_forward)
best_central = min(err_central)
h_forward, h_central = hs[int(np.argmin(err_forward))], hs[int(np.argmin(err_central))]
print(f"forward difference: best at h = {h_forward:.1e}, error {best_forward:.1e}")
print(f"central difference: best at h = {h_central:.1e}, error {best_central:.1e}, "
      f"{best_forward / best_central:.0f} times smaller")
check(h_central > h_forward, "the central difference is best at a larger h than the forward one")
check(best_central < 1e-9, "the best central difference matches the exact slope to 1e-9")
check(best_central < best_forward / 10, "central differences beat forward differences by 10× or more")
check(err_central[0] > 1e-4, "a step of h = 1e-15 is ruined by rounding")

# %% [markdown]
# ## 2. The chain rule, by hand
#
# Now a tiny neuron: one input `x`, a weight `w`, a bias `b`, a target `y`, and the
# squared error
#
# $$L = (\tanh(w x + b) - y)^2.$$
#
# Give every intermediate value a name, one operation each:
#
# ```
# a = w·x          q = a + b          s = tanh(q)          d = s − y          L = d²
# ```
#
# The **chain rule** says that if `L` depends on `w` only through `a`, then
# `∂L/∂w = ∂L/∂a · ∂a/∂w`. Each factor is the derivative of one small step. Walk
# backwards from `L`:
#
# ```
# ∂L/∂L = 1
# ∂L/∂d = 2d                      (L = d²)
# ∂L/∂s = ∂L/∂d · 1               (d = s − y)
# ∂L/∂q = ∂L/∂s · (1 − s²)        (s = tanh q)
# ∂L/∂a = ∂L/∂q · 1,  ∂L/∂b = ∂L/∂q · 1      (q = a + b)
# ∂L/∂w = ∂L/∂a · x,  ∂L/∂x = ∂L/∂a · w      (a = w·x)
# ```
#
# Each line uses the line above it and one local derivative. Going *backwards* means that
# one walk gives the derivative with respect to every input at once. This is reverse mode.

# %%
w, x, b, y = 0.8, -1.5, 0.3, 0.5

a = w * x
q = a + b
s = math.tanh(q)
d = s - y
L = d ** 2

dL_dd = 2 * d
dL_ds = dL_dd * 1
dL_dq = dL_ds * (1 - s ** 2)
dL_da = dL_dq * 1
dL_db = dL_dq * 1
dL_dw = dL_da * x
dL_dx = dL_da * w
print(f"L = {L:.6f}   ∂L/∂w = {dL_dw:.6f}   ∂L/∂b = {dL_db:.6f}   ∂L/∂x = {dL_dx:.6f}")


def loss(w, x, b, y):
    return (math.tanh(w * x + b) - y) ** 2


eps = 1e-6
numeric_w = (loss(w + eps, x, b, y) - loss(w - eps, x, b, y)) / (2 * eps)
numeric_b = (loss(w, x, b + eps, y) - loss(w, x, b - eps, y)) / (2 * eps)
check(abs(numeric_w - dL_dw) < 1e-8, "chain rule ∂L/∂w agrees with the central difference")
check(abs(numeric_b - dL_db) < 1e-8, "chain rule ∂L/∂b agrees with the central difference")

# %% [markdown]
# ## 3. A scalar autograd in thirty lines
#
# The walk above is mechanical, so a program can do it. Each value remembers the values
# it was computed from and, for each of them, the *local derivative*. Backward then:
#
# 1. lists the values in **topological order** (every value after the values it was
#    computed from);
# 2. sets the gradient of the output to 1;
# 3. visits the list backwards and, for each value, *adds* `grad · local` to each parent's
#    gradient. Adding matters: a value used twice gets gradient from both uses.
#
# Here the engine handles single numbers; in lesson 2's exercises you write one for arrays,
# with the same walk. From the next section on, this lesson uses the library's.

# %%
class Value:
    """A number that remembers how it was made: parents and ∂self/∂parent for each."""

    def __init__(self, data, parents=(), local_grads=()):
        self.data, self.grad = data, 0.0
        self.parents, self.local_grads = parents, local_grads

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __sub__(self, other):
        return self + (other * -1.0)

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,))

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:                      # depth-first, without recursion
            v, done = stack.pop()
            if done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((p, False) for p in v.parents)
        self.grad = 1.0
        for v in reversed(order):         # outputs before inputs
            for p, local in zip(v.parents, v.local_grads):
                p.grad += v.grad * local  # the chain rule, accumulated


# %% [markdown]
# `d * d` needs no special square: `d` appears as both parents of the product, and each
# visit adds `d.grad · d`, which totals `2d · d.grad`. Let us run the neuron through it.

# %%
vw, vx, vb = Value(w), Value(x), Value(b)
vd = (vw * vx + vb).tanh() - y
vL = vd * vd
vL.backward()
print(f"Value engine: L = {vL.data:.6f}   ∂L/∂w = {vw.grad:.6f}   ∂L/∂b = {vb.grad:.6f}   ∂L/∂x = {vx.grad:.6f}")
check(abs(vL.data - L) < 1e-12, "the Value engine computes the same loss")
check(abs(vw.grad - dL_dw) < 1e-12 and abs(vb.grad - dL_db) < 1e-12 and abs(vx.grad - dL_dx) < 1e-12,
      "the Value engine's gradients equal the hand-written chain rule")

# %% [markdown]
# ## 4. The same with `tinygrad_rnn`
#
# `tg.Tensor` does exactly this, for arrays instead of single numbers. We ask for
# gradients with `requires_grad=True`, and `.backward()` fills `.grad` on those tensors.
# We use float64 so the comparison is tight.
#
# Each operation of the library is a small class with `forward` and `backward` side by
# side. Here is the one for multiplication. Compare its `backward` with the local
# derivatives `(other.data, self.data)` in our `Value.__mul__`:

# %%
import inspect

from tinygrad_rnn.ops import arithmetic

print(inspect.getsource(arithmetic.Mul))

# %%
tw = tg.tensor(w, dtype=tg.float64, requires_grad=True, name="w")
tx = tg.tensor(x, dtype=tg.float64, name="x")
tb = tg.tensor(b, dtype=tg.float64, requires_grad=True, name="b")
ty = tg.tensor(y, dtype=tg.float64, name="y")

ta = tw * tx
ta.name = "a"
tq = ta + tb
tq.name = "q"
ts = tq.tanh()
ts.name = "s"
td = ts - ty
td.name = "d"
tL = td * td
tL.name = "L"

tg.viz.backward_with_grads(tL)      # .backward() that also keeps the intermediate gradients
print(f"tinygrad_rnn: L = {tL.item():.6f}   ∂L/∂w = {tw.grad.item():.6f}   ∂L/∂b = {tb.grad.item():.6f}")
check(abs(tw.grad.item() - dL_dw) < 1e-12, "tg's ∂L/∂w equals the hand-written chain rule")
check(abs(tb.grad.item() - dL_db) < 1e-12, "tg's ∂L/∂b equals the hand-written chain rule")
check(abs(ts.grad.item() - dL_ds) < 1e-12, "tg kept ∂L/∂s for the intermediate s, and it is right")

# %% [markdown]
# A normal `tL.backward()` keeps `.grad` only on the leaves (`w`, `b`): intermediate
# gradients are thrown away once used, which saves memory in long recurrent networks. For
# drawings we used `tg.viz.backward_with_grads`, which keeps them all.
#
# Now the picture of this graph.

# %%
graph = tg.viz.draw(tL, label="L = (tanh(w·x + b) − y)², w = 0.8, x = −1.5, b = 0.3, y = 0.5; after backward",
                    show_values=True)
path = tg.viz.render(graph, OUT / "01_neuron_graph.png")
show(path)
print(f"|grad| at L: {abs(tL.grad.item()):.3g},  at d: {abs(td.grad.item()):.3g} (d = {td.item():.3g}),  "
      f"at s: {abs(ts.grad.item()):.3g},  at q: {abs(tq.grad.item()):.3g} "
      f"(q = {tq.item():.3g}, tanh′(q) = 1 − s² = {1 - ts.item() ** 2:.3g})")
check(abs(tq.grad.item()) < abs(ts.grad.item()) and 1 - ts.item() ** 2 < 0.75,
      "the tanh step shrinks the gradient: |∂L/∂q| < |∂L/∂s|")

# %% [markdown]
# **Reading the picture** (`01_neuron_graph.png`). Boxes are tensors, small ellipses are
# operations, and arrows run in the direction of the forward computation. Each box shows
# its name, shape `()` (a single number), its value and `|grad|`, the size of `∂L/∂node`.
# `w` and `b` are the parameters, drawn as small green-edged tags where they are used (their fill
# is the gradient sent to them); blue dashed `x` and `y` are inputs that need no gradient;
# purple `L` is the output. The fill colour is the gradient's size on a fixed
# log scale from 1e-8 (pale) to 1 (dark red); here every gradient is 1 or more, so every
# box with a gradient is dark, and the numbers tell the story. Read them from the right (the
# printout below the picture gives the same numbers): `|grad|` is 1 at `L`, `2|d|` at `d`, the
# same at `s` (since `d = s − y`), and smaller at `q`. The `tanh` step made that cut: `q` is far
# enough from 0 that `tanh′(q) = 1 − s²` is well below 1. Edge widths follow the same scale;
# `x` and `y` get no gradient (white, dashed) because we did not ask for one.
# Remember this factor `1 − tanh²`: in lesson 4 it is one of the two reasons gradients
# vanish in recurrent networks.
#
# ## 5. Check yourself
#
# Two exercises. Open `lessons/exercises/01_derivatives.py`, replace each
# `raise NotImplementedError` with your code, and run
#
# ```
# tinygrad-rnn check 1
# ```
#
# 1. `central_difference(f, x, h)`: the central-difference estimate of `f'(x)`.
# 2. `neuron_grads(w, x, b, y)`: `(∂L/∂w, ∂L/∂b)` for `L = (tanh(w·x + b) − y)²`, by the chain
#    rule, using only `math`.
#
# The check is strict on purpose. It draws new numbers every run (the seed is printed, and
# `--seed` repeats a run), and it wants the chain rule's answer to 1e-10, including for saturated
# neurons where a finite difference is far off: section 1's picture shows why nudging cannot
# get there. It also watches for `tinygrad_rnn` (or torch) inside your function and says so.
# `tinygrad-rnn check 1 --hint` gives a nudge, one level deeper each time you ask;
# `--file PATH` checks a copy instead. One way to write them is in
# `lessons/solutions/01_derivatives.py`. Try first!

# %%
print("lesson 1 finished")
