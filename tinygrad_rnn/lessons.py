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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

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
    raise FileNotFoundError("no lessons folder found: run from the tinygrad_rnn checkout, or set "
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
    raise FileNotFoundError(f"there is no lesson {number} (lessons: {known})")


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


def write_notebook(lesson: Lesson, dest: str | None = None) -> Path:
    target = Path(dest) if dest else Path(lesson.stem + ".ipynb")
    target.write_text(json.dumps(to_notebook(lesson.path), indent=1, ensure_ascii=False), encoding="utf-8")
    return target


# ---- exercise checks ---------------------------------------------------------------------

@dataclass
class Outcome:
    name: str
    ok: bool
    message: str


def _load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)   # type: ignore[union-attr]
    return module


def run_checks(number: int, use_solutions: bool = False) -> list[Outcome]:
    """Run ``lessons/checks/NN_*.py`` against the learner's exercise file (or the solutions).

    A check module defines ``CHECKS``: a list of ``(exercise name, function name, check, hint)``
    where ``check(fn)`` raises ``AssertionError`` with a message when ``fn`` is wrong. Every
    failure is turned into a sentence — never a bare traceback.
    """
    base = lessons_dir()
    prefix = f"{number:02d}_"
    checks_files = sorted((base / "checks").glob(prefix + "*.py"))
    if not checks_files:
        raise FileNotFoundError(f"lesson {number} has no exercise checks")
    folder = base / ("solutions" if use_solutions else "exercises")
    targets = sorted(folder.glob(prefix + "*.py"))
    if not targets:
        raise FileNotFoundError(f"no {folder.name} file for lesson {number} in {folder}")
    checks = _load_module(checks_files[0], f"_tgr_checks_{number}")
    outcomes = []
    try:
        learner = _load_module(targets[0], f"_tgr_exercise_{number}")
    except Exception as e:   # a syntax error in the learner's file, for instance
        return [Outcome(targets[0].name, False, f"the file does not import: {type(e).__name__}: {e}")]
    for name, fn_name, check_fn, hint in checks.CHECKS:
        fn = getattr(learner, fn_name, None)
        if fn is None:
            outcomes.append(Outcome(name, False, f"{targets[0].name} has no function {fn_name}()"))
            continue
        outcomes.append(_one(name, fn, check_fn, hint))
    return outcomes


def _one(name: str, fn: Callable, check_fn: Callable, hint: str) -> Outcome:
    try:
        check_fn(fn)
    except NotImplementedError:
        return Outcome(name, False, f"not written yet (it still raises NotImplementedError). Hint: {hint}")
    except AssertionError as e:
        return Outcome(name, False, f"{e or 'wrong result'}. Hint: {hint}")
    except Exception as e:
        where = traceback.extract_tb(e.__traceback__)[-1]
        return Outcome(name, False, f"raised {type(e).__name__}: {e} (at {Path(where.filename).name}:{where.lineno}). "
                                    f"Hint: {hint}")
    return Outcome(name, True, "correct")
