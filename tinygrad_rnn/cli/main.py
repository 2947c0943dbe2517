"""Entry point of ``tinygrad-rnn``: each command lives in its own module of this package and
adds its sub-parser through ``register(subparsers)``; the parser's ``func`` runs it.

Errors a user can cause (bad arguments, missing files, no GPU) are printed as one line and
exit with status 2, never as a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import TinygradRNNError

# Command modules, in the order `tinygrad-rnn --help` lists them.
COMMANDS = ["demo", "train", "graph", "explore", "lessons", "bench"]


class CLIError(Exception):
    """A user-facing problem: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-rnn",
        description="Recurrent networks from scratch: train, draw and benchmark them.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CLIError, TinygradRNNError, FileNotFoundError) as e:
        print(f"tinygrad-rnn {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"tinygrad-rnn {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
