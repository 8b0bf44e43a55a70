"""3-D convolution, deepglass vs PyTorch eager: one layer's forward and backward, and a small 3-D CNN's step.

Layer: Conv3d(16, 32, 3, padding=1) on 8×16×28×28×28 (float32): forward alone (no autograd), and backward alone
(forward + backward minus forward; input, weight and bias gradients).
Step: Conv3d(1,16,3,p=1)-ReLU-MaxPool3d(2)-Conv3d(16,32,3,p=1)-ReLU-AdaptiveAvgPool3d(1)-Flatten-Linear(32,2)
on 16×1×28×28×28 (MedMNIST-3D size): forward, cross-entropy, backward, SGD update (momentum 0.9).
The two libraries are timed in turn, round by round (`time_pair_ms`), and medians printed; ratio = torch ms /
deepglass ms (above 1: deepglass faster). GFLOP/s count the convolutions' multiply-adds ×2 only.

    python bench/bench_conv3d.py                 # 1 thread, then 2
    python bench/bench_conv3d.py --threads 2     # one thread count
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import header, limit_blas_threads, row, time_ms, time_pair_ms, torch_or_none  # noqa: E402

import deepglass as dg  # noqa: E402

LAYER = dict(batch=8, c_in=16, c_out=32, size=28, kernel=3)
STEP_BATCH, LR, MOMENTUM = 16, 0.01, 0.9


def layer_flops(batch: int, c_in: int, c_out: int, size: int, kernel: int) -> float:
    """Multiply-adds ×2 of one 'same' Conv3d pass (forward, or either gradient alone)."""
    return 2.0 * batch * c_out * size ** 3 * c_in * kernel ** 3


def step_flops(n: int = STEP_BATCH) -> float:
    """Forward, weight gradients and the second conv's input gradient (the first layer needs none)."""
    conv1, conv2 = layer_flops(n, 1, 16, 28, 3), layer_flops(n, 16, 32, 14, 3)
    return 2 * (conv1 + conv2) + conv2


def _pair(dg_fn, torch_fn, rounds: int):
    if torch_fn is None:
        return time_ms(dg_fn, warmup=2, repeats=rounds, number=1), None, None
    return time_pair_ms(dg_fn, torch_fn, warmup=2, rounds=rounds, settle_s=0.02)


def layer_times(torch, rounds: int) -> None:
    """Forward-only and backward-only ms of the benchmark layer."""
    rng = np.random.default_rng(1)
    n, c, co, s, k = (LAYER[key] for key in ("batch", "c_in", "c_out", "size", "kernel"))
    x = rng.standard_normal((n, c, s, s, s)).astype(np.float32)
    gy = rng.standard_normal((n, co, s, s, s)).astype(np.float32)
    layer = dg.nn.Conv3d(c, co, k, padding=k // 2)
    xd, gyd = dg.tensor(x, requires_grad=True), dg.tensor(gy)

    def dg_forward():
        with dg.no_grad():
            layer(xd)

    def dg_forward_backward():
        xd.grad = None
        layer.zero_grad()
        layer(xd).backward(gyd)
    t_forward = t_forward_backward = None
    if torch is not None:
        t_layer = torch.nn.Conv3d(c, co, k, padding=k // 2)
        xt, gyt = torch.tensor(x, requires_grad=True), torch.tensor(gy)

        def t_forward():
            with torch.no_grad():
                t_layer(xt)

        def t_forward_backward():
            xt.grad = None
            t_layer.zero_grad()
            t_layer(xt).backward(gyt)
    fwd, t_fwd, _ = _pair(dg_forward, t_forward, rounds)
    both, t_both, _ = _pair(dg_forward_backward, t_forward_backward, rounds)
    flops = layer_flops(**LAYER)
    name = f"conv3d {c}->{co} {k}^3 on {n}x{s}^3"
    row(f"{name} fwd", fwd, t_fwd)
    row(f"{name} bwd only", both - fwd, None if t_fwd is None else t_both - t_fwd)
    row(f"{name} fwd+bwd", both, t_both)
    line = f"  GFLOP/s fwd+bwd: deepglass {3 * flops / both / 1e6:.1f}"
    if t_both is not None:
        line += f", torch {3 * flops / t_both / 1e6:.1f}"
    print(line + f"  ({3 * flops / 1e9:.2f} GFLOP)")


def _models(torch):
    nn = dg.nn
    model = nn.Sequential(nn.Conv3d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool3d(2),
                          nn.Conv3d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool3d(1), nn.Flatten(),
                          nn.Linear(32, 2))
    if torch is None:
        return model, None
    torch.manual_seed(0)
    tn = torch.nn
    t_model = tn.Sequential(tn.Conv3d(1, 16, 3, padding=1), tn.ReLU(), tn.MaxPool3d(2),
                            tn.Conv3d(16, 32, 3, padding=1), tn.ReLU(), tn.AdaptiveAvgPool3d(1), tn.Flatten(),
                            tn.Linear(32, 2))
    model.load_state_dict({key: v.detach().numpy() for key, v in t_model.state_dict().items()})
    return model, t_model


def step_times(torch, rounds: int) -> None:
    """One training step of the small 3-D CNN."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((STEP_BATCH, 1, 28, 28, 28)).astype(np.float32)
    y = rng.integers(0, 2, STEP_BATCH)
    model, t_model = _models(torch)
    opt = dg.optim.SGD(list(model.parameters()), lr=LR, momentum=MOMENTUM)
    xd, yd = dg.tensor(x), dg.tensor(y)

    def dg_step():
        opt.zero_grad()
        dg.nn.functional.cross_entropy(model(xd), yd).backward()
        opt.step()
    t_step = None
    if torch is not None:
        t_opt = torch.optim.SGD(t_model.parameters(), lr=LR, momentum=MOMENTUM)
        xt, yt = torch.tensor(x), torch.tensor(y)

        def t_step():
            t_opt.zero_grad()
            torch.nn.functional.cross_entropy(t_model(xt), yt).backward()
            t_opt.step()
    ms, t_ms, paired = _pair(dg_step, t_step, rounds)
    row(f"3-D CNN step, batch {STEP_BATCH}x28^3", ms, t_ms)
    flops = step_flops()
    line = f"  GFLOP/s: deepglass {flops / ms / 1e6:.1f}"
    if t_ms is not None:
        line += f", torch {flops / t_ms / 1e6:.1f}; paired time ratio deepglass/torch {paired:.2f}x"
    print(line + f"  ({flops / 1e9:.2f} GFLOP/step)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2], help="thread counts (default: 1 2)")
    parser.add_argument("--rounds", type=int, default=9, help="paired rounds per figure (default 9)")
    parser.add_argument("--only", choices=["layer", "step"], help="run one part only")
    args = parser.parse_args()
    for threads in args.threads:
        torch = torch_or_none(threads)
        limiter = limit_blas_threads(threads)  # noqa: F841 - the same thread count for NumPy's BLAS
        header(f"\n{threads} thread(s): torch {torch.get_num_threads() if torch else '-'}, deepglass "
               f"{dg.get_num_threads()}")
        if args.only != "step":
            layer_times(torch, args.rounds)
        if args.only != "layer":
            step_times(torch, args.rounds)


if __name__ == "__main__":
    main()
