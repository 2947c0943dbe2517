"""The Udacity deep-learning course's character LSTM (assignment 6), ported from TensorFlow 1.

The original trains a 64-unit LSTM on text8 (26 letters and the space), 64 sequences at a
time, 10 unrolled steps per batch, carrying the state between batches (``saved_output``,
``saved_state``), with plain gradient descent, a decaying learning rate and clipped gradients::

    global_step = tf.Variable(0)
    learning_rate = tf.train.exponential_decay(10.0, global_step, 5000, 0.1, staircase=True)
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    gradients, v = zip(*optimizer.compute_gradients(loss))
    gradients, _ = tf.clip_by_global_norm(gradients, 1.25)
    optimizer = optimizer.apply_gradients(zip(gradients, v), global_step=global_step)

Ported: ``tg.nn.LSTMCell`` and ``tg.nn.Linear``, ``SGD(lr=10)`` with ``StepLR(step_size=5000,
gamma=0.1)`` stepped once per batch (the staircase decay), ``tg.nn.clip_grad_norm_(…, 1.25)``.
The text is the Python reference manual shipped with CPython, lower-cased and reduced to the
same 27 symbols (no text8 download). The same schedule from the command line:
``tinygrad-rnn train charlm --optimizer sgd --lr 10 --clip 1.25 --lr-decay 0.1 --lr-decay-every 5000``.

Run: ``python docs/examples/udacity_char_lstm.py`` (``TINYGRAD_RNN_FAST=1``: a short run).
"""
from __future__ import annotations

import os
import re
import string

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.data.text import python_docs_text

FAST = os.environ.get("TINYGRAD_RNN_FAST") == "1"
VOCAB = " " + string.ascii_lowercase            # id 0 = space, 1..26 = a..z, as Udacity's char2id


def load_text() -> np.ndarray:
    text = re.sub(r"[^a-z ]+", " ", python_docs_text().lower())
    text = re.sub(r" +", " ", text)
    return np.array([VOCAB.index(ch) for ch in text], dtype=np.int64)


class BatchGenerator:
    """Udacity's generator: ``batch_size`` cursors spread over the text, each giving
    ``num_unrollings + 1`` characters per batch; a batch starts with the previous one's last."""

    def __init__(self, ids: np.ndarray, batch_size: int, num_unrollings: int) -> None:
        self.ids, self.batch_size, self.num_unrollings = ids, batch_size, num_unrollings
        segment = len(ids) // batch_size
        self.cursor = np.arange(batch_size) * segment
        self.last = self.ids[self.cursor]

    def next(self) -> np.ndarray:
        out = [self.last]
        for _ in range(self.num_unrollings):
            self.cursor = (self.cursor + 1) % len(self.ids)
            out.append(self.ids[self.cursor])
        self.last = out[-1]
        return np.stack(out)                      # (num_unrollings + 1, batch)


def main() -> float:
    tg.manual_seed(0)
    ids = load_text()
    split = len(ids) - 1000
    train, valid = ids[:split], ids[split:]
    num_nodes, batch_size, num_unrollings = 64, 64, 10
    steps = 60 if FAST else 7001
    cell = tg.nn.LSTMCell(len(VOCAB), num_nodes)
    classifier = tg.nn.Linear(num_nodes, len(VOCAB))
    params = cell.parameters() + classifier.parameters()
    opt = tg.optim.SGD(params, lr=10.0)
    decay_every = 30 if FAST else 5000                      # the short run shows one decay too
    schedule = tg.optim.lr_scheduler.StepLR(opt, step_size=decay_every, gamma=0.1)   # exponential_decay(staircase)
    onehot = np.eye(len(VOCAB), dtype=np.float32)
    batches = BatchGenerator(train, batch_size, num_unrollings)
    state = cell.zero_state(batch_size)                      # saved_output, saved_state
    mean_loss, first = 0.0, None
    summary = 10 if FAST else 100
    for step in range(steps):
        chars = batches.next()
        logits = []
        for t in range(num_unrollings):
            state = cell(tg.Tensor(onehot[chars[t]]), state)
            logits.append(classifier(state.h))
        loss = tg.nn.cross_entropy(tg.cat(logits, 0), chars[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        tg.nn.clip_grad_norm_(params, 1.25)                  # tf.clip_by_global_norm(gradients, 1.25)
        opt.step()
        schedule.step()
        state = tg.nn.detach_state(state)                    # carried over, like saved_state
        mean_loss += loss.item()
        if (step + 1) % summary == 0:
            mean_loss /= summary
            first = mean_loss if first is None else first
            print(f"step {step + 1:5d}  lr {schedule.get_last_lr()[0]:.2f}  minibatch perplexity "
                  f"{np.exp(mean_loss):.2f}", flush=True)
            last, mean_loss = mean_loss, 0.0
    # validation perplexity, one character at a time from a zero state (as the assignment)
    with tg.no_grad():
        s = cell.zero_state(1)
        nll = 0.0
        valid = valid[:200] if FAST else valid
        for a, b in zip(valid[:-1], valid[1:]):
            s = cell(tg.Tensor(onehot[[a]]), s)
            nll += tg.nn.cross_entropy(classifier(s.h), np.array([b])).item()
    print(f"validation perplexity {np.exp(nll / (len(valid) - 1)):.2f} (27 symbols: 27 = guessing)")
    return last / first


if __name__ == "__main__":
    ratio = main()
    assert ratio < 0.95, f"the training loss did not fall ({ratio:.2f} of its start)"
