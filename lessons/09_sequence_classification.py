# %% [markdown]
# # 9. Sequence classification
# > Read an image one row per step, classify it from the last hidden state: the classic TensorFlow MNIST recipe on 8×8 digits (and on MNIST if you have it), with accuracy and a confusion table.
#
# So far our recurrent nets predicted something at every step, or a number at the end of a
# synthetic sequence. Many real tasks give a whole sequence one label: a sentence is positive
# or negative, a spoken word is "yes" or "no", a handwritten digit is a 7. This lesson trains
# such a **sequence classifier** on pictures of digits, read one row of pixels per time step.
#
# **What you will learn**
#
# 1. how to turn an image into a sequence (rows are time steps, pixels are features);
# 2. the recipe of the well-known TensorFlow MNIST RNN example: an LSTM reads the rows, its
#    **last hidden state** goes through one linear layer, softmax cross-entropy is the loss,
#    Adam is the optimizer;
# 3. how to write that training loop yourself with `tg.nn.LSTM`, `tg.nn.Linear`,
#    `tg.nn.cross_entropy` and `tg.optim.Adam`;
# 4. how to read the result: accuracy on images the net never saw, and a **confusion table**
#    that says which digits it mixes up.
#
# Run it with `tinygrad-rnn lesson 9` (`--fast` for small sizes, `--notebook` for Jupyter).
# The 8×8 digits ship with scikit-learn (`pip install scikit-learn`, or the `digits` extra); real MNIST is used when
# the environment variable `MNIST_DIR` names a folder with its four files (section 7).

# %%
import inspect
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
from tinygrad_rnn.data.digits import MissingDependencyError, load_digits
from tinygrad_rnn.lessons import check, fast, out_dir, show

OUT = out_dir("09_sequence_classification")
FAST = fast()
EPOCHS = 2 if FAST else 12            # passes over the 1,438 training images
HIDDEN = 32 if FAST else 64
BATCH = 32


# %% [markdown]
# ## 1. An image is a sequence of rows
#
# scikit-learn ships 1,797 small scans of handwritten digits, 8×8 pixels with values 0–16.
# `tinygrad_rnn.data.digits.load_digits()` scales them to [0, 1] and splits them once and for
# all into 1,438 training and 359 test images (the same split on every machine).
#
# A recurrent net wants a sequence of vectors. Take the rows of the image from top to bottom:
# step t sees row t, eight pixel values. So an image `x` of shape (8, 8) *is* already a
# sequence with T = 8 steps and I = 8 features, and a batch of images (B, 8, 8) is exactly the
# `batch_first` layout (B, T, I) that `tg.nn.LSTM(..., batch_first=True)` reads. Nothing to
# reshape. The net only ever sees one row at a time, so to tell a 3 from an 8 it must remember
# what the upper rows looked like while it reads the lower ones.

# %%
try:
    x_train, y_train, x_test, y_test = load_digits()
    HAVE_DIGITS = True
except MissingDependencyError as e:
    HAVE_DIGITS = False
    print(f"The 8x8 digits are not available here: {e}")
    print("Install scikit-learn (pip install scikit-learn) and run the lesson again; the sections")
    print("that need the digits are skipped, the MNIST section still runs if MNIST_DIR is set.")

if HAVE_DIGITS:
    print("train", x_train.shape, y_train.shape, " test", x_test.shape, y_test.shape)
    print("pixel range", x_train.min(), "to", x_train.max(), " classes", np.bincount(y_train))
    check(x_train.shape[1:] == (8, 8) and len(x_train) + len(x_test) == 1797,
          "1,797 images of 8 rows x 8 pixels in all")
    check(len(set(map(bytes, x_train.reshape(len(x_train), -1))) & set(map(bytes, x_test.reshape(len(x_test), -1))))
          < 5, "train and test share (almost) no identical images")   # the scans contain a few exact duplicates

    fig, axes = plt.subplots(2, 8, figsize=(9, 2.6))
    for k, ax in enumerate(axes.flat):
        ax.imshow(x_train[k], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"label {y_train[k]}", fontsize=8)
        ax.set_xticks([]), ax.set_yticks([])
    fig.suptitle("8x8 digits; the net reads each one top row first, one row per step")
    fig.tight_layout()
    fig.savefig(OUT / "digits.png", dpi=100)
    plt.close(fig)
    show(OUT / "digits.png")

# %% [markdown]
# The picture shows the first sixteen training images with their labels. At 8×8 pixels they
# are coarse: some 1s and 7s, or 5s and 9s, differ by a pixel or two. Keep that in mind when
# we look at the mistakes later.
#
# ## 2. The model: LSTM, last hidden state, one linear layer
#
# The classic TensorFlow MNIST RNN example does three things, and so do we:
#
# 1. an LSTM with H hidden units reads the T rows: $h_t = \mathrm{LSTM}(x_t, h_{t-1}, c_{t-1})$;
# 2. only the **last** hidden state $h_T$ is used: it is the net's summary of the whole image.
#    One linear layer turns it into ten scores (logits), $z = W h_T + b$;
# 3. the loss is softmax cross-entropy, $\ell = -\log \mathrm{softmax}(z)_y = -z_y + \log\sum_j e^{z_j}$,
#    averaged over the batch, and Adam updates all weights.
#
# We use `tg.nn.LSTM(..., fused=True)`: the same equations as the cell-by-cell loop, run as one
# fused op per layer, which is faster (lesson 12 measures by how much) and gives the same
# numbers (we check that below). `h_n` comes back with shape (layers, B, H), so `h_n[-1]` is the last layer's
# final state, (B, H).

# %%
class RowClassifier(tg.nn.Module):
    """Images (B, T, I) → logits (B, classes), from the LSTM's last hidden state."""

    def __init__(self, rows_width: int, hidden: int, classes: int = 10, fused: bool = True):
        super().__init__()
        self.lstm = tg.nn.LSTM(rows_width, hidden, batch_first=True, fused=fused)
        self.head = tg.nn.Linear(hidden, classes)

    def forward(self, images):
        _, (h_n, c_n) = self.lstm(images)      # h_n: (1, B, H)
        return self.head(h_n[-1])              # (B, classes)


tg.manual_seed(0)
if HAVE_DIGITS:
    model = RowClassifier(8, HIDDEN)
    for name, p in model.named_parameters():
        print(f"  {name:24s} {tuple(p.shape)}")
    print("parameters:", sum(p.size for p in model.parameters()))

    # the fused layer and the plain Python loop over LSTMCell must agree
    slow = RowClassifier(8, HIDDEN, fused=False)
    slow.load_state_dict(model.state_dict())
    probe = tg.Tensor(x_test[:5])
    check(np.allclose(model(probe).numpy(), slow(probe).numpy(), atol=1e-5),
          "fused=True and the step-by-step loop give the same logits")

# %% [markdown]
# Before training, check the loss function against a hand computation. With ten classes
# and logits that say nothing (all equal), softmax gives every class 1/10 and the loss is
# $\log 10 \approx 2.303$. A fresh net's logits are small, so its loss should start close to that.

# %%
if HAVE_DIGITS:
    z = np.random.default_rng(0).normal(size=(4, 10))
    y = np.array([3, 0, 9, 3])
    by_hand = np.mean(-(z[np.arange(4), y] - np.log(np.exp(z).sum(axis=1))))
    ours = tg.nn.cross_entropy(tg.Tensor(z, dtype=tg.float64), y).item()
    check(abs(ours - by_hand) < 1e-12, "tg.nn.cross_entropy equals -z_y + log Σ e^z computed with NumPy")
    with tg.no_grad():
        start_loss = tg.nn.cross_entropy(model(tg.Tensor(x_train[:256])), y_train[:256]).item()
    print(f"loss before training: {start_loss:.3f}   (log 10 = {math.log(10):.3f})")
    check(abs(start_loss - math.log(10)) < 0.3, "an untrained classifier's loss is near log 10")

# %% [markdown]
# ## 3. The training loop
#
# One **epoch** is one pass over the training images in a fresh random order, in batches of
# 32. Each step is the four lines every training loop in this course has: forward, loss,
# backward, update. After each epoch we measure accuracy on the test images with gradients
# switched off (`tg.no_grad()`), so no graph is built.
#
# The command line does the same with `tinygrad-rnn train digits --cell lstm --hidden 64`
# (and `tinygrad-rnn train mnist --data DIR` for MNIST); here we write the loop out, because
# the loop is the lesson.

# %%
def accuracy(model, x, y, batch=500):
    """Fraction of images whose highest logit is the true class; also returns the predictions."""
    preds = []
    with tg.no_grad():
        for i in range(0, len(x), batch):
            preds.append(model(tg.Tensor(x[i:i + batch])).numpy().argmax(axis=1))
    preds = np.concatenate(preds)
    return float(np.mean(preds == y)), preds


def train(model, x, y, epochs, lr, batch=BATCH, x_eval=None, y_eval=None, seed=0):
    opt = tg.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        losses = []
        for i in range(0, len(order) - batch + 1, batch):
            idx = order[i:i + batch]
            loss = tg.nn.cross_entropy(model(tg.Tensor(x[idx])), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        acc = accuracy(model, x_eval, y_eval)[0] if x_eval is not None else float("nan")
        history.append((float(np.mean(losses)), acc))
        shown = f", test accuracy {acc:.1%}" if x_eval is not None else ""
        print(f"  epoch {epoch + 1:2d}: mean training loss {np.mean(losses):.4f}{shown}")
    return history


if HAVE_DIGITS:
    history = train(model, x_train, y_train, EPOCHS, lr=3e-3, x_eval=x_test, y_eval=y_test)
    test_acc, preds = accuracy(model, x_test, y_test)
    print(f"final test accuracy: {test_acc:.1%} on {len(y_test)} images (guessing: 10%)")
    check(history[-1][0] < history[0][0], "the training loss went down")
    check(test_acc > (0.5 if FAST else 0.9), "the net classifies unseen digits far better than guessing")

# %% [markdown]
# ## 4. Which digits does it confuse?
#
# Accuracy is one number; the **confusion table** shows where the errors are. Row *i*,
# column *j* counts the test images whose true label is *i* and whose predicted label is *j*.
# A perfect classifier puts everything on the diagonal; each row sums to the number of test
# images of that digit, and the whole table sums to the test set's size. We build it with one
# NumPy call and check both sums.

# %%
def confusion_table(y_true, y_pred, classes=10):
    table = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(table, (y_true, y_pred), 1)      # add.at: repeated (i, j) pairs all count
    return table


if HAVE_DIGITS:
    table = confusion_table(y_test, preds)
    print("rows: true digit, columns: predicted digit")
    print("      " + " ".join(f"{j:4d}" for j in range(10)))
    for i in range(10):
        print(f"  {i:2d}  " + " ".join(f"{v:4d}" for v in table[i]))
    check(table.sum() == len(y_test) and np.array_equal(table.sum(axis=1), np.bincount(y_test, minlength=10)),
          "each row of the table sums to that digit's number of test images")
    check(abs(np.trace(table) / len(y_test) - test_acc) < 1e-12, "the diagonal over the total is the accuracy")

    off = table.copy()
    np.fill_diagonal(off, 0)
    top = off.max()
    pairs = [f"{i} read as {j}" for i, j in zip(*np.nonzero(off == top))] if top else []
    print(f"{off.sum()} mistakes in all, spread over {np.count_nonzero(off)} (true, predicted) pairs")
    if top > 1 and len(pairs) == 1:
        print(f"most frequent mistake: {top} images of {pairs[0]}")
    elif top > 1:
        print(f"no single most frequent mistake: {len(pairs)} pairs tie at {top} images each: {', '.join(pairs)}")
    elif top == 1:
        print("no mistake happens twice: every wrong (true, predicted) pair occurs once")

    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    im = ax.imshow(table, cmap="Blues")
    for a in range(10):
        for b in range(10):
            if table[a, b]:
                ax.text(b, a, str(table[a, b]), ha="center", va="center", fontsize=7,
                        color="white" if table[a, b] > table.max() / 2 else "black")
    ax.set_xticks(range(10)), ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit"), ax.set_ylabel("true digit")
    ax.set_title(f"LSTM({HIDDEN}) on 8x8 digits, {EPOCHS} epochs: test accuracy {test_acc:.1%}", fontsize=9)
    fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(OUT / "confusion_digits.png", dpi=100)
    plt.close(fig)
    show(OUT / "confusion_digits.png")

# %% [markdown]
# In the heat map the dark diagonal is the correct answers; every number off the diagonal is
# a mistake, written in its cell. The lines printed above say how the mistakes spread: often
# there is no single favourite confusion, just a handful of pairs with one or two images
# each. Look at which ones, and compare with the sample images above (an 8×8 scan of a 9 can
# look very much like a 5 or a 3). In fast mode the net has trained for only two epochs and
# the table is much noisier.
#
# Let us also look at a few of the misread images themselves.

# %%
if HAVE_DIGITS:
    wrong = np.flatnonzero(preds != y_test)[:8]
    if len(wrong):
        fig, axes = plt.subplots(1, len(wrong), figsize=(1.2 * len(wrong) + 0.5, 1.8), squeeze=False)
        for ax, k in zip(axes[0], wrong):
            ax.imshow(x_test[k], cmap="gray_r", vmin=0, vmax=1)
            ax.set_title(f"{y_test[k]} read as {preds[k]}", fontsize=8)
            ax.set_xticks([]), ax.set_yticks([])
        fig.tight_layout()
        fig.savefig(OUT / "mistakes.png", dpi=100)
        plt.close(fig)
        show(OUT / "mistakes.png")
    else:
        print("no mistakes on the test set")

# %% [markdown]
# The titles say "true label read as prediction". Several of these would puzzle a person too.
#
# ## 5. A baseline: does this task need a sequence model?
#
# A result means little without a baseline. The simplest one here ignores time altogether:
# flatten each 8×8 image into 64 numbers and put one linear layer on them, softmax
# regression (multinomial logistic regression). Same loss, same optimiser, same epochs, same
# training loop; only the model changes.

# %%
class Pixels(tg.nn.Module):
    """Logistic regression: all 64 pixels at once → 10 logits. No time, no memory."""

    def __init__(self, pixels: int, classes: int = 10):
        super().__init__()
        self.linear = tg.nn.Linear(pixels, classes)

    def forward(self, images):
        return self.linear(images.reshape(images.shape[0], -1))     # (B, T, I) → (B, T·I) → (B, 10)


if HAVE_DIGITS:
    tg.manual_seed(0)
    baseline = Pixels(64)
    print(f"logistic regression: {sum(p.size for p in baseline.parameters())} parameters "
          f"(the LSTM classifier: {sum(p.size for p in model.parameters())})")
    train(baseline, x_train, y_train, EPOCHS, lr=1e-2, x_eval=x_test, y_eval=y_test)
    base_acc = accuracy(baseline, x_test, y_test)[0]
    print(f"test accuracy: logistic regression {base_acc:.1%}, LSTM {test_acc:.1%} "
          f"({'the baseline is ahead' if base_acc > test_acc else 'the LSTM is ahead' if test_acc > base_acc else 'a tie'}"
          f" by {abs(base_acc - test_acc) * len(y_test):.0f} of {len(y_test)} images)")
    check(base_acc > (0.5 if FAST else 0.9), "the linear baseline also classifies unseen digits far above chance")

# %% [markdown]
# Compare the two accuracies printed above. On 8×8 digits the linear model is a hard
# baseline to beat: it sees all 64 pixels at once, and at this resolution a digit is nearly
# a linear pattern of ink. The LSTM sees one row at a time and has to *learn* to remember
# the rows above, which costs it training time and gives it nothing the flat model lacks.
# **This task does not need a sequence model**; we use it because it is small, fast and
# familiar, so that the recipe (last hidden state, linear layer, cross-entropy) can be seen
# working end to end.
#
# Where a recurrent classifier earns its keep is where the flat model cannot go:
#
# * **sequences of different lengths** (sentences, spoken words, sensor traces): a flat
#   model needs a fixed number of inputs, the LSTM reads any length with the same weights;
# * **long sequences**: the flat model's weights grow with T·I, the LSTM's do not grow
#   with T at all;
# * **order and position that vary**: a pattern that may appear at any time step is one
#   thing for the recurrent weights, and T different things for a flat layer.
#
# Lesson 8's tasks (the Reber grammar, the adding problem) are of that kind, and lesson 10's
# character model is too: no flat model can read a text of any length.
#
# ## 6. What the recipe runs on: the library's pieces
#
# Nothing in the loop above is special to images. The model is a `tg.nn.LSTM` and a
# `tg.nn.Linear`; the loss is built from `log_softmax`, which subtracts each row's maximum
# before exponentiating so that large logits cannot overflow:

# %%
print(inspect.getsource(tg.nn.cross_entropy).split('"""')[1])

# %% [markdown]
# ## 7. Real MNIST (if you have the files)
#
# MNIST is the 28×28 version of this task: 60,000 training and 10,000 test images, read as
# T = 28 steps of I = 28 pixels. This library never downloads anything. To use it, get the
# four standard files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
# `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, plain or `.gz`) from a mirror you trust,
# for example with `torchvision.datasets.MNIST(root, download=True)` (they land in
# `root/MNIST/raw`), put them in one folder and run the lesson with
# `MNIST_DIR=/path/to/that/folder tinygrad-rnn lesson 9`.
# `tinygrad_rnn.data.mnist.load_mnist(folder)` checks their format and records their SHA-256.
#
# The TensorFlow example used 128 hidden units, Adam with learning rate 0.001 and batches of
# 128, trained on the full set for a few epochs (its numbers are not measured here). On a
# small CPU an epoch of 60,000 images is slow, so below we train on a slice of the training set
# and say so. At 28×28 the comparison with a flat model is closer to fair: 784 inputs, and strokes
# that span many rows; try the `Pixels(784)` baseline on the same slice.

# %%
mnist_dir = os.environ.get("MNIST_DIR")
if not mnist_dir:
    print("MNIST_DIR is not set: skipping real MNIST (see the text above for how to get it).")
else:
    from tinygrad_rnn.data.mnist import load_mnist
    m = load_mnist(mnist_dir)
    n_train = 2000 if FAST else 20000
    print(f"MNIST: {m.x_train.shape[0]} training images, using the first {n_train}; {m.x_test.shape[0]} test images")
    tg.manual_seed(0)
    mnist_model = RowClassifier(28, 128)
    mnist_history = train(mnist_model, m.x_train[:n_train], m.y_train[:n_train], epochs=2, lr=1e-3, batch=128)
    n_test = 2000 if FAST else 10000
    mnist_acc, mnist_preds = accuracy(mnist_model, m.x_test[:n_test], m.y_test[:n_test])
    print(f"MNIST test accuracy on {n_test} images: {mnist_acc:.1%}")
    check(mnist_history[-1][0] < mnist_history[0][0], "the MNIST training loss went down")
    if not FAST:   # fast mode trains for only 30 steps: too few to promise an accuracy
        check(mnist_acc > 0.8, "the same recipe learns MNIST far above chance")
    mt = confusion_table(m.y_test[:n_test], mnist_preds)
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    im = ax.imshow(mt, cmap="Blues")
    ax.set_xticks(range(10)), ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit"), ax.set_ylabel("true digit")
    ax.set_title(f"LSTM(128) on MNIST rows ({n_train} training images): {mnist_acc:.1%}", fontsize=9)
    fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(OUT / "confusion_mnist.png", dpi=100)
    plt.close(fig)
    show(OUT / "confusion_mnist.png")

# %% [markdown]
# ## 8. Exercises
#
# Open `lessons/exercises/09_sequence_classification.py`, fill in the functions, and run
# `tinygrad-rnn check 9` until every line says ✓.
#
# All four are NumPy only: the check runs them with tinygrad_rnn watched, and says so if the
# library is used inside them.
#
# 1. **Confusion table by hand.** Write `confusion_counts(y_true, y_pred, classes)` with a
#    loop (no `np.add.at`), and `per_class_recall(table)`: for each true digit, the fraction of
#    its images that were classified correctly.
# 2. **Read the columns instead.** Write `columns_as_sequence(images)` that turns (N, R, C)
#    images into sequences that read the image **left to right**, one column per step. Then,
#    as an experiment (not checked), train the classifier of this lesson on columns and
#    compare the accuracy with rows.
# 3. **Logits to probabilities.** Write `softmax_probs(logits)` in NumPy, stable for logits
#    in the thousands (subtract each row's maximum first, as `log_softmax` does).
#
# Stuck? `tinygrad-rnn check 9 --solutions` runs the checks on the shipped solutions in
# `lessons/solutions/09_sequence_classification.py`.

# %%
print(f"lesson 9 ran in {time.perf_counter() - STARTED:.0f} s")
