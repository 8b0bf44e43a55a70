"""The course's L-layer network on cat-vs-non-cat: 12288-20-7-5-1, sigmoid output, cross-entropy, gradient descent.

    python examples/catvnoncat_deep.py                 # 2,500 full-batch steps: 76 % test accuracy (the course: 80 %)
    python examples/catvnoncat_deep.py --layers 12288 1 --lr 0.005 --iterations 2000   # logistic regression: 72 %
    python examples/catvnoncat_deep.py --iterations 300

Each 64×64 RGB picture is flattened to 12,288 numbers in [0, 1]. Weights start as N(0, 1/fan_in)
and biases at zero (the course's initialization), then plain gradient descent on all 209 training
images at once (lr 0.0075). With only 209 examples the network fits the training set almost
perfectly; the 50 test images tell how much of that generalizes.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import numpy as np

import deepglass as dg
from deepglass import nn

DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def make_model(layers: list[int]) -> nn.Sequential:
    """Linear layers of the given sizes with ReLU between them and a sigmoid at the end (one probability)."""
    modules: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(layers[:-1], layers[1:])):
        linear = nn.Linear(fan_in, fan_out)
        nn.init.normal_(linear.weight, 0.0, 1.0 / math.sqrt(fan_in))
        nn.init.zeros_(linear.bias)
        modules += [linear, nn.ReLU() if i < len(layers) - 2 else nn.Sigmoid()]
    return nn.Sequential(*modules)


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flattened images (N, 12288) in [0, 1] and labels (N, 1) as float32, train then test."""
    splits = dg.datasets.cat_vs_noncat(root=DATA / "catvnoncat", download=False)
    flat = lambda d: (d.as_float("NHWC").reshape(len(d.x), -1), d.y.astype(np.float32).reshape(-1, 1))  # noqa: E731
    return (*flat(splits.train), *flat(splits.test))


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with dg.no_grad():
        return float(((model(dg.tensor(x)).numpy() > 0.5) == (y > 0.5)).mean())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, nargs="+", default=[12288, 20, 7, 5, 1])
    parser.add_argument("--iterations", type=int, default=2500)
    parser.add_argument("--lr", type=float, default=0.0075)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    dg.manual_seed(args.seed)
    x_train, y_train, x_test, y_test = load()
    model = make_model(args.layers)
    loss_fn = nn.BCELoss()
    optimizer = dg.optim.SGD(model.parameters(), lr=args.lr)
    x, y = dg.tensor(x_train), dg.tensor(y_train)
    costs, start = [], time.perf_counter()
    for i in range(args.iterations):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if i % 100 == 0 or i == args.iterations - 1:
            costs.append((i, loss.item()))
            print(f"iteration {i:4d}  cost {costs[-1][1]:.4f}", flush=True)
    train_accuracy, test_accuracy = accuracy(model, x_train, y_train), accuracy(model, x_test, y_test)
    print(f"Train accuracy: {train_accuracy:.4f}  Test accuracy: {test_accuracy:.4f}  "
          f"({time.perf_counter() - start:.0f} s)")
    return {"costs": costs, "train_accuracy": train_accuracy, "test_accuracy": test_accuracy,
            "seconds": time.perf_counter() - start}


if __name__ == "__main__":
    main()
