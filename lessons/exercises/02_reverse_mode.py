"""Exercises for lesson 2: build the engine yourself.

This file holds a tiny reverse-mode engine, in NumPy only: ``Node`` (a value in the graph) and
``Function`` (one op) are given, and so is every op's ``forward``. You write the parts that
make it work, then run ``tinygrad-rnn check 2``:

1. ``sum_to_shape``: the sum that undoes broadcasting (Add and Mul need it);
2. the ``backward`` of five ops: ``Add``, ``Mul``, ``Tanh``, ``Sum``, ``MatMul``;
3. ``consumer_counts``: how many op inputs each node feeds;
4. ``backward``: the walk itself, in Kahn's order, without recursion.

The check compares your engine with tinygrad_rnn on random graphs, in float64, to 1e-10. It
runs your code with a watch on tinygrad_rnn: using the library here fails the check.
"""
import numpy as np


class Node:
    """A value in the graph: ``data`` (a float64 array), ``grad`` (None until backward reaches it)
    and ``ctx``, the Function that made it (None for a leaf: an input or a parameter)."""

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
    """One op. ``forward`` works on arrays and keeps on ``self`` what backward needs;
    ``backward(g)`` gets ∂L/∂output (an array of the output's shape) and returns a tuple with
    one gradient per input, each of that input's shape. ``parents`` are the input Nodes."""

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
    """Reduce the gradient of a broadcast result back to the shape of the input.

    ``grad`` has the broadcast shape (for example (4, 3)); ``shape`` is the input's shape (for
    example (3,), (1, 3) or (4, 1)). Return an array of exactly ``shape`` whose elements are the
    sums of the gradient over every copy broadcasting made of them.
    Example: a gradient of shape (2, 4, 3) for an input of shape (4, 1) → shape (4, 1).
    """
    # TODO
    raise NotImplementedError


class Add(Function):
    """c = a + b, with NumPy broadcasting."""

    def forward(self, a, b):
        self.a_shape, self.b_shape = a.shape, b.shape
        return a + b

    def backward(self, g):
        # TODO: return (∂L/∂a, ∂L/∂b), each of its input's shape
        raise NotImplementedError


class Mul(Function):
    """c = a ⊙ b (elementwise), with NumPy broadcasting."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        # TODO
        raise NotImplementedError


class Tanh(Function):
    """y = tanh(x)."""

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, g):
        # TODO: return a tuple of one gradient
        raise NotImplementedError


class Sum(Function):
    """s = Σ x, over every element (a 0-d result)."""

    def forward(self, x):
        self.shape = x.shape
        return x.sum()

    def backward(self, g):
        # TODO
        raise NotImplementedError


class MatMul(Function):
    """C = A @ B for matrices A (n, k) and B (k, m)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, g):
        # TODO: g has C's shape (n, m); the gradients have A's and B's shapes
        raise NotImplementedError


def consumer_counts(root):
    """For every node that ``root`` was computed from (not ``root`` itself unless it is used
    again): how many op inputs it fills. Return a dict ``{id(node): count}``. ``a + a`` fills
    two inputs with ``a``, so ``a`` counts 2.

    Graphs of unrolled RNNs are thousands of ops deep: walk with an explicit stack, not recursion.
    """
    # TODO
    raise NotImplementedError


def backward(root):
    """Fill ``.grad`` of every node ``root`` depends on (and of ``root``: ones of its shape).

    A node may pass its gradient on only when it is complete, that is when every op that
    consumed it has sent its share: count the consumers first, then start from the root and
    let a node in once its count has gone down to zero (Kahn's algorithm). Each op's backward
    runs exactly once. No recursion.
    """
    # TODO
    raise NotImplementedError
