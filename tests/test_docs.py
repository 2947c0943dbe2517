"""The documentation site builds, and every Python example in it runs.

* ``mkdocs build --strict`` (warnings are errors: a broken link, a missing image, an API
  reference to a name that no longer exists) into a temporary folder;
* the generated lessons index lists every ``lessons/NN_*.py`` file, with a page for each;
* every ```python block of every page under ``docs/`` runs, page by page, in one fresh Python
  per page (blocks of a page share their names, as a reader going down the page would). A
  block can be left out with ``<!-- no-run -->`` on the line just before its fence; the
  reason goes into the comment, e.g. ``<!-- no-run: needs a GPU -->``;
* a ```` ```text title="output" ```` block that directly follows a ```python block (only blank
  lines between) shows what that block prints, and must match it line for line (the FAQ's
  error messages are checked this way).
"""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_rnn import lessons as lessons_mod

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NO_RUN = "<!-- no-run"
FENCE = re.compile(r"^```python\s*$")
OUTPUT_FENCE = '```text title="output"'
IMAGE_BUDGET = 2 * 1024 * 1024


def python_blocks(text: str) -> list[tuple[int, str, bool, str | None]]:
    """``(first line number, source, runnable, expected output or None)`` for each top-level
    ```python fence."""
    lines = text.splitlines()

    def fence_end(start: int) -> int:
        end = start
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        if end == len(lines):
            raise AssertionError(f"unclosed fence opened at line {start}")
        return end

    blocks, i = [], 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            before = next((ln for ln in reversed(lines[:i]) if ln.strip()), "")
            start = i + 1
            i = fence_end(start)
            expected, j = None, i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and lines[j].rstrip() == OUTPUT_FENCE:
                expected = "\n".join(lines[j + 1:fence_end(j + 1)]) + "\n"
            blocks.append((start + 1, "\n".join(lines[start:i]) + "\n",
                           not before.strip().startswith(NO_RUN), expected))
        i += 1
    return blocks


def doc_pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "hooks" not in p.relative_to(DOCS).parts)


PAGES_WITH_CODE = [p for p in doc_pages() if python_blocks(p.read_text(encoding="utf-8"))]

RUNNER = r"""
import contextlib, io, json, sys
blocks = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
for where, source, expected in blocks:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, where, "exec"), namespace)
    sys.stdout.write(out.getvalue())
    if expected is not None:
        got = [ln.rstrip() for ln in out.getvalue().strip().splitlines()]
        want = [ln.rstrip() for ln in expected.strip().splitlines()]
        if got != want:
            sys.exit(f"{where}: the output shown on the page is not what the block prints.\n"
                     f"page:\n" + "\n".join(want) + "\nprinted:\n" + "\n".join(got))
"""


def test_block_extraction_sees_fences_and_markers() -> None:
    text = "\n".join(["# Page", "```python", "a = 1", "```", "", "<!-- no-run: needs a GPU -->",
                      "```python", "b = 2", "```", "```sh", "echo no", "```", "```python", "print(3)", "```",
                      "", OUTPUT_FENCE, "3", "```", "```python", "d = 4", "```", "```text", "x", "```"])
    assert python_blocks(text) == [(3, "a = 1\n", True, None), (8, "b = 2\n", False, None),
                                   (14, "print(3)\n", True, "3\n"), (21, "d = 4\n", True, None)]


def test_most_pages_have_examples_and_few_are_skipped() -> None:
    # guards against the extractor silently finding nothing, and against no-run spreading
    blocks = [b for p in doc_pages() for b in python_blocks(p.read_text(encoding="utf-8"))]
    skipped = [b for b in blocks if not b[2]]
    assert sum(b[3] is not None for b in blocks) >= 5      # outputs checked against the page
    assert len(PAGES_WITH_CODE) >= 8, [p.name for p in PAGES_WITH_CODE]
    assert len(blocks) >= 25
    assert len(skipped) <= max(2, len(blocks) // 10), f"{len(skipped)} of {len(blocks)} blocks are no-run"


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(DOCS)))
def test_python_examples_run(page: Path, tmp_path: Path) -> None:
    import json

    rel = page.relative_to(DOCS)
    blocks = [(f"docs/{rel}:{line}", src, expected)
              for line, src, run, expected in python_blocks(page.read_text(encoding="utf-8")) if run]
    env = dict(os.environ, MPLBACKEND="Agg", TINYGRAD_RNN_FAST="1")
    proc = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(blocks), cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, f"an example in docs/{rel} failed:\n{proc.stderr[-4000:]}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                           "-d", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return out


def test_site_builds_strict_with_every_page(site: Path) -> None:
    for page in doc_pages():
        rel = page.relative_to(DOCS).with_suffix("")
        target = site / "index.html" if str(rel) == "index" else site / rel / "index.html"
        assert target.is_file(), f"{page.relative_to(ROOT)} was not built ({target} missing)"
    # the API reference really comes from the docstrings, not from empty stubs
    tensor_api = (site / "api" / "tensor" / "index.html").read_text(encoding="utf-8")
    assert "Accumulate" in tensor_api and "retain_graph" in tensor_api
    layers_api = (site / "api" / "nn_layers" / "index.html").read_text(encoding="utf-8")
    assert "LSTM" in layers_api and "batch_first" in layers_api


def test_lessons_index_lists_every_lesson(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(lessons_mod.DIR_ENV, str(ROOT / "lessons"))
    found = lessons_mod.find_lessons()
    assert found, "no lessons found in lessons/"
    index = html.unescape((site / "lessons" / "index.html").read_text(encoding="utf-8"))
    for lesson in found:
        title = re.sub(r"^\d+\.\s*", "", lesson.title)
        assert title in index, f"lesson {lesson.path.name} ({title!r}) is not on the lessons page"
        assert f'href="{lesson.stem}/"' in index, f"no link to lesson {lesson.stem}"
        page = (site / "lessons" / lesson.stem / "index.html").read_text(encoding="utf-8")
        assert f"tinygrad-rnn lesson {lesson.number}" in page


def test_images_are_small_and_used() -> None:
    images = [p for p in (DOCS / "img").iterdir() if p.suffix in (".png", ".svg")]
    assert sum(p.stat().st_size for p in images) < IMAGE_BUDGET
    text = "".join(p.read_text(encoding="utf-8") for p in doc_pages())
    unused = [p.name for p in images if p.name not in text]
    assert not unused, f"images no page shows: {unused}"
