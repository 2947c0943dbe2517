#!/bin/sh
# Make sure a headless Chromium is there for the page tests (the explorer, the docs site).
# Playwright drives the distribution's Chromium (its own browser download is not used), so on
# Debian/Ubuntu it comes from apt-get (as root, or through password-less sudo). Without it the
# page tests skip with the reason, except under CI (CI=true), where this is an error.
for b in chromium chromium-browser; do
    if command -v "$b" >/dev/null 2>&1; then exit 0; fi
done
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
fi
if command -v apt-get >/dev/null 2>&1 && [ "$SUDO" != "none" ]; then
    echo "tinygrad_rnn: installing Chromium (headless browser for the page tests) with apt-get" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
fi
for b in chromium chromium-browser; do
    if command -v "$b" >/dev/null 2>&1; then exit 0; fi
done
cat >&2 <<'MSG'
tinygrad_rnn: no Chromium found, so the browser tests of the explorer and the docs site skip.
  Debian/Ubuntu: sudo apt-get install chromium
MSG
[ -n "$CI" ] && exit 1
exit 0
