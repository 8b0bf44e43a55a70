"""CPU intra-op parallelism: an op splits its batch over a pool of threads, as PyTorch's `at::parallel_for` does.

NumPy runs each call on one core (elementwise work, copies, pooling) while its BLAS spreads only the GEMMs
over the cores. Splitting an op's batch over threads runs both kinds of work on every core: NumPy and BLAS
release the GIL. BLAS must then run single-threaded inside those threads. OpenBLAS's idle workers keep
spinning after each call (its default timeout is 2^28 cycles) and take the cores from ours: a CNN step ran
15% slower with both pools busy than with BLAS's alone. So the first time the pool is used, deepglass sets
NumPy's OpenBLAS to one thread for the whole process (PyTorch does the same with its own BLAS), and
`set_num_threads(1)` turns the pool off and gives BLAS its threads back. Where NumPy's BLAS is not an
OpenBLAS that can be reached, ops run serially and BLAS keeps its threads.

Results do not depend on timing: each thread computes whole, fixed parts of the output, and partial sums
are added in chunk order, so CPU runs stay bit-identical from run to run for a given thread count.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

T = TypeVar("T")

MIN_GEMM_FLOPS = 1 << 24  # a thread's share of a matmul must be worth more than the hand-off (~30 µs)
MIN_ELEMENTS = 1 << 17  # the same for elementwise work: elements a thread's share must hold

_num_threads: int | None = None  # None: not chosen yet (DEEPGLASS_NUM_THREADS or the usable cores)
_pool: ThreadPoolExecutor | None = None
_blas: _OpenBLAS | None | bool = None  # None: not looked for yet; False: not found
_local = threading.local()  # .busy: this thread is inside a parallel region (nested regions run serially)


def get_num_threads() -> int:
    """Threads deepglass uses for one CPU op (PyTorch's `torch.get_num_threads`)."""
    global _num_threads
    if _num_threads is None:
        env = os.environ.get("DEEPGLASS_NUM_THREADS", "")
        _num_threads = int(env) if env.isdigit() and int(env) > 0 else _usable_cores()
    return _num_threads


def set_num_threads(n: int) -> None:
    """Use `n` threads per CPU op; 1 runs every op serially and hands NumPy's BLAS its own thread count back."""
    global _num_threads, _pool
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    if _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None
    _num_threads = n
    if n == 1 and isinstance(_blas, _OpenBLAS):
        _blas.restore()


def parallel_for(n: int, fn: Callable[[slice], T], *, min_chunk: int = 1, xp=np) -> list[T]:
    """[fn(chunk) for chunk in slices of range(n)], the chunks run at once on the pool's threads.

    `min_chunk` is the smallest piece worth a thread; fewer chunks are used when `n` is small, and one
    (fn(slice(0, n)) in the calling thread) for CuPy arrays (`xp`), inside another parallel region, or
    with the pool off. Results come back in chunk order; `fn` must write disjoint parts of any output.
    """
    k = min(_threads_for(xp), n // max(1, min_chunk))
    if k <= 1:
        return [fn(slice(0, n))]
    bounds = [n * i // k for i in range(k + 1)]
    chunks = [slice(bounds[i], bounds[i + 1]) for i in range(k)]
    futures = [_get_pool().submit(_in_region, fn, chunk) for chunk in chunks[1:]]
    try:
        first = _in_region(fn, chunks[0])  # the calling thread takes the first share
    finally:
        done = [f.exception() for f in futures]  # wait for every chunk before anything is raised or returned
    for error in done:
        if error is not None:
            raise error
    return [first] + [f.result() for f in futures]


def sum_over_blocks(blocks: list[slice], body: Callable[[slice], tuple | None], xp=np) -> tuple | None:
    """body(block) for every block (of a batch), the blocks shared out among the threads (`parallel_for`).

    `body` returns None or a tuple of parts (arrays or None), e.g. a block's share of a weight gradient; the
    tuple of their sums over all blocks comes back, or None. Parts are added in block order, whatever the
    timing, so results are reproducible.
    """
    def add(total, part):
        if part is None:
            return total
        if total is None:
            return part
        return tuple(t if p is None else xp.add(t, p, out=t) for t, p in zip(total, part))

    def run(chunk: slice):
        total = None
        for blk in blocks[chunk]:
            total = add(total, body(blk))
        return total

    total = None
    for part in parallel_for(len(blocks), run, xp=xp):
        total = add(total, part)
    return total


def min_samples(x) -> int:
    """The `min_chunk` of elementwise work split along the first axis (the samples) of `x`."""
    return -(-MIN_ELEMENTS // max(1, x.size // max(1, x.shape[0])))


def worth_splitting(elements: int, xp=np) -> bool:
    """Whether elementwise work on `elements` elements would run on more than one thread."""
    return elements >= 2 * MIN_ELEMENTS and _threads_for(xp) > 1


def matmul(a, b):
    """a @ b for 2-D or stacked operands, split over the rows of `a` (or the columns of `b`, or the stack)."""
    sa, sb = a.shape, b.shape
    if len(sa) < 2 or len(sb) < 2 or sa[-2] * sa[-1] * sb[-1] * _stack_lower_bound(a, b) < MIN_GEMM_FLOPS:
        return a @ b  # under 2·MIN_GEMM_FLOPS flops: not worth a second thread
    if type(a) is not np.ndarray or type(b) is not np.ndarray:
        return a @ b  # on the GPU
    m, k, n = sa[-2], sa[-1], sb[-1]
    if _threads_for(np) <= 1:
        return a @ b
    if b.ndim == 2 and a.ndim > 2:  # (…, m, k) @ (k, n), e.g. a Linear over a sequence: one tall GEMM
        return matmul(a.reshape(-1, k), b).reshape(a.shape[:-1] + (n,))
    out_dtype = np.result_type(a, b)
    if a.ndim == 2 and b.ndim == 2:
        out = np.empty((m, n), dtype=out_dtype)
        by_rows = m >= n
        per_item = 2 * k * (n if by_rows else m)

        def part(s):
            if by_rows:
                np.matmul(a[s], b, out=out[s])
            else:
                np.matmul(a, b[:, s], out=out[:, s])
        parallel_for(m if by_rows else n, part, min_chunk=-(-MIN_GEMM_FLOPS // per_item))
        return out
    batch_shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    out = np.empty(batch_shape + (m, n), dtype=out_dtype)
    if out.size == 0:
        return out
    a_all = np.broadcast_to(a, batch_shape + a.shape[-2:])  # views: a broadcast operand is never copied
    b_all = np.broadcast_to(b, batch_shape + b.shape[-2:])
    per_item = 2 * m * k * n * (out[0].size // (m * n))  # the flops of one index of the first batch axis

    def batch(s):
        np.matmul(a_all[s], b_all[s], out=out[s])
    parallel_for(batch_shape[0], batch, min_chunk=-(-MIN_GEMM_FLOPS // max(1, per_item)))
    return out


def matmuls(*pairs: tuple | None) -> list:
    """[a @ b for a, b in pairs] for independent products, e.g. a layer's input and weight gradients; a pair
    given as None (a gradient not needed) gives None.

    With as many threads as products, each worth a thread, every thread computes one whole product: one
    hand-off instead of one per product, and BLAS keeps its full-size kernels (the 784-512-512-10 MLP
    step at 2 threads: 0.94x the time of splitting each product). Otherwise each is split by `matmul`.
    """
    wanted = [pair for pair in pairs if pair is not None]
    whole = len(wanted) > 1
    for a, b in wanted:  # a loop, not all(…): tiny layers pay this check on every backward
        whole = whole and a.ndim == 2 and b.ndim == 2 and a.shape[0] * a.shape[1] * b.shape[1] >= MIN_GEMM_FLOPS
    if not (whole and len(wanted) == _threads_for(np) and all(type(m) is np.ndarray for m in sum(wanted, ()))):
        return [None if pair is None else matmul(*pair) for pair in pairs]
    chunks = parallel_for(len(wanted), lambda s: [a @ b for a, b in wanted[s]])  # one pair per chunk
    products = iter([product for chunk in chunks for product in chunk])
    return [None if pair is None else next(products) for pair in pairs]


def _stack_lower_bound(a, b) -> int:
    """How many matrices a stacked matmul multiplies, at least (1 for two 2-D operands: the common case)."""
    if a.ndim == 2 and b.ndim == 2:
        return 1
    return max(a.size // max(1, a.shape[-2] * a.shape[-1]), b.size // max(1, b.shape[-2] * b.shape[-1]))


# ---- the pool and the BLAS switch ------------------------------------------------------------------
def _in_region(fn, chunk):
    _local.busy = True
    try:
        return fn(chunk)
    finally:
        _local.busy = False


def _threads_for(xp) -> int:
    """Threads an op may use now: 1 on the GPU, inside a region, with the pool off, or where BLAS is out of reach."""
    if xp is not np or getattr(_local, "busy", False) or get_num_threads() <= 1:
        return 1
    return get_num_threads() if _single_threaded_blas() else 1


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor  # on first use: `import deepglass` stays fast

        _pool = ThreadPoolExecutor(max_workers=get_num_threads() - 1, thread_name_prefix="deepglass")
    return _pool


def _forget_pool_after_fork() -> None:
    """A forked child (a DataLoader worker) has none of the parent's threads: it starts a pool of its own."""
    global _pool
    _pool = None
    _local.busy = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _single_threaded_blas() -> bool:
    """Set NumPy's OpenBLAS to one thread (once); False where it cannot be found."""
    global _blas
    if _blas is None:
        _blas = _OpenBLAS.find() or False
    if _blas is False:
        return False
    _blas.set_single()
    return True


class _OpenBLAS:
    """The thread-count switch of the OpenBLAS that NumPy loaded (bundled in its wheel, or the system's)."""

    PREFIXES = ("scipy_openblas", "openblas")  # NumPy 2 wheels, then NumPy 1.x wheels and system builds
    SUFFIXES = ("64_", "")  # 64-bit-integer builds name their symbols with a suffix

    def __init__(self, get, set_):
        self._get, self._set = get, set_
        self._original: int | None = None

    @classmethod
    def find(cls) -> _OpenBLAS | None:
        for path in cls._candidates():
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for prefix in cls.PREFIXES:
                for suffix in cls.SUFFIXES:
                    get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                    set_ = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                    if get is not None and set_ is not None:
                        get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
                        return cls(get, set_)
        return None

    @staticmethod
    def _candidates() -> list[str]:
        root = os.path.dirname(os.path.dirname(np.__file__))
        paths = []
        for folder in ("numpy.libs", os.path.join("numpy", ".dylibs")):
            paths += sorted(glob.glob(os.path.join(root, folder, "*openblas*")))
        try:  # Linux: whatever OpenBLAS this process has mapped (a system NumPy's)
            with open("/proc/self/maps") as maps:
                paths += sorted({line.split()[-1] for line in maps if "openblas" in line and "/" in line})
        except OSError:
            pass
        return paths

    def set_single(self) -> None:
        if self._original is None:
            self._original = self._get()
            self._set(1)

    def restore(self) -> None:
        if self._original is not None:
            self._set(self._original)
            self._original = None
