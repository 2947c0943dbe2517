"""``tinygrad-rnn demo``: the guided tour, in about three minutes on a 2-core CPU.

1. Gradient flow through 100 steps of untrained RNN, LSTM and GRU cells (a chart).
2. The same story as a drawing: 50 unrolled steps of an RNN and an LSTM, one box per step,
   coloured by the gradient that reaches it.
3. Inside one LSTM: the full graph of 3 steps, every op and gate, coloured by gradient.
4. Training: a plain RNN, an LSTM and a GRU on Hochreiter & Schmidhuber's adding problem,
   scored by the 1997 criterion, side by side.
5. The explorer: ``explore.html`` (click a step for its ops, hover for every number) and
   ``explore_training.html`` (the gradient flow of step 4's runs under a slider).

Everything lands in ``--out`` (default ``./tinygrad_rnn_demo``), and the tour ends by saying
which file to open and which lesson explains it.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from . import argtypes

# The training part: the adding problem as defined in 1997 (values in [-1, 1], first mark among
# the first 10 pairs, second among the first T/2 - 1, target 0.5 + (X1 + X2)/4, correct when
# |error| < 0.04), short enough (T = 30) that each of the four runs trains in under a minute on 2 cores.
TASK_T = 30
# (cell, its options, label). The LSTM runs twice: at PyTorch's initialisation its forget gate
# starts near σ(0) = 0.5 and keeps little gradient across the lag, so at this budget it usually
# stays on the plateau of predicting the mean; with TensorFlow's constant forget bias set to 2
# the gate starts at σ(2) = 0.88 and the same LSTM learns quickly. Both rows are shown.
TRAIN_CELLS = [("rnn", {}, "RNN (tanh)"),
               ("lstm", {}, "LSTM, PyTorch init"),
               ("lstm", {"forget_bias": 2.0}, "LSTM, forget bias 2"),
               ("gru", {}, "GRU")]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the guided tour: gradient flow, drawings, and RNN vs LSTM vs GRU training")
    p.add_argument("--out", default="tinygrad_rnn_demo", help="folder for everything it writes (default: %(default)s)")
    p.add_argument("--steps", type=argtypes.positive(int), default=1500, help="training steps per cell (default: %(default)s)")
    p.add_argument("--seed", type=argtypes.seed, default=0)
    p.add_argument("--quick", action="store_true", help="tiny sizes: checks that everything runs (CI)")
    p.set_defaults(func=run)


def _say(text: str) -> None:
    print(text, flush=True)


def _draw(text: str, out: Path, name: str) -> Path:
    """Render one drawing to ``name.png`` and ``name.svg`` and say so; without Graphviz, write
    ``name.dot`` and say how to render it. Returns the file to open."""
    import tinygrad_rnn as tg
    from ..viz.render import GraphvizNotFoundError
    try:
        for suffix in (".png", ".svg"):
            tg.viz.render(text, out / (name + suffix))
        path = out / (name + ".png")
    except GraphvizNotFoundError:
        path = out / (name + ".dot")
        path.write_text(text, encoding="utf-8")
        _say(f"      (Graphviz's dot program is missing: wrote {path}; render it with "
             f"dot -Tpng {path} -o {out / (name + '.png')})")
    _say(f"      -> {path}")
    return path


def run(args: argparse.Namespace) -> int:
    import tinygrad_rnn as tg
    from .graph import caption, make_cell

    quick = args.quick or os.environ.get("TINYGRAD_RNN_FAST", "") not in ("", "0")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    _say("tinygrad_rnn guided demo: why plain RNNs forget, and how LSTM and GRU remember.\n")

    # -- 1. gradient flow ---------------------------------------------------------------------
    T_flow, H = (30, 8) if quick else (100, 32)
    _say(f"[1/4] Gradient flow: how much of dL/dh_T reaches each earlier step, T = {T_flow}, untrained cells")
    tg.manual_seed(args.seed)
    x = tg.randn(T_flow, 1, 8)
    flows = []
    for kind, fb, label in (("rnn", 0.0, "RNN (tanh)"), ("lstm", 0.0, "LSTM, forget bias 0 (PyTorch init)"),
                            ("lstm", 1.0, "LSTM, forget bias 1 (TF/Keras)"), ("gru", 0.0, "GRU")):
        tg.manual_seed(args.seed + 1)
        flow = tg.viz.gradient_flow(make_cell(kind, 8, H, fb), x, label=label)
        flows.append(flow)
        _say(f"      {label:<36} |dL/dh_0| = {flow.norms['h'][0]:.1e}   (|dL/dh_T-1| = {flow.norms['h'][-1]:.1f})")
    flow_png = out / "gradient_flow.png"
    tg.viz.plot_gradient_flow(flows, str(flow_png),
                              title=f"Gradient flow through time: untrained cells (PyTorch init), H={H}, T={T_flow}, "
                                    f"seed {args.seed}\nloss L = sum(h_T); same random input for every cell")
    _say(f"      -> {flow_png}\n")

    # -- 2. the collapsed drawing -------------------------------------------------------------------
    T_draw, H_draw = (10, 4) if quick else (50, 16)
    _say(f"[2/4] Drawing {T_draw} unrolled steps of an RNN and an LSTM, one box per step, coloured by |dL/dh_t|")
    tg.manual_seed(args.seed)
    x = tg.randn(T_draw, 1, 4)
    roots = []
    for scope, kind, fb in (("RNN (tanh)", "rnn", 0.0), ("LSTM, forget bias 0 (PyTorch)", "lstm", 0.0),
                            ("LSTM, forget bias 1 (TF/Keras)", "lstm", 1.0)):
        tg.manual_seed(args.seed + 1)
        cell = make_cell(kind, 4, H_draw, fb)
        _, last = tg.viz.unroll_cell(cell, x, scope=scope)
        loss = cell.output(last).sum()
        loss.name = f"L ({scope})"
        tg.viz.backward_with_grads(loss)
        roots.append(loss)
    collapsed = tg.viz.to_dot(roots, collapse=True,
                              label=f"Untrained cells, PyTorch init, H={H_draw}, T={T_draw}, same input; L = sum(h_T). "
                                    f"Box colour = |dL/dh_t| (and |dL/dc_t|), white = vanished")
    written = [_draw(collapsed, out, "rnn_vs_lstm_collapsed")]     # each part's files are listed under its header
    _say("")
    # -- 3. one LSTM, every op ------------------------------------------------------------------------
    _say("[3/4] Inside an LSTM: every op of 3 steps, the gates i, f, g, o and the cell state c, coloured by gradient")
    tg.manual_seed(args.seed)
    cell = make_cell("lstm", 2, 3, 0.0)
    _, last = tg.viz.unroll_cell(cell, tg.randn(3, 1, 2), scope="lstm")
    loss = tg.viz.default_loss(cell, last)
    loss.name = "L = sum(h_T)"
    tg.viz.backward_with_grads(loss)
    expanded = tg.viz.to_dot(loss, params=cell, rankdir="TB", label=caption("lstm", 3, 3, 0.0, args.seed))
    written.append(_draw(expanded, out, "lstm_3_steps"))
    _say("")

    # -- 4. training ----------------------------------------------------------------------------------
    from ..train import Run, SequenceModel, make_task
    steps = 20 if quick else args.steps
    hidden = 8 if quick else 32
    _say(f"[4/4] Training each cell on the adding problem (Hochreiter & Schmidhuber 1997, T = {TASK_T}): "
         f"{steps} steps of 32 sequences, Adam lr 0.01, gradient clipping 1.0, hidden {hidden}.")
    _say("      A sequence counts as solved when |prediction - target| < 0.04 (the 1997 criterion); "
         "guessing the mean solves about 15%.")
    rows, run_dirs = [], []
    for cell_name, options, label in TRAIN_CELLS:
        tg.manual_seed(args.seed)
        task = make_task("adding", seed=args.seed, T=TASK_T, variant="1997")
        model = SequenceModel(2, hidden, 1, cell=cell_name, fused=True, cell_options=options)
        optimizer = tg.optim.Adam(model.parameters(), lr=0.01)
        run_dir = out / ("train_" + label.split(",")[0].split(" ")[0].lower()
                         + ("_fb2" if options else ""))
        for stale in ("metrics.jsonl", "flow.jsonl"):
            if (run_dir / stale).exists():
                (run_dir / stale).unlink()
        training = Run(task, model, optimizer, str(run_dir), 1.0, 32, {"demo": True})
        training.record_flow = max(1, steps // 10)        # gradient-flow snapshots for the explorer
        run_dirs.append(run_dir)
        t0 = time.perf_counter()
        result = training.train(steps, eval_every=max(1, steps // 4), progress=not quick, verbose=False,
                                desc=f"      {label:<30}")
        rows.append((label, model.num_parameters(), result["accuracy"], result["mse"], time.perf_counter() - t0))
    _say("")
    _say(f"      {'cell':<32}{'parameters':>11}{'test solved':>13}{'test MSE':>11}{'time':>8}")
    for label, n, acc, mse, secs in rows:
        _say(f"      {label:<32}{n:>11}{acc:>12.1%}{mse:>11.5f}{secs:>7.1f}s")
    _say(f"      (2560 test sequences; loss curves in {out}/train_*/loss.png)")
    solved = [label for label, _, acc, _, _ in rows if acc >= 0.95]
    stuck = [label for label, _, acc, _, _ in rows if acc < 0.5]
    if solved and not quick:
        _say(f"      Solved (at least 95%) within {steps} steps: {', '.join(solved)}.")
    if stuck and not quick:
        _say(f"      Still guessing near the mean: {', '.join(stuck)} — too little gradient crosses the "
             f"15-30 steps between the marks and the answer (picture 1).")
    _say("")

    # -- the explorer: the same story, to click through ------------------------------------------------
    from .explore import build_page
    explore_html = build_page("lstm:1", "rnn,lstm,gru", T_flow, 16 if not quick else 4, 8, 1, 0.0,
                              args.seed).save(out / "explore.html")
    training_html = tg.viz.explore_run(run_dirs, title=f"Gradient flow while training on the adding problem "
                                                       f"(T = {TASK_T}): move the slider").save(
        out / "explore_training.html")

    # -- where to look ----------------------------------------------------------------------------------
    _say(f"Done in {time.perf_counter() - t_start:.0f} s. Open these, in this order:")
    _say(f"  {flow_png}  the gradient reaching step t, log scale: the RNN's falls by ~20 orders of magnitude,")
    _say("      the LSTM's too at PyTorch's initialisation; with forget bias 1 it survives far better (lessons 4 and 5)")
    for path in written:
        what = (f"{T_draw} steps, one box per step: white boxes got (almost) no gradient (lesson 5)"
                if "collapsed" in path.name else "every op of a 3-step LSTM, the cell state's path included (lesson 5)")
        _say(f"  {path}  {what}")
    _say(f"  {out}/train_*/loss.png  the training curves of the four runs (lesson 8 trains them further)")
    _say(f"  {training_html}  the same gradient flow during those runs: move the slider and watch the LSTM")
    _say("      with forget bias 2 and the GRU carry gradient back to the marked inputs while the RNN's stays flat")
    _say("Next: tinygrad-rnn lessons   (the course, from a derivative by hand to LSTM and GRU)")
    _say(f"Explore it yourself: open {explore_html.resolve()} in a browser (works offline):")
    _say("  click a time step to see its ops, hover an op for its values, gradient and equation.")
    return 0
