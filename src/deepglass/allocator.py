"""Keep freed array memory for reuse, so a training step does not page-fault its buffers in afresh.

Every step allocates the same large temporaries (activations, im2col columns, gradients) and frees
them again. glibc serves blocks above 128 KiB-32 MiB with a fresh `mmap` and unmaps them on free, so
each step first-touches every page of every buffer again — about 15% of a CNN step on CPU. Raising the
mmap threshold and the trim threshold keeps freed blocks in the heap for the next step, which is what
PyTorch's caching allocator achieves for its own tensors. Linux with glibc only; elsewhere (or with
`DEEPGLASS_MALLOC=system`) nothing changes. The cost: up to `TRIM_BYTES` of freed memory stays mapped.
"""

from __future__ import annotations

import os
import sys

MMAP_THRESHOLD_BYTES = 32 << 20  # glibc's upper limit on 64-bit: larger blocks still get their own mmap
TRIM_BYTES = 256 << 20  # freed memory kept at the top of the heap before it is returned to the OS
TOP_PAD_BYTES = 64 << 20  # extra heap grown at once, so the heap is not extended a page run at a time
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3  # from glibc's <malloc.h>

tuned = False  # whether `tune_allocator` changed the allocator's settings in this process


def tune_allocator() -> bool:
    """Apply the settings above once per process; returns whether they are in effect."""
    global tuned
    if tuned or os.environ.get("DEEPGLASS_MALLOC", "").lower() == "system" or not sys.platform.startswith("linux"):
        return tuned
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl or another libc: leave it alone
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    tuned = all(mallopt(option, value) == 1 for option, value in (
        (_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES), (_M_TRIM_THRESHOLD, TRIM_BYTES), (_M_TOP_PAD, TOP_PAD_BYTES)))
    return tuned
