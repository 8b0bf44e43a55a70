"""U-Net segmentation of generated shapes: noisy 32x32 images, each with a filled circle or square.

Trains a small U-Net (depth 2, 8 base channels) with Dice + BCE loss, reports Dice and IoU on new
images, and saves a figure of image / true mask / predicted mask overlays (with --plot).

    python examples/unet_shapes.py [--epochs 6] [--plot unet_shapes.png]
"""

from __future__ import annotations

import argparse

import numpy as np

import deepglass as dg
from deepglass import models


def make_shapes(n: int, size: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(images, masks), both float32 (n, 1, size, size): one filled circle or square per image, in noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    masks = np.zeros((n, 1, size, size), np.float32)
    for i in range(n):
        r = rng.integers(4, 9)
        cy, cx = rng.integers(r, size - r, 2)
        if rng.random() < 0.5:
            masks[i, 0] = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r  # circle
        else:
            masks[i, 0] = (abs(yy - cy) <= r) & (abs(xx - cx) <= r)  # square
    images = masks * rng.uniform(0.5, 1.0, (n, 1, 1, 1)) + rng.normal(0, 0.3, masks.shape)
    return images.astype(np.float32), masks


def plot(images, masks, logits, path: str, n: int = 4) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(n, 3, figsize=(6, 2 * n))
    for i in range(n):
        pred = logits[i, 0] > 0
        for ax, img, title in zip(axes[i], (images[i, 0], models.overlay_mask(images[i], masks[i, 0], (0, 1, 0)),
                                            models.overlay_mask(images[i], pred)), ("image", "true mask", "predicted")):
            ax.imshow(img, cmap="gray")
            ax.set_title(title)
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(path)
    print(f"saved {path}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--train", type=int, default=512, help="number of training images")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--plot", default=None, help="save a figure of predictions to this file")
    args = parser.parse_args(argv)
    dg.manual_seed(0)
    x, y = make_shapes(args.train, seed=0)
    x_test, y_test = make_shapes(128, seed=1)
    model = models.unet(in_channels=1, num_classes=1, depth=2, base_channels=8).to(args.device)
    opt = dg.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = models.DiceBCELoss(bce_weight=1.0)
    rng = np.random.default_rng(0)
    for epoch in range(1, args.epochs + 1):
        model.train()
        order, losses = rng.permutation(len(x)), []
        for i in range(0, len(x), 32):
            idx = order[i : i + 32]
            loss = loss_fn(model(dg.tensor(x[idx], device=args.device)), dg.tensor(y[idx], device=args.device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        print(f"epoch {epoch}: Dice+BCE loss {np.mean(losses):.4f}")
    model.eval()
    with dg.no_grad():
        logits = model(dg.tensor(x_test, device=args.device)).numpy()
    result = {"dice": models.dice_score(logits, y_test), "iou": models.iou_score(logits, y_test)}
    print(f"test Dice {result['dice']:.3f}, IoU {result['iou']:.3f}")
    if args.plot:
        plot(x_test, y_test, logits, args.plot)
    return result


if __name__ == "__main__":
    main()
