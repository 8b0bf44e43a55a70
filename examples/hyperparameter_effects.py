"""How learning rate, batch size and regularization (L2, dropout) shape the learning curves, on an MNIST MLP.

    python examples/hyperparameter_effects.py                    # 3 sweeps × 3 settings, 20 epochs (a few minutes)
    python examples/hyperparameter_effects.py --epochs 3 --train 500
    python examples/hyperparameter_effects.py --out runs/hparams # also save one plot per sweep

One baseline (784 → 256 → 10, SGD with momentum 0.9, lr 0.05, batch 64, 2,000 training images so
that overfitting shows) and one knob turned at a time. What to look for in the curves:
- learning rate: too small crawls (both losses stay high), too large jumps around or diverges;
- batch size: with the same epochs, small batches take more (noisier) steps and get further;
- regularization: without it the validation loss turns up while the training loss keeps falling
  (overfitting, the gap grows); L2 (weight decay) and dropout keep the two curves closer.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

import numpy as np

import deepglass as dg
from deepglass import nn

DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
BASELINE = {"lr": 0.05, "batch_size": 64, "weight_decay": 0.0, "dropout": 0.0}
SWEEPS = {
    "learning rate": [{"lr": 0.005}, {"lr": 0.05}, {"lr": 0.8}],
    "batch size": [{"batch_size": 16}, {"batch_size": 64}, {"batch_size": 512}],
    "regularization": [{}, {"weight_decay": 5e-3}, {"dropout": 0.5}],
}


def load(train: int, val: int = 2000) -> tuple[np.ndarray, ...]:
    """`train` training images and `val` validation images (from the end of MNIST's training split), flattened."""
    x, y = dg.datasets.mnist(root=DATA / "mnist", download=False).as_float()["train"]
    x = x.reshape(len(x), 784)
    return x[:train], y[:train], x[-val:], y[-val:]


def run(data: tuple[np.ndarray, ...], epochs: int, lr: float, batch_size: int, weight_decay: float,
        dropout: float, seed: int = 0) -> dict:
    """Train one MLP; per-epoch training loss, validation loss and validation accuracy."""
    dg.manual_seed(seed)  # same initial weights for every setting: only the knob differs
    x_train, y_train, x_val, y_val = data
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(dropout), nn.Linear(256, 10))
    optimizer = dg.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    loader = dg.data.DataLoader(dg.data.ArrayDataset(x_train, y_train), batch_size=batch_size, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    curves = {"train_loss": [], "val_loss": [], "val_accuracy": []}
    for _ in range(epochs):
        model.train()
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
        model.eval()
        with dg.no_grad():
            logits = model(dg.tensor(x_val))
            val_loss = loss_fn(logits, dg.tensor(y_val)).item()
        curves["train_loss"].append(total / len(x_train))
        curves["val_loss"].append(val_loss)
        curves["val_accuracy"].append(float((logits.argmax(axis=1).numpy() == y_val).mean()))
    return curves


def label(change: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in change.items()) or "none"


def plot_sweep(name: str, results: dict[str, dict], path: Path) -> Path | None:
    """Training (dashed) and validation (solid) loss per setting; None when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, (setting, curves) in enumerate(results.items()):
        epochs = range(1, len(curves["val_loss"]) + 1)
        finite = lambda v: [min(x, 10.0) if math.isfinite(x) else np.nan for x in v]  # noqa: E731
        ax.plot(epochs, finite(curves["val_loss"]), color=f"C{i}", label=f"{setting} (val)")
        ax.plot(epochs, finite(curves["train_loss"]), color=f"C{i}", linestyle="--", label=f"{setting} (train)")
    ax.set(xlabel="epoch", ylabel="cross-entropy", title=f"Effect of {name}", yscale="log")
    ax.legend(fontsize=7)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=80, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--train", type=int, default=2000, help="number of training images")
    parser.add_argument("--sweeps", nargs="+", default=list(SWEEPS), choices=list(SWEEPS))
    parser.add_argument("--out", type=Path, default=None, help="folder for one PNG per sweep")
    args = parser.parse_args(argv)

    data = load(args.train)
    results: dict[str, dict[str, dict]] = {}
    cache: dict[tuple, dict] = {}  # the baseline appears in every sweep: train it once
    print(f"{'sweep':<16}{'setting':<20}{'train loss':>11}{'val loss':>10}{'best val':>10}{'val acc':>9}{'gap':>8}")
    for sweep in args.sweeps:
        results[sweep] = {}
        for change in SWEEPS[sweep]:
            settings = {**BASELINE, **change}
            key = tuple(sorted(settings.items()))
            if key not in cache:
                cache[key] = run(data, args.epochs, **settings)
            curves = results[sweep][label(change)] = cache[key]
            train_loss, val_loss = curves["train_loss"][-1], curves["val_loss"][-1]
            print(f"{sweep:<16}{label(change):<20}{train_loss:>11.4f}{val_loss:>10.4f}{min(curves['val_loss']):>10.4f}"
                  f"{curves['val_accuracy'][-1]:>9.3f}{val_loss - train_loss:>8.3f}", flush=True)
        if args.out is not None:
            path = plot_sweep(sweep, results[sweep], args.out / f"{sweep.replace(' ', '_')}.png")
            print(f"  curves: {path}" if path else "  (plots skipped: matplotlib is missing; "
                  "pip install 'deepglass[plot]')")
    return results


if __name__ == "__main__":
    main()
