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


def gru_step_backward(x, h, weight_ih, weight_hh, bias_ih, bias_hh, dh_new):
    """One GRU step's gradients by hand (PyTorch's form)."""
    i_r, i_z, i_n = np.split(x @ weight_ih.T + bias_ih, 3, axis=1)
    h_r, h_z, h_n = np.split(h @ weight_hh.T + bias_hh, 3, axis=1)
    r, z = _sigmoid(i_r + h_r), _sigmoid(i_z + h_z)
    n = np.tanh(i_n + r * h_n)
    d_n = dh_new * (1 - z) * (1 - n ** 2)                 # h_new = (1 − z) ⊙ n + z ⊙ h, n = tanh(·)
    d_z = dh_new * (h - n) * z * (1 - z)
    d_r = d_n * h_n * r * (1 - r)                         # r multiplies the recurrent part of n
    d_in = np.concatenate([d_r, d_z, d_n], axis=1)        # gradient of x @ W_ihᵀ + b_ih
    d_hid = np.concatenate([d_r, d_z, d_n * r], axis=1)   # gradient of h @ W_hhᵀ + b_hh
    return {"x": d_in @ weight_ih, "h": dh_new * z + d_hid @ weight_hh,
            "weight_ih": d_in.T @ x, "weight_hh": d_hid.T @ h, "bias_ih": d_in.sum(0), "bias_hh": d_hid.sum(0)}


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
