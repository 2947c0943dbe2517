"""The training loop: batches from the task, backward, clipping, optimizer step, and the
files a run leaves in its folder.

``out/metrics.jsonl``  one JSON line per logged step and per evaluation
``out/loss.png``       the training loss (and the evaluation score) against the step
``out/checkpoint.npz`` the latest checkpoint: model, optimizer, step, task and RNG state

A checkpoint holds everything the run depends on — weights, optimizer moments, the task's
data generator and the library's random generator — so ``--resume`` continues with exactly
the numbers an uninterrupted run would have produced. Ctrl-C saves one and stops cleanly.
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Callable

from .. import backend, checkpoint
from ..nn.clip import clip_grad_norm
from .models import SequenceModel
from .tasks import Task

CHECKPOINT = "checkpoint.npz"


class Run:
    """Everything one training run holds: task, model, optimizer, step and history."""

    def __init__(self, task: Task, model: SequenceModel, optimizer: Any, out_dir: str, clip: float | None,
                 batch_size: int, args: dict[str, Any]) -> None:
        self.task, self.model, self.optimizer = task, model, optimizer
        self.out_dir, self.clip, self.batch_size, self.args = out_dir, clip, batch_size, args
        self.step = 0
        self.history: list[dict[str, Any]] = []
        os.makedirs(out_dir, exist_ok=True)

    # -- checkpoints --
    @property
    def checkpoint_path(self) -> str:
        return os.path.join(self.out_dir, CHECKPOINT)

    def save(self) -> str:
        config = {"model": self.model.config, "task": self.task.config(), "args": self.args}
        checkpoint.save({"model": self.model, "optimizer": self.optimizer, "step": self.step,
                         "task_state": self.task.state_dict(), "config": config}, self.checkpoint_path)
        return self.checkpoint_path

    def resume(self, path: str) -> None:
        """Load weights, optimizer, step, task and random state from ``path``."""
        ckpt = checkpoint.load(path, restore_rng=True)
        header = checkpoint.read_header(path)
        if header["config"]["model"] != self.model.config:
            raise ValueError(f"--resume: {path} holds a model built with {header['config']['model']}, "
                             f"but this run builds {self.model.config}")
        self.model.load_state_dict(ckpt["model"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        self.task.load_state_dict(ckpt["task_state"])
        self.step = int(ckpt["step"])
        self.history = _read_metrics(os.path.join(self.out_dir, "metrics.jsonl"), self.step)

    # -- the loop --
    def train(self, steps: int, eval_every: int, log_every: int = 10, progress: bool = True,
              on_eval: Callable[[dict[str, Any]], None] | None = None, verbose: bool = True,
              desc: str | None = None) -> dict[str, Any] | None:
        """Train until ``steps`` (total, counting resumed ones); return the last evaluation.

        ``progress`` shows a tqdm bar; ``verbose`` prints each evaluation's summary."""
        bar = _progress(total=steps, initial=self.step, enabled=progress, desc=desc or self.task.name)
        last_eval = None
        t0, seen = time.perf_counter(), 0
        try:
            while self.step < steps:
                self.model.train()
                loss = self.task.train_loss(self.model, self.batch_size, self.step)
                self.optimizer.zero_grad()
                loss.backward()
                grad_norm = clip_grad_norm(self.model.parameters(), self.clip) if self.clip else None
                self.optimizer.step()
                self.step += 1
                seen += self.batch_size
                value = loss.item()
                if self.step % log_every == 0:   # by step number alone, so a resumed run logs the same steps
                    rate = seen / max(time.perf_counter() - t0, 1e-9)
                    self._log({"step": self.step, "loss": value, "grad_norm": grad_norm, "seq_per_s": rate})
                    bar.set_postfix(loss=f"{value:.4f}", seq_s=f"{rate:.0f}")
                bar.update(1)
                if self.step % eval_every == 0 or self.step == steps:
                    last_eval = self.evaluate()
                    if verbose:
                        bar.write(f"step {self.step}: {last_eval['summary']}")
                    if on_eval:
                        on_eval(last_eval)
                    self.save()
        except KeyboardInterrupt:
            bar.close()
            path = self.save()
            print(f"\ninterrupted at step {self.step}: checkpoint saved to {path}; "
                  f"continue with the same command plus --resume")
            raise
        bar.close()
        self.plot()
        return last_eval

    def evaluate(self) -> dict[str, Any]:
        self.model.eval()
        result = self.task.evaluate(self.model)
        self._log({"step": self.step, "eval": {k: v for k, v in result.items() if k != "confusion"}})
        return result

    def _log(self, record: dict[str, Any]) -> None:
        self.history.append(record)
        with open(os.path.join(self.out_dir, "metrics.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")

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
        ax.set_title(f"{self.task.name}: {config['cell']}, hidden {config['hidden_size']}{options}")
        fig.tight_layout()
        path = os.path.join(self.out_dir, "loss.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path


def _read_metrics(path: str, up_to_step: int) -> list[dict[str, Any]]:
    """Earlier records of a resumed run (those after the checkpoint's step are dropped and
    the file is rewritten, so the resumed run appends exactly where the checkpoint was)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    kept = [r for r in records if r["step"] <= up_to_step]
    with open(path, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in kept)
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
