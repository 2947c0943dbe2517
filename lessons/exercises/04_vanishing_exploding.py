"""Exercises for lesson 4: vanishing and exploding gradients.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 4``.
NumPy only.
"""
import numpy as np  # noqa: F401  (you will need it)


def jacobian_product_norms(W: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Spectral norms ‖∂s_T/∂s_t‖ for a bias-free tanh RNN s_t = tanh(U x_t + W s_{t−1}).

    ``states`` has shape (T, H): states[t] is the state after step t (t = 0 … T−1), so the last
    state is states[T−1]. One step's Jacobian is J_t = ∂s_t/∂s_{t−1} = diag(1 − states[t]²) · W.
    Return an array n of length T with n[t] = ‖∂states[T−1]/∂states[t]‖₂ (largest singular
    value, ``np.linalg.norm(M, 2)``), so n[T−1] = 1 (the identity).
    Build the product from the last step backwards: P = I, then P = P · J_t for t = T−1, T−2, …
    """
    # TODO: walk t from T−1 down to 0, record ‖P‖₂, then multiply in the next Jacobian
    raise NotImplementedError


def clip_by_global_norm(grads: list, max_norm: float) -> tuple[list, float]:
    """Clip a list of gradient arrays together, with PyTorch's formula.

        total = √(Σ_i ‖g_i‖²)               (over every element of every array)
        coef  = max_norm / (total + 1e-6)
        if coef < 1: every g_i becomes g_i · coef; otherwise they are returned unchanged

    Return ``(clipped list, total)``. Do not modify the caller's arrays.
    """
    # TODO: one total norm for all arrays, one common factor
    raise NotImplementedError
