# %% [markdown]
# # 2. Tensors and reverse mode
# > Broadcasting and summed-back gradients, accumulation, the real backward walk (consumer counts, Kahn's order), no_grad, detach, gradcheck, and Newton's method with second derivatives; you build a tiny engine.
#
# **What you will learn**
#
# * what changes when the numbers of lesson 1 become arrays: shapes, and **broadcasting**;
# * why the gradient of a broadcast input is a *sum*, and where the library does that sum;
# * why gradients **accumulate** (`a + a` has gradient 2) and what that means for `.grad`;
# * the **topological order** that the backward walk follows;
# * how to switch recording off (`tg.no_grad()`) and cut a graph (`.detach()`);
# * how `tg.gradcheck` catches a wrong gradient, and what a small network's graph looks like;
# * (build it) a tiny engine of your own in the exercises; (optional) second derivatives with
#   `tg.grad(..., create_graph=True)` and Newton's method.
#
# Run it with `tinygrad-rnn lesson 2`; pictures go to `tinygrad_rnn_lessons/02_reverse_mode/`.

# %%
import inspect

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.autograd import backward_walk, consumer_counts
from tinygrad_rnn.tensor import unbroadcast
from tinygrad_rnn.lessons import check, fast, out_dir, show

OUT = out_dir("02_reverse_mode")
tg.manual_seed(0)
rng = np.random.default_rng(0)      # our own NumPy numbers, to compute answers independently

# %% [markdown]
# ## 1. From numbers to tensors
#
# A tensor is an array plus the bookkeeping of lesson 1: where it came from and, after
# `backward()`, its gradient. The rule that makes arrays work is simple: **`x.grad` has the
# same shape as `x`**, and its element `[i, j]` is `∂L/∂x[i, j]`. The loss `L` must be a
# single number, so we usually end with `.sum()` or `.mean()`.
#
# Take `L = Σ (x ⊙ w)` with `x` and `w` both of shape (2, 3). Each `x[i, j]` meets exactly one
# `w[i, j]`, so `∂L/∂x = w` element by element.

# %%
x_np = rng.standard_normal((2, 3))
w_np = rng.standard_normal((2, 3))
x = tg.tensor(x_np, dtype=tg.float64, requires_grad=True)
w = tg.tensor(w_np, dtype=tg.float64, requires_grad=True)
L = (x * w).sum()
L.backward()
print("x.grad =\n", x.grad.numpy())
check(x.grad.shape == x.shape, "x.grad has the shape of x")
check(np.allclose(x.grad.numpy(), w_np) and np.allclose(w.grad.numpy(), x_np),
      "∂Σ(x⊙w)/∂x = w and ∂Σ(x⊙w)/∂w = x")

# %% [markdown]
# ## 2. Broadcasting, and why its gradient is a sum
#
# A layer adds one bias vector `b` (shape (3,)) to every row of a batch `y = x + b` with
# `x` of shape (4, 3). NumPy **broadcasts**: it acts as if `b` were copied into 4 rows.
# Each element `b[j]` is therefore *used four times*, once per row. In lesson 1 a value used
# twice received gradient from both uses, and the same happens here:
#
# $$\frac{\partial L}{\partial b_j} = \sum_{i} \frac{\partial L}{\partial y_{ij}}.$$
#
# So the gradient that arrives with shape (4, 3) must be summed over the broadcast axis to
# get back to (3,). The library does this in one place, for every op:

# %%
print(inspect.getsource(unbroadcast))

# %%
x = tg.tensor(rng.standard_normal((4, 3)), dtype=tg.float64, requires_grad=True)
b = tg.tensor(rng.standard_normal(3), dtype=tg.float64, requires_grad=True)
c = tg.tensor(rng.standard_normal((4, 3)), dtype=tg.float64)   # fixed weights for the loss
y = x + b
L = (y * c).sum()          # ∂L/∂y = c
L.backward()
print("b.grad =", b.grad.numpy())
check(b.grad.shape == (3,), "b.grad has b's shape (3,), not the broadcast shape (4, 3)")
check(np.allclose(b.grad.numpy(), c.numpy().sum(axis=0)), "∂L/∂b is ∂L/∂y summed over the rows")

# %% [markdown]
# The same holds for size-1 axes: a (4, 1) column added to a (4, 3) matrix receives the sum
# over the three columns, kept as shape (4, 1).

# %%
col = tg.tensor(rng.standard_normal((4, 1)), dtype=tg.float64, requires_grad=True)
((x.detach() + col) * c).sum().backward()
check(col.grad.shape == (4, 1) and np.allclose(col.grad.numpy(), c.numpy().sum(axis=1, keepdims=True)),
      "a (4, 1) column gets ∂L/∂y summed over axis 1, shape kept")

# %% [markdown]
# ## 3. Gradients accumulate
#
# What is the gradient of `L = a + a`? The answer is 2, because `a` is used twice, and the walk
# must **add** the two contributions, never overwrite one with the other. (An early
# mistake in many hand-written engines is `a.grad = g` instead of `a.grad += g`: then `a + a`
# gets gradient 1.)

# %%
a = tg.tensor(3.0, dtype=tg.float64, requires_grad=True)
(a + a).backward()
print("∂(a + a)/∂a =", a.grad.item())
check(a.grad.item() == 2.0, "a + a has gradient 2: the two uses add up")

a.zero_grad()
(a * a * a).backward()
check(abs(a.grad.item() - 27.0) < 1e-12, "a·a·a at a = 3 has gradient 3a² = 27")

# %% [markdown]
# Accumulation has a second face: **a leaf's `.grad` also accumulates across `backward()`
# calls**. Run backward twice without clearing and you get the sum. This is a feature (it
# lets you add gradients over several small batches before one optimiser step), but it means
# a training loop must clear gradients before each step: `optimizer.zero_grad()` or
# `model.zero_grad()`.

# %%
a.zero_grad()
for _ in range(3):
    (a * 2.0).backward()
print("after three backward() calls: a.grad =", a.grad.item())
check(a.grad.item() == 6.0, "three backward passes of 2a leave a.grad = 2 + 2 + 2")

# %% [markdown]
# ## 4. Topological order
#
# Backward may only pass on a node's gradient once *all* of it has arrived, which means
# after every consumer of the node has sent its share. An order in which each node comes
# after its inputs is a **topological order**; walked backwards, it guarantees that.
#
# The library finds such an order without sorting a list. It first counts, for every node,
# how many op inputs it feeds (`a + a` counts twice), in one depth-first walk written as a
# loop with an explicit stack: an unrolled RNN can be thousands of ops deep, deeper than
# Python's recursion limit. Then it starts at the root, and a node whose last consumer has
# reported goes on a "ready" stack (Kahn's algorithm). Each gradient moves on the moment it is
# complete, which keeps few of them in memory at once. Here are the counts, then the walk itself,
# exactly as `tinygrad_rnn/autograd.py` runs it for every `backward()` in this course:

# %%
print(inspect.getsource(consumer_counts))
print(inspect.getsource(backward_walk))

# %% [markdown]
# Read the loop of `backward_walk` against the paragraph above: `pending` holds the counts;
# `ready` starts with the root; a tensor popped from `ready` has its complete gradient `g`; its
# op's backward turns `g` into one share per input; each share is added to that input's
# running sum, its count goes down by one, and at zero the input joins `ready`. The rest are
# named helpers: hooks, handing a leaf its `.grad`, and freeing what the op saved.

# %% [markdown]
# A diamond shows why the order matters: `u = 2p`, `v = p²`, `L = u·v`. Both `u` and `v`
# feed `L`, and both depend on `p`, so `p` must wait for both. (`v = p·p` feeds `p` to one op
# twice, so `p` has three consumer slots.) Hooks run when a node's gradient is complete, so
# they show the order in which the walk finishes the nodes.

# %%
p = tg.tensor(1.5, dtype=tg.float64, requires_grad=True, name="p")
u = p * 2.0
u.name = "u"
v = p * p
v.name = "v"
L = u * v
L.name = "L"
print("consumers counted:", {t.name: consumer_counts(L)[id(t)] for t in (p, u, v)})
finished = []
for t in (p, u, v, L):
    t.register_hook(lambda g, name=t.name: finished.append(name))
L.backward()
print("gradients completed in this order:", finished)
check(finished[0] == "L" and finished[-1] == "p", "the root finishes first, p only after both u and v")
check(abs(p.grad.item() - 6 * 1.5 ** 2) < 1e-12, "L = 2p·p² = 2p³ has gradient 6p² at p = 1.5")

# %% [markdown]
# ## 5. Switching recording off: `no_grad` and `detach`
#
# Recording a graph costs memory. When you only *evaluate* a model, say inside
# `with tg.no_grad():`, no op records its inputs and results have `requires_grad=False`.
#
# `t.detach()` gives the same numbers as `t`, cut from the graph: gradient does not flow back
# through it. Recurrent networks use this for *truncated* backpropagation through time: the
# state carried from one chunk of a long sequence to the next is detached, so each backward
# pass stops at the chunk boundary.

# %%
w = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)
with tg.no_grad():
    z = w * 3.0
check(not z.requires_grad and z.is_leaf, "inside no_grad, results record nothing")

h = w * 3.0                    # recorded: ∂h/∂w = 3
L = h.detach() * h             # the first factor is a constant copy of h
L.backward()
print("L = h.detach()·h, ∂L/∂w =", w.grad.item())
check(abs(w.grad.item() - 6.0 * 3.0) < 1e-12, "through detach only one factor counts: ∂L/∂w = h·3 = 18, not 2h·3 = 36")

# %% [markdown]
# ## 6. `gradcheck`: trust, but verify
#
# Every op's backward in the library is written by hand, like `Mul.backward` in lesson 1.
# `tg.gradcheck(fn, inputs)` compares the analytic gradients with central differences in float64.
# It projects the output on a random direction `v` and compares `∂(v·fn)/∂x` both ways.
#
# To see it catch a bug, we write a new op with a deliberate mistake. The derivative of
# `sin` is `cos`; our broken op claims it is `−cos`.

# %%
class BrokenSin(tg.Function):
    """y = sin(x), with a wrong derivative on purpose."""
    name = "broken_sin"

    def forward(self, x):
        self.x = x
        return tg.backend.xp_of(x).sin(x)

    def backward(self, g):
        return g * -tg.backend.xp_of(self.x).cos(self.x)    # wrong: should be +cos


class Sin(BrokenSin):
    name = "sin"

    def backward(self, g):
        return g * tg.backend.xp_of(self.x).cos(self.x)


xs = tg.randn(3, 4, dtype=tg.float64, requires_grad=True)
check(tg.gradcheck(lambda t: Sin.apply(t), [xs]), "gradcheck passes the correct sin")
try:
    tg.gradcheck(lambda t: BrokenSin.apply(t), [xs])
    caught = None
except tg.GradcheckError as e:
    caught = e
print("gradcheck on the broken op said:\n ", caught)
check(caught is not None, "gradcheck rejects the op whose derivative has the wrong sign")

# %% [markdown]
# Before trusting a new cell or op, run `gradcheck` on it with small sizes. Later lessons do
# this for every recurrent cell.
#
# ## 7. A small network, drawn
#
# Two linear layers with a `tanh` between: `ŷ = W₂ tanh(W₁ x + b₁) + b₂`, and a squared
# error. `tg.viz.backward_with_grads` runs backward and keeps every intermediate gradient;
# `tg.viz.draw` turns the graph into a picture coloured by `|∂L/∂node|`.

# %%
class TinyMLP(tg.nn.Module):
    def __init__(self, n_in: int, n_hidden: int, n_out: int) -> None:
        super().__init__()
        self.layer1 = tg.nn.Linear(n_in, n_hidden)
        self.layer2 = tg.nn.Linear(n_hidden, n_out)

    def forward(self, x: tg.Tensor) -> tg.Tensor:     # x: (B, n_in) -> (B, n_out)
        hidden = self.layer1(x).tanh()
        hidden.name = "hidden"
        return self.layer2(hidden)


tg.manual_seed(1)
batch = 4 if fast() else 8
mlp = TinyMLP(3, 5, 2)
inputs = tg.randn(batch, 3)
inputs.name = "x"
targets = tg.randn(batch, 2)
targets.name = "target"
pred = mlp(inputs)
pred.name = "prediction"
loss = tg.nn.mse_loss(pred, targets)
loss.name = "loss"
tg.viz.backward_with_grads(loss)
graph = tg.viz.draw(loss, params=mlp, rankdir="TB",
                    label=f"TinyMLP(3 → 5 → 2), PyTorch init, untrained; loss = mean squared error over a batch of {batch}")
show(tg.viz.render(graph, OUT / "02_mlp_graph.png"))
drawn_graph = tg.viz.build_graph(loss)
drawn = [n.grad_norm for n in drawn_graph.tensors() if n.grad_norm]
check(drawn_graph.find("hidden").grad_norm < drawn_graph.find("prediction").grad_norm,
      "|grad| is smaller at hidden than at prediction")
print(f"|grad| of the drawn tensors: from {min(drawn):.3g} to {max(drawn):.3g}")
check(max(drawn) < 100 * min(drawn), "the drawn gradients span less than two orders of magnitude")

# %% [markdown]
# **Reading the picture** (`02_mlp_graph.png`). The computation runs from top to bottom
# (`rankdir="TB"`, which keeps the picture narrow). The four parameters are the small green-edged
# tags, drawn where they are used: `layer1.Wᵀ` and `layer1.b` for `layer1.weight` and
# `layer1.bias` (the `ᵀ` is the `W.T` inside `Linear`, `y = x @ W.T + b`). Look at the biases:
# `layer1.b` has shape (5,) but is added to a (B, 5) matrix, so its gradient is the batch sum of
# Section 2. Ellipses are ops, labelled with what they compute (`x @ ·`, `· + layer1.b`). The
# loss at the bottom is built from primitives too: a subtraction, the square as a product with
# both edges from the same tensor, a `sum`, and a multiplication by 1/(number of elements).
# Follow `|grad|` from the bottom up: 1 at the loss, then smaller; `hidden` has less than
# `prediction`. The printout under the picture gives the range of `|grad|` over the drawn
# tensors: less than two orders of magnitude, so the colours differ little; in lesson 4 the same
# scale spans many orders of magnitude across time steps.
#
# Now check the layer-1 gradients against NumPy by hand, so we are not only trusting the
# picture:

# %%
xb, tb = inputs.numpy().astype(np.float64), targets.numpy().astype(np.float64)
W1, b1 = mlp.layer1.weight.numpy().astype(np.float64), mlp.layer1.bias.numpy().astype(np.float64)
W2, b2 = mlp.layer2.weight.numpy().astype(np.float64), mlp.layer2.bias.numpy().astype(np.float64)
hid = np.tanh(xb @ W1.T + b1)
out = hid @ W2.T + b2
d_out = 2 * (out - tb) / out.size                 # ∂ mean((out − t)²) / ∂out
d_hid = d_out @ W2
d_pre = d_hid * (1 - hid ** 2)
dW1, db1 = d_pre.T @ xb, d_pre.sum(axis=0)        # the bias gradient is a batch sum
check(np.allclose(mlp.layer1.weight.grad.numpy(), dW1, atol=1e-6), "layer1.weight.grad matches NumPy by hand")
check(np.allclose(mlp.layer1.bias.grad.numpy(), db1, atol=1e-6), "layer1.bias.grad is the batch sum, as by hand")

# %% [markdown]
# ## 8. Build it yourself
#
# Open `lessons/exercises/02_reverse_mode.py`. It holds a tiny engine in NumPy, in the shape of
# this library's: a `Node` (a value, its gradient and the op that made it) and a `Function`
# (one op: `forward` on arrays, `backward` returning one gradient per input), with every
# `forward` written. You write the rest, and then your engine computes gradients:
#
# 1. `sum_to_shape(grad, shape)`: the sum of section 2 that undoes broadcasting;
# 2. the `backward` of `Add`, `Mul`, `Tanh`, `Sum` and `MatMul`;
# 3. `consumer_counts(root)`: section 4's counts, with an explicit stack;
# 4. `backward(root)`: the walk, in Kahn's order (a node goes on once its last consumer has
#    reported), each op's backward called exactly once.
#
# Run `tinygrad-rnn check 2`. It checks each op against the library's gradient on fresh random
# shapes (with broadcasting), then builds random graphs (diamonds, `a + a`, reused results) in
# your engine and in `tinygrad_rnn` and compares every leaf's gradient to 1e-10; it also runs a
# chain of 4 500 ops, deeper than Python's recursion limit. Your engine must not use the library
# (the check watches for it). `tinygrad-rnn check 2 --hint` gives a nudge, one level deeper each
# time; one way to write it is in `lessons/solutions/02_reverse_mode.py`.

# ## 9. Optional: derivatives of derivatives
#
# The walk above turns each gradient into arrays. With `create_graph=True` it records the
# backward pass itself as ops, so a gradient is a tensor with its own graph and can be
# differentiated again. `tg.grad(outputs, inputs, create_graph=True)` returns the gradients
# without touching `.grad` (as `torch.autograd.grad` does).
#
# One use, the way DeZero shows it: **Newton's method** finds a minimum of f by stepping
# `x ← x − f′(x) / f″(x)`, and both derivatives come from autograd. For `f(x) = x⁴ − 2x²`, from
# `x = 2`: calculus says `f′ = 4x³ − 4x` and `f″ = 12x² − 4`, and the minimum on the right is at
# `x = 1`.

# %%
x = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)
newton = [x.item()]
for step in range(8):
    y = x ** 4 - 2 * x ** 2
    (dy,) = tg.grad(y, x, create_graph=True)            # f′(x), a tensor with a graph
    (ddy,) = tg.grad(dy, x)                              # f″(x), differentiating f′
    if step == 0:
        check(dy.item() == 4 * 2.0 ** 3 - 4 * 2.0 and ddy.item() == 12 * 2.0 ** 2 - 4,
              "at x = 2, tg.grad gives f′ = 4x³ − 4x = 24 and f″ = 12x² − 4 = 44")
    x = tg.tensor(x.item() - dy.item() / ddy.item(), dtype=tg.float64, requires_grad=True)
    newton.append(x.item())
print("Newton's iterates:", " → ".join(f"{v:.12f}" for v in newton))
errors = [abs(v - 1.0) for v in newton]
check(errors[-1] < 1e-12, "Newton's method with autograd's f′ and f″ reaches the minimum x = 1")
check(all(errors[k + 1] < 10 * errors[k] ** 2 for k in range(3, 6)),
      "near the answer each step squares the error (quadratic convergence)")

# %% [markdown]
# The iterates approach 1 quickly (printed above): near the answer each Newton step squares the
# error, that is doubles the number of correct digits, whereas gradient descent, which uses `f′`
# alone, gains a fixed fraction per step.

# %%
print("lesson 2 finished")
