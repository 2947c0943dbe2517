"""MNIST read row by row by an LSTM: the classic Keras / TF1 tutorial, ported.

The original (Keras' ``mnist_irnn``-style and the TF1 "RNN on MNIST" tutorials): each 28×28
image is a sequence of 28 rows of 28 pixels; an ``LSTM(128)`` reads it and a ``Dense(10)``
classifies the last output, trained with Adam at 1e−3 in batches of 128::

    model = Sequential([LSTM(128, input_shape=(28, 28)), Dense(10)])
    model.compile(Adam(1e-3), SparseCategoricalCrossentropy(from_logits=True), metrics=['accuracy'])
    model.fit(x_train, y_train, batch_size=128, epochs=...)

MNIST is not downloaded here: pass the folder with the four IDX files
(``python docs/examples/mnist_row_by_row.py --data ~/mnist`` or ``MNIST_DIR=~/mnist``).
Without it the script uses scikit-learn's 8×8 digits (8 rows of 8 pixels), the same task
at a smaller size, and says so. ``TINYGRAD_RNN_FAST=1``: a few batches only (CI).
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.keras import layers

FAST = os.environ.get("TINYGRAD_RNN_FAST") == "1"


def load(folder: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    if folder:
        from tinygrad_rnn.data.mnist import load_mnist
        d = load_mnist(folder)
        return d.x_train, d.y_train, d.x_test, d.y_test, "MNIST (28 rows of 28 pixels)"
    from tinygrad_rnn.data.digits import load_digits
    x_train, y_train, x_test, y_test = load_digits()
    return x_train, y_train, x_test, y_test, "scikit-learn digits (8 rows of 8 pixels; no MNIST folder given)"


def main(folder: str | None = None) -> tuple[float, float]:
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    x_train, y_train, x_test, y_test, what = load(folder)
    print(f"data: {what}: {len(x_train)} training and {len(x_test)} test images")
    lstm = layers.LSTM(128)                      # input_shape=(rows, pixels): built on the first call
    dense = layers.Dense(10)

    def model(images: np.ndarray) -> tg.Tensor:
        return dense(lstm(images))

    model(x_train[:1])
    opt = tg.optim.Adam(lstm.parameters() + dense.parameters(), lr=1e-3)

    def test_loss_and_accuracy() -> tuple[float, float]:
        test = x_test[:256] if FAST else x_test
        with tg.no_grad():
            logits = model(test)
        acc = float((logits.numpy().argmax(1) == y_test[:len(test)]).mean())
        return tg.nn.cross_entropy(logits, y_test[:len(test)]).item(), acc

    before, _ = test_loss_and_accuracy()
    batch_size = 128
    batches = 12 if FAST else 20 * (len(x_train) // batch_size)
    for step in range(batches):
        idx = rng.integers(0, len(x_train), batch_size)
        loss = tg.nn.cross_entropy(model(x_train[idx]), y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % (4 if FAST else 100) == 0:
            print(f"batch {step:5d}  loss {loss.item():.3f}", flush=True)
    after, acc = test_loss_and_accuracy()
    print(f"test loss {before:.3f} -> {after:.3f}; test accuracy {acc:.3f}")
    return after / before, acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"), help="folder with the MNIST IDX files")
    ratio, accuracy = main(parser.parse_args().data)
    assert ratio < 0.99, f"the test loss did not fall ({ratio:.3f} of its start)"
    assert FAST or accuracy > 0.9, f"test accuracy {accuracy:.3f}"
