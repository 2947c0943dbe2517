"""A Keras LSTM tutorial with the layer's full signature, on padded variable-length sequences.

The Keras original (an IMDB-style sentiment model)::

    model = Sequential([
        Embedding(vocab, 32, mask_zero=True),
        LSTM(64, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
             kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
             bias_initializer='zeros', unit_forget_bias=True,
             kernel_regularizer=l2(1e-4), recurrent_regularizer=None, bias_regularizer=None,
             activity_regularizer=None, kernel_constraint=max_norm(3.), recurrent_constraint=None,
             bias_constraint=None, dropout=0.2, recurrent_dropout=0.2, return_sequences=False,
             return_state=False, go_backwards=False, stateful=False, unroll=False),
        Dense(1)])
    model.compile(Adam(1e-2), BinaryCrossentropy(from_logits=True)); model.fit(x, y, batch_size=64)

The model below is written exactly so (``tinygrad_rnn.keras.Sequential`` passes the mask
from the embedding to the LSTM as Keras does); only ``compile``/``fit`` become a loop. The data are synthetic reviews: token 1 is a good
word, token 2 a bad one, the rest filler; a review is positive when it has more good words
than bad ones. Reviews have 5 to 20 tokens, left-padded with 0.

Run: ``python docs/examples/keras_lstm_full_signature.py`` (``TINYGRAD_RNN_FAST=1``: short).
"""
from __future__ import annotations

import os

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.keras import Sequential, constraints, layers, regularizers

FAST = os.environ.get("TINYGRAD_RNN_FAST") == "1"
VOCAB, T = 20, 20


def reviews(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    ids = np.zeros((n, T), dtype=np.int64)
    labels = np.zeros(n, dtype=np.float32)
    for i in range(n):
        length = rng.integers(5, T + 1)
        words = rng.choice(VOCAB - 1, size=length, p=None) + 1          # ids 1..VOCAB−1
        ids[i, T - length:] = words                                      # left padding
        labels[i] = float((words == 1).sum() > (words == 2).sum())
    return ids, labels


def main() -> float:
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    x_train, y_train = reviews(384 if FAST else 4096, rng)
    x_test, y_test = reviews(256 if FAST else 1024, rng)

    model = Sequential([
        layers.Embedding(VOCAB, 32, mask_zero=True),
        layers.LSTM(64, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                    kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                    bias_initializer="zeros", unit_forget_bias=True,
                    kernel_regularizer=regularizers.l2(1e-4), recurrent_regularizer=None,
                    bias_regularizer=None, activity_regularizer=None,
                    kernel_constraint=constraints.max_norm(3.0), recurrent_constraint=None,
                    bias_constraint=None, dropout=0.2, recurrent_dropout=0.2, return_sequences=False,
                    return_state=False, go_backwards=False, stateful=False, unroll=False),
        layers.Dense(1)])
    lstm = model.layers[1]

    model(x_train[:2], training=False)                     # build the weights (Keras: model.build)
    opt = tg.optim.Adam(model.parameters(), lr=1e-2)
    batch_size, epochs = 64, (3 if FAST else 8)
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            logits = model(x_train[idx], training=True).reshape(-1)
            loss = tg.nn.binary_cross_entropy_with_logits(logits, y_train[idx]) + sum(model.losses)
            opt.zero_grad()
            loss.backward()
            opt.step()                                     # then max_norm(3) on the kernel
        with tg.no_grad():
            acc = float(((model(x_test, training=False).numpy()[:, 0] > 0) == (y_test > 0.5)).mean())
        print(f"epoch {epoch}: loss {loss.item():.3f}  test accuracy {acc:.3f}", flush=True)
    norms = np.linalg.norm(lstm.get_weights()[0], axis=0)
    print(f"largest kernel column norm {norms.max():.3f} (max_norm 3)")
    return acc


if __name__ == "__main__":
    accuracy = main()
    assert accuracy > 0.7, f"test accuracy {accuracy:.3f}: the model did not learn to count"
