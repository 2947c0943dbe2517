"""``tinygrad-rnn bench ops``: the fixed cost of one recorded op.

A chain of ``n`` tiny elementwise ops (mul, add, tanh, sigmoid on 4-element float32 arrays,
with two weight tensors that need gradients) is built, backpropagated and dropped. The time
divided by the number of recorded ops is the per-op cost of forward + backward + freeing —
the Python overhead an unrolled RNN pays at every step, independent of array size. The same
chain runs in PyTorch's autograd when PyTorch is installed, interleaved round by round.
"""
from __future__ import annotations

import argparse
import json

import numpy as np

from .timing import interleaved_medians, median, timed

OPS_PER_LINK = 4   # mul, add, tanh, sigmoid


def tinygrad_chain(links: int) -> tuple[object, float]:
    import tinygrad_rnn as tg
    x = tg.Tensor(np.full(4, 0.5, dtype=np.float32), requires_grad=True)
    a = tg.Tensor(np.full(4, 1.001, dtype=np.float32), requires_grad=True)
    b = tg.Tensor(np.full(4, 0.01, dtype=np.float32), requires_grad=True)

    def run() -> None:
        y = x
        for _ in range(links):
            y = ((y * a) + b).tanh().sigmoid()
        y.sum().backward()
        x.grad = a.grad = b.grad = None

    return run, links * OPS_PER_LINK + 1


def torch_chain(links: int) -> tuple[object, float]:
    import torch
    torch.set_num_threads(1)
    x = torch.full((4,), 0.5, dtype=torch.float32, requires_grad=True)
    a = torch.full((4,), 1.001, dtype=torch.float32, requires_grad=True)
    b = torch.full((4,), 0.01, dtype=torch.float32, requires_grad=True)

    def run() -> None:
        y = x
        for _ in range(links):
            y = ((y * a) + b).tanh().sigmoid()
        y.sum().backward()
        x.grad = a.grad = b.grad = None

    return run, links * OPS_PER_LINK + 1


def main(args: argparse.Namespace) -> int:
    links, rounds = args.links, args.rounds
    runners, counts = {}, {}
    for name, make in (("tinygrad_rnn", tinygrad_chain), ("pytorch", torch_chain)):
        try:
            fn, n_ops = make(links)
        except ImportError:
            print(f"({name} is not installed: skipped)")
            continue
        fn()   # warm up
        runners[name] = (lambda f=fn: timed(f))
        counts[name] = n_ops
    samples = interleaved_medians(runners, rounds)
    per_op = {name: median(s) / counts[name] * 1e6 for name, s in samples.items()}
    if args.json:
        print(json.dumps({"links": links, "rounds": rounds, "us_per_op": per_op}))
        return 0
    print(f"Per recorded op: forward + backward + freeing, tiny float32 arrays "
          f"({links * OPS_PER_LINK + 1} ops per chain, median of {rounds} interleaved rounds)")
    print(f"{'engine':<14}{'µs per op':>12}{'ratio':>10}")
    ref = per_op.get("pytorch")
    for name, us in per_op.items():
        ratio = f"{us / ref:.2f}x" if ref else "-"
        print(f"{name:<14}{us:>12.2f}{ratio:>10}")
    return 0
