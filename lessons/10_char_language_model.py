# %% [markdown]
# # 10. A character-level language model
# > Predict the next character of the Python manual with an LSTM: embeddings, truncated BPTT with detached state, clipping, bits per character against n-gram baselines, and sampling with a temperature.
#
# A language model gives a probability to every possible next character given the text so
# far. Trained on enough text, a small LSTM learns spelling, punctuation, indentation and
# which words follow which; sampled one character at a time, it writes text that *looks* like
# its training data. This is the experiment of Graves (*Generating Sequences With Recurrent
# Neural Networks*, 2013) and of Karpathy's well-known char-rnn, at laptop size.
#
# **What you will learn**
#
# 1. how text becomes integer ids, and ids become vectors (`tg.nn.Embedding`);
# 2. **truncated backpropagation through time**: read a long text in windows, carry the state
#    across windows but cut the graph with `tg.nn.detach_state`;
# 3. gradient clipping in the loop (`tg.nn.clip_grad_norm`);
# 4. how to score a language model in **bits per character** (bpc) and perplexity, and what
#    the unigram and bigram baselines mean;
# 5. sampling with a **temperature**, and what samples look like as training goes on.
#
# Run it with `tinygrad-rnn lesson 10` (`--fast` for small sizes, `--notebook` for Jupyter).
# The full-size run is a short training run on a CPU (it prints its own running time at the
# end); real quality needs much longer (see the end).

# %%
import math
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
from tinygrad_rnn.data.text import CharCorpus
from tinygrad_rnn.lessons import check, fast, out_dir, show
from tinygrad_rnn.train import SequenceModel, sample_text

OUT = out_dir("10_char_language_model")
FAST = fast()
HIDDEN = 48 if FAST else 128
EMBED = 32 if FAST else 64
BATCH, BPTT = 32, 64
STEPS = 40 if FAST else 800
EVAL_EVERY = 20 if FAST else 200
VALID_WINDOWS = 4 if FAST else 25     # validation windows of 16 x 64 characters per evaluation


# %% [markdown]
# ## 1. The corpus and its baselines
#
# Every Python installation ships the topic pages of its reference manual (the text behind
# `help("if")`). `CharCorpus.python_docs()` joins them: a few hundred thousand characters of
# English and code (the exact count, which depends on your Python's version, is printed below),
# on every machine, no download. The vocabulary is the set of characters that
# occur; each character gets an id (its position in the sorted vocabulary). The first 90% of
# the text trains, the last 10% validates — cut in one place, not shuffled, so that no
# sentence ends up half in each.
#
# **Bits per character.** If the model gives the true next character probability $p$, it
# would need $-\log_2 p$ bits to encode it. Averaged over the validation text this is the
# bpc; lower is better. Our cross-entropy is in nats (natural log), so
# $\text{bpc} = \text{loss}/\ln 2$. **Perplexity** is $2^{\text{bpc}}$: the model is as unsure
# as if it chose uniformly among that many characters.
#
# Three baselines set the scale:
#
# * uniform: $\log_2 V$ bits, knowing nothing;
# * unigram: each character's frequency, $p(c) = (n(c) + 1)/(N + V)$;
# * bigram: the frequency given the previous character, $p(c \mid a) = (n(a,c)+1)/(n(a)+V)$.
#
# (The +1 is add-one smoothing: an unseen pair still gets a small probability.) An RNN that
# has learned anything beyond letter pairs must beat the bigram.

# %%
corpus = CharCorpus.python_docs()
V = corpus.vocab_size
print(corpus)
print(repr(corpus.text[2000:2200]))
uniform, unigram, bigram = corpus.uniform_bpc(), corpus.unigram_bpc(), corpus.bigram_bpc()
print(f"baselines on the validation text: uniform {uniform:.3f}, unigram {unigram:.3f}, bigram {bigram:.3f} bpc")

# the unigram baseline recomputed here with collections.Counter, independently of the library
from collections import Counter
counts = Counter(corpus.text[:len(corpus.train)])
valid_text = corpus.text[len(corpus.train):]
by_hand = -np.mean([math.log2((counts[ch] + 1) / (len(corpus.train) + V)) for ch in valid_text])
check(abs(by_hand - unigram) < 1e-9, "the unigram bpc matches a count done with collections.Counter")
check(bigram < unigram < uniform, "each baseline that knows more does better: bigram < unigram < uniform")

# %% [markdown]
# ## 2. Windows for truncated BPTT
#
# We cannot backpropagate through hundreds of thousands of steps (one per training character).
# Instead the training text is cut into
# `BATCH` equal streams, one per batch row, and each stream is read in windows of `BPTT` = 64
# characters. Row b of one window continues exactly where row b of the previous window
# stopped. So the hidden state at the end of a window is the right state to start the next
# one with — but we **detach** it first: the numbers carry over, the graph does not, and each
# backward pass runs through one window only. The model still *uses* memory longer than 64
# characters; it just is not *taught* across more than 64 steps at a time.
#
# `corpus.batches(B, T)` yields `(x, y)` pairs of ids, both (B, T), with `y` the next
# character of each `x`.

# %%
windows = corpus.batches(4, 16)
x0, y0 = next(windows)
x1, _ = next(windows)
print("row 0, window 0:", repr(corpus.decode(x0[0])), " targets:", repr(corpus.decode(y0[0])))
print("row 0, window 1:", repr(corpus.decode(x1[0])))
check(np.array_equal(x0[:, 1:], y0[:, :-1]), "the targets are the inputs shifted by one character")
check(np.array_equal(x1[:, 0], y0[:, -1]), "each window continues its row exactly where the last one stopped")

# %% [markdown]
# ## 3. The model and the loop
#
# The model is the library's `SequenceModel`: an **embedding** (a table of V learned vectors,
# `weight[ids]`; the same as multiplying a one-hot vector by a matrix, without building the
# one-hot), one LSTM layer, and a linear layer giving V logits per step. Its `forward` takes
# ids (B, T) and an optional state and returns logits (B, T, V) and the new state.
#
# The loop, for each window: forward from the carried state, cross-entropy over all B·T
# positions, backward, clip the gradient norm at 1, Adam step, detach the state. One pass over
# the training text (an epoch) is a couple of hundred windows (printed below); the next pass
# starts again from a zero state. This is what `tinygrad-rnn train charlm --hidden 256 --bptt 64` runs for you; here it is in full.

# %%
def evaluate_bpc(model, windows=VALID_WINDOWS):
    """Validation bits per character over the first ``windows`` windows (16 streams of 64)."""
    total, count, state = 0.0, 0, None
    with tg.no_grad():
        for j, (x, y) in enumerate(corpus.batches(16, BPTT, "valid")):
            if j >= windows:
                break
            logits, state = model(tg.Tensor(x), state=state)
            total += tg.nn.cross_entropy(logits.reshape(-1, V), y.reshape(-1), reduction="sum").item()
            count += y.size
    return total / count / math.log(2)


tg.manual_seed(0)
model = SequenceModel(EMBED, HIDDEN, V, cell="lstm", vocab_size=V, embedding_dim=EMBED, fused=True)
params = model.parameters()
opt = tg.optim.Adam(params, lr=2e-3)
start_bpc = evaluate_bpc(model)
print(f"untrained: {start_bpc:.3f} bpc (uniform guessing: {uniform:.3f})")
check(abs(start_bpc - uniform) < 0.5, "an untrained model is about as unsure as uniform guessing")

history, samples, norms = [(0, start_bpc)], [], []
print(f"one pass over the training text: {len(corpus.train) // (BATCH * BPTT)} windows of {BATCH} x {BPTT} characters")
state = None
train_windows = corpus.batches(BATCH, BPTT)
model.train()
for step in range(1, STEPS + 1):
    try:
        x, y = next(train_windows)
    except StopIteration:                                 # one pass over the text is done:
        train_windows = corpus.batches(BATCH, BPTT)       # start the next from the top,
        x, y = next(train_windows)                        # with a fresh zero state
        state = None
    logits, state = model(tg.Tensor(x), state=state)
    loss = tg.nn.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    norms.append(tg.nn.clip_grad_norm(params, 1.0))     # the norm before clipping, worth watching
    opt.step()
    state = tg.nn.detach_state(state)                     # keep the numbers, drop the history
    if step % EVAL_EVERY == 0 or step == STEPS:
        bpc = evaluate_bpc(model)
        history.append((step, bpc))
        text = sample_text(model, "".join(corpus.vocab), "The ", 120, temperature=0.8, seed=step)
        samples.append((step, text))
        model.train()                                     # sample_text switched to eval mode
        print(f"step {step:5d}: training loss {loss.item() / math.log(2):.3f} bpc, validation {bpc:.3f} bpc")
        print("   sample:", repr(text))

# %% [markdown]
# Read the samples from top to bottom. At first the model emits a soup of frequent
# characters; soon it has spaces in the right places and word-like chunks; then common words
# ("the", "is", "of") and Python-manual habits (indentation, quotes, brackets) appear. In the
# full-size run it gets below the bigram baseline (the first evaluation where it does is printed
# under the picture).

# %%
steps_done, bpcs = zip(*history)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
axes[0].plot(steps_done, bpcs, "o-", color="tab:red", label=f"LSTM({HIDDEN}), validation")
for value, name, style in ((unigram, "unigram", ":"), (bigram, "bigram", "--")):
    axes[0].axhline(value, color="grey", ls=style, label=f"{name} baseline {value:.2f}")
axes[0].set_xlabel("Adam step (one window of 32 x 64 characters each)"), axes[0].set_ylabel("bits per character")
axes[0].legend(fontsize=8)
axes[1].plot(np.arange(1, len(norms) + 1), norms, lw=0.6, color="tab:purple")
axes[1].axhline(1.0, color="grey", ls=":", label="clip at 1")
axes[1].set_yscale("log"), axes[1].set_xlabel("Adam step"), axes[1].set_ylabel("gradient norm before clipping")
axes[1].legend(fontsize=8)
fig.suptitle(f"Character LSTM on the Python manual: embedding {EMBED}, hidden {HIDDEN}, TBPTT {BPTT}, Adam 0.002",
             fontsize=10)
fig.tight_layout()
fig.savefig(OUT / "validation_bpc.png", dpi=100)
plt.close(fig)
show(OUT / "validation_bpc.png")

final_bpc = history[-1][1]
print(f"final validation: {final_bpc:.3f} bpc, perplexity {2 ** final_bpc:.2f}")
norms = np.asarray(norms)
print(f"gradient norm before clipping: min {norms.min():.3f}, median {np.median(norms):.3f}, max {norms.max():.3f}; "
      f"clipping changed {int(np.sum(norms > 1.0))} of {len(norms)} steps")
check(final_bpc < start_bpc - (0.5 if FAST else 2.0), "training lowered the validation bpc")
below_bigram = [step for step, bpc in history if bpc < bigram]
below_unigram = [step for step, bpc in history if bpc < unigram]
print(f"first evaluation below the unigram baseline: step {below_unigram[0] if below_unigram else 'none'}; "
      f"below the bigram baseline: step {below_bigram[0] if below_bigram else 'none'}")
if not FAST:
    check(final_bpc < bigram, "the LSTM beats the bigram baseline")
    check(history[1][1] < unigram, "by the first evaluation after step 0 the model is below the unigram baseline")
    check(np.mean(norms > 1.0) < 0.1, "clipping changed at most one step in ten: rarely or never")

# %% [markdown]
# **What the picture shows.** Left: validation bpc (on the first stretch of the validation
# text) against the two dotted baselines. At full size the curve is below the unigram line by
# the first evaluation and then goes under the bigram line: the model uses more than the previous
# character. Right: the gradient norm before clipping, one point per step. Where it would be
# above the dotted line, clipping scales the step down. The line printed under the picture
# says how often that happened in this run: with windows of 64 steps and an LSTM this small,
# rarely or never. It is insurance: on other texts, with longer windows or a plain RNN,
# single batches can produce norms many times larger (lesson 4), and one such step can undo
# hours of training. It costs one norm computation per step.
#
# ## 4. Sampling with a temperature
#
# To write text, feed a prime ("The "), then repeatedly draw the next character from
# $\mathrm{softmax}(z/\tau)$ and feed it back. The **temperature** $\tau$ reshapes the
# distribution: $\tau \to 0$ always takes the most likely character (safe, repetitive);
# $\tau = 1$ samples the model's own probabilities; $\tau > 1$ flattens them (inventive,
# misspelt). First, the effect on one distribution, checked against the formula:

# %%
with tg.no_grad():
    logits, _ = model(tg.Tensor(corpus.encode("The value of ")[None, :]))
z = logits.numpy()[0, -1].astype(np.float64)
for tau in (0.5, 1.0, 1.5):
    p = tg.Tensor(z / tau, dtype=tg.float64).softmax(axis=0).numpy()
    top = np.argsort(p)[::-1][:5]
    entropy = -(p * np.log2(np.maximum(p, 1e-300))).sum()
    print(f"  tau = {tau}: entropy {entropy:.2f} bits; top 5 next characters after 'The value of ': "
          + ", ".join(f"{corpus.vocab[i]!r} {p[i]:.2f}" for i in top))
p_half = np.exp(z / 0.5 - (z / 0.5).max())
p_half /= p_half.sum()
p_one = np.exp(z - z.max())
p_one /= p_one.sum()
check(np.allclose(p_half, p_one ** 2 / (p_one ** 2).sum()), "temperature 0.5 squares the probabilities and renormalises")

for tau in (0.5, 1.0, 1.5):
    print(f"\n--- temperature {tau} ---")
    print(sample_text(model, "".join(corpus.vocab), "The ", 200 if not FAST else 60, temperature=tau, seed=1))

# %% [markdown]
# At temperature 0.5 the text is the most word-like and tends to repeat itself; at 1.5 it
# falls apart into invented words. Graves (2013) used the same trick (he called it biasing the
# samples) to trade variety for legibility.
#
# **How far can this go?** The numbers here come from a short run on a CPU. Longer runs
# (`tinygrad-rnn train charlm --steps 20000`, or a GPU with `--device cuda`), two layers, and a
# larger hidden size all lower the bpc further. Try one on your machine and compare its
# validation bpc with this lesson's: `tinygrad-rnn train charlm --hidden 256 --steps 3000`
# (`tinygrad-rnn bench tasks --only charlm-lstm` runs the same and reports its time).
#
# ## 5. Exercises
#
# Open `lessons/exercises/10_char_language_model.py`, fill in the functions, and run
# `tinygrad-rnn check 10` until every line says ✓.
#
# All three are NumPy (and `math`) only: the check runs them on fresh random logits and
# random texts, with tinygrad_rnn watched, and says so if `Tensor.softmax`, `CharCorpus` or
# any other part of the library is used inside them.
#
# 1. **Temperature.** Write `temperature_probs(logits, temperature)`: softmax(z/τ) in NumPy,
#    stable for large logits.
# 2. **The bigram baseline.** Write `bigram_bpc(train_ids, valid_ids, vocab_size)` with
#    add-one smoothing, predicting the first validation character from the last training one,
#    exactly as section 1 described it.
# 3. **Bits and nats.** Write `bpc_and_perplexity(total_nats, n_chars)`: from a summed
#    cross-entropy in nats over `n_chars` characters, return (bpc, perplexity).
#
# Stuck? `tinygrad-rnn check 10 --solutions` checks the shipped solutions.

# %%
print(f"lesson 10 ran in {time.perf_counter() - STARTED:.0f} s")
