"""Timing helpers shared by every benchmark in bench/: time a callable, print one comparison row.

Usage in a benchmark script (run it as `python bench/bench_<name>.py`):

    from _common import header, row, time_ms

    header()                                   # prints the column titles once
    dg_ms = time_ms(dg_step)                   # median milliseconds per call, after warm-up
    torch_ms = time_ms(torch_step)
    row("mlp 4-16-3 step", dg_ms, torch_ms)    # name  deepglass ms  torch ms  ratio

    dg_ms, torch_ms, paired = time_pair_ms(dg_step, torch_step)   # the two timed in turn, for drifting machines

`ratio` is torch ms / deepglass ms, so a ratio above 1 means deepglass is faster.
`torch_or_none()` imports torch single-threaded (or returns None when it is not installed),
so a benchmark still runs and prints deepglass times alone on a machine without torch.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable

NAME_WIDTH = 34


def time_ms(fn: Callable[[], object], *, warmup: int = 20, repeats: int = 7, number: int | None = None,
            sync: Callable[[], object] | None = None, min_time_s: float = 0.05) -> float:
    """Median over `repeats` runs of the milliseconds one call of `fn()` takes.

    Each run calls `fn` `number` times and divides (when `number` is None it is chosen so one
    run lasts about `min_time_s`), which keeps the clock's resolution out of sub-millisecond ops.
    `warmup` calls go first (caches, lazy imports, allocator pools). Pass `sync` (e.g.
    `cupy.cuda.Device().synchronize` or `torch.cuda.synchronize`) for asynchronous GPU work: it is
    called after each run, inside the timed region.
    """
    for _ in range(warmup):
        fn()
    if sync is not None:
        sync()
    if number is None:
        number = calls_per_run(fn, min_time_s, sync)
    runs = [_run_ms(fn, number, sync) for _ in range(repeats)]
    return statistics.median(runs)


def calls_per_run(fn: Callable[[], object], min_time_s: float = 0.05,
                  sync: Callable[[], object] | None = None) -> int:
    """How many calls of `fn` (a power of two) make a run last at least `min_time_s`."""
    number = 1
    while _run_ms(fn, number, sync) * number < min_time_s * 1e3 and number < 1 << 20:
        number *= 2
    return number


def time_pair_ms(fn_a: Callable[[], object], fn_b: Callable[[], object], *, warmup: int = 3, rounds: int = 9,
                 number: int = 1, settle_s: float = 0.0, prime: int = 0) -> tuple[float, float, float]:
    """(median ms of `fn_a`, median ms of `fn_b`, median of the per-round ratios a/b), the two timed in turn.

    Each round times `number` calls of `fn_a`, then `number` calls of `fn_b`. On a machine whose speed
    drifts (a shared VM: the same step can take 50% longer a minute later) both sides of a round see the
    same conditions, so the paired ratio is steadier than one taken from two separate `time_ms` runs.
    With several threads per side, pass `settle_s` (a pause before each side's timing): idle OpenMP
    workers spin for a few ms after their last job and would take the other side's cores. Keep it short:
    after a long pause (0.3 s) an idle VM's cores wake slowly, which cost deepglass's step 5-15 ms here,
    or pass `prime`: that many untimed calls of a side right before its timed run, after the pause.
    """
    for _ in range(warmup):
        fn_a()
        fn_b()
    a_ms, b_ms = [], []
    for _ in range(rounds):
        for fn, runs in ((fn_a, a_ms), (fn_b, b_ms)):
            if settle_s:
                time.sleep(settle_s)
            for _ in range(prime):
                fn()
            runs.append(_run_ms(fn, number))
    ratio = statistics.median(a / b for a, b in zip(a_ms, b_ms))
    return statistics.median(a_ms), statistics.median(b_ms), ratio


def _run_ms(fn: Callable[[], object], number: int, sync: Callable[[], object] | None = None) -> float:
    """Milliseconds per call over `number` calls of `fn` (then `sync`, inside the timed region)."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    if sync is not None:
        sync()
    return (time.perf_counter() - start) / number * 1e3


def header(title: str | None = None) -> None:
    """Print the column titles (and an optional title line above them)."""
    if title:
        print(title)
    print(f"{'name':<{NAME_WIDTH}} {'deepglass ms':>12} {'torch ms':>10} {'ratio':>7}")


def row(name: str, deepglass_ms: float, torch_ms: float | None) -> float | None:
    """Print 'name  deepglass ms  torch ms  ratio' and return the ratio (torch ms / deepglass ms).

    `torch_ms=None` (torch missing) prints dashes for the torch columns and returns None.
    """
    if torch_ms is None:
        print(f"{name:<{NAME_WIDTH}} {deepglass_ms:>12.4f} {'-':>10} {'-':>7}")
        return None
    ratio = torch_ms / deepglass_ms
    print(f"{name:<{NAME_WIDTH}} {deepglass_ms:>12.4f} {torch_ms:>10.4f} {ratio:>6.2f}x")
    return ratio


def torch_or_none(threads: int | None = 1):
    """`torch`, set to `threads` intra-op threads (None leaves its default), or None if not installed."""
    try:
        import torch
    except ImportError:
        return None
    if threads is not None:
        torch.set_num_threads(threads)
    return torch


def limit_blas_threads(threads: int | None):
    """Give deepglass `threads` threads per op (`dg.set_num_threads`) and limit NumPy's BLAS to as many, so both
    libraries get the same cores (returns threadpoolctl's controller; keep it alive while timing). None leaves
    both at their defaults (every core); a missing threadpoolctl leaves BLAS as it is."""
    if threads is None:
        return None
    import deepglass

    deepglass.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("threadpoolctl is not installed: NumPy's BLAS keeps its default thread count")
        return None
    return threadpool_limits(limits=threads, user_api="blas")


@contextlib.contextmanager
def blas_threads(threads: int):
    """NumPy's BLAS on `threads` threads inside the block, as it was after (deepglass's pool sets it to one
    thread when it runs several); nothing without threadpoolctl. For GEMM-floor timings."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        yield
