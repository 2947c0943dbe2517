"""``tinygrad-rnn demo``: the guided tour (grows as the library grows)."""
from __future__ import annotations

import argparse
import time


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the guided demo: train and draw RNN, LSTM and GRU")
    p.add_argument("--out", default="tinygrad_rnn_demo", help="folder for the pictures (default: %(default)s)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import tinygrad_rnn as tg

    print("tinygrad_rnn demo: reverse-mode autograd on NumPy")
    tg.manual_seed(0)
    x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = tg.randn(2, 3, requires_grad=True)
    t0 = time.perf_counter()
    loss = (x @ w).tanh().sum()
    loss.backward()
    print(f"loss = {loss.item():.6f}")
    print(f"d loss / d x =\n{x.grad.numpy()}")
    ok = tg.gradcheck(lambda a, b: (a @ b).tanh().sum(), (x, w))
    print(f"gradcheck against central differences: {'passed' if ok else 'FAILED'} "
          f"({(time.perf_counter() - t0) * 1e3:.1f} ms)")
    return 0
