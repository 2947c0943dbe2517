"""``tinygrad-rnn train | evaluate | sample``: train a task, re-run its evaluation, sample text.

    tinygrad-rnn train adding --cell lstm --steps 3000 --out runs/adding-lstm
    tinygrad-rnn train charlm --cell lstm --hidden 256 --steps 3000 --out runs/charlm
    tinygrad-rnn evaluate --checkpoint runs/adding-lstm/checkpoint.npz
    tinygrad-rnn sample --checkpoint runs/charlm/checkpoint.npz --prime "The " --length 500 --temperature 0.8
"""
from __future__ import annotations

import argparse
import os
import shlex
from typing import Any

from . import argtypes
from .main import CLIError

# `--resume` takes every setting from the checkpoint. These may be given again with a new
# value (the change is printed); any other setting that differs is refused with a list of the
# differences, since it would change the model, the optimizer or the data the run sees.
RESUME_OVERRIDABLE = ("lr", "steps", "epochs", "clip", "lr_decay", "lr_decay_every")
# settings that change how the run reports or where it runs, not what it computes: taken from
# the checkpoint when left out, free to change when given
RESUME_FREE = ("device", "eval_every", "log_every", "record_flow")
# about this one command only, never taken from the checkpoint
PER_COMMAND = ("out", "resume", "overwrite", "no_progress", "no_plot")
# files of a run that a fresh start into the same folder must not leave behind
RUN_FILES = ("metrics.jsonl", "loss.png", "flow.jsonl")


def register(sub: argparse._SubParsersAction) -> None:
    from ..train import CELLS, TASKS

    p = sub.add_parser("train", help="train a recurrent net on a task (adding, reber, copy, digits, mnist, charlm)",
                       description="Train a model; writes metrics.jsonl, loss.png and checkpoint.npz into --out.")
    p.add_argument("task", choices=list(TASKS))
    p.add_argument("--cell", choices=list(CELLS), default="lstm",
                   help="; ".join(f"{k}: {v[2]}" for k, v in CELLS.items()))
    p.add_argument("--hidden", type=argtypes.positive(int), help="hidden units (default: the task's)")
    p.add_argument("--layers", type=argtypes.positive(int), default=1)
    p.add_argument("--steps", type=argtypes.positive(int), help="optimizer steps in total (default: the task's)")
    p.add_argument("--epochs", type=argtypes.positive(float), help="passes over the training data (data-set tasks)")
    p.add_argument("--batch", type=argtypes.positive(int), help="sequences per batch (default: the task's)")
    p.add_argument("--lr", type=argtypes.positive(float), help="learning rate (default: the task's)")
    p.add_argument("--optimizer", choices=["adam", "sgd", "rmsprop", "adagrad"], default="adam")
    p.add_argument("--clip", type=argtypes.non_negative(float), help="clip the global gradient norm to this (0: off)")
    p.add_argument("--lr-decay", type=argtypes.positive(float), default=None, metavar="RATE",
                   help="multiply the learning rate by RATE every --lr-decay-every steps (staircase decay)")
    p.add_argument("--lr-decay-every", type=argtypes.positive(int), default=None, metavar="N",
                   help="steps between two --lr-decay multiplications")
    p.add_argument("--seed", type=argtypes.seed, default=0)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--out", default=None, help="run folder (default: runs/TASK-CELL)")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.npz")
    again.add_argument("--overwrite", action="store_true",
                       help="start over in an --out folder that already holds a run (its checkpoint, "
                            "metrics and plot are deleted)")
    p.add_argument("--eval-every", type=argtypes.positive(int), default=None, help="evaluate and checkpoint every N steps")
    p.add_argument("--log-every", type=argtypes.positive(int), default=10, help="write the training loss every N steps")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (logs only)")
    p.add_argument("--no-plot", action="store_true", help="do not draw loss.png at the end (saves a second)")
    p.add_argument("--forget-bias", type=argtypes.finite_float, default=None,
                   help="LSTM: TensorFlow's constant added to the forget gate's input at every step (e.g. 1)")
    p.add_argument("--unit-forget-bias", action="store_true",
                   help="LSTM: start the forget bias at 1, as Keras does (it is then trained)")
    p.add_argument("--primitive", action="store_true",
                   help="run the cells as recorded primitive ops instead of the fused kernels (slower)")
    p.add_argument("--record-flow", type=argtypes.positive(int), default=None, metavar="N",
                   help="every N steps, store how much gradient reaches each time step (flow.jsonl in the "
                        "run folder; view it with: tinygrad-rnn explore --run OUT)")
    task = p.add_argument_group("task options")
    task.add_argument("--T", type=argtypes.positive(int), default=None,
                      help="adding: sequence length (default 30; the 1997 paper used 100 to 1000)")
    task.add_argument("--variant", choices=["1997", "simple"], default="1997", help="adding: which definition")
    task.add_argument("--data", help="mnist: folder with the IDX files; charlm: a UTF-8 text file")
    task.add_argument("--bptt", type=argtypes.positive(int), default=64, help="charlm: truncated-BPTT window")
    task.add_argument("--embedding", type=argtypes.positive(int), default=64, help="charlm: embedding size")
    task.add_argument("--k", type=argtypes.positive(int), default=5, help="copy: symbols to remember")
    task.add_argument("--lag", type=argtypes.positive(int), default=30, help="copy: blank steps to wait")
    p.set_defaults(func=run_train)

    e = sub.add_parser("evaluate", help="re-run a checkpoint's evaluation")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--data", help="override the data path stored in the checkpoint")
    e.add_argument("--device", default="cpu")
    e.set_defaults(func=run_evaluate)

    s = sub.add_parser("sample", help="sample text from a character-model checkpoint")
    s.add_argument("--checkpoint", required=True)
    s.add_argument("--prime", default=None,
                   help='text to start from (default: "The " when the model knows those characters, else '
                        'a random character; "" also starts from a random character)')
    s.add_argument("--length", type=argtypes.non_negative(int), default=500)
    s.add_argument("--temperature", type=argtypes.positive(float), default=0.8)
    s.add_argument("--seed", type=argtypes.seed, default=None)
    s.add_argument("--device", default="cpu")
    s.set_defaults(func=run_sample)


def _lr_decay(args: argparse.Namespace) -> tuple[float, int] | None:
    """``(rate, every)`` from --lr-decay and --lr-decay-every (both or neither), or None."""
    rate, every = getattr(args, "lr_decay", None), getattr(args, "lr_decay_every", None)
    if rate is None and every is None:
        return None
    if rate is None or every is None:
        raise CLIError("--lr-decay RATE and --lr-decay-every N go together: the learning rate is "
                       "multiplied by RATE every N steps")
    if rate > 1:
        raise CLIError(f"--lr-decay {rate:g}: a decay rate is at most 1 (0.1 divides the rate by 10)")
    return rate, every


def _optimizer(name: str, params: list, lr: float) -> Any:
    from .. import optim
    return {"adam": optim.Adam, "sgd": optim.SGD, "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}[name](params, lr=lr)


def _given(args: argparse.Namespace) -> set[str]:
    """The settings given on the command line (the others took their defaults)."""
    from .main import build_parser
    argv = getattr(args, "argv", None)
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    train = sub.choices["train"]
    if argv is None:     # called without a command line: anything that is not the default counts
        return {a.dest for a in train._actions if getattr(args, a.dest, None) != a.default}
    for action in train._actions:
        action.default = argparse.SUPPRESS
    train._defaults.clear()
    return set(vars(parser.parse_args(argv))) - {"command"}


def _flag(key: str) -> str:
    return "the task" if key == "task" else "--" + key.replace("_", "-")


def _effective(key: str, value: Any, settings: dict[str, Any]) -> Any:
    """What a setting stood for in a run with these ``settings``: a size, rate or clip left
    out is the task's default (``--hidden`` left out on adding is 64), and adding's LSTM starts
    its forget bias at 1 unless told otherwise. None: really unset (no decay, no --epochs)."""
    from ..train import TASKS
    task = TASKS.get(settings.get("task"))
    defaults = task.defaults if task is not None else {}
    if key == "unit_forget_bias":
        return bool(value) or (settings.get("cell") in ("lstm", "peephole") and settings.get("forget_bias") is None
                               and bool(defaults.get("cell_options", {}).get("unit_forget_bias")))
    if value is not None or key not in ("hidden", "batch", "lr", "steps", "clip", "T"):
        return value
    if key == "steps" and settings.get("epochs"):
        return None                         # the number of steps came from --epochs
    return defaults.get(key)


def _shown(value: Any) -> str:
    return "unset" if value is None else repr(value)


def _settings_for_resume(args: argparse.Namespace, path: str) -> tuple[dict[str, tuple[str, str]], int]:
    """Take the checkpoint's settings for everything not given again; return the changes
    made to overridable ones, ``{key: (old, new)}`` as text (a default is shown as the number
    it stands for), and the checkpoint's step; refuse any other difference (listing all of them)."""
    from .. import checkpoint
    header = checkpoint.read_header(path)
    stored = (header.get("config") or {}).get("args") if isinstance(header.get("config"), dict) else None
    if not isinstance(stored, dict):
        raise CLIError(f"--resume: {path} was not written by tinygrad-rnn train")
    given = _given(args)
    inherited = dict(stored)
    if "steps" in given and "epochs" not in given:
        inherited["epochs"] = None      # --steps given again replaces a run length set by --epochs
    if "epochs" in given and "steps" not in given:
        inherited["steps"] = None
    compared = []
    for key, old in inherited.items():
        if key in PER_COMMAND or not hasattr(args, key):
            continue
        if key not in given:
            setattr(args, key, old)
        elif key not in RESUME_FREE:
            compared.append(key)
    now = vars(args)
    changes: dict[str, tuple[str, str]] = {}
    refused = []
    for key in compared:          # once every left-out setting is in place: defaults depend on the task and cell
        old, new = _effective(key, stored[key], stored), _effective(key, now[key], now)
        if new == old:
            continue
        if key in RESUME_OVERRIDABLE:
            if key == "steps" and old is None and stored.get("epochs"):
                changes[key] = (f"(--epochs {stored['epochs']:g})", str(new))
            else:
                changes[key] = ("unset" if old is None else str(old), "unset" if new is None else str(new))
        else:
            refused.append(f"{_flag(key)} {_shown(old)} in the checkpoint, {_shown(new)} now")
    if refused:
        raise CLIError(f"--resume: {path} was trained with other settings: {'; '.join(refused)}. Only "
                       f"{', '.join(_flag(k) for k in RESUME_OVERRIDABLE)} may change on resume; train into "
                       f"another --out folder to change the others")
    step = header.get("step")
    return changes, step if isinstance(step, int) else 0


def _refuse_overwriting(out: str, path: str) -> None:
    """A fresh run into a folder that holds a saved model needs --overwrite: a forgotten
    --resume must not cost the run."""
    from .. import checkpoint
    try:
        step = checkpoint.read_header(path).get("step")
        what = f"the checkpoint of a run at step {step}" if isinstance(step, int) else "a checkpoint"
    except (OSError, ValueError):
        what = "a checkpoint"
    raise CLIError(f"--out {out} already holds {what} ({path}); add --resume to continue that run, or "
                   f"--overwrite to delete it and start over (or choose another --out folder)")


def _prepare_out(out: str) -> None:
    """The run folder exists and takes files, or a clear error says why not."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise CLIError(f"--out {out} is a file, not a folder; name a folder for the run's files")
    try:
        os.makedirs(out, exist_ok=True)
        probe = os.path.join(out, f".write-test-{os.getpid()}")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as e:
        raise CLIError(f"--out {out}: cannot write there ({e.strerror or e})") from None


def _sequence_length(args: argparse.Namespace) -> int:
    if args.task == "adding":
        return int(args.T * 1.1) + 1
    return {"copy": args.lag + 2 * args.k, "charlm": args.bptt, "reber": 40, "digits": 8,
            "mnist": 28}.get(args.task, 100)


def _check_memory(args: argparse.Namespace, hidden: int, batch: int) -> None:
    """Refuse sizes whose arrays cannot fit in this machine's memory (rather than starting to
    allocate and being killed). A rough upper estimate: float32 weights with their gradients
    and two optimizer moments, the activations kept for backward and their gradients, and the
    task's test set."""
    gates = {"rnn": 1, "gru": 3, "gru-cho": 3}.get(args.cell, 4)
    inputs = {"adding": 2, "copy": 10, "charlm": args.embedding, "reber": 7, "digits": 8}.get(args.task, 28)
    seq, layers = _sequence_length(args), args.layers
    params = layers * gates * hidden * (max(inputs, hidden) + hidden + 2) + hidden * 256
    activations = max(batch, 512) * seq * hidden * (gates + 3) * layers
    test_set = {"adding": 2560 * seq * 3, "copy": 512 * seq * 20}.get(args.task, 0)
    need = 4 * (4 * params + 2 * activations) + 8 * test_set
    try:
        have = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return
    if need > have:
        raise CLIError(f"these sizes need about {need / 2 ** 30:.0f} GiB (hidden {hidden}, {layers} layer(s), batch "
                       f"{batch}, sequence length {seq}); this machine has {have / 2 ** 30:.0f} GiB")


def _describe_task(task: Any) -> str:
    """The task and its size, for the run's header line."""
    o = task.options
    if task.name == "adding":
        size = f"T {o['T']}..{int(o['T'] * 1.1)}" if o["variant"] == "1997" else f"T {o['T']}"
        return f"adding ({o['variant']} variant, {size})"
    if task.name == "copy":
        return f"copy ({o['k']} symbols after {o['lag']} blank steps)"
    if task.name == "charlm":
        return f"charlm ({len(task.corpus.train)} training characters, {task.vocab_size} symbols, bptt {o['bptt']})"
    if hasattr(task, "x_train"):
        return f"{task.name} ({len(task.x_train)} training images of {task.x_train.shape[1]} steps)"
    return task.name


def _describe_cell(cell: str, options: dict[str, Any]) -> str:
    if cell not in ("lstm", "peephole", "lstm1997"):
        return cell
    if cell == "lstm1997":
        return "lstm1997 (no forget gate)"
    if "forget_bias" in options:
        return f"{cell}, forget bias {options['forget_bias']:g} (constant, TensorFlow's)"
    if options.get("unit_forget_bias"):
        return f"{cell}, forget-gate bias starts at 1 (trained, Keras's unit_forget_bias)"
    return f"{cell}, forget-gate bias starts at 0"


def _device(text: str) -> str:
    """The device named by --device, ready to use; an unknown name or a missing GPU is a bad
    argument (exit status 2), as in every other command."""
    from ..errors import DeviceUnavailableError, UnknownDeviceError
    from ..train.loop import device_ready
    try:
        return device_ready(text)
    except (UnknownDeviceError, DeviceUnavailableError) as e:
        raise CLIError(f"--device {text}: {e}") from None


def run_train(args: argparse.Namespace) -> int:
    import numpy as np

    import tinygrad_rnn as tg
    from ..train import Run, SequenceModel, TASKS, Task, make_task
    from ..train.loop import CHECKPOINT

    out = args.out or os.path.join("runs", f"{args.task}-{args.cell}")
    path = os.path.join(out, CHECKPOINT)
    changes: dict[str, tuple[str, str]] = {}
    saved_step = None
    if args.resume:
        if not os.path.exists(path):
            raise CLIError(f"--resume: no checkpoint at {path}")
        changes, saved_step = _settings_for_resume(args, path)
    elif os.path.isfile(path) and not args.overwrite:
        _refuse_overwriting(out, path)
    device = _device(args.device)
    if args.data and not os.path.exists(args.data):
        raise CLIError(f"--data {args.data}: no such file or folder")
    if args.data and args.task == "charlm" and not os.path.isfile(args.data):
        raise CLIError(f"--data {args.data}: charlm needs a UTF-8 text file, not a folder")
    if args.data and args.task == "mnist" and not os.path.isdir(args.data):
        raise CLIError(f"--data {args.data}: mnist needs the folder that holds the IDX files")
    d = TASKS[args.task].defaults
    if args.task == "adding" and args.T is None:
        args.T = d["T"]
    batch = args.batch or d["batch"]
    hidden = args.hidden or d["hidden"]
    if args.epochs and TASKS[args.task].steps_per_epoch is Task.steps_per_epoch:
        raise CLIError(f"--epochs: the {args.task} task draws fresh data every step; use --steps")
    cell_options: dict = dict(d.get("cell_options", {})) if args.cell in ("lstm", "peephole") and \
        args.forget_bias is None and not args.unit_forget_bias else {}
    if args.forget_bias is not None or args.unit_forget_bias:
        if "lstm" not in args.cell and args.cell != "peephole":
            raise CLIError(f"--forget-bias and --unit-forget-bias apply to LSTM cells, not --cell {args.cell}")
        if args.cell == "lstm1997":
            raise CLIError("--forget-bias and --unit-forget-bias need a forget gate; --cell lstm1997 has none")
        if args.forget_bias is not None:
            cell_options["forget_bias"] = args.forget_bias
        if args.unit_forget_bias:
            cell_options["unit_forget_bias"] = True
    if args.task != "charlm":
        _check_memory(args, hidden, batch)
    tg.manual_seed(args.seed)
    try:
        task = make_task(args.task, seed=args.seed, device=device, T=args.T, variant=args.variant, data=args.data,
                         bptt=args.bptt, embedding=args.embedding, k=args.k, lag=args.lag)
    except ValueError as e:
        raise CLIError(str(e)) from None
    if args.task == "charlm":
        need = batch * args.bptt + 1
        if len(task.corpus.train) < need:
            raise CLIError(f"charlm: the training text ({len(task.corpus.train)} characters, the first 90% of "
                           f"{args.data or 'the corpus'}) is too short for --batch {batch} streams of --bptt "
                           f"{args.bptt} characters (needs at least {need}); use a longer text or smaller "
                           f"--batch/--bptt")
        _check_memory(args, hidden, batch)
    _prepare_out(out)
    steps = args.steps or d["steps"]
    if args.epochs:
        steps = max(1, int(round(args.epochs * task.steps_per_epoch(batch))))
    if saved_step is not None and steps <= saved_step:
        asked = f"--epochs {args.epochs:g}, {steps} steps" if args.epochs else f"--steps {steps}"
        raise CLIError(f"--resume: the run in {out} is already at step {saved_step}, and the total asked for is "
                       f"{steps} ({asked}; resumed steps count too); give --steps N with N > {saved_step} to "
                       f"train further")
    clip = d["clip"] if args.clip is None else args.clip
    model = SequenceModel(task.input_size, hidden, task.output_size, cell=args.cell,
                          num_layers=args.layers, vocab_size=task.vocab_size,
                          embedding_dim=getattr(task, "embedding_dim", None), fused=not args.primitive,
                          cell_options=cell_options).to(device)
    lr = args.lr or d["lr"]
    optimizer = _optimizer(args.optimizer, model.parameters(), lr)
    decay = _lr_decay(args)
    stored_args = {k: v for k, v in vars(args).items() if k not in ("func", "argv", "command", "overwrite")}
    run = Run(task, model, optimizer, out, clip or None, batch, stored_args)
    run.record_flow = args.record_flow or 0       # gradient-flow snapshots (flow_record.py)
    run.lr_decay = None if decay is None else (lr, *decay)
    argv = getattr(args, "argv", None)
    if argv is not None:
        again = [a for a in argv if a != "--overwrite"]     # resuming must not start over
        run.resume_hint = "tinygrad-rnn " + shlex.join(again + ([] if args.resume else ["--resume"]))
    if args.resume:
        run.resume(run.checkpoint_path)
        if "lr" in changes:     # the optimizer's state brought the old rate back
            for group in optimizer.param_groups:
                group["lr"] = lr
        changed = ", ".join(f"{_flag(k)} {a} -> {b}" for k, (a, b) in changes.items())
        print(f"resumed from {run.checkpoint_path} at step {run.step}" + (f"; changed {changed}" if changes else ""))
    else:      # a fresh run (into an empty folder, or --overwrite): nothing of an earlier run stays
        for name in (CHECKPOINT, *RUN_FILES):
            if os.path.isfile(os.path.join(out, name)):
                os.remove(os.path.join(out, name))
    print(f"{_describe_task(task)}: {_describe_cell(args.cell, cell_options)}, hidden {hidden}, "
          f"{model.num_parameters()} parameters, {steps} steps of batch {batch}, {args.optimizer} lr {lr:g}, "
          f"clip {clip or 'off'}, seed {args.seed}, {device}")
    try:
        # a diverging run is reported once, as TrainingDiverged, not as pages of NumPy overflow warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = run.train(steps, eval_every=args.eval_every or max(1, steps // 5), log_every=args.log_every,
                               progress=not args.no_progress, plot=not args.no_plot)
    except ValueError as e:   # data that cannot fill a batch, ...
        if isinstance(e, tg.TinygradRNNError):
            raise
        raise CLIError(str(e)) from None
    print(f"final: {result['summary']}" if result else "no evaluation ran")
    print(f"wrote {out}/metrics.jsonl, " + ("" if args.no_plot else f"{out}/loss.png, ") + f"{out}/checkpoint.npz")
    return 0


def _load(checkpoint_path: str, device: str, data: str | None = None) -> tuple[Any, Any, dict]:
    from .. import checkpoint
    from ..train import build_model, make_task

    if not os.path.exists(checkpoint_path):
        raise CLIError(f"--checkpoint {checkpoint_path}: no such file")
    header = checkpoint.read_header(checkpoint_path)
    config = header.get("config") or {}
    if "model" not in config or "task" not in config:
        raise CLIError(f"{checkpoint_path} is not a training checkpoint of tinygrad-rnn train")
    dev = _device(device)
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
        raise CLIError(f"{args.checkpoint} is a checkpoint of the {name} task; sampling needs one of the "
                       f"charlm task")
    try:
        print(sample_text(model, config["task"]["vocab"], args.prime, args.length, args.temperature, args.seed))
    except ValueError as e:
        raise CLIError(str(e)) from None
    return 0
