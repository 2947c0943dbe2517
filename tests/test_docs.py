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


# ---- the mathematics renders (KaTeX, vendored, in a real browser) ------------------------

RAW_TEX = re.compile(r"\$\$|\\\(|\\\[|\\(?:frac|mathrm|partial|sigma|tanh|odot|sum|begin|hat|text)\b")

VISIBLE_PROSE = """() => {
    const article = document.querySelector('article').cloneNode(true);
    article.querySelectorAll('pre, code, .katex, script').forEach(e => e.remove());
    return article.innerText;
}"""


def _hook_module():
    import importlib.util  # noqa: PLC0415
    spec = importlib.util.spec_from_file_location("_docs_hook_lessons", DOCS / "hooks" / "lessons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_display_math_inside_a_paragraph_becomes_renderable_inline_math() -> None:
    fix = _hook_module().display_math_in_text
    block = "text\n\n$$\n\\begin{aligned} a &= 1 \\\\\nb &= 2 \\end{aligned}\n$$\n"
    assert fix(block) == block                                     # a block of its own is left alone
    assert fix("$$x^2$$") == "$$x^2$$"
    inside = "2. the state gets two terms:\n   $$\\frac{a}{b}, \\qquad c.$$"
    assert fix(inside) == "2. the state gets two terms:\n   \\(\\displaystyle \\frac{a}{b}, \\qquad c.\\)"
    assert fix("so $$y$$ holds") == "so \\(\\displaystyle y\\) holds"


def test_katex_is_vendored_with_its_licence(site: Path) -> None:
    import yaml  # noqa: PLC0415
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    scripts = config["extra_javascript"]
    assert not [s for s in scripts + config["extra_css"] if "://" in s], "maths must not come from a CDN"
    assert config["theme"].get("font") is False, "the theme must not fetch fonts from a font server"
    katex_js = next(s for s in scripts if s.endswith("katex.min.js"))
    folder = site / Path(katex_js).parent
    assert (folder / "katex.min.js").is_file() and (folder / "katex.min.css").is_file()
    assert "MIT License" in (folder / "LICENSE").read_text(encoding="utf-8")
    fonts = {p.name for p in (folder / "fonts").glob("*.woff2")}
    css = (folder / "katex.min.css").read_text(encoding="utf-8")
    wanted = set(re.findall(r"fonts/([\w-]+\.woff2)", css))
    assert wanted and wanted <= fonts, f"fonts the stylesheet needs but the site lacks: {wanted - fonts}"


def _lesson_pages(site: Path) -> list[Path]:
    pages = sorted((site / "lessons").glob("[0-9][0-9]_*/index.html"))
    assert len(pages) >= 14, pages
    return pages


def test_every_lesson_page_renders_its_mathematics_offline(site: Path, browser, tmp_path: Path) -> None:
    from browser_support import open_offline  # noqa: PLC0415

    pages = _lesson_pages(site) + [site / "cells" / "index.html"]
    problems = []
    for path in pages:
        name = path.parent.name
        off = open_offline(browser, path)
        page = off.page
        try:
            page.wait_for_function("document.querySelectorAll('.arithmatex').length === 0 || "
                                   "document.querySelectorAll('.arithmatex .katex').length === "
                                   "document.querySelectorAll('.arithmatex').length", timeout=10_000)
            formulas = page.locator(".arithmatex").count()
            rendered = page.locator(".arithmatex .katex").count()
            errors = page.locator(".katex-error").all_inner_texts()
            prose = page.evaluate(VISIBLE_PROSE)
            raw = sorted({m.group(0) for m in RAW_TEX.finditer(prose)})
            fonts = page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px KaTeX_Main'))")
            if formulas == 0:
                problems.append(f"{name}: no formula on the page")
            if rendered != formulas:
                problems.append(f"{name}: {rendered} of {formulas} formulas rendered")
            if errors:
                problems.append(f"{name}: KaTeX could not parse {errors[:2]}")
            if raw:
                problems.append(f"{name}: raw LaTeX in the visible text: {raw}")
            if formulas and not fonts:
                problems.append(f"{name}: KaTeX's fonts did not load")
            if off.blocked:
                problems.append(f"{name}: the page asked the network for {off.blocked[:3]}")
            if name.startswith("05_"):
                page.screenshot(path=str(tmp_path / "lesson05.png"))
                # the aligned LSTM equations: six rows, not one line with the \\ eaten
                aligned = page.locator(".katex-display", has_text="input gate").first
                tex = aligned.locator("annotation").text_content() or ""
                box = aligned.bounding_box()
                size = float(aligned.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
                if tex.count("\\\\") != 5 or box is None or box["height"] < 5 * size:
                    problems.append(f"lesson 5's aligned gate equations lost their line breaks "
                                    f"({tex.count(chr(92) * 2)} breaks, {box and box['height']:.0f} px high)")
        finally:
            page.context.close()
    assert not problems, "\n".join(problems)
    assert (tmp_path / "lesson05.png").stat().st_size > 20_000      # a real picture was taken
