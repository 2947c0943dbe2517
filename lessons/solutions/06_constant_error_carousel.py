"""Solutions to lesson 6's exercises (one way of many). Check them with ``tinygrad-rnn check 6 --solutions``."""
import numpy as np


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def lstm1997_step_numpy(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    """The 1997 cell: blocks i, g, o; c_new = c + i ⊙ g."""
    a = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh       # (B, 3H)
    a_i, a_g, a_o = np.split(a, 3, axis=1)
    c_new = c + _sigmoid(a_i) * np.tanh(a_g)
    h_new = _sigmoid(a_o) * np.tanh(c_new)
    return h_new, c_new


def hard_sigmoid_numpy(x, keras_version: int):
    """Keras 2: clip(0.2x + 0.5, 0, 1); Keras 3 / PyTorch: clip(x/6 + 0.5, 0, 1)."""
    x = np.asarray(x, dtype=float)
    if keras_version == 2:
        return np.clip(0.2 * x + 0.5, 0.0, 1.0)
    if keras_version == 3:
        return np.clip(x / 6.0 + 0.5, 0.0, 1.0)
    raise ValueError(f"keras_version must be 2 or 3, got {keras_version!r}")


def first_saturated_step(writes, threshold: float = 0.99) -> int:
    """First t with |tanh(writes[0] + … + writes[t])| > threshold, else −1."""
    saturated = np.abs(np.tanh(np.cumsum(writes))) > threshold
    return int(np.argmax(saturated)) if saturated.any() else -1
