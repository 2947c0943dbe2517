"""Solutions to lesson 7's exercises (one way of many). Check them with ``tinygrad-rnn check 7 --solutions``."""
import numpy as np


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def gru_step_numpy(x, h, weight_ih, weight_hh, bias_ih, bias_hh=None, reset_after=True):
    """One GRU step, PyTorch layout (r, z, n), in either form."""
    H = h.shape[1]
    i_r, i_z, i_n = np.split(x @ weight_ih.T + bias_ih, 3, axis=1)
    W_r, W_z, W_n = np.split(weight_hh, 3, axis=0)
    if reset_after:
        b_r, b_z, b_n = np.split(bias_hh, 3) if bias_hh is not None else (np.zeros(H),) * 3
        r = _sigmoid(i_r + h @ W_r.T + b_r)
        z = _sigmoid(i_z + h @ W_z.T + b_z)
        n = np.tanh(i_n + r * (h @ W_n.T + b_n))
    else:
        r = _sigmoid(i_r + h @ W_r.T)
        z = _sigmoid(i_z + h @ W_z.T)
        n = np.tanh(i_n + (r * h) @ W_n.T)
    return (1.0 - z) * n + z * h


def count_parameters(cell_type: str, input_size: int, hidden_size: int, reset_after: bool = True) -> int:
    """G·H·(I + H) weights plus the biases."""
    gates = {"rnn": 1, "gru": 3, "lstm": 4}
    if cell_type not in gates:
        raise ValueError(f"unknown cell type {cell_type!r}: use 'rnn', 'gru' or 'lstm'")
    G, I, H = gates[cell_type], input_size, hidden_size
    bias_vectors = 1 if (cell_type == "gru" and not reset_after) else 2
    return G * H * (I + H) + bias_vectors * G * H


def keras_gru_to_pytorch(kernel, recurrent_kernel, bias):
    """Keras (columns z, r, h; x @ K) -> PyTorch (rows r, z, n; x @ W.T)."""
    def zr_to_rz(a):            # along the last axis: blocks z, r, h -> r, z, h
        z, r, n = np.split(np.asarray(a, dtype=float), 3, axis=-1)
        return np.concatenate([r, z, n], axis=-1)
    bias = np.asarray(bias, dtype=float)
    return {"weight_ih": zr_to_rz(kernel).T.copy(), "weight_hh": zr_to_rz(recurrent_kernel).T.copy(),
            "bias_ih": zr_to_rz(bias[0]), "bias_hh": zr_to_rz(bias[1])}
