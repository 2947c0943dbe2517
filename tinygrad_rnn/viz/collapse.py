"""The collapsed view: one box per cell application per time step.

Every op whose name-scope path contains a time step (``("lstm", "layer0", "forward",
"t=3")``) is folded into the box of that path up to and including ``t=3``. The box is
coloured by the gradient of the step's new state — ‖∂L/∂h_t‖, and for an LSTM a second
part for ‖∂L/∂c_t‖ — and the tensors that cross from one box to the next become the edges
between steps. The LSTM's cell state ``c`` (the "conveyor belt") is drawn as a thick teal
edge, the hidden state ``h`` as a thin grey one.

The steps of each (layer, direction) wrap into rows of ``steps_per_row`` like lines of text,
each row led by a label naming its cell and steps, so T = 50 or 100 fits a screen: a dashed
edge carries the state from the end of a row to the start of the next, and the many tensors
between two layers' rows travel as one dotted edge per pair of rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

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
    """Fold ``graph`` into boxes (deterministic order: first appearance) and links.

    Ops inside a time step fold by their scope path up to ``t=N``. Ops outside any step
    fold by scope path *and* by what they are connected to: the sums of two separate losses
    stay two boxes, each next to its own cell.
    """
    box_of_path: dict[tuple, Box] = {}
    box_of_node: dict[str, Box] = {}
    producer: dict[str, str] = {e.dst: e.src for e in graph.edges if graph.by_id[e.src].kind == OP}
    component = _outside_components(graph, producer)
    for n in graph.nodes:
        if n.kind != OP:
            continue
        path, step = group_key(n.scope)
        key = (path, None) if step is not None else (path, component[n.id])
        box = box_of_path.get(key)
        if box is None:
            box = box_of_path[key] = Box(f"b{len(box_of_path)}", path, step)
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


def _outside_components(graph: Graph, producer: dict[str, str]) -> dict[str, int]:
    """For ops outside any time step: a number per group of such ops joined through the
    tensors between them (union-find), so that unrelated ops never share a box."""
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    outside = {n.id for n in graph.nodes if n.kind == OP and group_key(n.scope)[1] is None}
    for e in graph.edges:                       # tensor -> op: join the op to the tensor's producer
        op = e.dst
        made_by = producer.get(e.src)
        if op in outside and made_by in outside:
            parent[find(op)] = find(made_by)
    numbers: dict[str, int] = {}
    out = {}
    for n in graph.nodes:
        if n.id in outside:
            out[n.id] = numbers.setdefault(find(n.id), len(numbers))
    return out


def _box_label(box: Box, heat: bool) -> str:
    """An HTML-like table: a header row, then one coloured row per state part."""
    if box.step is not None:
        head = box.path[-1]
    else:
        ops = list(dict.fromkeys(box.ops))
        head = ", ".join(ops[:3]) + (", ..." if len(ops) > 3 else "")
        if len(box.ops) > 1:
            head += f" ({len(box.ops)} ops)"
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


def _lanes(col: Collapsed) -> dict[tuple[str, ...], list[Box]]:
    """The step boxes of each (layer, direction) path, in processing order."""
    lanes: dict[tuple[str, ...], list[Box]] = {}
    for box in col.boxes:
        if box.step is not None:
            lanes.setdefault(box.path[:-1], []).append(box)
    for outer, boxes in lanes.items():
        boxes.sort(key=lambda b: -b.step if "backward" in outer else b.step)
    return lanes


def _row_label(outer: tuple[str, ...], first: int, last: int) -> str:
    """The label left of every row: the cell (bold), the rest of its path, the steps."""
    head = html_escape(outer[0]) if outer else ""
    rest = html_escape(" · ".join(outer[1:]))
    steps = f"t = {first}" if first == last else f"t = {first}…{last}"
    parts = [f"<B>{head}</B>"] if head else []
    if rest:
        parts.append(f'<FONT POINT-SIZE="9">{rest}</FONT>')
    parts.append(f'<FONT POINT-SIZE="9" COLOR="#555555">{steps}</FONT>')
    return "<BR ALIGN=\"RIGHT\"/>".join(parts) + "<BR ALIGN=\"RIGHT\"/>"


def collapsed_to_dot(graph: Graph, opts: DotOptions | None = None) -> str:
    """DOT text of the collapsed view of ``graph``, wrapped into rows.

    Each (layer, direction) path is a lane of step boxes in processing order, cut into rows
    of at most ``opts.steps_per_row`` steps; every row starts with a label naming the lane
    and its steps, and rows (then lanes) stack downwards. ``rankdir="TB"`` turns rows into
    columns. Ops outside any step (a loss) sit at the end of the row that feeds them.
    """
    opts = opts or DotOptions()
    opts.check()
    col = collapse(graph)
    heat = opts.show_grads and any(n.grad_norm is not None for n in graph.nodes)
    across = opts.rankdir in ("LR", "RL")        # rows run across the page, stacking downwards
    legend = ""
    if opts.legend:
        legend = heat_legend_html("box colour = |dL/d h_t| (and |dL/d c_t|), log10, clipped") if heat else ""
        has_c = any(name.startswith("c_") for box in col.boxes for name, _ in box.states)
        c_text = f'<FONT COLOR="{CELL_STATE_COLOR}"><B>thick teal: c (cell state)</B></FONT>   ' if has_c else ""
        legend += (f'<TR><TD COLSPAN="9"><FONT POINT-SIZE="9">{c_text}'
                   f'<FONT COLOR="{HIDDEN_STATE_COLOR}">grey: h (hidden state); width = |grad| carried</FONT></FONT></TD></TR>'
                   f'<TR><TD COLSPAN="9"><FONT POINT-SIZE="9">dashed: the state carried on to the next row</FONT></TD></TR>')
    header_opts = replace(opts, rankdir="TB" if across else "LR")
    header = graph_header(header_opts, legend)
    lines = header + [f"node {attrs(shape='plaintext', margin='0')}"]
    lanes = _lanes(col)
    row_of: dict[str, int] = {}                  # node id -> row number
    rows: list[list[str]] = []                   # row number -> node ids, in order
    lane_rows: list[list[int]] = []
    node_line: dict[str, str] = {}
    for outer, boxes in lanes.items():
        mine = []
        for start in range(0, len(boxes), opts.steps_per_row):
            chunk = boxes[start:start + opts.steps_per_row]
            r = len(rows)
            label_id = f"row{r}"
            node_line[label_id] = f"{label_id} {attrs(label_html=_row_label(outer, chunk[0].step, chunk[-1].step))}"
            for box in chunk:
                node_line[box.id] = f"{box.id} {attrs(label_html=_box_label(box, heat))}"
                row_of[box.id] = r
            rows.append([label_id] + [b.id for b in chunk])
            mine.append(r)
        lane_rows.append(mine)
    # boxes outside any step, then the outputs: at the end of the row that feeds them
    feeds: dict[str, list[str]] = {}
    for link in col.links:
        feeds.setdefault(link.dst, []).append(link.src)
    loose: list[str] = []
    for box in col.boxes:
        if box.step is None:
            node_line[box.id] = f"{box.id} {attrs(label_html=_box_label(box, heat))}"
            if not _attach(box.id, feeds, row_of, rows):
                loose.append(box.id)
    for rid, label, norm in col.outputs:
        fill = heat_color(norm) if heat and norm is not None else "#e7d4e8"
        font = text_color(norm) if heat and norm is not None else "#000000"
        text = label + (f"\n|grad| {format_norm(norm)}" if heat and norm is not None else "")
        node_line[rid] = f"{rid} {attrs(label=text, shape='box', style='filled,bold', color='#762a83', peripheries='2', fillcolor=fill, fontcolor=font, fontsize='10')}"
        if not _attach(rid, feeds, row_of, rows):
            loose.append(rid)
    for k, mine in enumerate(lane_rows):          # one cluster per lane, its rows inside
        lines.append(f"subgraph cluster_{k} {{")
        lines.append(f"\tgraph {attrs(label='', style='rounded', color='#bababa')}")
        lines.extend("\t" + node_line[i] for r in mine for i in rows[r])
        lines.append("}")
    lines.extend(node_line[i] for i in loose)
    row_labels = [ids[0] for ids in rows]
    for ids in rows:
        lines.append("{rank=same; " + "; ".join(ids) + "}")
    # a grid: row labels in one column, step j of every row of a lane under step j of the row
    # above (heavy invisible edges pull them straight), lanes one under the other
    for mine in lane_rows:
        for a, b in zip(mine, mine[1:]):
            for x, y in zip(rows[a], rows[b]):
                lines.append(f"{x} -> {y} [style=\"invis\", weight=\"100\"]")
    for a, b in zip(lane_rows, lane_rows[1:]):
        lines.append(f"{rows[a[-1]][0]} -> {rows[b[0]][0]} [style=\"invis\", weight=\"100\"]")
    # A column is one rank of a left-to-right layout, and there dot put the tail of an edge
    # between two boxes of the rank below its head (t=0 at the bottom). Along a column the
    # edges are written head first (dir=back draws them the right way round), so that it reads
    # downwards in time; they join whole boxes, as with cell ports dot 2.43 drew the arrows of
    # such edges at the wrong end.
    columns = not across
    in_row = {i: r for r, ids in enumerate(rows) for i in ids}

    def edge(src: str, dst: str, **kw: object) -> str:
        a, b = src.split(":")[0], dst.split(":")[0]
        if columns and in_row.get(a) is not None and in_row.get(a) == in_row.get(b):
            return f"{dst} -> {src} " + attrs(dir="back", **kw)
        return f"{src} -> {dst} " + attrs(**kw)

    for ids in rows:
        lines.append(edge(ids[0], ids[1], style="invis"))          # the label leads its row
    ports = {box.id: {_STATE.match(name).group(1) for name, _ in box.states} for box in col.boxes}
    lane_of = {i: k for k, mine in enumerate(lane_rows) for r in mine for i in rows[r]}
    steps = {box.id for box in col.boxes if box.step is not None}
    bundles: dict[tuple[str, str], list[Link]] = {}
    for link in col.links:
        bundle = _bundle(link, steps, lane_of, row_of, rows)
        if bundle is not None:
            bundles.setdefault(bundle, []).append(link)
            continue
        state = _STATE.match(link.name)
        part = state.group(1) if state else ""
        wraps = link.src in steps and link.dst in steps and row_of[link.src] != row_of[link.dst]
        # along a row: from the east side of the h (or c) row of one box to the west side of
        # the next; a wrap leaves the bottom of a row's last box for the top of the next row
        on = part in ports.get(link.src, ()) and part in ports.get(link.dst, ())
        if wraps:
            src, dst = f"{link.src}:s", f"{link.dst}:n"
        elif on and not columns:
            src, dst = f"{link.src}:{part}:e", f"{link.dst}:{part}:w"
        else:
            src, dst = link.src, link.dst
        width = edge_width(link.grad_norm) if heat else None
        if wraps:          # the line from the end of one row to the start of the next: thin, dashed
            color = CELL_STATE_COLOR if part == "c" else HIDDEN_STATE_COLOR
            lines.append(f"{src} -> {dst} " + attrs(
                label=f"{link.name}", color=color, fontcolor=color, style="dashed",
                penwidth=(width or 1.0), constraint="false"))
        elif part == "c":
            # the cell state: thick, straight, its own colour
            lines.append(edge(src, dst, color=CELL_STATE_COLOR, penwidth=(width or 1.0) + 3.0, weight="10"))
        else:
            lines.append(edge(src, dst, color=HIDDEN_STATE_COLOR, penwidth=width, weight="2" if part else None))
    for (src, dst), links in bundles.items():
        # many tensors between two rows (layer 0 to layer 1), or from a row to one box
        # outside the steps (a stack of every h_t): one edge, labelled with the first and last
        names = sorted({link.name for link in links if link.name}, key=_step_number)
        text = names[0] if len(names) == 1 else (f"{names[0]}…{names[-1]}" if names else None)
        across = src in lane_of and dst in lane_of and lane_of[src] != lane_of[dst]
        lines.append(edge(src, dst, label=text, color=HIDDEN_STATE_COLOR, fontcolor=HIDDEN_STATE_COLOR,
                          style="dotted", penwidth="1.5", constraint="false" if across else None))
    if bundles and opts.legend:
        legend += ('<TR><TD COLSPAN="9"><FONT POINT-SIZE="9">dotted: several tensors from one row '
                   'to another row or box (h_0…h_5)</FONT></TD></TR>')
        lines[:len(header)] = graph_header(header_opts, legend)
    return wrap(lines)


def _step_number(name: str) -> int:
    m = _STATE.match(name)
    return int(m.group(2)) if m else 0


def _bundle(link: Link, steps: set[str], lane_of: dict[str, int], row_of: dict[str, int],
            rows: list[list[str]]) -> tuple[str, str] | None:
    """The (source, target) a link is drawn as when it joins others, or None when it is
    drawn on its own: links from one lane's row into another lane's row become one edge
    between the two rows' labels; links from a row into one box outside the steps, one edge
    from the row's last step; links from a box outside into a row, one edge to its first step."""
    src_step, dst_step = link.src in steps, link.dst in steps
    if src_step and dst_step:
        if lane_of[link.src] == lane_of[link.dst]:
            return None
        return rows[row_of[link.src]][0], rows[row_of[link.dst]][0]
    if src_step:
        row = rows[row_of[link.src]]
        if link.dst in row and row.index(link.dst) == row.index(link.src) + 1:
            return None                        # the loss right after the last step
        last_step = [i for i in row if i in steps][-1]
        return last_step, link.dst
    if dst_step:
        row = rows[row_of[link.dst]]
        return link.src, row[1]
    return None


def _attach(node_id: str, feeds: dict[str, list[str]], row_of: dict[str, int],
            rows: list[list[str]]) -> bool:
    """Put ``node_id`` at the end of a row when what feeds it is that row's last node."""
    for src in feeds.get(node_id, ()):
        r = row_of.get(src)
        if r is not None and rows[r][-1] == src:
            rows[r].append(node_id)
            row_of[node_id] = r
            return True
    return False
