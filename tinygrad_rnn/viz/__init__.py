"""See gradients flow through time: graph drawings, gradient heat, gradient-flow charts.

* :func:`draw` / :func:`to_dot` — the graph behind a tensor, clustered by name scope
  (layer, direction, time step), coloured by ‖∂L/∂node‖ after a backward pass;
  ``collapse=True`` (or :func:`draw_collapsed`) draws one box per cell step, wrapped into
  rows; :func:`subgraph` cuts out a part (one time step) to draw on its own.
* :func:`backward_with_grads` — ``backward()`` that keeps every node's gradient for drawing.
* :func:`explore` — an interactive HTML page: timelines coloured by gradient, the step's ops
  on click, every number on hover, several cells compared (:class:`Explorer`).
* :func:`cell_schematic` — a textbook picture of one LSTM or GRU step, equations beside it.
* :func:`render` — DOT text to SVG/PNG/PDF with Graphviz's ``dot`` program.
* :func:`gradient_flow`, :func:`jacobian_norms`, :func:`plot_gradient_flow` — per-step
  gradient norms and the chart comparing cells.

Graphviz (``pip install graphviz`` and the ``dot`` program) and matplotlib are optional:
they are imported only by the functions that need them.
"""
from .collapse import collapse, collapsed_to_dot
from .dot import DotOptions, graph_to_dot
from .draw import draw, draw_collapsed, to_dot
from .explore import Explorer, explore, explore_run
from .flow import GradientFlow, default_loss, gradient_flow, jacobian_norms, plot_gradient_flow
from .grads import backward_with_grads, retain_all_grads
from .graph import Edge, Graph, Node, build_graph, grad_norm, l2_norm, subgraph
from .heat import LOG10_MAX, LOG10_MIN, heat_color
from .render import GraphvizNotFoundError, GraphvizRenderError, find_dot, render
from .schematic import cell_schematic
from .unroll import unroll_cell

__all__ = ["explore", "explore_run", "Explorer",
           "draw", "draw_collapsed", "to_dot", "render", "backward_with_grads", "retain_all_grads",
           "gradient_flow", "jacobian_norms", "plot_gradient_flow", "GradientFlow", "build_graph",
           "Graph", "Node", "Edge", "collapse", "collapsed_to_dot", "graph_to_dot", "DotOptions",
           "GraphvizNotFoundError", "GraphvizRenderError", "find_dot", "heat_color", "grad_norm",
           "l2_norm", "subgraph",
           "LOG10_MIN", "LOG10_MAX", "unroll_cell", "cell_schematic", "default_loss"]
