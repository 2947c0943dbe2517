"""Keep freed host memory for reuse: the one allocator setting that the primitive path needs.

Why: training through time allocates and frees thousands of mid-sized arrays per step (each
gradient of an (B, 4H) gate block, each (4H, H) weight-gradient term). glibc's malloc serves
blocks above a sliding threshold with fresh ``mmap`` pages and gives freed memory back to the
kernel eagerly, so every such array costs a round of page faults and zero-filling before
NumPy writes a single number. Measured with ``tinygrad-rnn bench lstm`` at H = 256 on a 2-core
CPU, that doubled the primitive path's step time. Raising the two thresholds keeps freed
blocks in the heap, where the next array of the same size reuses them.

Applied once, when ``tinygrad_rnn`` is imported, on Linux with glibc only. It is process-wide
(any library in the process benefits alike) and leaves the peak memory in use unchanged;
freed memory is returned to the system later, in larger pieces. Set the environment variable
``TINYGRAD_RNN_MALLOC=system`` before importing to keep the system's defaults.
"""
from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1      # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024      # glibc's largest allowed value (64-bit)
TRIM_THRESHOLD = 256 * 1024 * 1024

tuned: bool = False


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds; return whether the setting took effect."""
    global tuned
    if tuned or not sys.platform.startswith("linux") or os.environ.get("TINYGRAD_RNN_MALLOC") == "system":
        return tuned
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):      # not glibc (musl, ...): nothing to tune
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return tuned
