"""The system's headless Chromium, for measuring pages (``bench explore``) and for the tests.

Playwright for Python drives the distribution's Chromium (``apt-get install chromium``) with
``executable_path`` set: Playwright's own browser download is not used. The flags suit a root
user in a container with no network: no sandbox, no GPU, and none of the background
connections Chromium would otherwise try to make.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


def find_chromium() -> str | None:
    """Path of the system Chromium, or None. ``TINYGRAD_RNN_CHROMIUM`` overrides the search."""
    env = os.environ.get("TINYGRAD_RNN_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for path in CHROMIUM_CANDIDATES:
        if Path(path).exists():
            return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing_reason() -> str | None:
    """Why a page cannot be opened in a browser here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401,PLC0415  (optional: the browser extra)
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if find_chromium() is None:
        return "no system Chromium found (apt-get install chromium)"
    return None
