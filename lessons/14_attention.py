# %% [markdown]
# # 14. Beyond recurrence: attention
# > An encoder–decoder that reverses digit strings, with additive (Bahdanau) attention over the encoder's states: the weights as a heat map, and why attention shortens the gradient path.
#
# A sequence-to-sequence model reads a sequence with one RNN (the **encoder**) and writes
# another with a second RNN (the **decoder**). In its first form the encoder's last state was
# the only thing the decoder got: the whole input squeezed into one vector, and every gradient
# from the output back to an early input had to travel through all the encoder's steps.
# Bahdanau, Cho and Bengio (2015) let the decoder **look back** at every encoder state at every
# output step, with learned weights. That idea, attention, later grew into the Transformer.
#
# **What you will learn**
#
# 1. the task (reversing a digit string) and a plain encoder–decoder for it;
# 2. additive attention: score(s, h_j) = vᵀ tanh(W_s s + W_h h_j), a softmax over j, and the
#    context vector, written from primitive ops;
# 3. training both models with cross-entropy, and reading the attention weights as a heat map;
# 4. why attention helps learning: the gradient reaching early encoder states, with and without
#    attention, measured with hooks.
#
# Run it with `tinygrad-rnn lesson 14` (`--fast` for small sizes, `--notebook` for Jupyter).

# %%
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # steadier speed on small, busy machines
import time

STARTED = time.perf_counter()

import matplotlib

matplotlib.use("Agg")                 # write files only; no window is opened
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.lessons import check, fast, out_dir, show

OUT = out_dir("14_attention")
FAST = fast()


# %% [markdown]
# ## 1. The task
#
# Input: a string of N random digits, e.g. `3 1 4 1 5 9`. Target: the same digits reversed,
# `9 5 1 4 1 3`. The first digit to write is the **last** one read (easy for a plain
# encoder–decoder, it is fresh in the final state), but the last digit to write is the
# **first** one read, which has to survive N encoder steps and N decoder steps.
#
# Tokens 0–9 are digits; token 10 is `<go>`, the decoder's first input. During training the
# decoder reads the correct previous digit (teacher forcing); when testing, its own guess.

# %%
N = 6 if FAST else 8            # digits per string
GO = 10                          # the start token
E, H, A = 16, 48, 32             # embedding size, hidden size, attention size
STEPS = 300 if FAST else 2000
BATCH, LR = 32, 5e-3


def digit_strings(n, seed):
    """n strings: inputs (N, n) ints, targets (N, n) = inputs reversed along time."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 10, size=(N, n))
    return x, x[::-1].copy()


x_demo, y_demo = digit_strings(1, seed=0)
print("input :", " ".join(map(str, x_demo[:, 0])))
print("target:", " ".join(map(str, y_demo[:, 0])))

# %% [markdown]
# ## 2. Additive attention
#
# The encoder, a `tg.nn.GRU`, turns the embedded digits into states h_0 … h_{N−1} (each H wide).
# The decoder is a `tg.nn.GRUCell` that we step by hand. At output step k, with decoder state
# s (the state before writing digit k), attention does three things:
#
# $$
# \begin{aligned}
# e_j &= v^\top \tanh(W_s\, s + W_h\, h_j) && \text{a score for every input position } j \\
# \alpha_j &= \frac{\exp e_j}{\sum_{j'} \exp e_{j'}} && \text{weights: positive, summing to 1} \\
# c &= \textstyle\sum_j \alpha_j\, h_j && \text{the context: a weighted average of encoder states}
# \end{aligned}
# $$
#
# The context is fed to the decoder cell together with the previous digit, and to the output
# layer. W_s (H → A), W_h (H → A) and v (A) are learned. Note that W_h h_j does not depend on
# k: we compute it once for all j ("keys"). The model without attention is the same network with
# the context fixed to the encoder's last state h_{N−1} at every step.

# %%
class Seq2Seq(tg.nn.Module):
    """Digits (N, B) -> logits (N, B, 10); ``attention=False`` uses h_{N−1} as a fixed context."""

    def __init__(self, attention=True):
        super().__init__()
        self.attention = attention
        self.embed = tg.nn.Embedding(11, E)
        self.encoder = tg.nn.GRU(E, H)
        self.decoder = tg.nn.GRUCell(E + H, H)
        self.w_s = tg.nn.Linear(H, A, bias=False)
        self.w_h = tg.nn.Linear(H, A)
        self.v = tg.nn.Linear(A, 1, bias=False)
        self.out = tg.nn.Linear(2 * H, 10)

    def attend(self, s, enc, keys):
        """s (B, H), enc (N, B, H), keys = W_h·h_j (N, B, A) -> context (B, H), weights (N, B)."""
        scores = self.v((keys + self.w_s(s)).tanh())[:, :, 0]      # e_j = vᵀ tanh(W_s s + W_h h_j)
        alpha = scores.softmax(0)                                 # softmax over j
        context = (alpha.unsqueeze(2) * enc).sum(0)               # c = Σ_j α_j h_j
        return context, alpha

    def forward(self, digits, targets=None):
        enc, h_last = self.encoder(self.embed(digits))   # enc (N, B, H), h_last (1, B, H)
        s = h_last[0]                                    # the decoder starts from the encoder's end
        keys = self.w_h(enc) if self.attention else None
        prev = np.full(digits.shape[1], GO)
        logits, self.weights = [], []
        for k in range(digits.shape[0]):
            if self.attention:
                context, alpha = self.attend(s, enc, keys)
                self.weights.append(alpha)
            else:
                context = h_last[0]
            s = self.decoder(tg.cat([self.embed(prev), context], 1), s)
            step_logits = self.out(tg.cat([s, context], 1))
            logits.append(step_logits)
            # teacher forcing in training; the model's own guess when testing
            prev = targets[k] if targets is not None else step_logits.numpy().argmax(1)
        return tg.stack(logits, 0)


def loss_of(model, x, y):
    logits = model(x, y)
    return tg.nn.cross_entropy(logits.reshape(-1, 10), y.reshape(-1))


tg.manual_seed(14)
model = Seq2Seq()
with tg.no_grad():
    model(x_demo)
alpha0 = np.stack([a.numpy()[:, 0] for a in model.weights])   # (output step, input position)
check(np.allclose(alpha0.sum(1), 1.0, atol=1e-6) and (alpha0 > 0).all(), "attention weights are positive and sum to 1 at every step")

# the same attention, by hand in NumPy, from the model's own weights, for the first output step
enc, h_last = model.encoder(model.embed(x_demo))
s0 = h_last[0].numpy()
Ws, Wh, bh, v = model.w_s.weight.numpy(), model.w_h.weight.numpy(), model.w_h.bias.numpy(), model.v.weight.numpy()
e = np.tanh(s0 @ Ws.T + enc.numpy()[:, 0] @ Wh.T + bh) @ v[0]
by_hand = np.exp(e - e.max()) / np.exp(e - e.max()).sum()
check(np.allclose(by_hand, alpha0[0], atol=1e-5), "the first step's weights equal vᵀ tanh(W_s s + W_h h_j) and a softmax, worked in NumPy")

# %% [markdown]
# ## 3. Training both models
#
# Same data, same sizes, same optimiser (Adam), same number of steps; one model attends, the
# other uses the fixed context. We report the fraction of test strings reversed **entirely**
# correctly, with the decoder reading its own guesses.

# %%
test_x, test_y = digit_strings(500, seed=2)


def exact_match(model, x, y):
    with tg.no_grad():
        guess = model(x).numpy().argmax(2)
    return float((guess == y).all(0).mean())


def train(attention):
    tg.manual_seed(0)
    model = Seq2Seq(attention)
    opt = tg.optim.Adam(model.parameters(), lr=LR)
    losses, start = [], time.perf_counter()
    for step in range(STEPS):
        x, y = digit_strings(BATCH, seed=1000 + step)
        loss = loss_of(model, x, y)
        opt.zero_grad()
        loss.backward()
        tg.nn.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    acc = exact_match(model, test_x, test_y)
    print(f"{'with' if attention else 'without'} attention: {time.perf_counter() - start:5.1f} s, "
          f"final loss {np.mean(losses[-20:]):.3f}, strings reversed exactly: {acc:.1%}")
    return model, np.array(losses), acc


attn_model, attn_losses, attn_acc = train(attention=True)
plain_model, plain_losses, plain_acc = train(attention=False)
check(attn_losses[-20:].mean() < attn_losses[:20].mean() / 2, "training with attention at least halves the loss")
print(f"at the same budget the model with attention reversed {attn_acc:.0%} of the test strings exactly, "
      f"the one without {plain_acc:.0%}: "
      + ("attention is ahead" if attn_acc > plain_acc else "attention is not ahead in this run"))
if not FAST:
    check(attn_acc > 0.9, "with attention, over 90% of test strings come out exactly reversed")
    check(attn_acc > plain_acc, "with attention, more strings come out exactly reversed than without")

# %% [markdown]
# The line printed above compares the two models at the same budget (at full size the model with
# attention is checked to reverse over 90% of the test strings exactly, and more than the plain
# one). Longer training helps the plain model too; try a longer `N` and see how the gap moves.
#
# ## 4. The attention weights as a heat map
#
# Take one test string and show α: one row per output step k, one column per input position j.
# For reversal, the perfect alignment is the anti-diagonal: to write output digit k, look at
# input position N−1−k.

# %%
x_one, y_one = test_x[:, :1], test_y[:, :1]
with tg.no_grad():
    guess = attn_model(x_one).numpy().argmax(2)[:, 0]
alpha = np.stack([a.numpy()[:, 0] for a in attn_model.weights])    # (N outputs, N inputs)

fig, ax = plt.subplots(figsize=(5.2, 4.6))
im = ax.imshow(alpha, cmap="Blues", vmin=0, vmax=1)
ax.set_xticks(range(N), [str(d) for d in x_one[:, 0]])
ax.set_yticks(range(N), [str(d) for d in guess])
ax.set_xlabel("input digit (position j →)")
ax.set_ylabel("output digit (step k ↓)")
ax.set_title(f"attention weights α after {STEPS} steps of training")
fig.colorbar(im, ax=ax, fraction=0.046)
fig.tight_layout()
path = OUT / "attention_weights.png"
fig.savefig(path, dpi=110)
plt.close(fig)
show(path)
anti = float(np.mean([alpha[k, N - 1 - k] for k in range(N)]))
band = float(np.mean([alpha[k, N - 1 - k] + (alpha[k, N - k] if k > 0 else 0.0) for k in range(N)]))
print(f"mean weight on the mirrored position j = N-1-k: {anti:.2f};  on it or the one after: {band:.2f}  "
      f"(uniform attention would give {1 / N:.2f} and {(2 * N - 1) / N / N:.2f})")
if not FAST:
    check(band > 0.7, "trained attention puts most of its weight on the mirrored position or the one after it")

# %% [markdown]
# After full training the dark cells form a sharp diagonal running from the top right to the
# bottom left: the model learned, from the loss alone, to look at one position per output
# digit, moving backwards through the input. Nobody told it about alignment. (With `--fast` the
# model has trained only briefly and the pattern may still be blurred.)
#
# Look closely, though, and compare the two numbers printed under the map: when the weight on
# "the mirrored position or the one after" is much larger than on the mirrored position
# alone, the diagonal is **shifted by one**: to write digit k the model looks at position
# N−k rather than N−1−k (only the first output, which has no later position, looks at N−1). Is the model wrong? No: our encoder reads left to right, so the state h_j is a
# summary of x_0 … x_j, not the digit x_j alone. The digit x_{N−1−k} is in h_{N−1−k} and is
# still fresh one step later, in h_{N−k}; the model is free to read it from either, and
# training picked one. Which one depends on the seed. This is the honest way to read an
# attention map: it shows **which states** the context came from, and a state is a mixture of
# inputs. A bidirectional encoder (try `tg.nn.GRU(E, H, bidirectional=True)` with 2H-wide
# states) mixes in the other direction too.
#
# ## 5. Why attention shortens the gradient path
#
# Without attention, the loss at every output step reaches the first encoder state h_0 only
# through h_{N−1}: back through N−1 GRU steps, each multiplying the gradient by a Jacobian that
# usually shrinks it (lesson 4). With attention, every output step has a **direct** edge to
# every h_j through the context. Let us measure ‖∂L/∂h_j‖ for both untrained models, with the
# same weights. The encoder layer stacks its per-step states h_0 … h_{N−1} into its output; those
# tensors are the parents of the stack op, and a hook on each records its gradient once it is
# complete (including everything that arrives through later steps).

# %%
def encoder_state_grads(model, x, y):
    """‖∂L/∂h_j‖ for every encoder step j (one number per step)."""
    norms = {}
    original = model.encoder.forward

    def hooked(inp, *args, **kw):
        out, h_n = original(inp, *args, **kw)
        for j, h_j in enumerate(out._ctx.parents):                # the per-step states h_j
            h_j.register_hook(lambda g, j=j: norms.__setitem__(j, float(np.sqrt((g.numpy() ** 2).sum()))))
        return out, h_n

    model.encoder.forward = hooked
    try:
        loss_of(model, x, y).backward()
    finally:
        model.encoder.forward = original
    return np.array([norms[j] for j in range(len(norms))])


x_g, y_g = digit_strings(BATCH, seed=7)
tg.manual_seed(3)
with_attn = Seq2Seq(attention=True)
tg.manual_seed(3)
without = Seq2Seq(attention=False)           # the same weights (its attention layers go unused)
g_with, g_without = encoder_state_grads(with_attn, x_g, y_g), encoder_state_grads(without, x_g, y_g)
trained_with = encoder_state_grads(attn_model, x_g, y_g)
for j in range(N):
    print(f"  h_{j}: without attention {g_without[j]:.2e}   with attention {g_with[j]:.2e}   "
          f"(trained, with attention {trained_with[j]:.2e})")

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.semilogy(range(N), g_without, "o-", color="tab:red", label="untrained, no attention (fixed context)")
ax.semilogy(range(N), g_with, "s-", color="tab:blue", label="untrained, with attention (same weights)")
ax.semilogy(range(N), trained_with, "^--", color="tab:blue", alpha=0.6, label="trained, with attention")
ax.set_xlabel("encoder step j")
ax.set_ylabel("‖∂L/∂h_j‖")
ax.set_title("Gradient reaching each encoder state (cross-entropy loss)")
ax.legend(fontsize=8)
fig.tight_layout()
path = OUT / "encoder_gradients.png"
fig.savefig(path, dpi=110)
plt.close(fig)
show(path)
print(f"at h_0: {g_with[0] / g_without[0]:.1f}x more gradient with attention than without (untrained, same weights); "
      f"without attention h_0 gets {g_without[0] / g_without[-1]:.2g} of what h_{N - 1} gets")
check(g_with[0] > g_without[0], "with attention, more gradient reaches the first encoder state h_0")
check(g_without[0] < g_without[-1], "without attention, the gradient shrinks on its way back to h_0")
check(int(np.argmax(g_without)) == N - 1, "without attention the gradient is largest at h_(N-1), where it enters")
check(g_with[0] / g_with[-1] > g_without[0] / g_without[-1],
      "with attention the line is flatter: h_0 gets a larger share of what h_(N-1) gets")

# %% [markdown]
# Read the red line from right to left: without attention the gradient is largest at h_{N−1},
# where it enters, and smaller at the earlier steps, because it has to pass back through the
# GRU's recurrence. With attention (blue) h_0 receives a direct share from every output step,
# so the line is flatter and h_0 gets more. (The dashed line is the trained model: its weights
# and its softmax are different, so compare its shape with the others, not its height.) The
# line printed under the chart gives the size of the difference at h_0 for strings of this
# length. The recurrent path multiplies by one more Jacobian for every step it goes back, so
# on longer strings the gap can only be expected to widen, while attention's direct edges do
# not get longer at all. That is the reason attention made long
# sequences learnable, and why the Transformer could drop the recurrence altogether and keep
# only the attention.
#
# ## What to remember
#
# * Additive attention: e_j = vᵀ tanh(W_s s + W_h h_j), α = softmax_j(e), c = Σ_j α_j h_j, recomputed
#   at every output step from the decoder's state.
# * The weights are a learned, soft alignment; for reversal they find the anti-diagonal by
#   themselves.
# * Every output step gets a one-hop path to every input state: the gradient path no longer grows
#   with the distance between input and output.
#
# ## Exercises
#
# Open `lessons/exercises/14_attention.py`, fill in the functions marked `# TODO`, and run
# `tinygrad-rnn check 14`.
#
# 1. **`additive_attention`**: the three equations above in NumPy, for a batch.
# 2. **`masked_attention`**: the same for padded batches: positions at or after each
#    sequence's length must get weight exactly 0.
# 3. **`dot_attention`**: Luong's simpler score e_j = sᵀ h_j with tg tensors, so that gradients
#    flow through it.

# %%
print(f"lesson 14 ran in {time.perf_counter() - STARTED:.0f} s")
