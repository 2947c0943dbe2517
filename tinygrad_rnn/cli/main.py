"""Entry point of ``tinygrad-rnn``: each command lives in its own module of this package and
adds its sub-parser through ``register(subparsers)``; the parser's ``func`` runs it.

One handler at the top turns every failure into one line on stderr, never a traceback
(``--debug`` anywhere on the command line shows it):

* exit status 2: bad arguments (argparse's errors, :class:`CLIError`, a damaged or foreign
  checkpoint file given as an argument);
* exit status 1: a run that failed (the library's errors, a full disk, a folder that cannot
  be written, memory, or an unexpected internal error, which says so);
* 128 + N: stopped by signal N (130 for Ctrl-C), after saving what could be saved;
* output piped into ``head`` and closed early ends the command quietly.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from ..errors import CheckpointError, TinygradRNNError

# Command modules, in the order `tinygrad-rnn --help` lists them.
COMMANDS = ["demo", "train", "graph", "explore", "lessons", "bench"]


class CLIError(TinygradRNNError, ValueError):
    """A user-facing problem with the arguments: printed as one line, exit status 2."""


class UsageError(CLIError):
    """argparse rejected the command line."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors raised (one line, handled in :func:`main`) instead of printed
    after the whole usage text. Sub-parsers are of this class too."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tinygrad-rnn",
        description="Recurrent networks from scratch: train, draw and benchmark them.")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error (also accepted after the command)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    name = "tinygrad-rnn"
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:          # --help and --version print and exit normally
            return e.code if isinstance(e.code, int) else 0
        name = f"tinygrad-rnn {args.command}"
        args.argv = argv                 # the command line, e.g. to repeat it with --resume
        return int(args.func(args) or 0)
    except BaseException as e:          # noqa: B036  one place decides what every failure prints
        status, message = _failure(e)
        if status is None:
            raise
        if debug:
            traceback.print_exc()
        if message:
            # a library message that already names the command ("train: the loss became nan ...")
            # gets the program's name only, not the command twice
            command = name.split(" ", 1)[-1]
            prefix = "" if message.startswith("tinygrad-rnn") else \
                "tinygrad-rnn " if " " in name and message.startswith(command + ": ") else f"{name}: "
            _say(prefix + message)
        return status


def _failure(e: BaseException) -> tuple[int | None, str]:
    """(exit status, one-line message) for an exception; status None: not ours to handle."""
    from ..train.loop import TrainingInterrupted
    if isinstance(e, BrokenPipeError):
        _silence_stdout()
        return 141, ""                   # 128 + SIGPIPE, as a shell reports a killed `yes | head`
    if isinstance(e, TrainingInterrupted):
        return e.exit_code, str(e)
    if isinstance(e, KeyboardInterrupt):
        return 130, "interrupted"
    if isinstance(e, (CLIError, CheckpointError)):
        return 2, str(e)
    if isinstance(e, TinygradRNNError):
        return 1, str(e)
    if isinstance(e, MemoryError):
        return 1, f"out of memory ({e or 'an array did not fit'}); try smaller sizes"
    if isinstance(e, OSError):
        return 1, str(e)
    if isinstance(e, SystemExit):
        return None, ""
    if isinstance(e, Exception):
        return 1, (f"internal error: {type(e).__name__}: {e} (this is a bug; --debug shows the traceback)"
                   .replace("\n", " "))
    return None, ""


def _say(line: str) -> None:
    try:
        print(line.replace("\n", " "), file=sys.stderr)
    except (OSError, ValueError):      # stderr itself is gone (a closed terminal)
        pass


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
