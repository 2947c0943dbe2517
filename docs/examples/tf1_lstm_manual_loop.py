"""A TensorFlow 1 tutorial, ported: an LSTMCell, its zero_state, and a loop over time by hand.

The TF1 original (tf.nn.rnn_cell, 2017-era) predicts the next value of a noisy sine wave::

    cell = tf.nn.rnn_cell.LSTMCell(32, cell_clip=5.0)
    state = cell.zero_state(batch_size, tf.float32)          # LSTMStateTuple(c, h)
    for t in range(num_steps):
        output, state = cell(inputs[:, t, :], state)
        outputs.append(tf.layers.dense(output, 1))
    loss = tf.reduce_mean(tf.square(predictions - targets))
    train_op = tf.train.AdamOptimizer(1e-2).minimize(loss)

The port changes three things: the cell is told its input size, it returns the new state
``LSTMState(h, c)`` (TF1 returns ``(output, LSTMStateTuple(c, h))``), and the step is
``opt.zero_grad(); loss.backward(); opt.step()``.

Run: ``python docs/examples/tf1_lstm_manual_loop.py`` (``TINYGRAD_RNN_FAST=1``: a short run).
"""
from __future__ import annotations

import os

import numpy as np

import tinygrad_rnn as tg

FAST = os.environ.get("TINYGRAD_RNN_FAST") == "1"


def batch(rng: np.random.Generator, batch_size: int, num_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Sine waves of random phase and frequency: inputs x_0..x_{T−1}, targets x_1..x_T."""
    phase = rng.uniform(0, 2 * np.pi, (batch_size, 1))
    freq = rng.uniform(0.1, 0.3, (batch_size, 1))
    t = np.arange(num_steps + 1)[None, :]
    wave = np.sin(freq * t + phase) + 0.05 * rng.standard_normal((batch_size, num_steps + 1))
    return wave[:, :-1, None].astype(np.float32), wave[:, 1:, None].astype(np.float32)


def main() -> float:
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    batch_size, num_steps, steps = 32, 20, (40 if FAST else 400)
    cell = tg.nn.LSTMCell(1, 32, cell_clip=5.0)            # TF1: LSTMCell(32, cell_clip=5.0)
    head = tg.nn.Linear(32, 1)                             # TF1: tf.layers.dense(output, 1)
    opt = tg.optim.Adam(cell.parameters() + head.parameters(), lr=1e-2)
    first = last = None
    for step in range(steps):
        x, y = batch(rng, batch_size, num_steps)
        state = cell.zero_state(batch_size, "float32")     # LSTMState(h, c); TF1's is (c, h)
        preds = []
        for t in range(num_steps):
            state = cell(tg.Tensor(x[:, t]), state)        # TF1: output, state = cell(x_t, state)
            preds.append(head(state.h))                    # the output is state.h
        loss = tg.nn.mse_loss(tg.stack(preds, 1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
        last = loss.item()
        if step % (10 if FAST else 100) == 0:
            print(f"step {step:4d}  mse {last:.4f}")
    print(f"mse {first:.4f} -> {last:.4f}")
    return last / first


if __name__ == "__main__":
    ratio = main()
    assert ratio < 0.5, f"the loss did not fall enough ({ratio:.2f} of its start)"
