"""The course CNN's training step, deepglass vs PyTorch eager: time, GFLOP/s and peak memory.

Model: Conv2d(1,32,3)-ReLU-Conv2d(32,64,3)-ReLU-MaxPool2d(2)-Flatten-Linear(9216,128)-ReLU-Linear(128,10),
batch 128 of 1×28×28, float32; a step is forward, cross-entropy, backward and an SGD update (momentum 0.9).
Both models start from the same weights. Also timed: forward alone and backward alone of the big conv
layer (Conv2d(32,64,3) on 128×32×26×26), so backward/forward can be judged.

Peak memory is measured the same way for both, each in a fresh subprocess (Linux): the highest resident
set size seen while three steps run, minus the size before the first (model, data and imports in place),
so gradients, optimizer state and every temporary buffer count.

    python bench/bench_cnn.py               # torch with its default threads (as many as NumPy's BLAS uses)
    python bench/bench_cnn.py --threads 1   # one thread each (torch, and NumPy's BLAS via threadpoolctl)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import header, limit_blas_threads, row, time_ms, time_pair_ms, torch_or_none  # noqa: E402

import deepglass as dg  # noqa: E402

BATCH, LR, MOMENTUM = 128, 0.01, 0.9


def step_flops(n: int = BATCH) -> float:
    """Multiply-adds ×2 of one training step: forward, weight gradients, and input gradients but the first layer's."""
    conv1 = 2 * n * 32 * 26 * 26 * (1 * 9)
    conv2 = 2 * n * 64 * 24 * 24 * (32 * 9)
    fc1, fc2 = 2 * n * 9216 * 128, 2 * n * 128 * 10
    forward = conv1 + conv2 + fc1 + fc2
    return forward + forward + (forward - conv1)


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, BATCH)


def torch_model(torch):
    torch.manual_seed(0)
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10))


def deepglass_model(state: dict | None = None):
    nn = dg.nn
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10))
    if state is not None:
        model.load_state_dict(state)
    return model


def torch_step_fn(torch):
    model = torch_model(torch)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    x, y = (torch.tensor(a) for a in _data())

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def deepglass_step_fn(state: dict | None = None):
    model = deepglass_model(state)
    params = list(model.parameters())
    try:
        opt = dg.optim.SGD(params, lr=LR, momentum=MOMENTUM)
        update, clear = opt.step, opt.zero_grad
    except Exception:  # dg.optim unavailable: the same update written out
        velocity = [np.zeros_like(p.data) for p in params]

        def update():
            for p, v in zip(params, velocity):
                v *= MOMENTUM
                v += p.grad.data
                p.data -= LR * v

        def clear():
            for p in params:
                p.grad = None
    x, y = (dg.tensor(a) for a in _data())

    def step():
        clear()
        dg.nn.functional.cross_entropy(model(x), y).backward()
        update()
    return step


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_peak_mb(step, steps: int = 3) -> float:
    """Peak resident memory above the level before the first step, sampled every 0.2 ms while `step` runs."""
    import threading

    baseline, peak, done = _rss_mb(), [0.0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb())
            done.wait(0.0002)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for _ in range(steps):
        step()
    done.set()
    sampler.join()
    return max(peak[0], _rss_mb()) - baseline


def peak_step_memory_mb(framework: str, threads: int | None) -> float:
    """`measure_peak_mb` of three training steps in a fresh interpreter (torch is not imported for deepglass), each
    library on `threads` threads (None: its default)."""
    here = os.path.dirname(os.path.abspath(__file__))
    make = f"b.torch_step_fn(torch_or_none({threads!r}))" if framework == "torch" else "b.deepglass_step_fn()"
    set_threads = f"b.dg.set_num_threads({threads}); " if threads and framework != "torch" else ""
    code = (f"import sys; sys.path.insert(0, {here!r}); import bench_cnn as b; from _common import torch_or_none; "
            f"{set_threads}print(b.measure_peak_mb({make}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def conv_layer_times(torch) -> None:
    """Forward-only and backward-only ms of Conv2d(32, 64, 3) on a 128×32×26×26 batch."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((BATCH, 32, 26, 26)).astype(np.float32)
    gy = rng.standard_normal((BATCH, 64, 24, 24)).astype(np.float32)
    layer = dg.nn.Conv2d(32, 64, 3)
    xd = dg.tensor(x, requires_grad=True)

    def dg_forward():
        with dg.no_grad():
            layer(xd)

    def dg_backward():
        y = layer(xd)
        xd.grad = None
        layer.zero_grad()
        y.backward(gy)
    if torch is None:
        fwd, fwd_bwd = time_ms(dg_forward, warmup=2, repeats=5, number=1), time_ms(dg_backward, warmup=2, repeats=5,
                                                                                    number=1)
        t_fwd = t_fwd_bwd = None
    else:
        t_layer = torch.nn.Conv2d(32, 64, 3)
        xt, gyt = torch.tensor(x, requires_grad=True), torch.tensor(gy)

        def t_forward():
            with torch.no_grad():
                t_layer(xt)

        def t_backward():
            xt.grad = None
            t_layer.zero_grad()
            t_layer(xt).backward(gyt)
        fwd, t_fwd, _ = time_pair_ms(dg_forward, t_forward, warmup=2, rounds=7, settle_s=0.02)
        fwd_bwd, t_fwd_bwd, _ = time_pair_ms(dg_backward, t_backward, warmup=2, rounds=7, settle_s=0.02)
    row("conv 32->64 3x3 forward", fwd, t_fwd)
    row("conv 32->64 3x3 backward only", fwd_bwd - fwd, None if t_fwd is None else t_fwd_bwd - t_fwd)
    print(f"  deepglass backward/forward = {(fwd_bwd - fwd) / fwd:.2f}" +
          ("" if t_fwd is None else f", torch {(t_fwd_bwd - t_fwd) / t_fwd:.2f}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: its default)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    args = parser.parse_args()
    threads = args.threads or None
    torch = torch_or_none(threads)
    limiter = limit_blas_threads(threads)  # noqa: F841 - the same thread count for NumPy's BLAS
    state = None
    if torch is not None:
        state = {k: v.detach().numpy() for k, v in torch_model(torch).state_dict().items()}
    header(f"CNN training step, batch {BATCH} (torch threads: {torch.get_num_threads() if torch else '-'}, "
           f"NumPy BLAS threads: {threads or 'default'})")
    if torch is None:
        dg_ms, torch_ms = time_ms(deepglass_step_fn(state), warmup=3, repeats=7, number=1), None
    else:  # in turn, one step a side per round: a drifting machine slows both sides alike
        dg_ms, torch_ms, paired = time_pair_ms(deepglass_step_fn(state), torch_step_fn(torch), warmup=3, rounds=11,
                                               settle_s=0.02)
    row("cnn step (fwd+loss+bwd+sgd)", dg_ms, torch_ms)
    flops = step_flops()
    print(f"  GFLOP/s: deepglass {flops / dg_ms / 1e6:.1f}" +
          ("" if torch_ms is None else f", torch {flops / torch_ms / 1e6:.1f}") + f"  ({flops / 1e9:.2f} GFLOP/step)")
    if torch_ms is not None:
        print(f"  time ratio deepglass/torch = {paired:.2f}x (median of paired rounds; target <= 1.0x)")
    conv_layer_times(torch)
    if not args.no_memory:
        dg_mb = peak_step_memory_mb("deepglass", threads)
        line = f"  peak step memory (RSS growth): deepglass {dg_mb:.1f} MB"
        if torch is not None:
            torch_mb = peak_step_memory_mb("torch", threads)
            line += f", torch {torch_mb:.1f} MB (ratio {dg_mb / max(torch_mb, 1e-9):.2f}x, target <= 1.0x)"
        print(line)


if __name__ == "__main__":
    main()
