"""The perceptron learns AND and OR but never XOR; a 2-layer network trained by backpropagation learns all three.

    python examples/perceptron_xor.py

A perceptron draws one straight line (w·x + b = 0) through the plane. AND and OR are linearly
separable, so Rosenblatt's rule (w += lr·(target − prediction)·x) converges in a few epochs. XOR's
positives (0,1) and (1,0) sit on one diagonal and its negatives on the other: no line separates
them, so the rule cycles forever and no line gets more than 3 of the 4 points right. One hidden layer bends the
boundary: the hidden units compute two lines (e.g. OR and NAND) and the output unit ANDs them.
"""

from __future__ import annotations

import argparse

import numpy as np

import deepglass as dg
from deepglass import nn

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
TARGETS = {
    "AND": np.array([0, 0, 0, 1], dtype=np.float32),
    "OR": np.array([0, 1, 1, 1], dtype=np.float32),
    "XOR": np.array([0, 1, 1, 0], dtype=np.float32),
}


def train_perceptron(y: np.ndarray, epochs: int = 100, lr: float = 0.1) -> dict:
    """Rosenblatt's rule on the 4 points; returns whether (and when) it converged and the final accuracy."""
    w, b = dg.zeros(2), dg.zeros(())
    x = dg.tensor(X)
    epoch = 0
    while epoch < epochs:
        epoch += 1
        mistakes = 0
        for xi, yi in zip(x, y):
            predicted = float((xi @ w + b).item() > 0)
            if predicted != yi:  # move the line towards the misclassified point
                w = w + lr * (yi - predicted) * xi
                b = b + lr * (yi - predicted)
                mistakes += 1
        if mistakes == 0:
            break
    accuracy = float((((x @ w + b).numpy() > 0) == y).mean())
    return {"converged": mistakes == 0, "epochs": epoch, "accuracy": accuracy, "w": w.numpy(), "b": b.item()}


def train_mlp(y: np.ndarray, hidden: int = 4, steps: int = 2000, lr: float = 0.5, seed: int = 0) -> dict:
    """A 2 → hidden → 1 network (tanh, then sigmoid) trained by full-batch gradient descent on BCE."""
    dg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))
    optimizer = dg.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    x, t = dg.tensor(X), dg.tensor(y.reshape(-1, 1))
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        optimizer.step()
    with dg.no_grad():
        accuracy = float(((model(x).numpy().ravel() > 0) == y).mean())
    return {"loss": loss.item(), "accuracy": accuracy}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100, help="perceptron epochs before giving up")
    parser.add_argument("--steps", type=int, default=2000, help="gradient-descent steps for the MLP")
    args = parser.parse_args(argv)
    results = {}
    print(f"{'task':<5}{'perceptron':>28}{'2-layer MLP':>22}")
    for name, y in TARGETS.items():
        p, m = train_perceptron(y, args.epochs), train_mlp(y, steps=args.steps)
        results[name] = {"perceptron": p, "mlp": m}
        verdict = f"converged in {p['epochs']} epochs" if p["converged"] else f"no line after {p['epochs']} epochs"
        print(f"{name:<5}{verdict:>24} {p['accuracy']:>4.0%}{m['accuracy']:>14.0%} (loss {m['loss']:.3f})")
    return results


if __name__ == "__main__":
    main()
