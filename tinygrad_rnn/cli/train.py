"""``tinygrad-rnn train | evaluate | sample``: train a task, re-run its evaluation, sample text.

    tinygrad-rnn train adding --cell lstm --steps 3000 --out runs/adding-lstm
    tinygrad-rnn train charlm --cell lstm --hidden 256 --steps 3000 --out runs/charlm
    tinygrad-rnn evaluate --checkpoint runs/adding-lstm/checkpoint.npz
    tinygrad-rnn sample --checkpoint runs/charlm/checkpoint.npz --prime "The " --length 500 --temperature 0.8
"""
from __future__ import annotations

import argparse
import os
from typing import Any

from .main import CLIError


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text}")
        return value
    return parse


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    from ..train import CELLS, TASKS

    p = sub.add_parser("train", help="train a recurrent net on a task (adding, reber, copy, digits, mnist, charlm)",
                       description="Train a model; writes metrics.jsonl, loss.png and checkpoint.npz into --out.")
    p.add_argument("task", choices=list(TASKS))
    p.add_argument("--cell", choices=list(CELLS), default="lstm",
                   help="; ".join(f"{k}: {v[2]}" for k, v in CELLS.items()))
    p.add_argument("--hidden", type=_positive(int), help="hidden units (default: the task's)")
    p.add_argument("--layers", type=_positive(int), default=1)
    p.add_argument("--steps", type=_positive(int), help="optimizer steps in total (default: the task's)")
    p.add_argument("--epochs", type=_positive(float), help="passes over the training data (data-set tasks)")
    p.add_argument("--batch", type=_positive(int), help="sequences per batch (default: the task's)")
    p.add_argument("--lr", type=_positive(float), help="learning rate (default: the task's)")
    p.add_argument("--optimizer", choices=["adam", "sgd", "rmsprop", "adagrad"], default="adam")
    p.add_argument("--clip", type=_non_negative_float, help="clip the global gradient norm to this (0: off)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--out", default=None, help="run folder (default: runs/TASK-CELL)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.npz")
    p.add_argument("--eval-every", type=_positive(int), default=None, help="evaluate and checkpoint every N steps")
    p.add_argument("--log-every", type=_positive(int), default=10, help="write the training loss every N steps")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (logs only)")
    p.add_argument("--forget-bias", type=float, default=None,
                   help="LSTM: TensorFlow's constant added to the forget gate's input at every step (e.g. 1)")
    p.add_argument("--unit-forget-bias", action="store_true",
                   help="LSTM: start the forget bias at 1, as Keras does (it is then trained)")
    p.add_argument("--primitive", action="store_true",
                   help="run the cells as recorded primitive ops instead of the fused kernels (slower)")
    task = p.add_argument_group("task options")
    task.add_argument("--T", type=_positive(int), default=100, help="adding: sequence length")
    task.add_argument("--variant", choices=["1997", "simple"], default="1997", help="adding: which definition")
    task.add_argument("--data", help="mnist: folder with the IDX files; charlm: a UTF-8 text file")
    task.add_argument("--bptt", type=_positive(int), default=64, help="charlm: truncated-BPTT window")
    task.add_argument("--embedding", type=_positive(int), default=64, help="charlm: embedding size")
    task.add_argument("--k", type=_positive(int), default=5, help="copy: symbols to remember")
    task.add_argument("--lag", type=_positive(int), default=30, help="copy: blank steps to wait")
    p.set_defaults(func=run_train)

    e = sub.add_parser("evaluate", help="re-run a checkpoint's evaluation")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--data", help="override the data path stored in the checkpoint")
    e.add_argument("--device", default="cpu")
    e.set_defaults(func=run_evaluate)

    s = sub.add_parser("sample", help="sample text from a character-model checkpoint")
    s.add_argument("--checkpoint", required=True)
    s.add_argument("--prime", default="The ")
    s.add_argument("--length", type=int, default=500)
    s.add_argument("--temperature", type=_positive(float), default=0.8)
    s.add_argument("--seed", type=int, default=None)
    s.add_argument("--device", default="cpu")
    s.set_defaults(func=run_sample)


def _optimizer(name: str, params: list, lr: float) -> Any:
    from .. import optim
    return {"adam": optim.Adam, "sgd": optim.SGD, "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}[name](params, lr=lr)


def run_train(args: argparse.Namespace) -> int:
    import tinygrad_rnn as tg
    from ..train import Run, SequenceModel, make_task
    from ..train.loop import device_ready

    device = device_ready(args.device)
    if args.data and not os.path.exists(args.data):
        raise CLIError(f"--data {args.data}: no such file or folder")
    tg.manual_seed(args.seed)
    try:
        task = make_task(args.task, seed=args.seed, device=device, T=args.T, variant=args.variant, data=args.data,
                         bptt=args.bptt, embedding=args.embedding, k=args.k, lag=args.lag)
    except ValueError as e:
        raise CLIError(str(e)) from None
    d = task.defaults
    batch = args.batch or d["batch"]
    steps = args.steps or d["steps"]
    if args.epochs:
        per_epoch = task.steps_per_epoch(batch)
        if per_epoch is None:
            raise CLIError(f"--epochs: the {args.task} task draws fresh data every step; use --steps")
        steps = max(1, int(round(args.epochs * per_epoch)))
    clip = d["clip"] if args.clip is None else args.clip
    cell_options: dict = {}
    if args.forget_bias is not None or args.unit_forget_bias:
        if "lstm" not in args.cell and args.cell != "peephole":
            raise CLIError(f"--forget-bias and --unit-forget-bias apply to LSTM cells, not --cell {args.cell}")
        if args.forget_bias is not None:
            cell_options["forget_bias"] = args.forget_bias
        if args.unit_forget_bias:
            cell_options["unit_forget_bias"] = True
    model = SequenceModel(task.input_size, args.hidden or d["hidden"], task.output_size, cell=args.cell,
                          num_layers=args.layers, vocab_size=task.vocab_size,
                          embedding_dim=getattr(task, "embedding_dim", None), fused=not args.primitive,
                          cell_options=cell_options).to(device)
    optimizer = _optimizer(args.optimizer, model.parameters(), args.lr or d["lr"])
    out = args.out or os.path.join("runs", f"{args.task}-{args.cell}")
    stored_args = {k: v for k, v in vars(args).items() if k != "func"}
    run = Run(task, model, optimizer, out, clip or None, batch, stored_args)
    if args.resume:
        if not os.path.exists(run.checkpoint_path):
            raise CLIError(f"--resume: no checkpoint at {run.checkpoint_path}")
        try:
            run.resume(run.checkpoint_path)
        except ValueError as e:
            raise CLIError(str(e)) from None
        print(f"resumed from {run.checkpoint_path} at step {run.step}")
    elif os.path.exists(os.path.join(out, "metrics.jsonl")):
        os.remove(os.path.join(out, "metrics.jsonl"))   # a fresh run starts a fresh log
    print(f"{args.task}: {args.cell}{' ' + str(cell_options) if cell_options else ''}, hidden {model.config['hidden_size']}, {model.num_parameters()} parameters, "
          f"{steps} steps of batch {batch}, {args.optimizer} lr {args.lr or d['lr']}, clip {clip or 'off'}, {device}")
    try:
        result = run.train(steps, eval_every=args.eval_every or max(1, steps // 5), log_every=args.log_every,
                           progress=not args.no_progress)
    except ValueError as e:   # data that cannot fill a batch, a corpus too short for --bptt, ...
        raise CLIError(str(e)) from None
    print(f"final: {result['summary']}" if result else "no evaluation ran")
    print(f"wrote {out}/metrics.jsonl, {out}/loss.png and {out}/checkpoint.npz")
    return 0


def _load(checkpoint_path: str, device: str, data: str | None = None) -> tuple[Any, Any, dict]:
    from .. import checkpoint
    from ..train import build_model, make_task
    from ..train.loop import device_ready

    if not os.path.exists(checkpoint_path):
        raise CLIError(f"--checkpoint {checkpoint_path}: no such file")
    header = checkpoint.read_header(checkpoint_path)
    config = header.get("config") or {}
    if "model" not in config or "task" not in config:
        raise CLIError(f"{checkpoint_path} is not a training checkpoint of tinygrad-rnn train")
    dev = device_ready(device)
    model = build_model(config["model"]).to(dev)
    model.load_state_dict(checkpoint.load(checkpoint_path)["model"])
    options = {k: v for k, v in config["task"].items() if k not in ("task", "vocab")}
    if data:
        options["data"] = data
    return model, (config["task"]["task"], options, dev), config


def run_evaluate(args: argparse.Namespace) -> int:
    from ..train import make_task
    model, (name, options, dev), _ = _load(args.checkpoint, args.device, args.data)
    try:
        task = make_task(name, device=dev, **options)
    except ValueError as e:
        raise CLIError(str(e)) from None
    model.eval()
    print(task.evaluate(model)["summary"])
    return 0


def run_sample(args: argparse.Namespace) -> int:
    from ..train import sample_text
    model, (name, _, _), config = _load(args.checkpoint, args.device)
    if name != "charlm":
        raise CLIError(f"{args.checkpoint} is a {name} model; sampling needs a charlm checkpoint")
    try:
        print(sample_text(model, config["task"]["vocab"], args.prime, args.length, args.temperature, args.seed))
    except ValueError as e:
        raise CLIError(str(e)) from None
    return 0
