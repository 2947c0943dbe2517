"""MkDocs hook: the Lessons section is generated from ``lessons/NN_topic.py`` at build time.

Each lesson's header (``# # N. Title`` and ``# > summary``, read by
``tinygrad_rnn.lessons.find_lessons``) becomes a row of ``lessons/index.md``, and the lesson itself
becomes a page: its markdown cells as prose, its code cells as Python blocks. Nothing is
written into ``docs/``, so the index cannot go stale: a new lesson file appears on the next
build, a renamed one disappears.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File

INDEX = "lessons/index.md"


def _lessons(config: Any) -> list:
    from tinygrad_rnn import lessons as L

    folder = Path(config.config_file_path).resolve().parent / "lessons"
    old = os.environ.get(L.DIR_ENV)
    os.environ[L.DIR_ENV] = str(folder)     # this checkout's lessons, wherever mkdocs runs from
    try:
        return L.find_lessons() if folder.is_dir() else []
    finally:
        if old is None:
            os.environ.pop(L.DIR_ENV, None)
        else:
            os.environ[L.DIR_ENV] = old


def page_uri(lesson: Any) -> str:
    return f"lessons/{lesson.stem}.md"


def index_markdown(lessons: list) -> str:
    lines = ["# Lessons", "",
             "Each lesson is one Python file in `lessons/` that imports the real package, runs as a "
             "script and opens as a notebook. This page is generated from the lessons' own headers "
             "when the site is built.", "",
             "```sh",
             "tinygrad-rnn lessons                # the list below, in the terminal",
             "tinygrad-rnn lesson 3               # run lesson 3; pictures go to tinygrad_rnn_lessons/03_.../",
             "tinygrad-rnn lesson 3 --notebook    # write it as a Jupyter notebook instead (./03_....ipynb)",
             "tinygrad-rnn lesson 3 --notebook --out nb        # into the folder nb/ (made if missing)",
             "tinygrad-rnn lesson 3 --notebook --out my.ipynb  # a path ending in .ipynb is the file",
             "tinygrad-rnn check 3                # check your answers to lesson 3's exercises",
             "```", "",
             "| | lesson | what it covers |", "|---|---|---|"]
    for lesson in lessons:
        title = re.sub(r"^\d+\.\s*", "", lesson.title).replace("|", "\\|")
        summary = lesson.summary.replace("|", "\\|")
        lines.append(f"| {lesson.number} | [{title}]({lesson.stem}.md) | {summary} |")
    if not lessons:
        lines.append("| | (no lessons found) | |")
    return "\n".join(lines) + "\n"


# $$ ... $$ that does not open a paragraph of its own (inside a list item, after text on the
# same paragraph): arithmatex renders $$ only as a block, so such a formula would show its
# dollars. It becomes an inline formula in display style, which renders where it stands.
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)


def display_math_in_text(prose: str) -> str:
    """Rewrite each ``$$…$$`` that is not a block of its own as ``\\(\\displaystyle …\\)``.

    A block is a ``$$`` that starts a line right after a blank line (or the cell's start); its
    own ``\\\\`` line breaks and ``&`` alignments are left exactly as written.
    """
    def replace(m: re.Match) -> str:
        before = prose[:m.start()]
        line_start = before.rsplit("\n", 1)[-1]
        previous = before[:len(before) - len(line_start) - 1].rsplit("\n", 1)[-1]
        opens_block = not line_start.strip() and (not before.strip() or not previous.strip())
        if opens_block:
            return m.group(0)
        return "\\(\\displaystyle " + m.group(1).strip() + "\\)"

    return _DISPLAY.sub(replace, prose)


def lesson_markdown(lesson: Any) -> str:
    """Percent-format script → Markdown: prose cells as text, code cells as ```python blocks."""
    out: list[str] = []
    kind, body = None, []

    def flush() -> None:
        while body and not body[-1].strip():
            body.pop()
        while body and not body[0].strip():
            body.pop(0)
        if not body:
            return
        if kind == "markdown":
            prose = "\n".join(ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body)
            out.extend(display_math_in_text(prose).split("\n"))
        else:
            out.extend(["```python", *body, "```"])
        out.append("")

    for line in lesson.path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^# %%(.*)$", line)
        if m:
            flush()
            kind, body = ("markdown" if "[markdown]" in m.group(1) else "code"), []
        elif kind is not None:
            body.append(line)
    flush()
    note = (f"!!! note \"Run this lesson\"\n    `tinygrad-rnn lesson {lesson.number}` runs it "
            f"(`--fast` for small sizes, `--notebook` to get a notebook); the source is "
            f"`lessons/{lesson.path.name}`.\n")
    # the note goes under the title, which is the first line of the first prose cell
    if out and out[0].startswith("# "):
        return "\n".join([out[0], "", note, *out[1:]])
    return "\n".join([f"# {lesson.title}", "", note, *out])


def on_config(config: Any) -> Any:
    lessons = _lessons(config)
    section = [{"Overview": INDEX}] + [{lesson.title: page_uri(lesson)} for lesson in lessons]
    nav = config.nav or []
    for i, item in enumerate(nav):
        if isinstance(item, dict) and item.get("Lessons") == INDEX:
            nav[i] = {"Lessons": section}
    return config


def on_files(files: Any, config: Any) -> Any:
    lessons = _lessons(config)
    files.append(File.generated(config, INDEX, content=index_markdown(lessons)))
    for lesson in lessons:
        files.append(File.generated(config, page_uri(lesson), content=lesson_markdown(lesson)))
    return files
