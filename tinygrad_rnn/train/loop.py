"""The training loop: batches from the task, backward, clipping, optimizer step, and the
files a run leaves in its folder.

``out/metrics.jsonl``  one JSON line per logged step and per evaluation
``out/loss.png``       the training loss (and the evaluation score) against the step
``out/checkpoint.npz`` the latest checkpoint: model, optimizer, step, task and RNG state

A checkpoint holds everything the run depends on — weights, optimizer moments, the task's
data generator and the library's random generator — so ``--resume`` continues with exactly
the numbers an uninterrupted run would have produced.

Stopping: SIGINT (Ctrl-C), SIGTERM (``kill``, ``timeout``, job schedulers) and SIGHUP (the
terminal closed) only raise a flag while :meth:`Run.train` runs; the step in progress
finishes, a checkpoint is saved at that step boundary and :class:`TrainingInterrupted` is
raised. A second signal stops at once (:class:`TrainingInterrupted` with ``saved=False``):
saves are atomic, so the last checkpoint on disk stays whole. Where no handler can be
installed (a thread other than the main one) a KeyboardInterrupt that lands before the
parameter update rolls the step back — the task's data position and the random generator
are put back to where the step began — so the checkpoint is again a step boundary.
"""
from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
import time
from typing import Any, Callable

from .. import backend, checkpoint
from ..errors import TinygradRNNError
from ..nn.clip import clip_grad_norm
from .models import SequenceModel
from .tasks import Task

CHECKPOINT = "checkpoint.npz"
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on a signal. ``saved``: a checkpoint of step ``step`` was written to
    ``checkpoint_path`` at a step boundary; ``exit_code``: 128 + the signal's number."""

    def __init__(self, signal_name: str, step: int, checkpoint_path: str, saved: bool,
                 resume_hint: str | None = None) -> None:
        self.signal_name, self.step, self.checkpoint_path, self.saved = signal_name, step, checkpoint_path, saved
        self.exit_code = 128 + int(getattr(signal, signal_name, signal.SIGINT))
        hint = f"; resume with: {resume_hint}" if resume_hint else ""
        if saved:
            text = f"stopped by {signal_name} at step {step}; checkpoint saved to {checkpoint_path}{hint}"
        else:
            text = (f"stopped at once by a second {signal_name}; the last complete checkpoint "
                    f"{checkpoint_path} is kept{hint}")
        super().__init__(text)

    def __str__(self) -> str:
        return str(self.args[0])


class TrainingDiverged(TinygradRNNError, FloatingPointError):
    """The training loss became NaN or infinite; the run's last checkpoint (from before), if
    it saved one, is kept."""


class _StopFlag:
    """While active: the first SIGINT/SIGTERM/SIGHUP sets ``name``; the second raises
    TrainingInterrupted(saved=False) at once. Restores the previous handlers on exit."""

    def __init__(self, run: "Run") -> None:
        self.run, self.name, self.previous = run, None, {}

    def _handle(self, signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if self.name is None:
            self.name = name
            return
        raise TrainingInterrupted(name, self.run.step, self.run.checkpoint_path, saved=False,
                                  resume_hint=self.run.resume_hint)

    def __enter__(self) -> "_StopFlag":
        if threading.current_thread() is threading.main_thread():
            for name in STOP_SIGNALS:
                if hasattr(signal, name):
                    self.previous[name] = signal.signal(getattr(signal, name), self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        for name, handler in self.previous.items():
            signal.signal(getattr(signal, name), handler)


class Run:
    """Everything one training run holds: task, model, optimizer, step and history."""

    def __init__(self, task: Task, model: SequenceModel, optimizer: Any, out_dir: str, clip: float | None,
                 batch_size: int, args: dict[str, Any]) -> None:
        self.task, self.model, self.optimizer = task, model, optimizer
        self.out_dir, self.clip, self.batch_size, self.args = out_dir, clip, batch_size, args
        self.step = 0
        # the step of this run's checkpoint on disk (saved, or resumed from); None: none yet
        self.saved_step: int | None = None
        self.history: list[dict[str, Any]] = []
        # shown in the message of an interrupted run (the CLI puts its own command line here)
        self.resume_hint: str | None = None
        # every N steps, a gradient-flow snapshot into flow.jsonl (0: off); see flow_record.py
        self.record_flow = 0
        # (base lr, rate, every): lr = base · rate^⌊step/every⌋ before each step, TensorFlow's
        # exponential_decay(staircase=True); computed from the step alone, so a resumed run agrees
        self.lr_decay: tuple[float, float, int] | None = None
        os.makedirs(out_dir, exist_ok=True)

    # -- checkpoints --
    @property
    def checkpoint_path(self) -> str:
        return os.path.join(self.out_dir, CHECKPOINT)

    def save(self) -> str:
        config = {"model": self.model.config, "task": self.task.config(), "args": self.args}
        checkpoint.save({"model": self.model, "optimizer": self.optimizer, "step": self.step,
                         "task_state": self.task.state_dict(), "config": config}, self.checkpoint_path)
        self.saved_step = self.step
        return self.checkpoint_path

    def resume(self, path: str) -> None:
        """Load weights, optimizer, step, task and random state from ``path``."""
        header = checkpoint.read_header(path)
        config = header.get("config")
        if not isinstance(config, dict) or not isinstance(config.get("model"), dict):
            raise checkpoint.CheckpointError(f"--resume: {path} is not a checkpoint of a training run")
        if config["model"] != self.model.config:
            raise checkpoint.CheckpointError(f"--resume: {path} holds a model built with {config['model']}, "
                                             f"but this run builds {self.model.config}")
        rng = backend.get_rng_state()
        ckpt = checkpoint.load(path, restore_rng=True)
        try:
            self.model.load_state_dict(ckpt["model"])
            self.optimizer.load_state_dict(ckpt["optimizer"])
            self.task.load_state_dict(ckpt["task_state"])
            self.step = self.saved_step = int(ckpt["step"])
        except (KeyError, TypeError, ValueError, IndexError, TinygradRNNError) as e:
            backend.set_rng_state(rng)
            raise checkpoint.CheckpointError(f"--resume: {path} does not fit this run: {type(e).__name__}: {e}") \
                from None
        self.history = _read_metrics(os.path.join(self.out_dir, "metrics.jsonl"), self.step)

    # -- the loop --
    def train(self, steps: int, eval_every: int, log_every: int = 10, progress: bool = True,
              on_eval: Callable[[dict[str, Any]], None] | None = None, verbose: bool = True,
              desc: str | None = None, plot: bool = True) -> dict[str, Any] | None:
        """Train until ``steps`` (total, counting resumed ones); return the last evaluation.

        ``progress`` shows a tqdm bar; ``verbose`` prints each evaluation's summary; ``plot``
        draws ``loss.png`` at the end."""
        bar = _progress(total=steps, initial=self.step, enabled=progress, desc=desc or self.task.name)
        last_eval = None
        t0, seen = time.perf_counter(), 0
        if self.record_flow and self.step == 0:
            self._record_flow()                 # where training starts
        with _StopFlag(self) as stop:
            try:
                while self.step < steps and stop.name is None:
                    # where the step begins: enough to roll it back before the parameters change
                    before = (self.task.state_dict(), backend.get_rng_state())
                    updating = False
                    try:
                        self.model.train()
                        loss = self.task.train_loss(self.model, self.batch_size, self.step)
                        self.optimizer.zero_grad()
                        loss.backward()
                        grad_norm = clip_grad_norm(self.model.parameters(), self.clip) if self.clip else None
                        updating = True
                        if self.lr_decay is not None:
                            base, rate, every = self.lr_decay
                            for group in self.optimizer.param_groups:
                                group["lr"] = base * rate ** (self.step // every)
                        self.optimizer.step()
                        self.step += 1
                        updating = False
                    except TrainingInterrupted:
                        raise
                    except KeyboardInterrupt:
                        bar.close()
                        if updating:      # half-updated parameters: keep the checkpoint on disk
                            raise TrainingInterrupted("SIGINT", self.step, self.checkpoint_path, saved=False,
                                                      resume_hint=self.resume_hint) from None
                        self.task.load_state_dict(before[0])
                        backend.set_rng_state(before[1])
                        self.optimizer.zero_grad()
                        raise self._stopped("SIGINT") from None
                    seen += self.batch_size
                    value = loss.item()
                    if not math.isfinite(value):
                        self._log({"step": self.step, "loss": value, "grad_norm": grad_norm})
                        kept = ("no checkpoint of this run was saved yet" if self.saved_step is None else
                                f"the checkpoint of step {self.saved_step} is kept in {self.checkpoint_path}")
                        raise TrainingDiverged(
                            f"train: the loss became {value} at step {self.step} ({self.task.name}, "
                            f"{type(self.optimizer).__name__} lr {self.optimizer.param_groups[0].get('lr')}); "
                            f"{kept}; try a lower learning rate or gradient clipping")
                    if self.step % log_every == 0:   # by step number alone, so a resumed run logs the same steps
                        rate = seen / max(time.perf_counter() - t0, 1e-9)
                        self._log({"step": self.step, "loss": value, "grad_norm": grad_norm, "seq_per_s": rate})
                        bar.set_postfix(loss=f"{value:.4f}", seq_s=f"{rate:.0f}")
                    bar.update(1)
                    if self.record_flow and self.step % self.record_flow == 0:
                        self._record_flow()
                    if self.step % eval_every == 0 or self.step == steps:
                        last_eval = self.evaluate()
                        if verbose:
                            bar.write(f"step {self.step}: {last_eval['summary']}")
                        if on_eval:
                            on_eval(last_eval)
                        self.save()
                if stop.name is not None and self.step < steps:     # (a run that just finished is not stopped)
                    bar.close()
                    raise self._stopped(stop.name)
            except TrainingInterrupted:
                bar.close()
                raise
            except KeyboardInterrupt:      # between steps (logging, evaluation): the step is complete
                bar.close()
                raise self._stopped("SIGINT") from None
        bar.close()
        if plot:
            self.plot()
        return last_eval

    def _stopped(self, signal_name: str) -> TrainingInterrupted:
        path = self.save()
        return TrainingInterrupted(signal_name, self.step, path, saved=True, resume_hint=self.resume_hint)

    def evaluate(self) -> dict[str, Any]:
        self.model.eval()
        result = self.task.evaluate(self.model)
        self._log({"step": self.step, "eval": {k: v for k, v in result.items() if k != "confusion"}})
        return result

    def _record_flow(self) -> None:
        """One gradient-flow snapshot of the model as it is now (changes nothing in the run)."""
        from .flow_record import append_snapshot, flow_label, measure_flow
        record = measure_flow(self.model, self.task, self.batch_size, self.step)
        append_snapshot(self.out_dir, self.step, flow_label(self.model.config), record,
                        info={"task": self.task.name})

    def _log(self, record: dict[str, Any]) -> None:
        self.history.append(record)
        with open(os.path.join(self.out_dir, "metrics.jsonl"), "a") as f:
            f.write(json.dumps(strict_json(record), allow_nan=False) + "\n")

    def plot(self) -> str | None:
        """Write ``loss.png``: training loss per logged step, evaluation score on a second axis."""
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return None
        steps = [r["step"] for r in self.history if "loss" in r]
        losses = [r["loss"] for r in self.history if "loss" in r]
        key, label = self.task.plot_metric
        evals = [(r["step"], r["eval"].get(key, r["eval"]["score"])) for r in self.history if "eval" in r]
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.plot(steps, losses, color="tab:blue", lw=1, label="training loss")
        ax.set_xlabel("step")
        ax.set_ylabel("training loss", color="tab:blue")
        ax.set_yscale("log")
        if evals:
            ax2 = ax.twinx()
            ax2.plot(*zip(*evals), "o-", color="tab:red", label=label)
            ax2.set_ylabel(label, color="tab:red")
        config = self.model.config
        options = "".join(f", {k.replace('_', ' ')} {v}" for k, v in config.get("cell_options", {}).items())
        size = ", ".join(f"{k} {v}" for k, v in self.task.options.items() if k != "data")
        ax.set_title(f"{self.task.name}{f' ({size})' if size else ''}: {config['cell']}, "
                     f"hidden {config['hidden_size']}{options}")
        fig.tight_layout()
        path = os.path.join(self.out_dir, "loss.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path


def strict_json(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with every NaN or infinity replaced by ``null`` (strict JSON has neither) and
    a ``nonfinite`` field saying which keys held what, e.g. ``{"loss": "nan"}``."""
    why: dict[str, str] = {}

    def clean(value: Any, key: str) -> Any:
        if isinstance(value, dict):
            return {k: clean(v, f"{key}.{k}" if key else k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v, f"{key}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, float) and not math.isfinite(value):
            why[key] = "nan" if value != value else ("inf" if value > 0 else "-inf")
            return None
        return value

    out = clean(record, "")
    if why:
        out["nonfinite"] = why
    return out


def _read_metrics(path: str, up_to_step: int) -> list[dict[str, Any]]:
    """Earlier records of a resumed run (those after the checkpoint's step are dropped and
    the file is rewritten, so the resumed run appends exactly where the checkpoint was).
    A line cut short by a killed process is dropped too."""
    if not os.path.exists(path):
        return []
    records = []
    with open(path, errors="replace") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("step"), int):
                records.append(record)
    kept = [r for r in records if r["step"] <= up_to_step]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.writelines(json.dumps(r, allow_nan=False) + "\n" for r in kept)
    os.replace(tmp, path)
    return kept


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def set_postfix(self, **kw: Any) -> None:
        pass

    def write(self, text: str) -> None:
        print(text)

    def close(self) -> None:
        pass


def _progress(total: int, initial: int, enabled: bool, desc: str) -> Any:
    # a bar redrawn into a log file (CI, `> out.txt`) is thousands of lines of noise
    if not enabled or not sys.stderr.isatty():
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoBar()
    return tqdm(total=total, initial=initial, desc=desc, unit="step", dynamic_ncols=True)


def device_ready(device: str) -> str:
    dev = backend.parse_device(device)
    if dev != "cpu":
        backend.require_cuda(dev)
    return dev
