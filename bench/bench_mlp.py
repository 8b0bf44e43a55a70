"""MLP training step, deepglass vs PyTorch eager on the CPU: 784-512-512-10, batch 128.

One step = forward, cross-entropy, backward, plain SGD update. Prints ms/step, the ratio
(torch ms / deepglass ms, so above 1 means deepglass is faster; the issue's target "deepglass at most
0.6x PyTorch's time" is a ratio of at least 1.67), GFLOP/s and peak memory.

Threads: both libraries get the same count (`--threads`, default 1): torch.set_num_threads and
threadpoolctl for NumPy's BLAS. Peak memory, the same method for both: each library trains in its own
fresh subprocess; after building the model the kernel's peak-RSS mark is reset (Linux: `5` into
/proc/self/clear_refs) and the reported figure is peak RSS (VmHWM) minus RSS before the first step,
i.e. the extra memory training needs on top of the loaded model. For deepglass the tracemalloc peak
(NumPy reports its buffers to tracemalloc) is printed as well.

It also prints the GEMM floor: the step's eight matrix products alone, in the layouts deepglass passes
them, back to back on NumPy's BLAS with its own threads, paired with torch's step. A framework that runs
these products on that BLAS spends at least this much per step, so floor / torch bounds the ratio it
can reach on this machine. Last, the machine's peak: the best float32 GEMM rate of either library on a
large square product, and the best ratio that rate would allow for this step's FLOPs.

    python bench/bench_mlp.py [--threads 1] [--steps 30]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import blas_threads, header, limit_blas_threads, row, time_ms, time_pair_ms, torch_or_none  # noqa: E402

BATCH, SIZES = 128, (784, 512, 512, 10)
# multiply-adds: forward (3 GEMMs) + weight gradients (3) + input gradients of layers 2 and 3 (layer 1's input
# needs none); each multiply-add is 2 FLOPs
MACS = sum(BATCH * a * b for a, b in zip(SIZES[:-1], SIZES[1:]))
FLOPS_PER_STEP = 2 * (2 * MACS + sum(BATCH * a * b for a, b in zip(SIZES[1:-1], SIZES[2:])))


def deepglass_step_fn():
    import deepglass as dg
    from deepglass import nn

    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    params = list(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = dg.tensor(rng.normal(size=(BATCH, 784)).astype(np.float32))
    y = dg.tensor(rng.integers(0, 10, size=BATCH))

    def step():
        loss = loss_fn(model(x), y)
        model.zero_grad()
        loss.backward()
        for p in params:  # plain SGD, in place
            p.data -= 0.01 * p.grad.data
        return loss

    return step


def torch_step_fn(torch):
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x, y = torch.randn(BATCH, 784), torch.randint(0, 10, (BATCH,))

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def gemm_floor_fn():
    """The step's products as plain NumPy calls: x @ W.T per layer, gy.T @ x per layer, gy @ W for layers 2-3."""
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((b, a), dtype=np.float32) for a, b in zip(SIZES[:-1], SIZES[1:])]
    inputs = [rng.standard_normal((BATCH, a), dtype=np.float32) for a in SIZES[:-1]]
    grads = [rng.standard_normal((BATCH, b), dtype=np.float32) for b in SIZES[1:]]

    def products():
        for x, W in zip(inputs, weights):
            x @ W.T
        for i in reversed(range(len(weights))):
            grads[i].T @ inputs[i]
            if i > 0:
                grads[i] @ weights[i]

    return products


def peak_gflops(torch=None, n: int = 2048) -> float:
    """The machine's float32 GEMM rate, the best of NumPy's BLAS and torch's on one n×n×n product (best of 3)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
    candidates = [lambda: a @ b]
    if torch is not None:
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        candidates.append(lambda: ta @ tb)
    best_ms = min(time_ms(product, warmup=1, repeats=3) for product in candidates)
    return 2 * n**3 / best_ms / 1e6


def _rss_kib() -> tuple[int, int]:
    """(current RSS, peak RSS since the last reset) of this process, in KiB (Linux /proc)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def measure_memory(library: str, threads: int, steps: int) -> dict:
    """Run in a fresh process: peak RSS growth over `steps` training steps (and tracemalloc peak for deepglass)."""
    limiter = limit_blas_threads(threads)  # noqa: F841 - keeps the limit while the steps run
    if library == "deepglass":
        step = deepglass_step_fn()
    else:
        step = torch_step_fn(torch_or_none(threads))
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS mark
    before = _rss_kib()[0]
    if library == "deepglass":
        tracemalloc.start()
    for _ in range(steps):
        step()
    result = {"rss_mib": (_rss_kib()[1] - before) / 1024}
    if library == "deepglass":
        result["tracemalloc_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    return result


def memory_in_subprocess(library: str, threads: int, steps: int) -> dict | None:
    cmd = [sys.executable, __file__, "--memory-of", library, "--threads", str(threads), "--steps", str(steps)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        print(f"memory measurement of {library} failed:\n{out.stderr[-2000:]}")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--memory-of", choices=["deepglass", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_of:
        print(json.dumps(measure_memory(args.memory_of, args.threads, args.steps)))
        return
    limiter = limit_blas_threads(args.threads)  # noqa: F841
    torch = torch_or_none(args.threads)
    print(f"MLP 784-512-512-10 training step, batch {BATCH}, {args.threads} thread(s), "
          f"{FLOPS_PER_STEP / 1e9:.3f} GFLOP/step")
    header()
    if torch is None:
        dg_ms, torch_ms = time_ms(deepglass_step_fn(), warmup=5, repeats=9), None
    else:  # in turn, 10 steps a side per round: a drifting machine slows both sides alike
        dg_ms, torch_ms, paired = time_pair_ms(deepglass_step_fn(), torch_step_fn(torch), warmup=5, rounds=15,
                                               number=10, settle_s=0.02 if args.threads > 1 else 0.0)
    row("mlp step (fwd+loss+bwd+sgd)", dg_ms, torch_ms)
    print(f"deepglass {FLOPS_PER_STEP / dg_ms / 1e6:.1f} GFLOP/s", end="")
    if torch_ms is not None:
        print(f", torch {FLOPS_PER_STEP / torch_ms / 1e6:.1f} GFLOP/s; deepglass time / torch time = {paired:.2f} "
              f"(median of paired rounds; target <= 0.60: {'met' if paired <= 0.6 else 'missed'})")
    else:
        print()
    with blas_threads(args.threads):  # deepglass's pool set BLAS to one thread; the floor gets them all back
        if torch is None:
            floor_ms = time_ms(gemm_floor_fn(), warmup=5)
        else:  # paired with torch's step too; OpenBLAS's idle threads spin ~0.1 s, so each side waits that out
            floor_ms, _, floor_ratio = time_pair_ms(gemm_floor_fn(), torch_step_fn(torch), warmup=5, rounds=9,
                                                    number=10, settle_s=0.15 if args.threads > 1 else 0.0, prime=2)
    print(f"GEMM floor (the step's 8 products alone, NumPy's BLAS): {floor_ms:.3f} ms, "
          f"{FLOPS_PER_STEP / floor_ms / 1e6:.1f} GFLOP/s"
          + (f"; floor time / torch time = {floor_ratio:.2f} (paired rounds)" if torch is not None else ""))
    with blas_threads(args.threads):
        peak = peak_gflops(torch)
    if torch is not None:
        needed = FLOPS_PER_STEP / (0.6 * torch_ms) / 1e6
        print(f"machine peak (best of NumPy's and torch's 2048^3 float32 GEMM): {peak:.1f} GFLOP/s; the 0.6x target "
              f"needs {needed:.1f} GFLOP/s over the whole step, so the best ratio any framework could reach doing "
              f"this step's FLOPs here is {FLOPS_PER_STEP / peak / 1e6 / torch_ms:.2f}")
    memory = {lib: memory_in_subprocess(lib, args.threads, args.steps)
              for lib in (["deepglass", "torch"] if torch is not None else ["deepglass"])}
    for lib, m in memory.items():
        if m is not None:
            extra = f", tracemalloc peak {m['tracemalloc_mib']:.1f} MiB" if "tracemalloc_mib" in m else ""
            print(f"peak memory {lib}: peak RSS growth over {args.steps} steps {m['rss_mib']:.1f} MiB{extra}")


if __name__ == "__main__":
    main()
