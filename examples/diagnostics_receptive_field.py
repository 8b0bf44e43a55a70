"""Receptive fields: the theory of a model's layers, and the course experiment on effective fields.

Part 1 prints the theoretical receptive field of every layer of a LeNet-style MNIST CNN (read from
the layers). Part 2 trains it, then measures the effective receptive field of one unit of its last
conv layer on real digits. Part 3 is the course experiment: stacks of 5, 10, 20 and 40 3x3 convs
with uniform, random and random+ReLU weights; theory says 11, 21, 41, 81 pixels, the measured
field is far smaller and grows like the square root of the depth.

    python examples/diagnostics_receptive_field.py [--fast] [--out diagnostics_out]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import deepglass as dg
from deepglass import diagnostics as dgd

DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def main(out: str = "diagnostics_out", fast: bool = False) -> dict:
    dg.manual_seed(0)
    nn = dg.nn
    features = nn.Sequential(nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(8, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())
    module = nn.Sequential(features, nn.Flatten(), nn.Linear(16 * 7 * 7, 10))
    print(dgd.format_receptive_fields(dgd.receptive_fields(module)))

    x, y = dg.datasets.mnist(root=DATA / "mnist", download=False).as_float()["train"]
    n = 512 if fast else 10000
    model = dg.Model(module)
    model.compile(optimizer=dg.optim.Adam(module.parameters(), lr=3e-3), loss=nn.CrossEntropyLoss())
    model.fit(x[:n], y[:n], epochs=1, batch_size=64, verbose=0)
    trained = dgd.effective_receptive_field(features, (1, 28, 28), inputs=x[:64])
    print(f"\ntrained LeNet-style features on digits: theoretical {trained.theoretical}, "
          f"effective (95% of the gradient) {trained.size}\n")

    depths = (5, 10) if fast else (5, 10, 20, 40)
    rows = dgd.erf_experiment(depths=depths, size=48 if fast else 96, n_samples=4 if fast else 8)
    print(f"{'weights':<12} {'layers':>6} {'theoretical':>11} {'effective':>9} {'spread':>7}")
    for r in rows:
        print(f"{r['init']:<12} {r['depth']:>6} {r['theoretical']:>11} {r['effective']:>9} {r['std']:>7.2f}")
    os.makedirs(out, exist_ok=True)
    dgd.plot_erf(rows, Path(out) / "erf.png")
    return {"rows": rows, "trained": trained}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="fewer and smaller stacks")
    parser.add_argument("--out", default="diagnostics_out", help="folder for the PNG plots")
    args = parser.parse_args()
    main(args.out, args.fast)
