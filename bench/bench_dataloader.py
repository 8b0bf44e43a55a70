"""One epoch of MNIST (60,000 images, batch 128, shuffled): images per second, deepglass vs PyTorch.

Cases (both sides produce float32 N×1×28×28 batches in [0, 1] with int64 labels):
  plain        — shuffle, fancy-index the batch, scale to float.
  flip+affine  — RandomHorizontalFlip(0.5) then RandomAffine(10°, translate 10%, scale 0.9-1.1), bilinear.
deepglass runs its transforms once per batch (vectorized). torchvision is not installed here, so the
PyTorch reference is torch's DataLoader (num_workers=0) with a per-sample transform written in torch
ops the way torchvision's tensor path does it (torch.flip, affine_grid + grid_sample per image). The
deepglass per-sample path (the same transforms called image by image) is shown too.

    python bench/bench_dataloader.py [--root /work/shared/data/mnist] [--threads 1]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import header, row, torch_or_none  # noqa: E402

import deepglass as dg  # noqa: E402

BATCH = 128
T = dg.data.transforms


def epoch_ms(loader, repeats: int) -> float:
    """Median wall time of iterating `loader` once (touching every batch), in ms."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        n = 0
        for x, _y in loader:
            n += len(x)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def deepglass_loaders(images, labels):
    plain = dg.data.ArrayDataset(images, labels, transform=T.ToTensor())
    aug = T.Compose([T.ToTensor(), T.RandomHorizontalFlip(0.5),
                     T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), interpolation="bilinear")])
    augmented = dg.data.ArrayDataset(images, labels, transform=aug)
    per_sample = dg.data.ArrayDataset(images, labels, transform=lambda img: aug(img))  # plain callable: per image
    make = lambda ds: dg.data.DataLoader(ds, batch_size=BATCH, shuffle=True)  # noqa: E731
    return make(plain), make(augmented), make(per_sample)


def torch_loaders(torch, images, labels):
    import torch.nn.functional as F

    x = torch.from_numpy(images).unsqueeze(1)  # uint8 N×1×28×28
    y = torch.from_numpy(labels)

    class Plain(torch.utils.data.Dataset):
        def __len__(self):
            return len(y)

        def __getitem__(self, i):
            return x[i].float().div_(255), y[i]

    class Augmented(Plain):
        def __getitem__(self, i):
            img, label = super().__getitem__(i)
            if torch.rand(()) < 0.5:
                img = torch.flip(img, dims=[-1])
            angle = math.radians(float(torch.empty(()).uniform_(-10, 10)))
            tx, ty = (round(float(torch.empty(()).uniform_(-2.8, 2.8))) for _ in range(2))
            s = float(torch.empty(()).uniform_(0.9, 1.1))
            c, si = math.cos(angle) / s, math.sin(angle) / s  # inverse of rotation·scale
            theta = torch.tensor([[[c, -si, -2 * tx / 28], [si, c, -2 * ty / 28]]], dtype=torch.float32)
            grid = F.affine_grid(theta, (1, 1, 28, 28), align_corners=False)
            return F.grid_sample(img[None], grid, mode="bilinear", align_corners=False)[0], label

    make = lambda ds: torch.utils.data.DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=0)  # noqa: E731
    return make(Plain()), make(Augmented())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None, help="MNIST folder (default: ../shared/data/mnist, else the cache)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (0 = torch's default)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    root = args.root
    if root is None:
        shared = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "mnist")
        root = shared if os.path.isdir(shared) else None
    splits = dg.datasets.mnist(root=root)
    images, labels = splits.train.x, splits.train.y
    n = len(images)
    dg.manual_seed(0)
    dg_plain, dg_aug, dg_per_sample = deepglass_loaders(images, labels)
    torch = torch_or_none(args.threads or None)
    if torch is not None:
        torch.manual_seed(0)
        t_plain, t_aug = torch_loaders(torch, images, labels)

    header(f"MNIST epoch ({n} images, batch {BATCH}); ms per epoch, ratio = torch ms / deepglass ms")
    results = {}
    for name, dg_loader, t_loader, repeats in (
        ("plain", dg_plain, t_plain if torch else None, args.repeats),
        ("flip+affine (batched)", dg_aug, t_aug if torch else None, 1),
    ):
        dg_ms = epoch_ms(dg_loader, args.repeats)
        t_ms = epoch_ms(t_loader, repeats) if t_loader is not None else None
        row(name, dg_ms, t_ms)
        results[name] = (dg_ms, t_ms)
    ps_ms = epoch_ms(dg_per_sample, 1)
    row("flip+affine (deepglass per-sample)", ps_ms, results["flip+affine (batched)"][1])
    print()
    print("images per second:")
    for name, (dg_ms, t_ms) in results.items():
        torch_part = f"   torch {n / t_ms * 1e3:>12,.0f}" if t_ms else ""
        print(f"  {name:<24} deepglass {n / dg_ms * 1e3:>12,.0f}{torch_part}")
    print(f"  {'flip+affine per-sample':<24} deepglass {n / ps_ms * 1e3:>12,.0f}")


if __name__ == "__main__":
    main()
