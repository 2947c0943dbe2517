"""Gradient flow over training: ``tinygrad-rnn train ... --record-flow N``.

Every N training steps (and once before the first) the run measures, on one batch of its
task, how much gradient of the task's loss reaches each time step: ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖
and the mean forget-gate value f_t for an LSTM) of the first layer's forward direction. One
JSON line per snapshot goes to ``flow.jsonl`` in the run folder; ``tinygrad-rnn explore
--run RUN_DIR`` puts a slider over them.

A snapshot must not change the run: it runs the layer as primitive ops (the fused kernels
keep no per-step tensors to measure), draws its batch with the task's generator and the
library's random state saved and restored around it, and clears the gradients it made. A run
with ``--record-flow`` therefore trains to exactly the same weights as one without.
"""
from __future__ import annotations

import json
import math
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import ArgumentError, MissingFileError
from .. import backend
from ..tensor import Tensor
from ..viz.grads import _graph_tensors
from ..viz.graph import grad_norm

FLOW_FILE = "flow.jsonl"
_STATE = re.compile(r"^([hc])_(\d+)$")


@contextmanager
def _primitive_ops(model: Any) -> Iterator[None]:
    """Run every recurrent layer of ``model`` as the cells' own ops for a moment."""
    layers = [m for m in model.modules() if getattr(m, "fused", False) is True]
    for m in layers:
        m.fused = False
    try:
        yield
    finally:
        for m in layers:
            m.fused = True


def _first_lane(scope: tuple[str, ...]) -> bool:
    return "layer0" in scope and "backward" not in scope


def measure_flow(model: Any, task: Any, batch_size: int, step: int) -> dict[str, list[float]]:
    """``{"h": [...], "c": [...], "f": [...]}`` per time step for one batch of ``task``."""
    saved = (task.state_dict(), backend.get_rng_state())
    try:
        with _primitive_ops(model):
            loss = task.train_loss(model, batch_size, step)
        found: dict[str, dict[int, Tensor]] = {"h": {}, "c": {}}
        gates: dict[int, float] = {}
        for t in _graph_tensors(loss):
            scope = tuple(t._ctx.scope) if t._ctx is not None else ()
            if not _first_lane(scope):
                continue
            m = _STATE.match(t.name or "")
            if m:
                found[m.group(1)][int(m.group(2))] = t
                t.retain_grad()
            elif t.name == "f":
                step_t = next((int(s[2:]) for s in scope if s.startswith("t=")), None)
                if step_t is not None:
                    gates[step_t] = float(backend.to_numpy(t.data).mean())
        loss.backward()
        # one length for every part: the longest sequence of the batch (padded batches of the
        # 1997 adding problem vary in length; a step no tensor was recorded for gets 0 / NaN)
        T = 1 + max([max(ts) for ts in found.values() if ts] + ([max(gates)] if gates else []), default=-1)
        record: dict[str, list[float]] = {}
        for part, tensors in found.items():
            if tensors:
                record[part] = [(grad_norm(tensors[k]) or 0.0) if k in tensors else 0.0 for k in range(T)]
        if gates:
            record["f"] = [gates.get(k, float("nan")) for k in range(T)]
        record["loss"] = float(loss.item())
        return record
    finally:
        for p in model.parameters():
            p.grad = None
        task.load_state_dict(saved[0])
        backend.set_rng_state(saved[1])


def flow_label(config: dict[str, Any]) -> str:
    """The timeline's name for a model: ``"lstm, forget bias 1"`` from its config."""
    options = config.get("cell_options") or {}
    extra = [f"{k.replace('_', ' ')} {v:g}" if isinstance(v, float) else f"{k.replace('_', ' ')} {v}"
             for k, v in sorted(options.items())]
    return ", ".join([str(config.get("cell", "cell"))] + extra)


def append_snapshot(run_dir: str | Path, step: int, label: str, record: dict[str, Any],
                    info: dict[str, Any] | None = None) -> None:
    """One line of ``flow.jsonl``: ``{"step", "loss", "lanes": {label: {h, c, f}}, "info"}``."""
    loss = record.pop("loss", None)
    clean = {k: [v if math.isfinite(v) else None for v in vs] for k, vs in record.items()}
    line = {"step": step, "loss": loss if loss is not None and math.isfinite(loss) else None,
            "lanes": {label: clean}, "info": info or {}}
    with open(Path(run_dir) / FLOW_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps(line, allow_nan=False) + "\n")


def read_flow(path: str | Path) -> list[dict[str, Any]]:
    """Every snapshot in ``flow.jsonl``, in step order (a resumed run's repeats: the last wins)."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path} does not exist: record a run with tinygrad-rnn train ... --record-flow N")
    by_step: dict[int, dict[str, Any]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            snap = json.loads(line)
            by_step[int(snap["step"])] = snap
        except (ValueError, KeyError, TypeError) as e:
            raise ArgumentError(f"{path}, line {n}: not a flow snapshot ({e})") from None
    return [by_step[s] for s in sorted(by_step)]


def read_losses(run_dir: str | Path) -> list[list[float | None]]:
    """``[[step, training loss], ...]`` from the run's ``metrics.jsonl`` (empty if missing)."""
    path = Path(run_dir) / "metrics.jsonl"
    out: dict[int, float | None] = {}
    if not path.exists():
        return []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and "loss" in row and "step" in row and "eval" not in row:
            v = row["loss"]
            out[int(row["step"])] = v if isinstance(v, (int, float)) and math.isfinite(v) else None
    return [[s, out[s]] for s in sorted(out)]
