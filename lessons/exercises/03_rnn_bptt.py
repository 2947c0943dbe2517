"""Exercises for lesson 3: the plain RNN and backpropagation through time.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 3``.
NumPy only: no tinygrad_rnn here. Shapes: U (H, I), W (H, H), V (K, H), xs (T, I) with one
input vector per row, ys a list of T class indices. The start state s_0 is zero.
"""
import numpy as np  # noqa: F401  (you will need it)


def rnn_forward(U: np.ndarray, W: np.ndarray, V: np.ndarray, xs: np.ndarray):
    """Run s_t = tanh(U x_t + W s_{t−1}), ŷ_t = softmax(V s_t) over the sequence.

    Return ``(states, probs)``: ``states`` of shape (T + 1, H) with states[0] = s_0 = 0 and
    states[t] = s_t, and ``probs`` of shape (T, K) with probs[t − 1] = ŷ_t.
    Subtract the maximum score before exponentiating (softmax does not change, overflow cannot happen).
    """
    # TODO: loop over t = 1 … T
    raise NotImplementedError


def bptt(U: np.ndarray, W: np.ndarray, V: np.ndarray, xs: np.ndarray, ys: list):
    """Gradients (dU, dW, dV) of E = Σ_t −log ŷ_t[y_t], by backpropagation through time.

    Walk t = T … 1 with δ_{T+1} = 0:
        g_t = ŷ_t − onehot(y_t)                       (gradient of E_t w.r.t. the scores V s_t)
        dV += g_t s_tᵀ
        δ_t = (Vᵀ g_t + Wᵀ δ_{t+1}) ⊙ (1 − s_t²)
        dW += δ_t s_{t−1}ᵀ,   dU += δ_t x_tᵀ
    You may call your rnn_forward for the forward pass.
    """
    # TODO: forward pass, then the backward loop
    raise NotImplementedError
