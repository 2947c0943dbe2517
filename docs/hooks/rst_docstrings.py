"""Griffe extension for the API reference: the package's docstrings are plain text in reST
habits (``>>>`` examples, ``text::`` followed by an indented literal block, :func:`name`
roles). Markdown would read ``>>>`` as nested quotes and print the ``::`` and the roles, so
the examples and literal blocks become fenced code blocks and the roles plain code spans.
The docstrings themselves stay as they are.
"""
from __future__ import annotations

import re
from typing import Any

from griffe import Extension


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


ROLE = re.compile(r":(?:func|class|mod|meth|attr|data|exc|obj):`~?([^`]+)`")


def convert(text: str) -> str:
    text = ROLE.sub(lambda m: f"`{m.group(1)}`", text)
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">>>"):
            pad = " " * _indent(line)
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(pad):] if lines[i].startswith(pad) else lines[i].lstrip())
                i += 1
            out += [pad + "```pycon", *[pad + b for b in block], pad + "```"]
            continue
        if line.rstrip().endswith("::") and not line.strip().startswith(".."):
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            base = _indent(line)
            if j < len(lines) and _indent(lines[j]) > base:
                text_part = line.rstrip()[:-2].rstrip()
                if text_part.strip():
                    out.append(text_part + ":")
                pad = " " * base
                inner = _indent(lines[j])
                block, k = [], j
                while k < len(lines) and (not lines[k].strip() or _indent(lines[k]) >= inner):
                    block.append(lines[k][inner:] if lines[k].strip() else "")
                    k += 1
                while block and not block[-1]:
                    block.pop()
                out += ["", pad + "```text", *[pad + b if b else "" for b in block], pad + "```", ""]
                i = k
                continue
        out.append(line)
        i += 1
    return "\n".join(out)


class RstDocstrings(Extension):
    def on_object(self, *, obj: Any, **kwargs: Any) -> None:
        doc = getattr(obj, "docstring", None)
        if doc is not None:
            doc.value = convert(doc.value)
