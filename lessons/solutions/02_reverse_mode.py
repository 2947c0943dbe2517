"""Solutions to lesson 2's exercises: a tiny reverse-mode engine (try it yourself first)."""
import numpy as np


class Node:
    """A value in the graph: data, grad, and the Function that made it (None for a leaf)."""

    def __init__(self, data, ctx=None):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = None
        self.ctx = ctx

    def __add__(self, other):
        return Add.apply(self, other)

    def __mul__(self, other):
        return Mul.apply(self, other)

    def __matmul__(self, other):
        return MatMul.apply(self, other)

    def tanh(self):
        return Tanh.apply(self)

    def sum(self):
        return Sum.apply(self)


class Function:
    def __init__(self, *parents):
        self.parents = parents

    @classmethod
    def apply(cls, *parents):
        fn = cls(*parents)
        return Node(fn.forward(*(p.data for p in parents)), ctx=fn)

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, g):
        raise NotImplementedError


def sum_to_shape(grad, shape):
    lead = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(lead)))            # axes the input never had
    for axis, n in enumerate(shape):                     # axes the input had with size 1
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad.reshape(shape)


class Add(Function):
    def forward(self, a, b):
        self.a_shape, self.b_shape = a.shape, b.shape
        return a + b

    def backward(self, g):                               # ∂c/∂a = 1, ∂c/∂b = 1
        return sum_to_shape(g, self.a_shape), sum_to_shape(g, self.b_shape)


class Mul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):                               # ∂c/∂a = b, ∂c/∂b = a
        return sum_to_shape(g * self.b, self.a.shape), sum_to_shape(g * self.a, self.b.shape)


class Tanh(Function):
    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, g):                               # tanh' = 1 − tanh²
        return (g * (1 - self.y ** 2),)


class Sum(Function):
    def forward(self, x):
        self.shape = x.shape
        return x.sum()

    def backward(self, g):                               # every element counts once
        return (np.broadcast_to(g, self.shape).copy(),)


class MatMul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, g):                               # C_ij = Σ_k A_ik B_kj
        return g @ self.b.T, self.a.T @ g


def consumer_counts(root):
    counts, seen, stack = {}, {id(root)}, [root]
    while stack:
        node = stack.pop()
        if node.ctx is None:
            continue
        for p in node.ctx.parents:
            counts[id(p)] = counts.get(id(p), 0) + 1
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return counts


def backward(root):
    pending = consumer_counts(root)
    root.grad = np.ones_like(root.data)
    ready = [root]
    while ready:                                         # Kahn's algorithm, from the root
        node = ready.pop()
        if node.ctx is None:
            continue
        for p, pg in zip(node.ctx.parents, node.ctx.backward(node.grad)):
            p.grad = pg if p.grad is None else p.grad + pg
            pending[id(p)] -= 1
            if pending[id(p)] == 0:                      # its last consumer has reported
                ready.append(p)
