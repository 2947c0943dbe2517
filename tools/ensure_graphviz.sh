#!/bin/sh
# Make sure Graphviz's `dot` program is on PATH. On Debian/Ubuntu it is installed with
# apt-get (as root, or through sudo when that works without a password); elsewhere we
# print how to install it and carry on: drawings still write .dot files without it.
if command -v dot >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
fi
if command -v apt-get >/dev/null 2>&1 && [ "$SUDO" != "none" ]; then
    echo "tinygrad_rnn: installing Graphviz (the 'dot' program) with apt-get" >&2
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphviz >/dev/null
fi
if ! command -v dot >/dev/null 2>&1; then
    cat >&2 <<'MSG'
tinygrad_rnn: Graphviz's 'dot' program is not installed, so graphs are written as .dot text only.
  Debian/Ubuntu: sudo apt-get install graphviz
  macOS:         brew install graphviz
  conda:         conda install -c conda-forge graphviz
  Windows:       winget install graphviz   (then add its bin folder to PATH)
MSG
    [ -n "$CI" ] && exit 1
fi
exit 0
