"""``tinygrad-rnn bench``: benchmarks that print figures (never pass/fail).

    tinygrad-rnn bench ops                       # fixed cost per recorded op vs PyTorch
    tinygrad-rnn bench lstm --hidden 64,256,512  # one training step, five implementations
    tinygrad-rnn bench lstm --parts              # where the fused step's time goes
    tinygrad-rnn bench lstm --parts --only tinygrad-primitive,torch-primitive   # the primitive steps, by op
    tinygrad-rnn bench lstm --products           # a step's matrix products alone: NumPy vs PyTorch
    tinygrad-rnn bench tasks                     # the training acceptance figures (real runs)
    tinygrad-rnn bench explore --steps 200 --hidden 64   # the explorer page: size, first paint
"""
from __future__ import annotations

import argparse

from . import argtypes
from .main import CLIError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="benchmarks: per-op overhead (ops), training-step speed (lstm|gru|rnn), "
                                     "training acceptance figures (tasks)")
    p.add_argument("what", choices=["ops", "lstm", "gru", "rnn", "tasks", "explore"],
                   help="ops: fixed cost per recorded op; lstm/gru/rnn: a training step of that layer; "
                        "tasks: train the acceptance rows and print what they reach; "
                        "explore: size and opening time of the explorer page")
    p.add_argument("--hidden", type=argtypes.int_list, default=[64, 256, 512], help="hidden sizes, e.g. 64,256,512")
    p.add_argument("--batch", type=argtypes.positive(int), default=32)
    p.add_argument("--steps", type=argtypes.positive(int), default=64, help="sequence length T")
    p.add_argument("--input", type=argtypes.positive(int), default=64, help="input features")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--rounds", type=argtypes.positive(int), default=None,
                   help="interleaved rounds (default: 15 for ops, 3 for layers)")
    p.add_argument("--iters", type=argtypes.positive(int), default=5, help="timed training steps per process")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps per process")
    p.add_argument("--links", type=argtypes.positive(int), default=500, help="chain length for `ops` (4 ops each)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--contended", action="store_true",
                   help="lstm/gru/rnn: also time each implementation while a process started by this "
                        "command keeps one core busy, and print quiet vs busy")
    p.add_argument("--blas-threads", default=None, metavar="auto|measure|system|N[,...]",
                   help="lstm/gru/rnn: BLAS thread setting for every worker (TINYGRAD_RNN_BLAS_THREADS; "
                        "default: the library's own, auto); several, e.g. auto,system, run as rows "
                        "side by side")
    p.add_argument("--only", default=None, help="tasks: comma-separated rows (adding-lstm, adding-rnn, reber-lstm, "
                                                "digits-lstm, charlm-lstm); lstm/gru/rnn: comma-separated "
                                                "implementations (e.g. tinygrad-fused,tinygrad-primitive)")
    p.add_argument("--parts", action="store_true",
                   help="lstm/gru/rnn: where the fused training step's time goes (per-step products, "
                        "once-per-sequence products, gate math), timed in this process; with --only "
                        "tinygrad-primitive,torch-primitive: the primitive steps' time by kind of op, "
                        "ours and PyTorch's side by side")
    p.add_argument("--products", action="store_true",
                   help="lstm/gru/rnn: time each matrix product of one training step (primitive and fused) "
                        "alone, as this library runs it and as PyTorch's mm does, on the same arrays")
    p.add_argument("--out", default="runs/bench-tasks", help="tasks: folder for the runs")
    p.add_argument("--quick", action="store_true", help="tasks: tiny budgets (checks the plumbing only)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import backend
    args.device = backend.parse_device(args.device)
    if args.device != "cpu" and not backend.cuda_is_available():
        raise CLIError(f"--device {args.device}: no GPU is available here (CuPy missing or no CUDA device)")
    if args.what == "tasks":
        from ..bench.tasks import main as bench_tasks
        return bench_tasks(args)
    if args.what == "explore":
        from ..bench.explore import main as bench_explore
        return bench_explore(args)
    if args.what == "ops":
        from ..bench.ops import main as bench_ops
        args.rounds = args.rounds or 15
        return bench_ops(args)
    if args.products:
        import importlib.util
        if args.parts or args.contended or args.blas_threads is not None or args.only:
            raise CLIError(f"bench {args.what} --products times products alone in this process: it takes no "
                           f"--parts, --contended, --blas-threads or --only (set TINYGRAD_RNN_BLAS_THREADS instead)")
        if args.device != "cpu":
            raise CLIError(f"bench {args.what} --products compares NumPy's products with PyTorch's on the CPU; "
                           f"got --device {args.device}")
        if importlib.util.find_spec("torch") is None:
            raise CLIError(f"bench {args.what} --products needs PyTorch (pip install torch); it is not installed here")
        from ..bench.products import main as bench_products
        args.rounds = args.rounds or 7
        return bench_products(args)
    if args.parts:
        from ..bench.parts import CHOICES, main as bench_parts
        if args.contended or args.blas_threads is not None:
            raise CLIError(f"bench {args.what} --parts times the layers in this process: it takes no "
                           f"--contended or --blas-threads (set TINYGRAD_RNN_BLAS_THREADS instead)")
        if args.only:
            asked = [w.strip() for w in args.only.split(",") if w.strip()]
            unknown = [w for w in asked if w not in CHOICES]
            if unknown or not asked:
                raise CLIError(f"bench {args.what} --parts --only: {', '.join(unknown) or 'nothing named'}; "
                               f"--parts times {', '.join(CHOICES)}")
            if "torch-primitive" in asked:
                import importlib.util
                if importlib.util.find_spec("torch") is None:
                    raise CLIError(f"bench {args.what} --parts --only torch-primitive needs PyTorch "
                                   f"(pip install torch); it is not installed here")
        return bench_parts(args)
    from ..bench.recurrent import main as bench_layers
    if args.blas_threads is not None:
        from ..threads import parse
        try:
            for setting in args.blas_threads.split(","):
                parse(setting)
        except ValueError as e:
            raise CLIError(f"--blas-threads: {e}") from None
    if args.only:
        from ..bench.recurrent import IMPLS
        unknown = [w.strip() for w in args.only.split(",") if w.strip() and w.strip() not in IMPLS]
        if unknown:
            raise CLIError(f"bench {args.what} --only: unknown implementation(s) {', '.join(unknown)}; "
                           f"choose from {', '.join(IMPLS)}")
    args.rounds = args.rounds or 3
    return bench_layers(args)
