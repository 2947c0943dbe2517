#!/bin/sh
# Create the project's virtual environment; on Debian/Ubuntu install python3-venv first
# when the interpreter ships without it (the usual case on a fresh machine).
set -e
PYTHON="$1"; VENV="$2"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "tinygrad_rnn: '$PYTHON' not found. Install Python 3.10 or newer (Debian/Ubuntu: apt-get install python3 python3-venv)." >&2
    exit 1
fi
if "$PYTHON" -m venv "$VENV" 2>/dev/null && [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    exit 0
fi
rm -rf "$VENV"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if command -v apt-get >/dev/null 2>&1; then
    echo "tinygrad_rnn: installing python3-venv with apt-get" >&2
    ver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv "python$ver-venv" || \
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
    "$PYTHON" -m venv "$VENV"
else
    echo "tinygrad_rnn: '$PYTHON -m venv' failed; install your system's venv package for Python and retry." >&2
    exit 1
fi
