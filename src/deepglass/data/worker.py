"""DataLoader worker processes: each loads its share of the batches; `get_worker_info()` tells code inside
a worker which one it is (None in the main process), as in PyTorch.

Workers are forked where the OS allows it (Linux, macOS's 'fork' where available), else spawned — then
the dataset and the loader's functions must be picklable. Each worker's random generators are seeded with
`base_seed + id` (deepglass's generator, Python's `random` and NumPy's legacy `np.random`), base_seed being
one draw from the loader's generator per epoch, so `dg.manual_seed` repeats multi-worker epochs too.
Workers load on the CPU: datasets holding CuPy arrays should use `num_workers=0`.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import random as py_random
import traceback
from dataclasses import dataclass

import numpy as np

_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """Which worker this process is: `id` in 0..num_workers-1, its `seed`, and its copy of the `dataset`."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info() -> WorkerInfo | None:
    """This worker's WorkerInfo inside a DataLoader worker process, None in the main process."""
    return _info


def _seed_worker(seed: int) -> None:
    from .. import random as dg_random

    dg_random._generator = np.random.default_rng(seed)  # not manual_seed: a forked worker must not touch CUDA
    dg_random._seed = seed
    py_random.seed(seed)
    np.random.seed(seed % 2**32)


def _worker_loop(loader, worker_id: int, num_workers: int, seed: int, task, out) -> None:
    """Run in the worker: put ('batch', b) for each of its batches, then ('done', None) — or ('error', text)."""
    global _info
    _info = WorkerInfo(worker_id, num_workers, seed, loader.dataset)
    try:
        _seed_worker(seed)
        if loader.worker_init_fn is not None:
            loader.worker_init_fn(worker_id)
        for batch in loader._worker_batches(task):
            out.put(("batch", batch))
        out.put(("done", None))
    except BaseException as e:  # noqa: BLE001 - handed to the main process with its traceback
        out.put(("error", f"{type(e).__name__} in DataLoader worker {worker_id}:\n{traceback.format_exc()}"))


def _context():
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def run_workers(loader, tasks: list, base_seed: int, prefetch_factor: int):
    """Start one process per task and yield their batches round-robin (worker 0, 1, ..., 0, 1, ...),
    skipping workers that are done — PyTorch's order. Workers are stopped when the iteration ends."""
    ctx = _context()
    k = len(tasks)
    queues = [ctx.Queue(maxsize=max(1, prefetch_factor)) for _ in range(k)]
    procs = [ctx.Process(target=_worker_loop, args=(loader, w, k, base_seed + w, tasks[w], queues[w]),
                         name=f"deepglass-loader-{w}", daemon=True) for w in range(k)]
    for p in procs:
        p.start()
    try:
        active, turn = list(range(k)), 0
        while active:
            w = active[turn % len(active)]
            kind, payload = _get(queues[w], procs[w], w)
            if kind == "done":
                active.remove(w)
                continue
            if kind == "error":
                raise RuntimeError(payload)
            yield payload
            turn = (active.index(w) + 1) % len(active)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
        for q in queues:
            q.close()
            q.cancel_join_thread()


def _get(q, proc, w: int):
    while True:
        try:
            return q.get(timeout=1.0)
        except queue.Empty:
            if not proc.is_alive():
                try:
                    return q.get(timeout=0.5)
                except queue.Empty:
                    raise RuntimeError(f"DataLoader worker {w} exited unexpectedly "
                                       f"(exit code {proc.exitcode})") from None
