"""The op library: every differentiable primitive, forward and backward side by side.

- ``arithmetic``: + − × ÷, negation, powers, maximum/minimum, where
- ``unary``: exp, log, sqrt, abs, tanh, sigmoid, relu, hard_sigmoid, clip, dtype casts
- ``matmul``: matrix products (1-D, 2-D, batched with broadcasting)
- ``reduce``: sum, max, min over axes
- ``softmax``: softmax and log_softmax
- ``shape``: reshape, permute, broadcast, indexing, cat, stack, split, device moves
"""
