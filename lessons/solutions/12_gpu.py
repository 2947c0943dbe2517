"""Solutions to lesson 12's exercises (one way to do each)."""
import math

import tinygrad_rnn as tg
from tinygrad_rnn.fused.pointwise import GRUPointwise


def count_ops(root):
    seen, todo = set(), [root]
    while todo:
        t = todo.pop()
        if t._ctx is None or id(t._ctx) in seen:
            continue
        seen.add(id(t._ctx))
        todo.extend(p for p in t._ctx.parents if isinstance(p, tg.Tensor))
    return len(seen)


def crossover_hidden(ops_per_step, seconds_per_op, batch, flops_per_second):
    fixed = ops_per_step * seconds_per_op
    H = max(1, math.ceil(math.sqrt(fixed * flops_per_second / (16 * batch))))
    while H > 1 and 16 * batch * (H - 1) ** 2 / flops_per_second >= fixed:   # guard the rounding
        H -= 1
    while 16 * batch * H ** 2 / flops_per_second < fixed:
        H += 1
    return H


def gru_step_pointwise(cell, x, h):
    gi = x @ cell.weight_ih.T + cell.bias_ih
    gh = h @ cell.weight_hh.T + cell.bias_hh
    return GRUPointwise.apply(gi, gh, h)
