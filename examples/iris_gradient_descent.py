"""Gradient descent flavors on iris: full-batch, mini-batch and online are one loop with three batch sizes.

    python examples/iris_gradient_descent.py              # the three flavors, 100 epochs each (about 3 s)
    python examples/iris_gradient_descent.py --epochs 20

There is no special "flavor" code: the same network (4 → 16 → 16 → 3), the same SGD, the same number of
passes over the data; only `batch_size` differs.

- full-batch (batch_size=120, all training samples): one exact gradient per epoch; smooth, but few updates;
- mini-batch (batch_size=16): 8 noisy-but-useful updates per epoch, and each is cheap — the usual choice;
- online / stochastic (batch_size=1): 120 very noisy updates per epoch; fast progress per epoch, a jittery
  loss, and slow in wall-clock time because nothing is vectorized.

With the same learning rate, smaller batches make more progress per epoch simply because they take more
steps; the loss they see is noisier. Printed per flavor: updates made, final training loss, test accuracy.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import deepglass as dg

FLAVORS = {"full-batch": None, "mini-batch": 16, "online": 1}  # None: the whole training set
EPOCHS, LR = 100, 0.1


def make_model() -> dg.nn.Module:
    """A 3-layer perceptron: 4 features → 16 → 16 → 3 class scores (logits)."""
    return dg.nn.Sequential(dg.nn.Linear(4, 16), dg.nn.ReLU(), dg.nn.Linear(16, 16), dg.nn.ReLU(), dg.nn.Linear(16, 3))


def standardized_iris() -> tuple[dg.data.ArrayDataset, dg.data.ArrayDataset]:
    """Iris train (120) / test (30), features scaled with the training mean and std."""
    splits = dg.datasets.iris()
    mean, std = splits.train.x.mean(axis=0), splits.train.x.std(axis=0)
    scale = lambda x: ((x - mean) / std).astype(np.float32)  # noqa: E731
    return (
        dg.data.ArrayDataset(scale(splits.train.x), splits.train.y),
        dg.data.ArrayDataset(scale(splits.test.x), splits.test.y),
    )


def accuracy(model: dg.nn.Module, dataset: dg.data.ArrayDataset) -> float:
    with dg.no_grad():
        predicted = model(dg.tensor(dataset.x)).argmax(axis=1).numpy()
    return float((predicted == dataset.y).mean())


def train(batch_size: int | None, epochs: int = EPOCHS, lr: float = LR, seed: int = 0) -> dict:
    """Train a fresh model with SGD at `batch_size` (None: full batch); returns the history and results."""
    dg.manual_seed(seed)  # same initial weights and shuffling for every flavor
    train_set, test_set = standardized_iris()
    model = make_model()
    loss_fn = dg.nn.CrossEntropyLoss()
    optimizer = dg.optim.SGD(model.parameters(), lr=lr)
    loader = dg.data.DataLoader(train_set, batch_size=batch_size or len(train_set), shuffle=True)
    epoch_losses, updates, start = [], 0, time.perf_counter()
    for _ in range(epochs):
        total = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            updates += 1
        epoch_losses.append(total / len(train_set))
    return {
        "epoch_losses": epoch_losses,
        "updates": updates,
        "seconds": time.perf_counter() - start,
        "train_accuracy": accuracy(model, train_set),
        "test_accuracy": accuracy(model, test_set),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--lr", type=float, default=LR)
    args = parser.parse_args(argv)
    results = {}
    print(f"{'flavor':<12}{'batch':>7}{'updates':>9}{'loss@1':>9}{'loss@end':>10}{'test acc':>10}{'seconds':>9}")
    for name, batch_size in FLAVORS.items():
        r = results[name] = train(batch_size, args.epochs, args.lr)
        print(
            f"{name:<12}{batch_size or 120:>7}{r['updates']:>9}{r['epoch_losses'][0]:>9.3f}"
            f"{r['epoch_losses'][-1]:>10.3f}{r['test_accuracy']:>10.1%}{r['seconds']:>9.2f}"
        )
    return results


if __name__ == "__main__":
    main()
