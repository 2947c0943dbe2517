# %% [markdown]
# # 3. The plain RNN and backpropagation through time
# > One cell applied at every step, its unrolled graph drawn step by step, BPTT by hand checked against autograd, and a task that needs the memory.
#
# **What you will learn**
#
# * the equations of the plain (Elman) recurrent network and how `tg.nn.RNNCell` writes them;
# * what **unrolling** means: the same weights appear once per time step in the graph;
# * how the library's name scopes (`t=0`, `t=1`, ...) group the graph into time steps in a drawing;
# * **backpropagation through time** (BPTT) written out by hand in NumPy for four steps,
#   and checked number by number against the library's autograd;
# * why the gradient of a recurrent weight is a **sum over time steps**.
#
# Run it with `tinygrad-rnn lesson 3`; pictures go to `tinygrad_rnn_lessons/03_rnn_bptt/`.

# %%
import inspect

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lessons import check, fast, out_dir, show

OUT = out_dir("03_rnn_bptt")

# %% [markdown]
# ## 1. The equations
#
# A recurrent network reads a sequence `x_1, x_2, …, x_T` one element at a time and keeps a
# **state** `s_t`, a vector that summarises what it has read so far. At every step it mixes
# the new input with the previous state, and it may predict something from the new state:
#
# $$s_t = \tanh(U x_t + W s_{t-1}), \qquad \hat y_t = \mathrm{softmax}(V s_t), \qquad s_0 = 0.$$
#
# `U` (H × I) reads the input, `W` (H × H) carries the past forward, and `V` (K × H) turns
# the state into scores for K classes. **The same U, W, V are used at every step**: that is
# what makes it one network and not T networks. Here the network predicts the next
# character, and the loss is the cross-entropy summed over time:
#
# $$E_t = -\log \hat y_t[y_t], \qquad E = \sum_{t} E_t.$$
#
# The library's `tg.nn.RNNCell` computes one step. Without biases it is exactly our first
# equation, with `U` stored as `weight_ih` and `W` as `weight_hh` (PyTorch's names and
# layouts). It calls the state `h`; in this lesson `s_t` in the math is `h_t` in the code and
# the drawings. Here is its `forward`:

# %%
print(inspect.getsource(tg.nn.RNNCell.forward))

# %% [markdown]
# `x @ self.weight_ih.T` is `U x` written for a *batch*: each row of `x` is one sequence's
# input, so the matrix goes on the right, transposed. The numbers are the same.
#
# ## 2. A tiny task that needs memory: predict the next character of "hello"
#
# The vocabulary is the four characters `h e l o`. The input is `hell` and the targets are the
# next characters `ello`. Look at the two `l`s: after the first `l` comes another `l`, after
# the second comes `o`. The current character alone cannot tell them apart; only the past can
# (was there an `l` just before?). A network without a state could at best give both `l`s the
# same prediction. Four steps are enough to see everything, and small enough to do by hand.

# %%
vocab = "helo"
text_in, text_out = "hell", "ello"
K, H, T = len(vocab), 5, len(text_in)
xs_np = np.eye(K)[[vocab.index(ch) for ch in text_in]]          # (T, K) one-hot rows
ys = [vocab.index(ch) for ch in text_out]                        # target class per step
print("inputs (one-hot):\n", xs_np)
print("targets:", ys)

tg.manual_seed(0)
cell = tg.nn.RNNCell(K, H, bias=False, dtype=tg.float64)          # U = weight_ih, W = weight_hh
readout = tg.nn.Linear(H, K, bias=False, dtype=tg.float64)        # V = readout.weight
U, W, V = cell.weight_ih, cell.weight_hh, readout.weight
print("U", U.shape, " W", W.shape, " V", V.shape)

# %% [markdown]
# ## 3. Unrolling, with name scopes
#
# The forward pass is a plain Python loop. Each step runs inside the name scopes
# `("rnn", "layer0", "forward", f"t={t}")` that every recurrent layer of the library records.
# This adds no computation; each op remembers the path, and the drawing uses it to put
# every step in its own box. We also name the state tensors `h_1, h_2, …` and the step inputs
# `x_1, …` the way the layers do. (This lesson counts time from 1, like the equations;
# the library's layers count from 0.)

# %%
def unroll(cell, readout, xs, ys):
    """xs (T, K) one-hot, ys T class indices -> (E, states, step_losses). Batch of one."""
    s = cell.init_state(1)                                   # s_0 = 0, shape (1, H)
    states, losses = [], []
    with tg.name_scope("rnn"), tg.name_scope("layer0"), tg.name_scope("forward"):
        for t in range(1, len(ys) + 1):
            with tg.name_scope(f"t={t}"):
                x_t = tg.tensor(xs[t - 1:t], dtype=tg.float64)   # (1, K)
                x_t.name = f"x_{t}"
                s = cell(x_t, s)                             # s_t = tanh(U x_t + W s_{t−1})
                s.name = f"h_{t}"
                scores = readout(s)                          # V s_t, shape (1, K)
                E_t = -scores.log_softmax(axis=1)[0, ys[t - 1]]  # −log softmax(V s_t)[y_t]
                E_t.name = f"E_{t}"
            states.append(s)
            losses.append(E_t)
    # one sum of all the step losses: every E_t feeds the same node, as in E = Σ_t E_t
    E = tg.stack(losses).sum()
    E.name = "E"
    return E, states, losses


E, states, step_losses = unroll(cell, readout, xs_np, ys)
print("E =", E.item(), "=", " + ".join(f"{e.item():.4f}" for e in step_losses))
check(states[1]._ctx.scope == ("rnn", "layer0", "forward", "t=2"),
      "the ops of step 2 are recorded under the path rnn › layer0 › forward › t=2")

# %% [markdown]
# Now backward, keeping every intermediate gradient for the drawing, and the picture.

# %%
tg.viz.backward_with_grads(E)
# size="13.8,30": at most 13.8 inches wide, so that the picture fits a page (1325 px); dot
# scales a wider drawing down to fit
graph = tg.viz.draw(E, params={"U (weight_ih)": U, "W (weight_hh)": W, "V (readout)": V}, size="13.8,30",
                    label="RNN s_t = tanh(U x_t + W s_(t-1)), H = 5, untrained; E = sum over t of cross-entropy(V s_t, y_t)")
show(tg.viz.render(graph, OUT / "03_unrolled_rnn.png"))

# %% [markdown]
# **Reading the picture** (`03_unrolled_rnn.png`). Each grey cluster is one time step, titled
# `t=N` inside the nested scopes `rnn › layer0 › forward`. The same three parameters `U`, `W`,
# `V` appear in *every* step, drawn as small green-edged tags at each use (so that the picture
# stays compact): one set of weights, used T times. The state made in one step (`h_1`, `h_2`, …)
# reappears as a small tag in the next step, where it is multiplied by `W`. That is the only
# path by which the past influences the future, and the only path by which gradient flows back
# through time. Each step has its own loss `E_t`; they are stacked and summed into `E` at the far right.
#
# Zoom in to read the numbers. The colours of the boxes differ little (the printout below
# gives the range of the states' gradients), so the `|grad|` numbers carry the information. One
# box is pale: in step 1, the transposed `W` has gradient 0, because it multiplies `s_0 = 0`.
# Follow the states: `h_4` gets gradient only from `E_4`, but `h_1` gets it from `E_1`
# directly and also from every later `E_t` through `W`. Section 4 splits these two parts.

# %%
state_grads = [float(np.linalg.norm(h.grad.numpy())) for h in states]
print("‖∂E/∂h_t‖ for t = 1 …", T, ":", " ".join(f"{g:.3f}" for g in state_grads))
check(np.linalg.norm(W.grad.numpy()) > 0, "W gets a gradient: the past matters to the loss")
#
# ## 4. BPTT by hand
#
# Backward through the unrolled graph is called *backpropagation through time*. Write
# `a_t = U x_t + W s_{t−1}` for the value inside the tanh, and `δ_t = ∂E/∂a_t`. Walk the
# chain rule from the last step to the first:
#
# 1. Output: for softmax with cross-entropy, $\partial E_t / \partial (V s_t) = \hat y_t - \mathrm{onehot}(y_t)$.
# 2. The state `s_t` receives gradient from two places: its own output, and the next step
#    (through `a_{t+1} = … + W s_t`):
#    $$\frac{\partial E}{\partial s_t} = V^\top(\hat y_t - \mathrm{onehot}(y_t)) + W^\top \delta_{t+1}, \qquad \delta_{T+1} = 0.$$
# 3. Through the tanh: $\delta_t = \frac{\partial E}{\partial s_t} \odot (1 - s_t^2)$.
# 4. Every step used the same weights, so their gradients **add up over time**:
#    $$\frac{\partial E}{\partial V} = \sum_t (\hat y_t - \mathrm{onehot}(y_t))\, s_t^\top,\quad
#      \frac{\partial E}{\partial W} = \sum_t \delta_t\, s_{t-1}^\top,\quad
#      \frac{\partial E}{\partial U} = \sum_t \delta_t\, x_t^\top.$$
#
# Here it is in NumPy, from the weights alone: no autograd involved.

# %%
Un, Wn, Vn = U.numpy(), W.numpy(), V.numpy()

# forward, keeping what backward needs (s[0] = s_0 = 0)
s = [np.zeros(H)]
yhat = [None]
for t in range(1, T + 1):
    s.append(np.tanh(Un @ xs_np[t - 1] + Wn @ s[t - 1]))
    scores = Vn @ s[t]
    e = np.exp(scores - scores.max())
    yhat.append(e / e.sum())
E_by_hand = sum(-np.log(yhat[t][ys[t - 1]]) for t in range(1, T + 1))

# backward through time
dU, dW, dV = np.zeros_like(Un), np.zeros_like(Wn), np.zeros_like(Vn)
delta_next = np.zeros(H)                                   # δ_{T+1} = 0
echo_ratio = {}
for t in range(T, 0, -1):
    d_scores = yhat[t].copy()
    d_scores[ys[t - 1]] -= 1.0                             # ŷ_t − onehot(y_t)
    dV += np.outer(d_scores, s[t])
    direct, echo = Vn.T @ d_scores, Wn.T @ delta_next      # from E_t, and from step t+1
    echo_ratio[t] = np.linalg.norm(echo) / np.linalg.norm(direct)
    print(f"t = {t}: ‖∂E_t/∂s_t‖ = {np.linalg.norm(direct):.3f}   ‖gradient from later steps‖ = {np.linalg.norm(echo):.3f}"
          f"   ratio {echo_ratio[t]:.2f}")
    ds = direct + echo
    delta = ds * (1.0 - s[t] ** 2)                         # through tanh
    dW += np.outer(delta, s[t - 1])
    dU += np.outer(delta, xs_np[t - 1])
    delta_next = delta

print(f"E by hand {E_by_hand:.10f}   E by tg {E.item():.10f}")
worst = max(np.abs(a - b.grad.numpy()).max() for a, b in ((dU, U), (dW, W), (dV, V)))
print(f"largest difference between the hand-written and the autograd gradients: {worst:.1e}")
check(abs(E_by_hand - E.item()) < 1e-12, "the NumPy forward pass gives the library's loss")
check(np.allclose(dV, V.grad.numpy(), atol=1e-12), "∂E/∂V by hand equals autograd")
check(np.allclose(dW, W.grad.numpy(), atol=1e-12), "∂E/∂W by hand (BPTT) equals autograd")
check(np.allclose(dU, U.grad.numpy(), atol=1e-12), "∂E/∂U by hand (BPTT) equals autograd")
earlier = [echo_ratio[t] for t in range(1, T)]
print(f"from later steps, relative to the step's own error: {min(earlier):.2f} to {max(earlier):.2f}")
check(max(earlier) < 1.0, "at every step before the last, less arrives from the future than from the step's own error")

# %% [markdown]
# The printout shows the two sources of `∂E/∂s_t`. At the last step nothing comes from later,
# since there are no later steps. At the earlier steps, what arrives from the future through
# `W` is smaller than the step's own error; the ratios are printed above.
#
# Hand and autograd agree to rounding (the difference is printed above): the library does
# exactly this walk, only it never had to be told the formulas. Each op contributed its local derivative, and the topological order of
# lesson 2 took care of step 2 above (`s_t` waits for both of its consumers).
#
# ## 5. The weight gradient is a sum over time
#
# Formula 4 says that `∂E/∂W` is a sum of one term per step, `δ_t s_{t−1}ᵀ`. How much does
# each step contribute? We take a longer sequence, `hello world, hello rnn`, and plot
# `‖δ_t s_{t−1}ᵀ‖` against t, using the hand-written BPTT in a loop.

# %%
long_text = "hello world, hello rnn" if not fast() else "hello world"
chars = sorted(set(long_text))
K2, T2 = len(chars), len(long_text) - 1
X2 = np.eye(K2)[[chars.index(ch) for ch in long_text[:-1]]]
Y2 = [chars.index(ch) for ch in long_text[1:]]

tg.manual_seed(1)
cell2 = tg.nn.RNNCell(K2, 16, bias=False, dtype=tg.float64)
readout2 = tg.nn.Linear(16, K2, bias=False, dtype=tg.float64)
E2, states2, _ = unroll(cell2, readout2, X2, Y2)
tg.viz.backward_with_grads(E2)
collapsed = tg.viz.draw_collapsed(E2, steps_per_row=7, size="13.8,30",     # fits a page, as above
                                  label=f"RNN H = 16, untrained, {T2} steps of {long_text!r}; "
                                        "one box per step, rows = |dE/dh_t|")
show(tg.viz.render(collapsed, OUT / "03_collapsed_rnn.png"))

U2, W2, V2 = cell2.weight_ih.numpy(), cell2.weight_hh.numpy(), readout2.weight.numpy()
s2 = [np.zeros(16)]
for t in range(1, T2 + 1):
    s2.append(np.tanh(U2 @ X2[t - 1] + W2 @ s2[t - 1]))
terms, delta_next = np.zeros(T2 + 1), np.zeros(16)
dW2 = np.zeros_like(W2)
for t in range(T2, 0, -1):
    scores = V2 @ s2[t]
    p = np.exp(scores - scores.max())
    p /= p.sum()
    p[Y2[t - 1]] -= 1.0
    delta = (V2.T @ p + W2.T @ delta_next) * (1 - s2[t] ** 2)
    terms[t] = np.linalg.norm(np.outer(delta, s2[t - 1]))
    dW2 += np.outer(delta, s2[t - 1])
    delta_next = delta
check(np.allclose(dW2, cell2.weight_hh.grad.numpy(), atol=1e-12),
      f"BPTT by hand still equals autograd on a {T2}-step sequence")
check(terms[1] == 0.0, "step 1 adds nothing to ∂E/∂W, because s_0 = 0")
print(f"‖δ_t s_(t−1)ᵀ‖ for t = 2 … {T2}: from {terms[2:].min():.3f} to {terms[2:].max():.3f}")
check(terms[2:].max() < 10 * terms[2:].min(), "after the first, every step adds a term within a factor of 10 of the others")

fig, ax = plt.subplots(figsize=(7.5, 3.8), dpi=110)
ax.bar(range(1, T2 + 1), terms[1:], color="#1f77b4")
ax.set_xticks(range(1, T2 + 1))
ax.set_xticklabels([repr(ch)[1:-1] for ch in long_text[:-1]], fontsize=8)
ax.set_xlabel("time step t (labelled by the input character x_t)")
ax.set_ylabel(r"$\|\delta_t\, s_{t-1}^\top\|$")
ax.set_title(f"Contribution of each step to ∂E/∂W; RNN H = 16, untrained, E = Σ cross-entropy over {T2} steps",
             fontsize=9)
fig.tight_layout()
fig.savefig(OUT / "03_dW_per_step.png")
plt.close(fig)
show(OUT / "03_dW_per_step.png")
grads2 = [float(np.linalg.norm(h.grad.numpy())) for h in states2]
print(f"‖∂E/∂h_t‖ over the {T2} steps: from {min(grads2):.2f} to {max(grads2):.2f}")
check(max(grads2) < 10 * min(grads2), f"over {T2} steps the states' gradients stay within a factor of 10")

# %% [markdown]
# **Reading the pictures.** `03_collapsed_rnn.png` draws the same kind of graph for all the steps,
# with one box per time step instead of every op. Each box has a row for the state `h_t` and
# one for the step's loss `E_t`, coloured by the gradient reaching them. The steps are wrapped
# seven to a row. The grey arrows between boxes carry `h` forward (dashed where it continues on
# the next row); the long arrows take every `E_t` to the sum `E`. Each
# `E_t` has gradient exactly 1 (it is added straight into `E`), and the states' gradients
# stay within the range printed above: on such a short range nothing has vanished yet.
#
# In `03_dW_per_step.png`, every step except the first adds a
# term of similar size (the printed range). The first adds nothing, because `s_0 = 0`. This untrained network
# predicts every character about equally badly, so every `E_t` sends a similar gradient.
# What this picture cannot show is *where each term's gradient came from*. `δ_t` mixes
# the direct error at step t with echoes of errors from later steps, sent back through
# `W` and the tanh, and those echoes are small. The network learns mostly from short-range
# dependencies. Lesson 4 measures how quickly the echoes die out, and why.
#
# ## 6. It learns, and it needs its memory
#
# The gradient is right, so plain gradient descent should learn the four-step task. To see that
# the task needs the state, we train a second network next to it whose `W` is held at zero: its
# state `s_t = tanh(U x_t)` forgets everything at every step. At each `l` it sees the same
# input and must give the same prediction, so on the two `l` steps its best is one half for
# `l` and one half for `o`: a loss of at least `2 log 2` however long it trains.

# %%
def train(cell, readout, steps, params):
    opt = tg.optim.SGD(params, lr=0.5)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        E, _, _ = unroll(cell, readout, xs_np, ys)
        E.backward()
        opt.step()
        history.append(E.item())
    with tg.no_grad():
        s = cell.init_state(1)
        guess = ""
        for t in range(T):
            s = cell(tg.tensor(xs_np[t:t + 1], dtype=tg.float64), s)
            guess += vocab[int(readout(s).numpy().argmax())]
    return history, guess


STEPS = 150 if fast() else 300
history, guess = train(cell, readout, STEPS, list(cell.parameters()) + list(readout.parameters()))

tg.manual_seed(0)
no_memory = tg.nn.RNNCell(K, H, bias=False, dtype=tg.float64)
no_memory.weight_hh.data[...] = 0.0                          # W = 0, and not trained: no past
readout_nm = tg.nn.Linear(H, K, bias=False, dtype=tg.float64)
history_nm, guess_nm = train(no_memory, readout_nm, STEPS, [no_memory.weight_ih] + list(readout_nm.parameters()))
floor = 2 * np.log(2)
print(f"RNN:           loss {history[0]:.3f} -> {history[-1]:.4f}; after 'hell' it predicts {guess!r}")
print(f"W held at 0:   loss {history_nm[0]:.3f} -> {history_nm[-1]:.4f} (floor 2·log 2 = {floor:.4f}); "
      f"it predicts {guess_nm!r}")

fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
ax.semilogy(history, label="RNN (W trained): the state remembers the first l")
ax.semilogy(history_nm, label="W held at 0: no memory")
ax.axhline(floor, color="grey", ls="--", label="2·log 2: the best without memory")
ax.set_xlabel("SGD step (lr 0.5)")
ax.set_ylabel("E = Σ_t cross-entropy")
ax.set_title("Predicting 'ello' from 'hell': the two l's need the past", fontsize=10)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "03_memory_needed.png")
plt.close(fig)
show(OUT / "03_memory_needed.png")
check(history[-1] < 0.1 * history[0], "SGD with BPTT gradients cut the loss tenfold")
check(guess == text_out, "the trained RNN predicts 'ello' from 'hell'")
check(history_nm[-1] > floor - 1e-9, "without a memory the loss stays above 2·log 2")
check(guess_nm[2] == guess_nm[3] and guess_nm != text_out,
      "without a memory both l's get the same prediction, so one of them is wrong")

# %% [markdown]
# **Reading the picture** (`03_memory_needed.png`). Both curves fall at first: both networks
# learn `h → e` and `e → l`. Then the network without a memory flattens onto the dashed line,
# while the RNN goes below it: it has learned to tell the second `l` from the first through
# its state, which is exactly what `W` and BPTT are for.
#
# %% [markdown]
# ## 7. Check yourself
#
# Open `lessons/exercises/03_rnn_bptt.py`, fill in the functions, and run `tinygrad-rnn check 3`.
#
# 1. `rnn_forward(U, W, V, xs)`: the forward pass in NumPy, returning the states and the
#    softmax outputs.
# 2. `bptt(U, W, V, xs, ys)`: the gradients `(dU, dW, dV)` of `E = Σ_t −log ŷ_t[y_t]`, by
#    hand.
#
# The check runs your functions on fresh random sizes and numbers every time, compares them with
# the library's autograd to 1e-10, and watches for library calls: these are NumPy only, and
# using `tinygrad_rnn` (or torch) inside them is caught. If it says something is off,
# `tinygrad-rnn check 3 --hint` gives a nudge, one level deeper each time you ask; one way to
# write them is in `lessons/solutions/03_rnn_bptt.py`.

# %%
print("lesson 3 finished")
