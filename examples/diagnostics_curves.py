"""Learning-curve diagnosis on real MNIST runs made to fail on purpose.

Four runs of the same small network: a healthy one, a huge learning rate, a tiny learning rate and a
tiny training set. `diagnose` says what each history shows, with the numbers behind it.

    python examples/diagnostics_curves.py [--fast] [--out diagnostics_out]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

import deepglass as dg
from deepglass import diagnostics as dgd

DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def load_mnist(n_train: int, n_test: int):
    splits = dg.datasets.mnist(root=DATA / "mnist", download=False).as_float()
    (x, y), (xt, yt) = splits["train"], splits["test"]
    return x[:n_train].reshape(n_train, -1), y[:n_train], xt[:n_test].reshape(n_test, -1), yt[:n_test]


def train(data, lr: float, n_train: int, epochs: int):
    x, y, xt, yt = data
    nn = dg.nn
    model = dg.Model(nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10)))
    model.compile(optimizer=dg.optim.SGD(model.module.parameters(), lr=lr), loss=nn.CrossEntropyLoss(),
                  metrics=["accuracy"])
    return model.fit(x[:n_train], y[:n_train], epochs=epochs, batch_size=64, validation_data=(xt, yt), verbose=0)


def main(out: str = "diagnostics_out", fast: bool = False) -> dict:
    dg.manual_seed(0)
    n_train, n_test, epochs = (1000, 500, 3) if fast else (10000, 5000, 10)
    data = load_mnist(n_train, n_test)
    runs = {
        "baseline (lr 0.05)": (0.05, n_train, epochs),
        "huge learning rate (lr 50)": (50.0, n_train, 3),
        "tiny learning rate (lr 1e-6)": (1e-6, n_train, 3),
        "tiny training set (64 images)": (0.1, 64, 40),
    }
    found = {}
    os.makedirs(out, exist_ok=True)
    with np.errstate(all="ignore"):
        for i, (name, (lr, n, epochs)) in enumerate(runs.items()):
            history = train(data, lr, n, epochs)
            findings = dgd.diagnose(history)
            found[name] = findings.kinds
            print(f"== {name}\n{findings}\n")
            dgd.plot_history(history, Path(out) / f"curves_{i}.png")
    return found


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="smaller data and fewer epochs")
    parser.add_argument("--out", default="diagnostics_out", help="folder for the PNG curves")
    args = parser.parse_args()
    main(args.out, args.fast)
