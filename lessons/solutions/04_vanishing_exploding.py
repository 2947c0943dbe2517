"""Solutions to lesson 4's exercises (try them yourself first)."""
import numpy as np


def jacobian_product_norms(W: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Spectral norms ‖∂s_T/∂s_t‖ for a bias-free tanh RNN."""
    T, H = states.shape
    norms = np.zeros(T)
    P = np.eye(H)                                  # ∂s_last/∂s_last
    for t in range(T - 1, -1, -1):
        norms[t] = np.linalg.norm(P, 2)
        P = P @ (np.diag(1.0 - states[t] ** 2) @ W)   # ∂s_last/∂s_{t−1} = ∂s_last/∂s_t · J_t
    return norms


def clip_by_global_norm(grads: list, max_norm: float) -> tuple[list, float]:
    """Clip a list of gradient arrays together, with PyTorch's formula."""
    total = float(np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads)))
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        return [g * coef for g in grads], total
    return [g.copy() for g in grads], total
