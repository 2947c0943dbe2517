"""Support for the lessons in ``lessons/``: finding, running, converting and checking them.

A lesson is ``lessons/NN_topic.py`` in Jupytext's percent format: ``# %%`` starts a code
cell, ``# %% [markdown]`` a prose cell whose lines start with ``# ``. It runs as a plain
script and opens as a notebook. Its first markdown cell starts with ``# # N. Title`` and a
``# > one-line summary``.

Inside a lesson, :func:`out_dir` says where to write pictures and :func:`fast` says whether
to run small sizes (``TINYGRAD_RNN_FAST=1``, what CI uses). Exercises live in
``lessons/exercises/NN_*.py`` (functions that raise ``NotImplementedError`` until the learner
writes them), their checks in ``lessons/checks/NN_*.py``, solutions in ``lessons/solutions/``.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from .errors import ArgumentError, MissingFileError

FAST_ENV = "TINYGRAD_RNN_FAST"
OUT_ENV = "TINYGRAD_RNN_OUT"
DIR_ENV = "TINYGRAD_RNN_LESSONS"


def fast() -> bool:
    """True when lessons should run at small sizes (CI and quick checks)."""
    return os.environ.get(FAST_ENV, "") not in ("", "0")


def out_dir(name: str | None = None) -> Path:
    """The folder a lesson writes its pictures to (created if needed).

    ``$TINYGRAD_RNN_OUT`` if set, else ``./tinygrad_rnn_lessons/<lesson file stem>``.
    """
    if name is None:
        name = Path(sys.argv[0]).stem or "lesson"
    base = Path(os.environ.get(OUT_ENV) or Path("tinygrad_rnn_lessons") / name)
    base.mkdir(parents=True, exist_ok=True)
    return base


def show(path: str | os.PathLike) -> None:
    """Say where a picture went, and show it inline when the lesson runs inside Jupyter."""
    print(f"  picture: {path}")
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:          # plain script without IPython installed: the path is enough
        return
    if get_ipython() is not None:
        display(Image(filename=str(path)))


def check(condition: Any, message: str) -> None:
    """A lesson's "check yourself": stop loudly, with the reason, when the library misbehaves."""
    if not condition:
        raise AssertionError(f"check failed: {message}")
    print(f"  ✓ {message}")


# ---- a short memory task for lessons 5-7 ----------------------------------------------

def remember_the_marked(n: int, steps: int, seed: int, symbols: int = 4) -> tuple[Any, Any]:
    """Sequences of ``steps`` random symbols; the first carries a marker, and the target is it.

    Returns ``x`` (steps, n, symbols + 1) float32, one-hot symbols plus a marker channel that is
    1 only at t = 0, and ``y`` (n,) int64, the marked symbol. The later symbols come from the
    same alphabet, so a model must store the marked one at t = 0 and keep it unchanged through
    ``steps − 1`` look-alike inputs: a plain RNN's state is rewritten at every step.
    """
    import numpy as np
    r = np.random.default_rng(seed)
    sym = r.integers(0, symbols, (steps, n))
    x = np.zeros((steps, n, symbols + 1), np.float32)
    x[np.arange(steps)[:, None], np.arange(n)[None, :], sym] = 1.0
    x[0, :, symbols] = 1.0
    return x, sym[0].astype(np.int64)


def train_to_remember(layer: Any, hidden_size: int, data: tuple, test: tuple, steps: int, lr: float = 0.02,
                      batch: int = 32, every: int = 25, seed: int = 0) -> dict[str, list]:
    """Train ``layer`` (a PyTorch-style recurrent layer) and a linear read-out of its last output
    to name the marked symbol; Adam, gradients clipped to norm 1. Returns the training losses and
    the test accuracy every ``every`` steps (``{"loss": [...], "step": [...], "accuracy": [...]}``).
    """
    import numpy as np
    from . import nn, optim, no_grad, tensor
    x, y = data
    classes = int(y.max()) + 1
    dtype = next(iter(layer.parameters())).dtype          # inputs follow the layer's dtype
    head = nn.Linear(hidden_size, classes, dtype=dtype)
    params = list(layer.parameters()) + list(head.parameters())
    opt = optim.Adam(params, lr=lr)
    draw = np.random.default_rng(seed)
    out: dict[str, list] = {"loss": [], "step": [], "accuracy": []}
    for step in range(1, steps + 1):
        idx = draw.integers(0, len(y), batch)
        seq, _ = layer(tensor(x[:, idx], dtype=dtype))
        loss = nn.cross_entropy(head(seq[-1]), tensor(y[idx]))
        opt.zero_grad()
        loss.backward()
        nn.clip_grad_norm(params, 1.0)
        opt.step()
        out["loss"].append(loss.item())
        if step % every == 0 or step == steps:
            with no_grad():
                seq, _ = layer(tensor(test[0], dtype=dtype))
                guess = head(seq[-1]).numpy().argmax(axis=1)
            out["step"].append(step)
            out["accuracy"].append(float((guess == test[1]).mean()))
    return out


# ---- finding lessons -------------------------------------------------------------------

@dataclass
class Lesson:
    number: int
    path: Path
    title: str
    summary: str

    @property
    def stem(self) -> str:
        return self.path.stem


def lessons_dir() -> Path:
    """``$TINYGRAD_RNN_LESSONS``, else ``lessons/`` in the current folder or beside the package."""
    candidates = [os.environ.get(DIR_ENV), Path.cwd() / "lessons", Path(__file__).resolve().parent.parent / "lessons"]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    raise MissingFileError("no lessons folder found: run from the tinygrad_rnn checkout, or set "
                            f"{DIR_ENV} to the folder that holds NN_topic.py files")


def find_lessons() -> list[Lesson]:
    out = []
    for path in sorted(lessons_dir().glob("[0-9][0-9]_*.py")):
        title, summary = _header(path)
        out.append(Lesson(int(path.name[:2]), path, title, summary))
    return out


def get_lesson(number: int) -> Lesson:
    for lesson in find_lessons():
        if lesson.number == number:
            return lesson
    known = ", ".join(str(x.number) for x in find_lessons()) or "none"
    raise MissingFileError(f"there is no lesson {number} (lessons: {known})")


def _header(path: Path) -> tuple[str, str]:
    title, summary = path.stem, ""
    for line in path.read_text(encoding="utf-8").splitlines()[:30]:
        if line.startswith("# # ") and title == path.stem:
            title = line[4:].strip()
        elif line.startswith("# > ") and not summary:
            summary = line[4:].strip()
    return title, summary


# ---- running and converting ------------------------------------------------------------

def run_lesson(lesson: Lesson, fast_mode: bool = False, out: str | None = None) -> tuple[int, Path]:
    """Run the lesson as a script in a fresh Python; returns (exit status, picture folder)."""
    folder = Path(out) if out else Path("tinygrad_rnn_lessons") / lesson.stem
    env = dict(os.environ, **{OUT_ENV: str(folder), "MPLBACKEND": "Agg"})
    if fast_mode:
        env[FAST_ENV] = "1"
    proc = subprocess.run([sys.executable, str(lesson.path)], env=env, cwd=os.getcwd())
    return proc.returncode, folder


def to_notebook(path: Path) -> dict:
    """Percent-format script → notebook dict (nbformat 4), without needing Jupytext."""
    cells: list[dict] = []
    kind, lines = None, []

    def flush() -> None:
        if kind is None:
            return
        body = lines[:]
        while body and not body[-1].strip():
            body.pop()
        if kind == "markdown":
            body = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body]
        source = [ln + "\n" for ln in body]
        if source:
            source[-1] = source[-1].rstrip("\n")
        cell = {"cell_type": kind, "metadata": {}, "source": source}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)

    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^# %%(.*)$", line)
        if m:
            flush()
            kind, lines = ("markdown" if "[markdown]" in m.group(1) else "code"), []
        elif kind is not None:
            lines.append(line)
    flush()
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"},
                                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def notebook_target(lesson: Lesson, dest: str | os.PathLike | None = None) -> Path:
    """Where :func:`write_notebook` puts lesson ``lesson``'s notebook.

    One rule: ``None`` is ``./NN_topic.ipynb``; an existing folder, or a path that does not
    end in ``.ipynb``, is a folder that receives ``NN_topic.ipynb`` (created when missing);
    a path ending in ``.ipynb`` is the notebook file itself. The folder holding the notebook
    (or the one holding a folder to create) must already exist: a mistyped parent is
    an error, not a tree of new folders.
    """
    name = lesson.stem + ".ipynb"
    if dest is None or str(dest) == "":
        return Path(name)
    path = Path(dest)
    if path.is_dir():
        return path / name
    if path.suffix.lower() == ".ipynb":
        folder = path.parent
        what = f"{path} (a path ending in .ipynb is the notebook file)"
    else:
        if path.exists():
            raise ArgumentError(f"{path} exists and is not a folder: give a folder for {name}, "
                                f"or a file name ending in .ipynb")
        folder = path.parent
        what = f"the folder {path} (a path not ending in .ipynb is a folder to put {name} in)"
    if not folder.is_dir():
        raise ArgumentError(f"cannot write {what}: the folder {folder} does not exist; create it first")
    return path if path.suffix.lower() == ".ipynb" else path / name


def write_notebook(lesson: Lesson, dest: str | os.PathLike | None = None) -> Path:
    """Write lesson ``lesson`` as a Jupyter notebook; ``dest`` follows :func:`notebook_target`'s
    rule (a ``.ipynb`` path is the file, anything else a folder). Returns the file written."""
    target = notebook_target(lesson, dest)
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(to_notebook(lesson.path), indent=1, ensure_ascii=False), encoding="utf-8")
    return target


# ---- exercise checks ---------------------------------------------------------------------

@dataclass
class Outcome:
    name: str
    ok: bool
    message: str
    fn_name: str = ""
    hints: list[str] = field(default_factory=list)
    not_written: bool = False


def _load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module        # so that checks can reach the learner's other names (fn.__module__)
    spec.loader.exec_module(module)   # type: ignore[union-attr]
    return module


def exercise_path(number: int, use_solutions: bool = False) -> Path:
    """The file the learner edits for lesson ``number`` (or the shipped solution)."""
    folder = lessons_dir() / ("solutions" if use_solutions else "exercises")
    targets = sorted(folder.glob(f"{number:02d}_*.py"))
    if not targets:
        raise MissingFileError(f"no {folder.name} file for lesson {number} in {folder}")
    return targets[0]


def checks_module(number: int) -> Any:
    """Lesson ``number``'s check module (``lessons/checks/NN_*.py``), loaded."""
    files = sorted((lessons_dir() / "checks").glob(f"{number:02d}_*.py"))
    if not files:
        raise MissingFileError(f"lesson {number} has no exercise checks")
    return _load_module(files[0], f"_tgr_checks_{number}")


def run_checks(number: int, use_solutions: bool = False, file: str | os.PathLike | None = None,
               seed: int | None = None) -> list[Outcome]:
    """Run ``lessons/checks/NN_*.py`` against the learner's exercise file (or the solutions).

    ``file`` checks another copy of the exercise file instead (the learner's checkout stays
    clean); ``seed`` repeats the random inputs of an earlier run (see
    :mod:`tinygrad_rnn.lesson_checks`). A check module defines ``CHECKS``: a list of
    ``(exercise name, function name, check, hints)`` where ``check(fn)`` raises
    ``AssertionError`` with a message when ``fn`` is wrong. Every failure is turned into a
    sentence — never a bare traceback.
    """
    from . import lesson_checks
    checks = checks_module(number)
    target = Path(file) if file is not None else exercise_path(number, use_solutions)
    if not target.is_file():
        raise MissingFileError(f"no file {target} to check")
    lesson_checks.new_run(seed)
    outcomes = []
    try:
        learner = _load_module(target, f"_tgr_exercise_{number}")
    except Exception as e:   # a syntax error in the learner's file, for instance
        return [Outcome(target.name, False, f"the file does not import: {type(e).__name__}: {e}")]
    for name, fn_name, check_fn, hints in checks.CHECKS:
        fn = getattr(learner, fn_name, None)
        if fn is None:
            outcomes.append(Outcome(name, False, f"{target.name} has no function {fn_name}()", fn_name,
                                    lesson_checks.hint_levels(hints)))
            continue
        outcomes.append(_one(number, name, fn_name, fn, check_fn, hints, target))
    return outcomes


def _one(number: int, name: str, fn_name: str, fn: Callable, check_fn: Callable, hints: Any,
         target: Path) -> Outcome:
    from . import lesson_checks
    levels = lesson_checks.hint_levels(hints)
    nudge = f"Hint: `tinygrad-rnn check {number} --hint` gives a first nudge"
    try:
        check_fn(fn)
    except NotImplementedError:
        return Outcome(name, False, f"not written yet (it still raises NotImplementedError). {nudge}",
                       fn_name, levels, not_written=True)
    except AssertionError as e:
        return Outcome(name, False, f"{e or 'wrong result'}", fn_name, levels)
    except Exception as e:
        frames = traceback.extract_tb(e.__traceback__)
        mine = [f for f in frames if Path(f.filename).resolve() == target.resolve()]
        where = (mine or frames)[-1]
        return Outcome(name, False, f"raised {type(e).__name__}: {e} (at {Path(where.filename).name}:{where.lineno})",
                       fn_name, levels)
    return Outcome(name, True, "correct", fn_name, levels)
