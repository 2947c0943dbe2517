"""The collapsed view: one box per cell application per time step.

Every op whose name-scope path contains a time step (``("lstm", "layer0", "forward",
"t=3")``) is folded into the box of that path up to and including ``t=3``. The box is
coloured by the gradient of the step's new state — ‖∂L/∂h_t‖, and for an LSTM a second
part for ‖∂L/∂c_t‖ — and the tensors that cross from one box to the next become the edges
between steps. The LSTM's cell state ``c`` (the "conveyor belt") is drawn as a thick teal
edge, the hidden state ``h`` as a thin grey one, both labelled. Readable at T = 100.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dot import DotOptions, attrs, graph_header, heat_legend_html, html_escape, wrap
from .graph import OP, Graph, group_key
from .heat import NO_GRAD_COLOR, edge_width, format_norm, heat_color, text_color

_STATE = re.compile(r"^([A-Za-z]\w*?)_(-?\d+)$")

_PART_ORDER = {"h": 0, "c": 1}
CELL_STATE_COLOR = "#01665e"   # the c path: thick teal
HIDDEN_STATE_COLOR = "#555555"  # the h path: thin grey


@dataclass
class Box:
    """One group of ops: a cell application at one step, or ops outside any step."""
    id: str
    path: tuple[str, ...]
    step: int | None
    ops: list[str] = field(default_factory=list)
    states: list[tuple[str, float | None]] = field(default_factory=list)   # (tensor name, grad norm)


@dataclass
class Link:
    src: str
    dst: str
    name: str                 # name of the tensor that crosses ("h_3", "c_3") or ""
    grad_norm: float | None


@dataclass
class Collapsed:
    boxes: list[Box]
    links: list[Link]
    outputs: list[tuple[str, str, float | None]]   # (node id, label, grad norm) of the roots


def collapse(graph: Graph) -> Collapsed:
    """Fold ``graph`` into boxes (deterministic order: first appearance) and links."""
    box_of_path: dict[tuple[str, ...], Box] = {}
    box_of_node: dict[str, Box] = {}
    producer: dict[str, str] = {e.dst: e.src for e in graph.edges if graph.by_id[e.src].kind == OP}
    for n in graph.nodes:
        if n.kind != OP:
            continue
        path, step = group_key(n.scope)
        box = box_of_path.get(path)
        if box is None:
            box = box_of_path[path] = Box(f"b{len(box_of_path)}", path, step)
        box.ops.append(n.name)
        box_of_node[n.id] = box
    for n in graph.nodes:                       # a tensor lives in its producer's box
        if n.kind != OP and n.id in producer:
            box_of_node[n.id] = box_of_node[producer[n.id]]
    for n in graph.nodes:                       # the step's named state tensors: h_3, c_3
        box = box_of_node.get(n.id)
        if n.kind == OP or box is None or box.step is None:
            continue
        m = _STATE.match(n.name)
        if m and int(m.group(2)) == box.step and m.group(1) != "x":
            box.states.append((n.name, n.grad_norm))
    for box in box_of_path.values():            # h above c, whatever order the cell made them
        box.states.sort(key=lambda s: (_PART_ORDER.get(s[0].split("_")[0], 9), s[0]))
    links: dict[tuple[str, str, str], Link] = {}
    for e in graph.edges:
        a, b = box_of_node.get(e.src), box_of_node.get(e.dst)
        src = graph.by_id[e.src]
        if a is None or b is None or a is b or src.kind == OP:
            continue
        key = (a.id, b.id, src.name)
        if key not in links:
            links[key] = Link(a.id, b.id, src.name, src.grad_norm)
    outputs = []
    for rid in graph.roots:
        r = graph.by_id[rid]
        outputs.append((rid, r.name or "output", r.grad_norm))
        if rid in box_of_node:
            links[(box_of_node[rid].id, rid, "")] = Link(box_of_node[rid].id, rid, "", r.grad_norm)
    return Collapsed(list(box_of_path.values()), list(links.values()), outputs)


def _box_label(box: Box, heat: bool) -> str:
    """An HTML-like table: a header row, then one coloured row per state part."""
    if box.step is not None:
        head = box.path[-1]
    else:
        ops = list(dict.fromkeys(box.ops))
        head = ", ".join(ops[:3]) + (", ..." if len(ops) > 3 else "")
        head += f" ({len(box.ops)} op{'s' if len(box.ops) > 1 else ''})"
    rows = [f'<TR><TD BORDER="0"><FONT POINT-SIZE="10"><B>{html_escape(head)}</B></FONT></TD></TR>']
    for name, norm in box.states:
        if heat and norm is not None:
            fill, font, text = heat_color(norm), text_color(norm), f"{name} {format_norm(norm)}"
        else:
            fill, font, text = NO_GRAD_COLOR, "#000000", name
        port = _STATE.match(name).group(1)
        rows.append(f'<TR><TD PORT="{port}" BGCOLOR="{fill}"><FONT POINT-SIZE="9" COLOR="{font}">'
                    f"{html_escape(text)}</FONT></TD></TR>")
    return ('<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>")


def collapsed_to_dot(graph: Graph, opts: DotOptions | None = None) -> str:
    """DOT text of the collapsed view of ``graph``."""
    opts = opts or DotOptions()
    opts.check()
    col = collapse(graph)
    heat = opts.show_grads and any(n.grad_norm is not None for n in graph.nodes)
    lines = graph_header(opts)
    lines.append(f"node {attrs(shape='plaintext', margin='0')}")
    # Boxes sit in clusters by everything above the step (layer, direction).
    clusters: dict[tuple[str, ...], list[str]] = {}
    for box in col.boxes:
        outer = box.path[:-1] if box.step is not None else ()
        line = f"{box.id} {attrs(label_html=_box_label(box, heat))}"
        clusters.setdefault(outer, []).append(line)
    k = 0
    for outer, members in clusters.items():
        if not outer:
            lines.extend(members)
            continue
        lines.append(f"subgraph cluster_{k} {{")
        lines.append(f"\tgraph {attrs(label=' / '.join(outer), style='rounded', color='#878787', fontsize='10')}")
        lines.extend("\t" + m for m in members)
        lines.append("}")
        k += 1
    for rid, label, norm in col.outputs:
        fill = heat_color(norm) if heat and norm is not None else "#e7d4e8"
        font = text_color(norm) if heat and norm is not None else "#000000"
        text = label + (f"\n|grad| {format_norm(norm)}" if heat and norm is not None else "")
        lines.append(f"{rid} {attrs(label=text, shape='box', style='filled,bold', color='#762a83', peripheries='2', fillcolor=fill, fontcolor=font, fontsize='10')}")
    ports = {box.id: {_STATE.match(name).group(1) for name, _ in box.states} for box in col.boxes}
    for link in col.links:
        state = _STATE.match(link.name)
        part = state.group(1) if state else ""
        # attach the edge to the h or c row of each box, so the c path runs row to row
        src = f"{link.src}:{part}" if part in ports.get(link.src, ()) else link.src
        dst = f"{link.dst}:{part}" if part in ports.get(link.dst, ()) else link.dst
        width = edge_width(link.grad_norm) if heat else None
        if part == "c":
            # the cell state: thick, straight, its own colour
            lines.append(f"{src} -> {dst} " + attrs(
                label="c", color=CELL_STATE_COLOR, fontcolor=CELL_STATE_COLOR,
                penwidth=(width or 1.0) + 3.0, weight="10"))
        else:
            lines.append(f"{src} -> {dst} " + attrs(
                label=part or None, color=HIDDEN_STATE_COLOR, fontcolor=HIDDEN_STATE_COLOR,
                penwidth=width, weight="2" if part else None))
    if opts.legend:
        rows = heat_legend_html("box colour = |dL/d h_t| (and |dL/d c_t|), log10, clipped") if heat else ""
        rows += (f'<TR><TD COLSPAN="9"><FONT POINT-SIZE="9"><FONT COLOR="{CELL_STATE_COLOR}"><B>thick teal: c (cell state)</B></FONT>'
                 f'   <FONT COLOR="{HIDDEN_STATE_COLOR}">grey: h (hidden state); width = |grad| carried</FONT></FONT></TD></TR>')
        lines.append('legend [shape=plaintext, margin="0", label=<<TABLE BORDER="0" CELLBORDER="1" '
                     f'CELLSPACING="0" CELLPADDING="3">{rows}</TABLE>>]')
    return wrap(lines)
