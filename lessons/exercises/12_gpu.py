"""Exercises for lesson 12: on the GPU.

Replace each ``raise NotImplementedError`` with your code, then run ``tinygrad-rnn check 12``.
``count_ops`` is your own walk of the graph (reading ``_ctx`` and ``parents`` is fine; calling
library functions such as ``tg.viz.build_graph`` is caught), ``crossover_hidden`` is ``math`` only.
"""
import math  # noqa: F401  (you may need it)

import tinygrad_rnn as tg  # noqa: F401
from tinygrad_rnn.fused.pointwise import GRUPointwise  # noqa: F401  (for exercise 3)


def count_ops(root):
    """The number of distinct ops in the graph behind the tensor ``root``.

    A non-leaf tensor ``t`` has ``t._ctx``, the op that made it; ``t._ctx.parents`` are that
    op's inputs (Tensors, or plain numbers for constants). Leaves have ``_ctx`` None. An op
    whose output is used twice must be counted once. Return 0 for a leaf.
    """
    # TODO: walk from root through _ctx.parents, remembering the ops you have seen (by id)
    raise NotImplementedError


def crossover_hidden(ops_per_step, seconds_per_op, batch, flops_per_second):
    """The smallest hidden size H at which an LSTM step's matrix work outweighs its fixed price.

    Cost model of lesson 12 for an LSTM step with input size I = H: the two matrix products
    x·W_ihᵀ and h·W_hhᵀ take 2·B·H·4H floating-point operations each, so 16·B·H² in all, done
    at ``flops_per_second``; the fixed price is ``ops_per_step · seconds_per_op``. Return the
    smallest whole H ≥ 1 with 16·B·H² / flops_per_second ≥ ops_per_step · seconds_per_op.
    """
    # TODO: solve 16·B·H² / F = n·t for H, round up, and make sure of the rounding
    raise NotImplementedError


def gru_step_pointwise(cell, x, h):
    """One step of ``cell`` (a ``tg.nn.GRUCell`` with biases) using ``GRUPointwise``.

    ``GRUPointwise.apply(gi, gh, h)`` takes gi = x·W_ihᵀ + b_ih (B, 3H), gh = h·W_hhᵀ + b_hh
    (B, 3H) and h (B, H), and returns the new h (B, H) as one op. Use the cell's parameters
    ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``; return a Tensor equal to
    ``cell(x, h)``, through which gradients reach the parameters.
    """
    # TODO: two matrix products with their biases, then one GRUPointwise.apply
    raise NotImplementedError
