"""Drawings of an unrolled cell place the time steps in time order, whatever the loss.

The positions come from Graphviz itself (``dot -Tjson``): in the op-level drawing the
``t=N`` clusters stack downwards (``rankdir="LR"``) or run left to right (``"TB"``); in the
collapsed view the step boxes read like text, along a row then row after row (``"LR"``), or
down a column then column after column (``"TB"``). The losses are the three shapes a
drawing meets: ``sum(h_T)`` (what ``tinygrad-rnn graph`` draws), one sum of the per-step
losses (``stack(losses).sum()``) and a chain of adds (``l_0 + l_1 + ...``), which used to
make dot put the steps out of order.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

import tinygrad_rnn as tg

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")

CELLS = {"rnn": (tg.nn.RNNCell, 6), "lstm": (tg.nn.LSTMCell, 4), "gru": (tg.nn.GRUCell, 5)}


def _unrolled_loss(kind: str, T: int, loss: str) -> tuple[tg.Tensor, object]:
    """A freshly initialised cell unrolled over T steps, with a loss of the given shape,
    after a backward pass that keeps every gradient."""
    tg.manual_seed(0)
    cls, _ = CELLS[kind]
    cell = cls(2, 3)
    states, last = tg.viz.unroll_cell(cell, tg.randn(T, 1, 2), scope=kind)
    if loss == "last":
        total = tg.viz.default_loss(cell, last)
    else:
        step_losses = []
        for t, parts in enumerate(states):          # l_t = sum(h_t ⊙ h_t), inside step t
            with tg.name_scope(kind), tg.name_scope("layer0"), tg.name_scope("forward"), \
                    tg.name_scope(f"t={t}"):
                l_t = (parts[0] * parts[0]).sum()
                l_t.name = f"l_{t}"
            step_losses.append(l_t)
        if loss == "chain":
            total = step_losses[0]
            for l_t in step_losses[1:]:
                total = total + l_t
        else:
            total = tg.stack(step_losses).sum()
    total.name = "L"
    tg.viz.backward_with_grads(total)
    return total, cell


def _layout(dot: str) -> dict:
    return json.loads(subprocess.run(["dot", "-Tjson"], input=dot, capture_output=True, text=True,
                                     check=True, timeout=60).stdout)


def _step_boxes(dot: str, collapsed: bool) -> dict[int, tuple[float, float, float, float]]:
    """Step N -> (x0, y0, x1, y1) of its cluster (op level) or its box (collapsed), y upwards."""
    boxes = {}
    for obj in _layout(dot).get("objects", []):
        label = str(obj.get("label", ""))
        if not collapsed and label.startswith("t=") and "bb" in obj:
            boxes[int(label[2:])] = tuple(float(v) for v in obj["bb"].split(","))
        elif collapsed and "pos" in obj:
            m = re.search(r"<B>t=(\d+)</B>", label)
            if m:
                x, y = (float(v) for v in obj["pos"].split(","))
                w, h = float(obj["width"]) * 36, float(obj["height"]) * 36     # half sizes, points
                boxes[int(m.group(1))] = (x - w, y - h, x + w, y + h)
    return boxes


def _reading_order(boxes: dict[int, tuple[float, float, float, float]], rankdir: str) -> list[int]:
    """The steps as a reader meets them: LR, rows top to bottom and left to right along a row;
    TB, columns left to right and top to bottom down a column."""
    def key(t: int) -> tuple[float, float]:
        x0, y0, x1, y1 = boxes[t]
        cx, cy = round((x0 + x1) / 2, 1), round((y0 + y1) / 2, 1)
        return (-cy, cx) if rankdir == "LR" else (cx, -cy)
    return sorted(boxes, key=key)


@pytest.mark.parametrize("loss", ["last", "stack", "chain"])
@pytest.mark.parametrize("kind", sorted(CELLS))
def test_op_level_steps_are_in_time_order(kind: str, loss: str) -> None:
    T = CELLS[kind][1]
    total, cell = _unrolled_loss(kind, T, loss)
    for rankdir in ("LR", "TB"):
        boxes = _step_boxes(tg.viz.to_dot(total, module=cell, rankdir=rankdir), collapsed=False)
        assert sorted(boxes) == list(range(T))
        assert _reading_order(boxes, rankdir) == list(range(T)), (rankdir, boxes)
        for t in range(T - 1):                       # one band per step, no two side by side
            a, b = boxes[t], boxes[t + 1]
            if rankdir == "LR":
                assert a[1] >= b[3], (rankdir, t, a, b)          # step t wholly above step t+1
            else:
                assert a[2] <= b[0], (rankdir, t, a, b)          # step t wholly left of step t+1


@pytest.mark.parametrize("loss", ["last", "stack", "chain"])
@pytest.mark.parametrize("kind", sorted(CELLS))
def test_collapsed_steps_read_in_time_order(kind: str, loss: str) -> None:
    T = CELLS[kind][1]
    total, cell = _unrolled_loss(kind, T, loss)
    for rankdir in ("LR", "TB"):
        dot = tg.viz.to_dot(total, collapse=True, steps_per_row=3, rankdir=rankdir)
        boxes = _step_boxes(dot, collapsed=True)
        assert sorted(boxes) == list(range(T))
        assert _reading_order(boxes, rankdir) == list(range(T)), (rankdir, boxes)
        # every row (column) holds steps_per_row steps but the last
        along = 1 if rankdir == "LR" else 0                   # the coordinate shared by a row
        lines = {}
        for t, box in boxes.items():
            lines.setdefault(round((box[along] + box[along + 2]) / 2, 1), []).append(t)
        assert sorted(map(sorted, lines.values())) == [list(range(s, min(T, s + 3))) for s in range(0, T, 3)]


def test_every_lane_of_a_stacked_bidirectional_layer_reads_in_processing_order() -> None:
    # the outputs of layer 0 feed layer 1 at every step: layer 1's steps used to come out reversed
    tg.manual_seed(0)
    layer = tg.nn.LSTM(2, 3, num_layers=2, bidirectional=True)
    out, _ = layer(tg.randn(4, 1, 2))
    loss = out.sum()
    tg.viz.backward_with_grads(loss)
    for rankdir in ("LR", "TB"):
        objects = _layout(tg.viz.to_dot(loss, module=layer, rankdir=rankdir)).get("objects", [])
        bbs = [(str(o.get("label", "")), tuple(float(v) for v in o["bb"].split(","))) for o in objects if "bb" in o]
        lanes = [(name, bb) for name, bb in bbs if name in ("forward", "backward")]
        steps = {int(name[2:]): None for name, _ in bbs if name.startswith("t=")}
        assert len(lanes) == 4 and sorted(steps) == [0, 1, 2, 3]
        for name, lane in lanes:
            inside = {int(n[2:]): bb for n, bb in bbs if n.startswith("t=") and lane[0] - 1 <= bb[0]
                      and lane[1] - 1 <= bb[1] and bb[2] <= lane[2] + 1 and bb[3] <= lane[3] + 1}
            order = _reading_order(inside, rankdir)
            assert order == ([0, 1, 2, 3] if name == "forward" else [3, 2, 1, 0]), (rankdir, name, order)


def _lanes(dot: str) -> list[tuple[str, str, tuple[float, float, float, float]]]:
    """(layer, direction, box) of every direction lane (``forward``, ``backward``) of a drawing."""
    bbs = [(str(o.get("label", "")), tuple(float(v) for v in o["bb"].split(",")))
           for o in _layout(dot).get("objects", []) if "bb" in o]
    layers = [(name, bb) for name, bb in bbs if name.startswith("layer")]

    def within(bb, outer) -> bool:
        return outer[0] - 1 <= bb[0] and outer[1] - 1 <= bb[1] and bb[2] <= outer[2] + 1 and bb[3] <= outer[3] + 1

    return [(next(name for name, outer in layers if within(bb, outer)), lane, bb)
            for lane, bb in bbs if lane in ("forward", "backward")]


@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-way", "bidirectional"])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_stacked_layers_read_layer_by_layer_forward_before_backward(kind: str, bidirectional: bool) -> None:
    # layer 0 comes first (top in "LR", left in "TB"), then layer 1; in each layer the
    # forward lane before the backward one. The top-to-bottom drawing used to put layer 1
    # on the left, and the last layer's backward lane came before its forward one.
    tg.manual_seed(0)
    cls = {"lstm": tg.nn.LSTM, "gru": tg.nn.GRU}[kind]
    layer = cls(3, 4, num_layers=2, bidirectional=bidirectional, fused=False)
    out, _ = layer(tg.randn(3, 1, 3))
    loss = out.sum()
    tg.viz.backward_with_grads(loss)
    directions = ["forward", "backward"] if bidirectional else ["forward"]
    expected = [(f"layer{k}", d) for k in range(2) for d in directions]
    for rankdir in ("LR", "TB"):
        lanes = _lanes(tg.viz.to_dot(loss, module=layer, rankdir=rankdir))
        assert sorted((layer_, d) for layer_, d, _ in lanes) == sorted(expected)
        if rankdir == "LR":                           # top to bottom: y grows upwards
            lanes.sort(key=lambda lane: -lane[2][3])
        else:
            lanes.sort(key=lambda lane: lane[2][0])
        assert [(layer_, d) for layer_, d, _ in lanes] == expected, (rankdir, lanes)
        for (_, _, a), (_, _, b) in zip(lanes, lanes[1:]):   # one lane wholly before the next
            assert a[1] >= b[3] if rankdir == "LR" else a[2] <= b[0], (rankdir, a, b)


def _gates_per_step(dot: str, gates: str, rankdir: str) -> list[str]:
    """For every ``t=N`` cluster of a drawing, its gate nodes (``i = σ`` ...) in the order a
    reader meets them across the step: left to right ("TB"), top to bottom ("LR")."""
    objects = _layout(dot).get("objects", [])
    by_id = {o["_gvid"]: o for o in objects if "pos" in o}
    orders = []
    for o in objects:
        if not (str(o.get("label", "")).startswith("t=") and "bb" in o):
            continue
        found = {}
        for i in o.get("nodes", []):
            m = re.match(r"([a-z])(?:_\d+)? = ", str(by_id.get(i, {}).get("label", "")))
            if m and m.group(1) in gates:
                x, y = (float(v) for v in by_id[i]["pos"].split(","))
                found[m.group(1)] = x if rankdir == "TB" else -y
        orders.append("".join(sorted(found, key=found.get)))
    return orders


@pytest.mark.parametrize("kind,gates", [("lstm", "ifgo"), ("gru", "rzn")])
def test_every_step_shows_its_gates_in_the_order_of_the_equations(kind: str, gates: str) -> None:
    # LSTM i f g o side by side in that order at every step; GRU r then z, and n (made
    # from r, one row lower) after z. They used to come out f g i o in one step and
    # g i f o in another (dot's last crossing pass over the whole graph reordered them)
    tg.manual_seed(0)
    cell = {"lstm": tg.nn.LSTMCell, "gru": tg.nn.GRUCell}[kind](2, 3)
    _, last = tg.viz.unroll_cell(cell, tg.randn(4, 1, 2), scope=kind)
    cell_loss = tg.viz.default_loss(cell, last)
    layer = {"lstm": tg.nn.LSTM, "gru": tg.nn.GRU}[kind](3, 4, num_layers=2, bidirectional=True, fused=False)
    out, _ = layer(tg.randn(3, 1, 3))
    layer_loss = out.sum()
    for loss, module, steps in ((cell_loss, cell, 4), (layer_loss, layer, 4 * 3)):
        tg.viz.backward_with_grads(loss)
        for rankdir in ("TB", "LR"):
            orders = _gates_per_step(tg.viz.to_dot(loss, module=module, rankdir=rankdir), gates, rankdir)
            assert len(orders) == steps
            if kind == "gru" and rankdir == "LR":     # n, one column further right, sits
                orders = [o.replace("n", "") for o in orders]      # level with z or below it
                assert set(orders) == {"rz"}, (rankdir, orders)
            else:
                assert set(orders) == {gates}, (rankdir, orders)
