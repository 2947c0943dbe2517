"""``tg.viz.draw``: a picture of the graph behind one or more tensors.

    >>> loss = model(x).sum()
    >>> tg.viz.backward_with_grads(loss)      # keeps every node's gradient
    >>> tg.viz.draw(loss, module=model)       # a graphviz.Digraph: shows inline in Jupyter
    >>> tg.viz.draw(loss, collapse=True).render("steps", format="svg")

Tensor nodes show name, shape, dtype and, after a backward pass, ‖∂L/∂tensor‖ with the fill
colour on the fixed heat scale of :mod:`tinygrad_rnn.viz.heat`; the outline tells the kind
(green parameter, blue input, purple double-bordered output, grey intermediate). Ops are
small ellipses labelled as math (``1 − z``), filled with the heat of the unnamed tensor
they make; parameters are small stubs (``W_hh``) at each use; the steps of an unrolled
cell stack one under the other (see :mod:`tinygrad_rnn.viz.dot`). :func:`to_dot` gives the
same picture as DOT text without Graphviz.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import ArgumentError, MissingDependencyError
from ..tensor import Tensor
from .collapse import collapsed_to_dot
from .dot import PARAM_MODES, DotOptions, graph_to_dot
from .graph import build_graph


def to_dot(roots: Tensor | Sequence[Tensor], *, rankdir: str = "LR", show_values: bool = False,
           show_grads: bool = True, show_shapes: bool = True, hide_params: bool = False,
           collapse: bool = False, params: Any = None, label: str | None = None,
           legend: bool = True, module: Any = None, tensors: str = "named",
           states: str = "stubs", steps_per_row: int = 10, size: str | None = None) -> str:
    """DOT text of the graph that computed ``roots`` (no Graphviz needed).

    rankdir: "LR" (a step reads left to right, steps stack downwards) or "TB".
    show_values: print the first values of each tensor. show_grads: write ‖grad‖ and colour
    by it when gradients are present. params: how parameters are drawn, "stubs" (default: a
    small ``W_hh`` node at every use), "shared" (one node, edges into every step) or
    "hidden"; ``hide_params=True`` is the same as ``params="hidden"``. module: a Module (or
    dict name -> tensor) whose parameter names label the parameters (``weight_hh`` -> stub
    ``W_hh``); for compatibility ``params=<Module>`` still means this. tensors: "named"
    (default: unnamed intermediate tensors are drawn as the op that made them) or "all".
    states: "stubs" (default: ``h_2`` enters step 3 as a small ``h_2`` node, so no edge
    crosses the picture) or "edges" (the real edges from step to step).
    collapse: one box per time step (see :mod:`tinygrad_rnn.viz.collapse`), wrapped after
    ``steps_per_row`` steps. label: a caption (say what the picture shows).
    size: Graphviz's ``size``, the largest drawing in inches, ``"W,H"`` (or ``"W"`` for both):
    a larger one is scaled down to fit; a PNG has 96 pixels per inch, so ``"13.8,30"`` keeps
    it at most 1325 px wide.
    """
    mode, names = _param_mode(params, module, hide_params)
    opts = DotOptions(rankdir=rankdir, show_values=show_values, show_grads=show_grads,
                      show_shapes=show_shapes, legend=legend, label=label, params=mode,
                      tensors=tensors, states=states, steps_per_row=steps_per_row, size=size)
    opts.check()
    graph = build_graph(roots, hide_params=mode == "hidden" or collapse, params=names)
    return collapsed_to_dot(graph, opts) if collapse else graph_to_dot(graph, opts)


def _param_mode(params: Any, module: Any, hide_params: bool) -> tuple[str, Any]:
    """``(mode, names)`` from ``params=`` (a mode string, or a Module/dict as it used to be),
    ``module=`` and ``hide_params=``."""
    if isinstance(params, str):
        mode = params
        if mode not in PARAM_MODES:
            raise ArgumentError(f"draw: params must be one of {', '.join(PARAM_MODES)} "
                             f"(or a Module naming them), got {params!r}")
        if hide_params and mode != "hidden":
            raise ArgumentError(f"draw: hide_params=True contradicts params={mode!r}; give one of them")
        names = module
    else:
        if params is not None and module is not None:
            raise ArgumentError("draw: give the Module that names the parameters once, as module= "
                             "(params= takes 'stubs', 'shared' or 'hidden')")
        mode, names = "stubs", module if module is not None else params
    return ("hidden" if hide_params else mode), names


def draw(roots: Tensor | Sequence[Tensor], **options: Any) -> Any:
    """The graph as a ``graphviz.Digraph`` (same options as :func:`to_dot`).

    Needs the ``graphviz`` Python package (``pip install graphviz``) to build the object and
    the Graphviz ``dot`` program to render it; :func:`tinygrad_rnn.viz.render` renders DOT
    text with only the program.
    """
    try:
        import graphviz  # noqa: PLC0415  (optional extra)
    except ImportError:
        raise MissingDependencyError("tg.viz.draw needs the graphviz Python package: pip install graphviz "
                          "(tg.viz.to_dot gives the DOT text without it)") from None
    text = to_dot(roots, **options)
    g = graphviz.Digraph(name="G")
    lines = text.split("\n")[1:-2]            # between "digraph G {" and "}"
    g.body.extend(line + "\n" for line in lines)
    return g


def draw_collapsed(roots: Tensor | Sequence[Tensor], **options: Any) -> Any:
    """:func:`draw` with ``collapse=True``: one box per cell application per time step."""
    return draw(roots, collapse=True, **options)
