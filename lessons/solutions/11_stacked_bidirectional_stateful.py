"""Solutions to lesson 11's exercises (one way to do each)."""
import numpy as np


def lstm_shapes(T, B, I, H, num_layers=1, bidirectional=False, batch_first=False, proj_size=0):
    D = 2 if bidirectional else 1
    h_width = proj_size if proj_size > 0 else H
    output = (B, T, D * h_width) if batch_first else (T, B, D * h_width)
    return output, (D * num_layers, B, h_width), (D * num_layers, B, H)


def reverse_padded(x, lengths):
    out = np.array(x, copy=True)
    for b, n in enumerate(lengths):
        out[:n, b] = x[:n, b][::-1]
    return out


def final_states_from_output(output, lengths, hidden_size):
    H = hidden_size
    B = output.shape[1]
    final = np.zeros((2, B, H), dtype=output.dtype)
    for b, n in enumerate(lengths):
        final[0, b] = output[n - 1, b, :H]   # the forward direction ends at its last real step
        final[1, b] = output[0, b, H:]       # the backward direction ends at t = 0, wherever it started
    return final
