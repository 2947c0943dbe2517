"""``tinygrad-rnn bench explore``: how big the explorer page is and how fast it opens.

    tinygrad-rnn bench explore --steps 200 --hidden 64        # three cells, as the docs quote

For each hidden size: the seconds to build the page (unroll, backward, Graphviz layouts), its
size in MB, and, in headless Chromium at 1280 x 800 with the network blocked, the first paint
and the time until the page has drawn everything (``body[data-ready]``), plus whether anything
scrolls sideways. Without Playwright or Chromium the browser columns say why.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from .browser import CHROMIUM_ARGS, find_chromium, missing_reason

CELLS = ("lstm:1", "rnn,gru")         # an LSTM with forget bias 1, compared with an RNN and a GRU


def open_page(path: Path, rounds: int) -> dict[str, Any]:
    """Median first paint and ready time over ``rounds`` fresh pages, and the page width."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  (optional extra)
    paints, readies, width = [], [], None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        try:
            for _ in range(rounds):
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                           else r.abort())
                t0 = time.perf_counter()
                page.goto(path.resolve().as_uri())
                page.wait_for_selector("body[data-ready]", timeout=60_000)
                readies.append(time.perf_counter() - t0)
                paints.append(page.evaluate(
                    "(performance.getEntriesByName('first-paint')[0] || {startTime: NaN}).startTime") / 1000)
                width = page.evaluate("document.documentElement.scrollWidth")
                context.close()
        finally:
            browser.close()
    paints.sort()
    readies.sort()
    return {"first_paint_s": paints[len(paints) // 2], "ready_s": readies[len(readies) // 2],
            "scroll_width_px": width}


def main(args: argparse.Namespace) -> int:
    from ..cli.explore import build_page
    rounds = args.rounds or 3
    reason = missing_reason()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for hidden in args.hidden:
            t0 = time.perf_counter()
            page = build_page(CELLS[0], CELLS[1], args.steps, hidden, args.input, 1, 0.0, 0)
            path = page.save(Path(tmp) / f"explore_h{hidden}.html")
            row: dict[str, Any] = {"steps": args.steps, "hidden": hidden, "cells": 3,
                                   "build_s": time.perf_counter() - t0,
                                   "size_mb": path.stat().st_size / 1e6}
            row.update(open_page(path, rounds) if reason is None else {"browser": reason})
            rows.append(row)
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"explorer page: LSTM (forget bias 1) vs RNN vs GRU, T = {args.steps}, {args.input} inputs, "
          f"batch 1; browser figures are medians of {rounds} fresh pages at 1280 x 800")
    print(f"{'H':>6}{'build s':>9}{'MB':>7}{'first paint s':>15}{'ready s':>9}{'page width px':>15}")
    for r in rows:
        if "browser" in r:
            print(f"{r['hidden']:>6}{r['build_s']:>9.2f}{r['size_mb']:>7.2f}   browser: {r['browser']}")
        else:
            print(f"{r['hidden']:>6}{r['build_s']:>9.2f}{r['size_mb']:>7.2f}{r['first_paint_s']:>15.2f}"
                  f"{r['ready_s']:>9.2f}{r['scroll_width_px']:>15}")
    return 0
