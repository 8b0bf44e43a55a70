"""A convolutional network on MNIST, PyTorch-style: an nn.Module subclass, a DataLoader and an explicit loop.

    python examples/cnn_mnist.py                      # 12 epochs: 99.58 % test accuracy
    python examples/cnn_mnist.py --epochs 1 --limit 3000
    python examples/cnn_mnist.py --device cuda        # the same code on CuPy

Two blocks of (conv 3×3 → batch norm → ReLU) ×2 → max-pool, then a small classifier. Convolutions
share one 3×3 filter across the whole image, so the network has far fewer weights than the MLP
yet sees strokes and their neighbourhoods; small random shifts and rotations (augmentation) keep it
from memorizing pixels. The Keras mnist_convnet example reports 99.22 %.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import deepglass as dg
from deepglass import nn
from deepglass.data import transforms as T

DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """(3×3 conv → BN → ReLU) twice, then 2×2 max-pool: (N, c_in, H, W) → (N, c_out, H/2, W/2)."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
        nn.MaxPool2d(2),
    )


class ConvNet(nn.Module):
    """(N, 1, 28, 28) → conv block 32 → conv block 64 → 128 → 10 logits."""

    def __init__(self, width: int = 32):
        super().__init__()
        self.features = nn.Sequential(conv_block(1, width), conv_block(width, 2 * width))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(2 * width * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(128, 10),
        )

    def forward(self, x: dg.Tensor) -> dg.Tensor:
        return self.classifier(self.features(x))


def load_mnist(limit: int | None = None) -> tuple[dg.data.ArrayDataset, dg.data.ArrayDataset]:
    """MNIST as float32 (N, 1, 28, 28) in [0, 1]; `limit` keeps the first images of each split (quick runs)."""
    data = dg.datasets.mnist(root=DATA / "mnist", download=False).as_float()
    (x_train, y_train), (x_test, y_test) = data["train"], data["test"]
    if limit:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[: limit // 2], y_test[: limit // 2]
    return dg.data.ArrayDataset(x_train, y_train), dg.data.ArrayDataset(x_test, y_test)


def evaluate(model: nn.Module, loader: dg.data.DataLoader, device: str) -> float:
    """Accuracy of `model` over every batch of `loader`."""
    model.eval()
    correct = total = 0
    with dg.no_grad():
        for x, y in loader:
            predicted = model(x.to(device)).argmax(axis=1).numpy()
            correct += int((predicted == y.numpy()).sum())
            total += len(y)
    return correct / total


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--width", type=int, default=32, help="channels of the first conv block")
    parser.add_argument("--limit", type=int, default=None, help="use only the first LIMIT training images")
    parser.add_argument("--no-augment", action="store_true", help="train on the images as they are")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    dg.manual_seed(args.seed)
    train_set, test_set = load_mnist(args.limit)
    train_loader = dg.data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = dg.data.DataLoader(test_set, batch_size=500)
    augment = None if args.no_augment else T.RandomAffine(degrees=10, translate=(0.1, 0.1))
    model = ConvNet(args.width).to(args.device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = dg.optim.Adam(model.parameters(), lr=args.lr)
    steps = args.epochs * len(train_loader)
    scheduler = dg.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=steps)
    print(f"ConvNet with {model.num_parameters():,} parameters, {len(train_set):,} training images")

    history, start = [], time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        running = 0.0
        for x, y in train_loader:
            x, y = x.to(args.device), y.to(args.device)
            if augment is not None:
                x = augment(x)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            scheduler.step()  # OneCycleLR moves the learning rate every batch
            running += loss.item() * len(y)
        test_accuracy = evaluate(model, test_loader, args.device)
        history.append({"epoch": epoch, "loss": running / len(train_set), "test_accuracy": test_accuracy})
        print(f"epoch {epoch:2d}  loss {history[-1]['loss']:.4f}  test accuracy {test_accuracy:.4f}  "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"Test accuracy: {history[-1]['test_accuracy']:.4f}")
    return {"history": history, "test_accuracy": history[-1]["test_accuracy"], "model": model,
            "seconds": time.perf_counter() - start, "train_size": len(train_set)}


if __name__ == "__main__":
    main()
