"""Solutions to lesson 1's exercises (try them yourself first)."""
import math


def central_difference(f, x: float, h: float = 1e-5) -> float:
    """Estimate f'(x) by nudging x both ways: (f(x + h) − f(x − h)) / (2h)."""
    return (f(x + h) - f(x - h)) / (2 * h)


def neuron_grads(w: float, x: float, b: float, y: float) -> tuple[float, float]:
    """Return (∂L/∂w, ∂L/∂b) for L = (tanh(w·x + b) − y)², by the chain rule."""
    q = w * x + b
    s = math.tanh(q)
    d = s - y
    dL_dq = 2 * d * (1 - s * s)    # ∂L/∂d · ∂d/∂s · ∂s/∂q
    return dL_dq * x, dL_dq         # ∂q/∂w = x, ∂q/∂b = 1
