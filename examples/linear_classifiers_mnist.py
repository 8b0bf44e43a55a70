"""Linear classifiers on MNIST: one neuron (logistic regression, "is it a 5?") and a softmax over all 10 digits.

    python examples/linear_classifiers_mnist.py                  # 10 epochs each: 92.3 % on 10 digits
    python examples/linear_classifiers_mnist.py --epochs 1 --limit 5000
    python examples/linear_classifiers_mnist.py --out runs/linear  # also save the weight templates as a PNG

A single neuron computes σ(w·x + b): one weight per pixel, one probability. A softmax classifier has
one such row of 784 weights per class and picks the class whose row matches the image best, so
each row, drawn as a 28×28 image, is a *template* of its digit (positive weights where that digit
has ink and the others do not). LeCun's table lists a linear classifier at 88 % and a tuned
softmax near 92.5 %: no linear model does much better, because one template per class cannot
cover all the ways of writing a digit.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

import deepglass as dg
from deepglass import nn

DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def load_mnist(limit: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flattened float32 images (N, 784) in [0, 1] and int64 labels: train, then test (first LIMIT / LIMIT/2)."""
    data = dg.datasets.mnist(root=DATA / "mnist", download=False).as_float()
    (x_train, y_train), (x_test, y_test) = data["train"], data["test"]
    n_train, n_test = (limit, limit // 2) if limit else (len(x_train), len(x_test))
    return (x_train[:n_train].reshape(n_train, 784), y_train[:n_train],
            x_test[:n_test].reshape(n_test, 784), y_test[:n_test])


def fit(model: nn.Module, loss_fn: nn.Module, x: np.ndarray, y: np.ndarray, epochs: int, lr: float) -> list[float]:
    """Mini-batch SGD with momentum (batch 128); returns the mean training loss of each epoch."""
    loader = dg.data.DataLoader(dg.data.ArrayDataset(x, y), batch_size=128, shuffle=True)
    optimizer = dg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = dg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
        scheduler.step()
        losses.append(total / len(x))
    return losses


def logistic_regression(x_train, y_train, x_test, y_test, digit: int = 5, epochs: int = 10) -> dict:
    """One neuron: P(image is `digit`); accuracy next to the majority baseline (always 'not `digit`')."""
    neuron = nn.Linear(784, 1)
    target = lambda y: (y == digit).astype(np.float32).reshape(-1, 1)  # noqa: E731
    losses = fit(neuron, nn.BCEWithLogitsLoss(), x_train, target(y_train), epochs, lr=0.05)
    with dg.no_grad():
        predicted = neuron(dg.tensor(x_test)).numpy() > 0
    return {"digit": digit, "losses": losses, "test_accuracy": float((predicted == (target(y_test) > 0)).mean()),
            "baseline": float((y_test != digit).mean())}


def softmax_classifier(x_train, y_train, x_test, y_test, epochs: int = 10) -> dict:
    """Multinomial logistic regression: 784 → 10 logits, softmax + cross-entropy (fused in CrossEntropyLoss)."""
    model = nn.Linear(784, 10)
    losses = fit(model, nn.CrossEntropyLoss(), x_train, y_train, epochs, lr=0.05)
    with dg.no_grad():
        predicted = model(dg.tensor(x_test)).argmax(axis=1).numpy()
    return {"losses": losses, "test_accuracy": float((predicted == y_test).mean()), "templates": model.weight.numpy()}


def save_templates(templates: np.ndarray, path: Path) -> Path | None:
    """Draw the 10 rows of the weights as 28×28 images (red: positive, blue: negative); None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(weight templates not drawn: matplotlib is missing; pip install 'deepglass[plot]')")
        return None
    limit = np.abs(templates).max()
    fig, axes = plt.subplots(2, 5, figsize=(10, 4.4))
    for digit, ax in enumerate(axes.ravel()):
        ax.imshow(templates[digit].reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(str(digit))
        ax.axis("off")
    fig.suptitle("Softmax classifier weights: one template per digit")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=80)
    plt.close(fig)
    os.replace(tmp, path)  # atomic: a reader never sees half a file
    return path


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None, help="use only the first LIMIT training images")
    parser.add_argument("--digit", type=int, default=5, help="the digit the single neuron detects")
    parser.add_argument("--out", type=Path, default=None, help="folder for weight_templates.png")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    dg.manual_seed(args.seed)
    data = load_mnist(args.limit)
    single = logistic_regression(*data, digit=args.digit, epochs=args.epochs)
    print(f"Logistic regression, '{args.digit}' vs rest: test accuracy {single['test_accuracy']:.4f} "
          f"(always answering 'not {args.digit}': {single['baseline']:.4f})")
    softmax = softmax_classifier(*data, epochs=args.epochs)
    print(f"Softmax linear classifier, 10 digits: test accuracy {softmax['test_accuracy']:.4f}")
    if args.out is not None:
        path = save_templates(softmax["templates"], args.out / "weight_templates.png")
        if path:
            print(f"Weight templates: {path}")
    return {"logistic": single, "softmax": softmax}


if __name__ == "__main__":
    main()
