"""``tinygrad-rnn lessons | lesson N [--notebook] | check N``: the course from the command line."""
from __future__ import annotations

import argparse

from .main import CLIError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lessons", help="list the lessons with one-line summaries")
    p.set_defaults(func=run_list)

    p = sub.add_parser("lesson", help="run lesson N (or write it as a notebook)")
    p.add_argument("number", type=int)
    p.add_argument("--notebook", action="store_true", help="write NN_topic.ipynb instead of running")
    p.add_argument("--out", help="where the pictures (or the notebook) go")
    p.add_argument("--fast", action="store_true", help="small sizes, as CI runs it")
    p.set_defaults(func=run_lesson)

    p = sub.add_parser("check", help="check your solutions to lesson N's exercises")
    p.add_argument("number", type=int)
    p.add_argument("--solutions", action="store_true", help="check the shipped solutions instead")
    p.set_defaults(func=run_check)


def run_list(args: argparse.Namespace) -> int:
    from ..lessons import find_lessons
    for lesson in find_lessons():
        print(f"{lesson.number:>3}  {lesson.title}")
        if lesson.summary:
            print(f"     {lesson.summary}")
    print("\nrun one with: tinygrad-rnn lesson N   (add --notebook for a Jupyter notebook)")
    return 0


def run_lesson(args: argparse.Namespace) -> int:
    from ..lessons import get_lesson, run_lesson as run, write_notebook
    lesson = get_lesson(args.number)
    if args.notebook:
        path = write_notebook(lesson, args.out)
        print(f"wrote {path} (open it with Jupyter; the lesson imports tinygrad_rnn from this environment)")
        return 0
    status, folder = run(lesson, fast_mode=args.fast, out=args.out)
    if status != 0:
        raise CLIError(f"lesson {args.number} stopped with an error (exit status {status}); see above")
    print(f"\nlesson {args.number} done; its pictures are in {folder}/")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from ..lessons import run_checks
    outcomes = run_checks(args.number, use_solutions=args.solutions)
    for o in outcomes:
        print(f"{'✓' if o.ok else '✗'} {o.name}: {o.message}")
    passed = sum(o.ok for o in outcomes)
    print(f"\n{passed} of {len(outcomes)} exercises correct")
    return 0 if passed == len(outcomes) else 1
