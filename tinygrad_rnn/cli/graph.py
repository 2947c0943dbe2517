"""``tinygrad-rnn graph`` and ``tinygrad-rnn gradflow``: draw an unrolled cell, chart its gradients.

    tinygrad-rnn graph --cell lstm --steps 4 --hidden 3 --out lstm.svg
    tinygrad-rnn graph --cell rnn --steps 50 --collapse --out rnn50.png
    tinygrad-rnn gradflow --cells rnn,lstm,lstm:1,gru --steps 100 --out gradflow.png

Both run one forward and backward pass of freshly initialised (untrained) cells on random
inputs, with L = Σ h_T (the sum of the last hidden state), and say so in the picture.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import argtypes
from .cell_specs import KINDS as CELLS, parse_cells
from .main import CLIError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("graph", help="draw the graph of an unrolled cell after a backward pass",
                       description="Unroll a freshly initialised cell over random inputs, backpropagate "
                                   "L = sum(h_T) and draw the graph coloured by gradient norm.")
    p.add_argument("--cell", default="lstm", help="rnn, lstm or gru (default: %(default)s)")
    p.add_argument("--steps", type=argtypes.positive(int), default=4, help="time steps T (default: %(default)s)")
    p.add_argument("--hidden", type=argtypes.positive(int), default=3, help="hidden size H (default: %(default)s)")
    p.add_argument("--input", type=argtypes.positive(int), default=2, help="input size I (default: %(default)s)")
    p.add_argument("--batch", type=argtypes.positive(int), default=1, help="batch size B (default: %(default)s)")
    p.add_argument("--forget-bias", type=argtypes.finite_float, default=0.0,
                   help="LSTM only: constant added to the forget gate's input, 1.0 as in TF/Keras "
                        "(default: %(default)s, PyTorch)")
    p.add_argument("--collapse", action="store_true",
                   help="one box per time step, wrapped into rows (readable at T = 100)")
    p.add_argument("--steps-per-row", type=argtypes.positive(int), default=10,
                   help="with --collapse: time steps per row before it wraps (default: %(default)s)")
    p.add_argument("--params", default="stubs", choices=["stubs", "shared", "hidden"],
                   help="parameters drawn as a small stub (W_hh) at every use, as one shared node "
                        "with an edge into every step, or not at all (default: %(default)s)")
    p.add_argument("--all-tensors", action="store_true",
                   help="draw every tensor as its own box (default: an unnamed tensor is drawn "
                        "as the op that made it)")
    p.add_argument("--hide-params", action="store_true", help="the same as --params hidden")
    p.add_argument("--step", type=argtypes.non_negative(int), default=None,
                   help="draw only time step N (0-based) of the unrolled graph, with the state it "
                        "reads from step N-1 as inputs (one readable step)")
    p.add_argument("--show-values", action="store_true", help="print the first values of each tensor")
    p.add_argument("--rankdir", default="LR", choices=["LR", "TB"], help="layout direction (default: %(default)s)")
    p.add_argument("--seed", type=argtypes.seed, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--out", default=None, help="output file (default: <cell>.svg)")
    p.add_argument("--format", default=None, choices=["dot", "svg", "png", "pdf"],
                   help="output format (default: from the suffix of --out)")
    p.set_defaults(func=run_graph)

    q = sub.add_parser("gradflow", help="chart |dL/dh_t| over time for several cells (log scale)",
                       description="Run several freshly initialised cells on the same random input, "
                                   "backpropagate L = sum(h_T) and plot |dL/dh_t| (and |dL/dc_t|) against t.")
    q.add_argument("--cells", default="rnn,lstm,gru",
                   help="comma-separated cells: rnn, lstm, gru; lstm:B sets that LSTM's forget bias "
                        "to B, e.g. rnn,lstm,lstm:1,gru (default: %(default)s)")
    q.add_argument("--steps", type=argtypes.positive(int), default=100, help="time steps T (default: %(default)s)")
    q.add_argument("--hidden", type=argtypes.positive(int), default=32, help="hidden size H (default: %(default)s)")
    q.add_argument("--input", type=argtypes.positive(int), default=8, help="input size I (default: %(default)s)")
    q.add_argument("--batch", type=argtypes.positive(int), default=1, help="batch size B (default: %(default)s)")
    q.add_argument("--forget-bias", type=argtypes.finite_float, default=0.0,
                   help="forget bias of plain 'lstm' entries (default: %(default)s, PyTorch)")
    q.add_argument("--seed", type=argtypes.seed, default=0, help="random seed (default: %(default)s)")
    q.add_argument("--out", default="gradflow.png", help="output image, .png/.svg/.pdf (default: %(default)s)")
    q.set_defaults(func=run_gradflow)


def make_cell(kind: str, input_size: int, hidden: int, forget_bias: float):
    """A freshly initialised cell of ``kind`` (rnn, lstm, gru)."""
    import tinygrad_rnn as tg
    if kind == "rnn":
        return tg.nn.RNNCell(input_size, hidden)
    if kind == "lstm":
        return tg.nn.LSTMCell(input_size, hidden, forget_bias=forget_bias)
    if kind == "gru":
        return tg.nn.GRUCell(input_size, hidden)
    raise CLIError(f"unknown cell {kind!r}: use one of {', '.join(CELLS)}")


def caption(kind: str, hidden: int, steps: int, forget_bias: float, seed: int) -> str:
    """What the picture shows, written on it: the cell, its initialisation, the loss."""
    name = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}[kind]
    if kind == "lstm":
        fb = "forget bias 1 (TF/Keras style)" if forget_bias == 1.0 else \
            ("forget bias 0 (PyTorch default)" if forget_bias == 0.0 else f"forget bias {forget_bias:g}")
        name += f", {fb}"
    return (f"{name}, H={hidden}, T={steps}: untrained, PyTorch init U(-1/sqrt(H), 1/sqrt(H)),\n"
            f"random N(0,1) inputs, seed {seed}; loss L = sum(h_T); colour = |dL/d tensor|")


def run_graph(args: argparse.Namespace) -> int:
    import tinygrad_rnn as tg
    from ..viz.render import GraphvizNotFoundError, format_of

    if args.step is not None:
        if not 0 <= args.step < args.steps:
            raise CLIError(f"--step must be a time step in 0..{args.steps - 1} (--steps {args.steps}), got {args.step}")
        if args.collapse:
            raise CLIError("--step draws the ops of one step; it cannot be combined with --collapse")
    kind = args.cell.strip().lower()
    if kind not in CELLS:
        raise CLIError(f"--cell must be one of {', '.join(CELLS)}, got {args.cell!r}")
    if args.forget_bias != 0.0 and kind != "lstm":
        raise CLIError(f"--forget-bias only applies to --cell lstm (got --cell {kind})")
    out = Path(args.out or f"{kind}.{args.format or 'svg'}")
    try:
        fmt = format_of(out, args.format)
    except ValueError as e:
        raise CLIError(str(e)) from None
    tg.manual_seed(args.seed)
    cell = make_cell(kind, args.input, args.hidden, args.forget_bias)
    x = tg.randn(args.steps, args.batch, args.input)
    _, last = tg.viz.unroll_cell(cell, x, scope=kind)
    loss = tg.viz.default_loss(cell, last)
    loss.name = "L = sum(h_T)"
    tg.viz.backward_with_grads(loss)
    params = "hidden" if args.hide_params else args.params
    label = caption(kind, args.hidden, args.steps, args.forget_bias, args.seed)
    if args.step is None:
        text = tg.viz.to_dot(loss, collapse=args.collapse, params=params, module=cell,
                             tensors="all" if args.all_tensors else "named", steps_per_row=args.steps_per_row,
                             show_values=args.show_values, rankdir=args.rankdir, label=label)
    else:
        graph = tg.viz.build_graph(loss, hide_params=params == "hidden", params=cell)
        step = tg.viz.subgraph(graph, [n.id for n in graph.nodes if f"t={args.step}" in n.scope])
        opts = tg.viz.DotOptions(rankdir=args.rankdir, show_values=args.show_values, params=params,
                                 tensors="all" if args.all_tensors else "named",
                                 label=f"Step t={args.step} of {args.steps}: {label}")
        text = tg.viz.graph_to_dot(step, opts)
    try:
        tg.viz.render(text, out, fmt)
    except GraphvizNotFoundError as e:
        dot_path = out.with_suffix(".dot")
        dot_path.write_text(text, encoding="utf-8")
        print(f"wrote {dot_path} (DOT text); could not render {out}: {e}", file=sys.stderr)
        print(f"render it later with: dot -T{fmt} {dot_path} -o {out}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


def _first_middle_last(n: int) -> list[int]:
    """The time steps a summary line shows: 0, n // 2 and n - 1, each once (T = 1 has one step)."""
    return sorted({0, n // 2, n - 1})


def run_gradflow(args: argparse.Namespace) -> int:
    import tinygrad_rnn as tg

    cells = parse_cells(args.cells, args.forget_bias)
    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise CLIError(f"--out must end in .png, .svg or .pdf, got {args.out!r}")
    try:
        import matplotlib  # noqa: F401,PLC0415
    except ImportError:
        raise CLIError("gradflow needs matplotlib: pip install matplotlib") from None
    tg.manual_seed(args.seed)
    x = tg.randn(args.steps, args.batch, args.input)
    flows = []
    for kind, fb in cells:
        tg.manual_seed(args.seed + 1)       # every cell starts from the same random stream
        cell = make_cell(kind, args.input, args.hidden, fb)
        label = {"rnn": "RNN (tanh)", "lstm": f"LSTM, forget bias {fb:g}", "gru": "GRU"}[kind]
        flow = tg.viz.gradient_flow(cell, x, label=label)
        flows.append(flow)
        h = flow.norms["h"]
        print(f"{label:>22}: |dL/dh_t| at " + ", ".join(f"t={t}: {h[t]:.2e}" for t in _first_middle_last(len(h))))
    title = (f"Gradient flow through time: untrained cells (PyTorch init), H={args.hidden}, "
             f"T={args.steps}, seed {args.seed}\nloss L = sum(h_T); same random input for every cell")
    tg.viz.plot_gradient_flow(flows, str(out), title=title)
    print(f"wrote {out}")
    return 0
