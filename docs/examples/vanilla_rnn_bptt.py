"""A vanilla RNN trained with truncated backpropagation through time (the "echo" tutorial).

The classic TF1 tutorial (R2RT, "Recurrent Neural Networks in Tensorflow I", 2016) trains a
``BasicRNNCell`` on a binary series with two hidden dependencies::

    P(y_t = 1) = 0.5 + 0.5·[x_{t−3} = 1] − 0.25·[x_{t−8} = 1]

A model that learns nothing scores a cross-entropy of 0.66 nats; one that finds the t−3
dependency, 0.52; both, 0.45. Truncated BPTT over windows of ``num_steps`` steps carries the
final state from one window to the next but cuts the gradient there, so a window of 5 can
only find the t−3 dependency and a window of 10 can find both.

Ported: ``tf.nn.rnn_cell.BasicRNNCell(4)`` → ``tg.nn.RNNCell(2, 4)``; the loop over the
window by hand; ``tg.nn.detach_state`` where TF1 fed the final state back through a
placeholder. Run: ``python docs/examples/vanilla_rnn_bptt.py`` (``TINYGRAD_RNN_FAST=1``: short).
"""
from __future__ import annotations

import os

import numpy as np

import tinygrad_rnn as tg

FAST = os.environ.get("TINYGRAD_RNN_FAST") == "1"


def echo_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.integers(0, 2, n)
    p = np.full(n, 0.5)
    p[3:] += 0.5 * (x[:-3] == 1)
    p[8:] -= 0.25 * (x[:-8] == 1)
    y = (rng.random(n) < p).astype(np.int64)
    return x, y


def windows(x: np.ndarray, y: np.ndarray, batch_size: int, num_steps: int):
    """R2RT's batching: the series cut into ``batch_size`` rows, read ``num_steps`` at a time."""
    rows = len(x) // batch_size
    xb, yb = x[:rows * batch_size].reshape(batch_size, rows), y[:rows * batch_size].reshape(batch_size, rows)
    for start in range(0, rows - num_steps + 1, num_steps):
        yield xb[:, start:start + num_steps], yb[:, start:start + num_steps]


def main() -> float:
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    batch_size, num_steps, state_size = 200, 10, 4
    epochs = 3 if FAST else 5
    x, y = echo_data(200_000 if FAST else 1_000_000, rng)
    cell = tg.nn.RNNCell(2, state_size)                 # TF1: BasicRNNCell(state_size)
    out = tg.nn.Linear(state_size, 2)
    opt = tg.optim.Adagrad(cell.parameters() + out.parameters(), lr=0.3)   # the tutorial's optimizer
    eye = np.eye(2, dtype=np.float32)
    losses = []
    for epoch in range(epochs):
        state = cell.init_state(batch_size)             # TF1: cell.zero_state(batch_size)
        for xw, yw in windows(x, y, batch_size, num_steps):
            logits = []
            for t in range(num_steps):
                state = cell(tg.Tensor(eye[xw[:, t]]), state)
                logits.append(out(state))
            loss = tg.nn.cross_entropy(tg.stack(logits, 1).reshape(-1, 2), yw.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            state = tg.nn.detach_state(state)           # truncated BPTT: keep the numbers, cut the graph
            losses.append(loss.item())
        print(f"epoch {epoch}: mean cross-entropy of the last 100 windows {np.mean(losses[-100:]):.3f} "
              f"(0.66 = nothing learned, 0.52 = t−3 found, 0.45 = both found)", flush=True)
    return float(np.mean(losses[-100:]))


if __name__ == "__main__":
    final = main()
    assert final < 0.60, f"the RNN did not find the t−3 dependency (cross-entropy {final:.3f})"
