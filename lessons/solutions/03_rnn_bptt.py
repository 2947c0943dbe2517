"""Solutions to lesson 3's exercises (try them yourself first)."""
import numpy as np


def rnn_forward(U: np.ndarray, W: np.ndarray, V: np.ndarray, xs: np.ndarray):
    """Run s_t = tanh(U x_t + W s_{t−1}), ŷ_t = softmax(V s_t) over the sequence."""
    T, H = len(xs), W.shape[0]
    states = np.zeros((T + 1, H))
    probs = np.zeros((T, V.shape[0]))
    for t in range(1, T + 1):
        states[t] = np.tanh(U @ xs[t - 1] + W @ states[t - 1])
        scores = V @ states[t]
        e = np.exp(scores - scores.max())
        probs[t - 1] = e / e.sum()
    return states, probs


def bptt(U: np.ndarray, W: np.ndarray, V: np.ndarray, xs: np.ndarray, ys: list):
    """Gradients (dU, dW, dV) of E = Σ_t −log ŷ_t[y_t], by backpropagation through time."""
    states, probs = rnn_forward(U, W, V, xs)
    dU, dW, dV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    delta_next = np.zeros(W.shape[0])
    for t in range(len(xs), 0, -1):
        g = probs[t - 1].copy()
        g[ys[t - 1]] -= 1.0
        dV += np.outer(g, states[t])
        delta = (V.T @ g + W.T @ delta_next) * (1.0 - states[t] ** 2)
        dW += np.outer(delta, states[t - 1])
        dU += np.outer(delta, xs[t - 1])
        delta_next = delta
    return dU, dW, dV
