"""``tinygrad-rnn explore``: the interactive gradient-flow page, for fresh cells or a training run.

    tinygrad-rnn explore --cell lstm --steps 50 --out flow.html
    tinygrad-rnn explore --cell lstm:1 --steps 100 --compare rnn,gru,lstm --out compare.html
    tinygrad-rnn explore --run runs/adding --out training.html     # after train --record-flow N

With ``--cell`` it runs freshly initialised (untrained) cells over one random input, as
``gradflow`` does, with L = Σ h_T, and keeps every gradient for the page.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .cell_specs import parse_cells
from .graph import make_cell
from . import argtypes
from .main import CLIError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explore", help="an interactive HTML page of gradients flowing through time",
                       description="Unroll freshly initialised cells over one random input, backpropagate "
                                   "L = sum(h_T), and write one self-contained HTML page: timelines coloured by "
                                   "gradient, the gradient-flow chart, each step's ops on click. With --run, the "
                                   "snapshots a training run recorded with --record-flow, under a slider.")
    p.add_argument("--cell", default="lstm",
                   help="rnn, lstm, gru, or lstm:B for an LSTM with forget bias B (default: %(default)s)")
    p.add_argument("--compare", default="",
                   help="more cells on the same input, e.g. rnn,gru,lstm:1 (aligned timelines, one colour scale)")
    p.add_argument("--steps", type=argtypes.positive(int), default=50, help="time steps T (default: %(default)s)")
    p.add_argument("--hidden", type=argtypes.positive(int), default=32, help="hidden size H (default: %(default)s)")
    p.add_argument("--input", type=argtypes.positive(int), default=8, help="input size I (default: %(default)s)")
    p.add_argument("--batch", type=argtypes.positive(int), default=1, help="batch size B (default: %(default)s)")
    p.add_argument("--forget-bias", type=argtypes.finite_float, default=0.0,
                   help="forget bias of plain 'lstm' entries (default: %(default)s, PyTorch)")
    p.add_argument("--seed", type=argtypes.seed, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--steps-per-row", type=argtypes.positive(int), default=25,
                   help="timeline boxes per row (default: %(default)s: T = 100 fits a 1280 px window)")
    p.add_argument("--run", action="append", default=None, metavar="RUN_DIR",
                   help="a training run folder with flow.jsonl (from train --record-flow N) instead of --cell; "
                        "repeat it to compare runs")
    p.add_argument("--out", default="explore.html", help="the page to write (default: %(default)s)")
    p.set_defaults(func=run_explore)


def label_of(kind: str, fb: float) -> str:
    return {"rnn": "RNN (tanh)", "lstm": f"LSTM, forget bias {fb:g}", "gru": "GRU"}[kind]


def build_page(cell: str, compare: str, steps: int, hidden: int, input_size: int, batch: int,
               forget_bias: float, seed: int, steps_per_row: int = 25):
    """The :class:`~tinygrad_rnn.viz.Explorer` for ``cell`` (and ``compare``) on one input."""
    import tinygrad_rnn as tg

    specs = parse_cells(cell, forget_bias, option="--cell")
    if len(specs) != 1:
        raise CLIError(f"--cell takes one cell (use --compare for more), got {cell!r}")
    if compare:
        specs += parse_cells(compare, forget_bias, option="--compare")
    labels = [label_of(k, fb) for k, fb in specs]
    if len(set(labels)) != len(labels):
        raise CLIError(f"--cell/--compare name the same cell twice: {', '.join(labels)}")
    tg.manual_seed(seed)
    x = tg.randn(steps, batch, input_size)
    runs, cells = [], []
    for (kind, fb), label in zip(specs, labels):
        tg.manual_seed(seed + 1)           # every cell starts from the same random stream
        c = make_cell(kind, input_size, hidden, fb)
        _, last = tg.viz.unroll_cell(c, x, scope=kind)
        loss = tg.viz.default_loss(c, last)
        loss.name = "L = sum(h_T)"
        tg.viz.backward_with_grads(loss)
        runs.append((label, loss))
        cells.append(c)
    title = (f"Gradient flow through time: untrained cells (PyTorch init), H={hidden}, T={steps}, "
             f"seed {seed}; loss L = sum(h_T), the same random input for every cell")
    return tg.viz.explore(runs[0][1], label=runs[0][0], compare=runs[1:], params=cells, title=title,
                          steps_per_row=steps_per_row)


def run_explore(args: argparse.Namespace) -> int:
    import tinygrad_rnn as tg

    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise CLIError(f"--out must end in .html, got {args.out!r}")
    if args.run:
        try:
            page = tg.viz.explore_run(args.run, steps_per_row=args.steps_per_row)
        except (ValueError, FileNotFoundError) as e:     # a folder that is not a recorded run
            raise CLIError(str(e)) from None
    else:   # sizes and seed were checked by argparse (argtypes)
        page = build_page(args.cell, args.compare, args.steps, args.hidden, args.input, args.batch,
                          args.forget_bias, args.seed, args.steps_per_row)
    page.save(out)
    size = out.stat().st_size
    print(f"wrote {out} ({size / 1e6:.2f} MB): open it in a browser, no network needed")
    return 0
