"""Transfer learning on the course's cat vs non-cat images (209 train / 50 test, 64x64 RGB).

The recipe (docs/transfer_learning.md): a pretrained ResNet-18 without its top, frozen; a new head
GlobalAveragePooling -> Dense(64) -> ReLU -> Dropout -> Dense(2) trained alone; then the last residual
stage unfrozen and fine-tuned with a 10x smaller learning rate. Frozen BatchNorm stays in inference mode.

Pass ImageNet weights with --weights (a torchvision/timm .safetensors or .pth file, or 'imagenet' to
download them). Offline, without such a file, the backbone is first pretrained here on MNIST digits as
a stand-in source task: weaker features than ImageNet's, but the same mechanics.

    python examples/transfer_learning_catvnoncat.py --data ../shared/data [--weights resnet18.safetensors]
    python examples/transfer_learning_catvnoncat.py --fast        # a smoke test
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import deepglass as dg
from deepglass.models import IMAGENET_MEAN, IMAGENET_STD, transfer


def normalize(x: np.ndarray) -> np.ndarray:
    """[0, 1] NCHW RGB -> ImageNet-normalized, as the pretrained weights expect."""
    return ((x - np.reshape(IMAGENET_MEAN, (1, 3, 1, 1))) / np.reshape(IMAGENET_STD, (1, 3, 1, 1))).astype(np.float32)


def fit(model, x, y, epochs: int, lr: float, device: str, batch: int = 32, seed: int = 0) -> float:
    """Adam on the trainable parameters, cross-entropy; returns the last epoch's mean loss."""
    opt = dg.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    rng = np.random.default_rng(seed)
    loss_sum = 0.0
    for _ in range(epochs):
        model.train()
        order, loss_sum = rng.permutation(len(x)), 0.0
        for i in range(0, len(x), batch):
            idx = order[i : i + batch]
            xb = x[idx][..., ::-1] if rng.random() < 0.5 else x[idx]  # random horizontal flip
            loss = dg.nn.functional.cross_entropy(model(dg.tensor(np.ascontiguousarray(xb), device=device)),
                                                  dg.tensor(y[idx], device=device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
    return loss_sum / len(x)


def accuracy(model, x, y, device: str) -> float:
    model.eval()
    with dg.no_grad():
        logits = model(dg.tensor(x, device=device)).numpy()
    return float(np.mean(logits.argmax(1) == y))


def stand_in_backbone(data: Path, n: int, epochs: int, device: str):
    """A ResNet-18 backbone pretrained on `n` MNIST digits (gray -> 3 channels, 28 -> 56 px)."""
    mnist = dg.datasets.mnist(root=data / "mnist", download=False)
    x = mnist.train.as_float()[:n].repeat(2, axis=2).repeat(2, axis=3).repeat(3, axis=1)
    backbone = dg.models.resnet18(include_top=False)
    source = dg.models.TransferModel(backbone, num_classes=10, hidden=0).to(device)
    loss = fit(source, normalize(x), mnist.train.y[:n], epochs, 1e-3, device, batch=64)
    print(f"stand-in pretraining on {n} MNIST digits: last-epoch loss {loss:.3f}")
    return backbone


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data", help="folder holding catvnoncat/ (and mnist/)")
    parser.add_argument("--weights", default=None, help="ResNet-18 ImageNet weights: a file, or 'imagenet'")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--fast", action="store_true")
    args = parser.parse_args(argv)
    dg.manual_seed(0)
    data = Path(args.data)
    cats = dg.datasets.cat_vs_noncat(root=data / "catvnoncat", download=False)
    x, y = normalize(cats.train.as_float()), cats.train.y
    x_test, y_test = normalize(cats.test.as_float()), cats.test.y
    if args.fast:
        x, y = x[:48], y[:48]
    head_epochs, tune_epochs = (1, 1) if args.fast else (15, 10)

    # 1. backbone without top
    if args.weights:
        backbone = dg.models.resnet18(include_top=False, weights=args.weights)
    else:
        backbone = stand_in_backbone(data, 256 if args.fast else 3000, 1 if args.fast else 2, args.device)
    # 2. freeze it (BN in inference mode), 3. GAP -> Dense -> output
    transfer.freeze(backbone)
    model = dg.models.TransferModel(backbone, num_classes=2, hidden=64, dropout=0.3).to(args.device)
    frozen = backbone.state_dict()
    fit(model, x, y, head_epochs, 1e-3, args.device)
    unchanged = all(np.array_equal(v, backbone.state_dict()[k]) for k, v in frozen.items())
    head_acc = accuracy(model, x_test, y_test, args.device)
    print(f"head only: test accuracy {head_acc:.3f} (frozen backbone unchanged: {unchanged})")
    # 4. fine-tune the last residual stage with a smaller learning rate
    transfer.unfreeze_last(backbone, n_blocks=1)
    fit(model, x, y, tune_epochs, 1e-4, args.device, seed=1)
    tuned_acc = accuracy(model, x_test, y_test, args.device)
    print(f"after fine-tuning layer4: test accuracy {tuned_acc:.3f}")
    return {"head_acc": head_acc, "tuned_acc": tuned_acc, "frozen_unchanged": unchanged}


if __name__ == "__main__":
    main()
