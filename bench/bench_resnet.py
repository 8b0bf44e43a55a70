"""ResNet-18, deepglass vs PyTorch: a training step on 32x32 inputs (batch 64) and inference at 224x224 (batch 8).

Both sides run the same network (the CIFAR-style small-input stem for 32x32 — 3x3 conv, no max-pool —
and torchvision's 7x7 stem for 224x224), in float32, with the same weights. The training step is forward,
cross-entropy, backward and an SGD-with-momentum update; inference runs under no_grad in eval mode.

    python bench/bench_resnet.py                 # CPU, one thread each (ratio = torch ms / deepglass ms)
    python bench/bench_resnet.py --threads 0     # torch with its default thread count
    python bench/bench_resnet.py --device cuda   # CuPy vs torch CUDA (when both have a GPU)
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from _common import header, limit_blas_threads, row, time_ms, torch_or_none  # noqa: E402

import deepglass as dg  # noqa: E402


def torch_resnet18(torch, small_input: bool, num_classes: int):
    """torchvision's ResNet-18 (rebuilt with torch.nn in tests/models/torch_reference.py), optionally small-input."""
    from models.torch_reference import resnet

    net = resnet(torch, 18, num_classes=num_classes)
    if small_input:
        net.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        net.maxpool = torch.nn.Identity()
    return net


def copy_weights(torch, net, model) -> None:
    """Give the deepglass model the torch model's weights, so both compute the same thing."""
    dg.models.load_pretrained(model, {k: v.numpy() for k, v in net.state_dict().items()})


def deepglass_train_step(model, x, y):
    opt = dg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()

    def step():
        loss = dg.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def torch_train_step(torch, net, x, y):
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    net.train()

    def step():
        loss = torch.nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (0: torch's default)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch = torch_or_none(args.threads or None)
    limiter = limit_blas_threads(args.threads or None)  # noqa: F841 - the same thread count for NumPy's BLAS
    tdev = args.device if torch is not None and (args.device == "cpu" or torch.cuda.is_available()) else None
    dg_sync = torch_sync = None
    if args.device == "cuda":
        import cupy

        dg_sync = cupy.cuda.Device().synchronize
        torch_sync = torch.cuda.synchronize if tdev else None
    rng = np.random.default_rng(0)
    header(f"ResNet-18 on {args.device} (threads, torch and NumPy's BLAS: {args.threads or 'default'})")

    # training step, 32x32, batch 64
    x = rng.standard_normal((64, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, size=64)
    model = dg.models.resnet18(num_classes=10, small_input=True).to(args.device)
    dg_ms = time_ms(deepglass_train_step(model, dg.tensor(x, device=args.device), dg.tensor(y, device=args.device)),
                    warmup=1, repeats=args.repeats, number=1, sync=dg_sync)
    torch_ms = None
    if tdev:
        net = torch_resnet18(torch, True, 10).to(tdev)
        torch_ms = time_ms(torch_train_step(torch, net, torch.from_numpy(x).to(tdev), torch.from_numpy(y).to(tdev)),
                           warmup=1, repeats=args.repeats, number=1, sync=torch_sync)
    row("train step 64x3x32x32", dg_ms, torch_ms)

    # inference, 224x224, batch 8, identical weights
    x = rng.standard_normal((8, 3, 224, 224)).astype(np.float32)
    model = dg.models.resnet18().eval()
    xt = dg.tensor(x, device=args.device)
    net = None
    if tdev:
        net = torch_resnet18(torch, False, 1000).eval()
        copy_weights(torch, net, model)
    model.to(args.device)

    def dg_infer():
        with dg.no_grad():
            return model(xt)

    dg_ms = time_ms(dg_infer, warmup=1, repeats=args.repeats, number=1, sync=dg_sync)
    torch_ms = None
    if net is not None:
        net = net.to(tdev)
        xt_torch = torch.from_numpy(x).to(tdev)

        def torch_infer():
            with torch.no_grad():
                return net(xt_torch)

        out_dg, out_torch = dg_infer().numpy(), torch_infer().cpu().numpy()
        print(f"  (inference outputs agree to {np.abs(out_dg - out_torch).max():.1e})")
        torch_ms = time_ms(torch_infer, warmup=1, repeats=args.repeats, number=1, sync=torch_sync)
    row("inference 8x3x224x224", dg_ms, torch_ms)


if __name__ == "__main__":
    main()
