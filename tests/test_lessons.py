"""Every lesson runs (small sizes, as CI runs it) and writes pictures; exercise checks work.

Lessons are found with ``tinygrad_rnn.lessons.find_lessons()``, so new lessons are picked up
without editing this file. Each runs in a fresh Python, like a learner's
``tinygrad-rnn lesson N --fast``. For lessons with exercises, ``tinygrad-rnn check N
--solutions`` must pass and ``tinygrad-rnn check N`` on the untouched exercise files must
fail kindly: one "not written yet" line per exercise, exit status 1, no traceback.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_rnn.lessons import find_lessons, lessons_dir

LESSONS = find_lessons()
ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "tinygrad_rnn"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, TINYGRAD_RNN_FAST="1", TINYGRAD_RNN_OUT=str(tmp_path), MPLBACKEND="Agg",
               TINYGRAD_RNN_LESSONS=str(lessons_dir()))
    return env


def test_lessons_are_found() -> None:
    numbers = [lesson.number for lesson in LESSONS]
    assert {1, 2, 3, 4} <= set(numbers), f"lessons found: {numbers}"
    assert len(numbers) == len(set(numbers)), f"two lessons share a number: {numbers}"
    for lesson in LESSONS:
        assert lesson.title.startswith(f"{lesson.number}. "), f"{lesson.path.name}: title {lesson.title!r}"
        assert lesson.summary, f"{lesson.path.name} has no '# > summary' line"


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.stem for lesson in LESSONS])
def test_lesson_runs_and_draws(lesson, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(lesson.path)], env=_env(tmp_path), cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{lesson.path.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    pngs = list(tmp_path.rglob("*.png"))
    assert pngs, f"{lesson.path.name} wrote no PNG into {tmp_path}"
    assert all(p.stat().st_size > 1000 for p in pngs), f"an empty picture: {[(p.name, p.stat().st_size) for p in pngs]}"
    assert "check failed" not in proc.stdout + proc.stderr


WITH_CHECKS = [lesson for lesson in LESSONS if list((lessons_dir() / "checks").glob(f"{lesson.number:02d}_*.py"))]


@pytest.mark.parametrize("lesson", WITH_CHECKS, ids=[lesson.stem for lesson in WITH_CHECKS])
def test_solutions_pass_and_exercises_fail_kindly(lesson, tmp_path: Path) -> None:
    env = _env(tmp_path)
    solved = subprocess.run(CLI + ["check", str(lesson.number), "--solutions"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert solved.returncode == 0, f"solutions of lesson {lesson.number} fail:\n{solved.stdout}\n{solved.stderr}"
    assert "✗" not in solved.stdout

    untouched = subprocess.run(CLI + ["check", str(lesson.number)], env=env, cwd=ROOT,
                               capture_output=True, text=True, timeout=300)
    out = untouched.stdout + untouched.stderr
    assert untouched.returncode == 1, f"untouched exercises of lesson {lesson.number} exit {untouched.returncode}:\n{out}"
    assert "Traceback" not in out, out
    failed = [line for line in untouched.stdout.splitlines() if line.startswith("✗ ")]
    assert failed, f"no per-exercise lines in:\n{out}"
    assert all("not written yet" in line for line in failed), out
    assert f"0 of {len(failed)} exercises correct" in untouched.stdout, out
