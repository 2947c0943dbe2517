"""Headless Chromium for the page tests: the explorer and the documentation site.

The browser is the distribution's Chromium (``apt-get install chromium``), driven by
Playwright for Python with ``executable_path`` set, because Playwright's own browser
download cannot be reached from every machine. Tests that need it use the ``browser``
fixture (see conftest.py); it skips with the reason when Chromium or Playwright is missing,
and fails instead under CI, where both must be installed.

Every page is opened with all non-``file:`` requests routed to an abort, so a test also
proves that the page works offline: :func:`open_offline` records what was blocked.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tinygrad_rnn.bench.browser import CHROMIUM_ARGS, find_chromium, missing_reason

__all__ = ["CHROMIUM_ARGS", "find_chromium", "missing_reason", "OfflinePage", "open_offline"]


class OfflinePage:
    """A Playwright page plus the list of requests it tried to make off ``file://``."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        page.route("**/*", self._route)
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith("file:") or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


def open_offline(browser: Any, path: str | Path, width: int = 1280, height: int = 800,
                 wait_for: str | None = None, timeout_ms: int = 30_000) -> OfflinePage:
    """Open ``path`` from ``file://`` in a new page of the given viewport, network blocked."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    off = OfflinePage(page)
    page.goto(Path(path).resolve().as_uri())
    if wait_for:
        page.wait_for_selector(wait_for)
    return off
