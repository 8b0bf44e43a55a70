"""Per-op overhead: one training step of a tiny 4-16-3 MLP on a batch of 16, deepglass vs PyTorch eager.

At this size the arithmetic is nothing; what is measured is the framework's cost per op
(building the graph, walking it backward, wrapping arrays). Both sides use float32 and the same
maths: x @ W1 + b1, relu, @ W2 + b2, log_softmax, pick the target's log-probability, mean,
backward, then an in-place SGD update under no_grad and zeroed gradients.

    python bench/bench_overhead.py            # torch single-threaded (the reported figure)
    python bench/bench_overhead.py --threads 0  # torch with its default thread count
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import calls_per_run, header, limit_blas_threads, row, time_ms, time_pair_ms, torch_or_none  # noqa: E402

import deepglass as dg  # noqa: E402

BATCH, N_IN, N_HIDDEN, N_OUT, LR = 16, 4, 16, 3, 0.1


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, N_IN)).astype(np.float32)
    y = rng.integers(0, N_OUT, size=BATCH)
    w1 = (rng.standard_normal((N_IN, N_HIDDEN)) * 0.5).astype(np.float32)
    w2 = (rng.standard_normal((N_HIDDEN, N_OUT)) * 0.5).astype(np.float32)
    return x, y, w1, np.zeros(N_HIDDEN, np.float32), w2, np.zeros(N_OUT, np.float32)


def deepglass_raw_step():
    """A step function for the raw-tensor MLP in deepglass."""
    x, y, w1, b1, w2, b2 = _data()
    x, rows, y = dg.tensor(x), dg.arange(BATCH), dg.tensor(y)
    params = [dg.tensor(a, requires_grad=True) for a in (w1, b1, w2, b2)]
    W1, B1, W2, B2 = params

    def step():
        h = (x @ W1 + B1).relu()
        loss = -dg.log_softmax(h @ W2 + B2, dim=1)[rows, y].mean()
        loss.backward()
        with dg.no_grad():
            for p in params:
                p.data -= LR * p.grad.data
                p.grad = None
        return loss

    return step


def torch_raw_step(torch):
    x, y, w1, b1, w2, b2 = _data()
    x, rows, y = torch.tensor(x), torch.arange(BATCH), torch.tensor(y)
    params = [torch.tensor(a, requires_grad=True) for a in (w1, b1, w2, b2)]
    W1, B1, W2, B2 = params

    def step():
        h = (x @ W1 + B1).relu()
        loss = -torch.log_softmax(h @ W2 + B2, dim=1)[rows, y].mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss

    return step


def deepglass_module_step():
    """The same MLP with dg.nn.Linear and dg.optim.SGD, or None while they do not exist yet."""
    try:
        nn, optim = dg.nn, dg.optim
        model = nn.Sequential(nn.Linear(N_IN, N_HIDDEN), nn.ReLU(), nn.Linear(N_HIDDEN, N_OUT))
        opt = optim.SGD(model.parameters(), lr=LR)
        loss_fn = nn.CrossEntropyLoss()
    except (ImportError, AttributeError):
        return None
    x, y, *_ = _data()
    x, y = dg.tensor(x), dg.tensor(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def torch_module_step(torch):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(N_IN, N_HIDDEN), nn.ReLU(), nn.Linear(N_HIDDEN, N_OUT))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    x, y, *_ = _data()
    x, y = torch.tensor(x), torch.tensor(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (0: torch's default)")
    parser.add_argument("--profile", action="store_true", help="cProfile the deepglass step instead of timing")
    args = parser.parse_args(argv)
    if args.profile:
        import cProfile
        import pstats

        step = deepglass_raw_step()
        for _ in range(100):
            step()
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [step() for _ in range(5000)])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    torch = torch_or_none(args.threads or None)
    limiter = limit_blas_threads(args.threads or None)  # noqa: F841 - the same thread count for NumPy's BLAS
    threads = "-" if torch is None else torch.get_num_threads()
    header(f"per-op overhead: 4-16-3 MLP train step, batch {BATCH}, float32 (torch threads: {threads})")
    compare("raw tensors (fwd+bwd+sgd)", deepglass_raw_step(), torch and torch_raw_step(torch))
    module_step = deepglass_module_step()
    if module_step is None:
        print(f"{'nn.Linear + optim.SGD':<34} (dg.nn / dg.optim not available yet)")
    else:
        compare("nn.Linear + optim.SGD", module_step, torch and torch_module_step(torch))


def compare(name: str, dg_step, torch_step, rounds: int = 15) -> None:
    """Time the two steps in turn, ~20 ms of calls a side per round (`time_pair_ms`), and print the medians and
    the median of the paired ratios, which a drifting VM moves least."""
    if torch_step is None:
        row(name, time_ms(dg_step), None)
        return
    number = calls_per_run(dg_step, min_time_s=0.02)
    dg_ms, torch_ms, ratio = time_pair_ms(dg_step, torch_step, warmup=20, rounds=rounds, number=number)
    row(name, dg_ms, torch_ms)
    print(f"  deepglass is {1 / ratio:.2f}x faster (median of {rounds} paired rounds of {number} steps a side)")


if __name__ == "__main__":
    main()
