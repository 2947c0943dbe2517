"""``tg.viz.draw``: a picture of the graph behind one or more tensors.

    >>> loss = model(x).sum()
    >>> tg.viz.backward_with_grads(loss)      # keeps every node's gradient
    >>> tg.viz.draw(loss, params=model)       # a graphviz.Digraph: shows inline in Jupyter
    >>> tg.viz.draw(loss, collapse=True).render("steps", format="svg")

Tensor nodes show name, shape, dtype and, after a backward pass, ‖∂L/∂tensor‖ with the fill
colour on the fixed heat scale of :mod:`tinygrad_rnn.viz.heat`; the outline tells the kind
(green parameter, blue input, purple double-bordered output, grey intermediate). Ops are
small grey ellipses. :func:`to_dot` gives the same picture as DOT text without Graphviz.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..tensor import Tensor
from .collapse import collapsed_to_dot
from .dot import DotOptions, graph_to_dot
from .graph import build_graph


def to_dot(roots: Tensor | Sequence[Tensor], *, rankdir: str = "LR", show_values: bool = False,
           show_grads: bool = True, show_shapes: bool = True, hide_params: bool = False,
           collapse: bool = False, params: Any = None, label: str | None = None,
           legend: bool = True) -> str:
    """DOT text of the graph that computed ``roots`` (no Graphviz needed).

    rankdir: "LR" (time runs left to right) or "TB". show_values: print the first values
    of each tensor. show_grads: write ‖grad‖ and colour by it when gradients are present.
    hide_params: leave parameters out. collapse: one box per time step (see
    :mod:`tinygrad_rnn.viz.collapse`). params: a Module (or dict) whose parameter names are
    written on the parameter nodes. label: a caption (say what the picture shows).
    """
    opts = DotOptions(rankdir=rankdir, show_values=show_values, show_grads=show_grads,
                      show_shapes=show_shapes, legend=legend, label=label)
    graph = build_graph(roots, hide_params=hide_params or collapse, params=params)
    return collapsed_to_dot(graph, opts) if collapse else graph_to_dot(graph, opts)


def draw(roots: Tensor | Sequence[Tensor], **options: Any) -> Any:
    """The graph as a ``graphviz.Digraph`` (same options as :func:`to_dot`).

    Needs the ``graphviz`` Python package (``pip install graphviz``) to build the object and
    the Graphviz ``dot`` program to render it; :func:`tinygrad_rnn.viz.render` renders DOT
    text with only the program.
    """
    try:
        import graphviz  # noqa: PLC0415  (optional extra)
    except ImportError:
        raise ImportError("tg.viz.draw needs the graphviz Python package: pip install graphviz "
                          "(tg.viz.to_dot gives the DOT text without it)") from None
    text = to_dot(roots, **options)
    g = graphviz.Digraph(name="G")
    lines = text.split("\n")[1:-2]            # between "digraph G {" and "}"
    g.body.extend(line + "\n" for line in lines)
    return g


def draw_collapsed(roots: Tensor | Sequence[Tensor], **options: Any) -> Any:
    """:func:`draw` with ``collapse=True``: one box per cell application per time step."""
    return draw(roots, collapse=True, **options)
