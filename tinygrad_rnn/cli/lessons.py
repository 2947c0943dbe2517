"""``tinygrad-rnn lessons | lesson N [--notebook] | check N``: the course from the command line."""
from __future__ import annotations

import argparse

from . import argtypes
from .main import CLIError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lessons", help="list the lessons with one-line summaries")
    p.set_defaults(func=run_list)

    p = sub.add_parser("lesson", help="run lesson N (or write it as a notebook)")
    p.add_argument("number", type=int)
    p.add_argument("--notebook", action="store_true", help="write NN_topic.ipynb instead of running")
    p.add_argument("--out", metavar="PATH",
                   help="without --notebook: the folder for the lesson's pictures (default: "
                        "tinygrad_rnn_lessons/NN_topic/); with --notebook: a path ending in .ipynb is the "
                        "notebook file, any other path a folder (created if missing) that gets NN_topic.ipynb "
                        "(default: ./NN_topic.ipynb)")
    p.add_argument("--fast", action="store_true", help="small sizes, as CI runs it")
    p.set_defaults(func=run_lesson)

    p = sub.add_parser("check", help="check your solutions to lesson N's exercises")
    p.add_argument("number", type=int)
    p.add_argument("--file", help="check this copy of the exercise file instead of lessons/exercises/NN_*.py")
    p.add_argument("--hint", action="store_true",
                   help="show the next hint for each exercise that is not right yet (one level deeper each time)")
    p.add_argument("--reset-hints", action="store_true", help="start this lesson's hints from the first level again")
    p.add_argument("--seed", type=argtypes.seed, help="repeat the random inputs of an earlier run (its seed is printed)")
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
    from ..errors import ArgumentError
    from ..lessons import get_lesson, run_lesson as run, write_notebook
    lesson = get_lesson(args.number)
    if args.notebook:
        try:
            path = write_notebook(lesson, args.out)
        except ArgumentError as e:      # --out names a folder that is not there, or a file
            raise CLIError(f"--out: {e}") from None
        print(f"wrote {path} (open it with Jupyter; the lesson imports tinygrad_rnn from this environment)")
        _say_exercise_file(args.number, after=True)
        return 0
    _say_exercise_file(args.number)
    status, folder = run(lesson, fast_mode=args.fast, out=args.out)
    if status != 0:
        raise CLIError(f"lesson {args.number} stopped with an error (exit status {status}); see above")
    print(f"\nlesson {args.number} done; its pictures are in {folder}/")
    _say_exercise_file(args.number, after=True)
    return 0


def _say_exercise_file(number: int, after: bool = False) -> None:
    from ..lessons import exercise_path
    try:
        path = exercise_path(number)
    except FileNotFoundError:
        return
    if after:
        print(f"exercises: edit {path}, then run: tinygrad-rnn check {number}")
    else:
        print(f"lesson {number}'s exercises are in {path}")


def run_check(args: argparse.Namespace) -> int:
    from ..lessons import exercise_path, run_checks
    from .. import lesson_checks
    n = args.number
    if args.reset_hints:
        lesson_checks.reset_hints(n)
        print(f"lesson {n}: hints start again from the first level")
    if args.file:
        target = args.file
        print(f"checking {target}")
    else:
        target = exercise_path(n, use_solutions=args.solutions)
        print(f"checking {target}" + ("" if args.solutions else "  (edit this file; --file PATH checks a copy)"))
    outcomes = run_checks(n, use_solutions=args.solutions, file=args.file, seed=args.seed)
    seed = lesson_checks.current_seed()
    print(f"random inputs drawn with seed {seed} (--seed {seed} repeats them)\n")
    for o in outcomes:
        message = o.message.split(" Hint: `tinygrad-rnn check")[0] if args.hint else o.message
        print(f"{'✓' if o.ok else '✗'} {o.name}: {message}")
        if not o.ok and args.hint and o.fn_name:
            level, total, text = lesson_checks.next_hint(n, o.fn_name, o.hints)
            if text is None:
                sol = exercise_path(n, use_solutions=True)
                print(f"    no more hints ({total} shown); one way to write it is in {sol}")
            else:
                print(f"    hint {level} of {total}: {text}")
    passed = sum(o.ok for o in outcomes)
    print(f"\n{passed} of {len(outcomes)} exercises correct")
    if passed < len(outcomes) and not args.hint:
        print(f"stuck? `tinygrad-rnn check {n} --hint` gives a nudge, one level deeper each time you ask")
    return 0 if passed == len(outcomes) else 1
