"""A one-page HTML report of an MNIST CNN training run: curves, advice, monitors, filters, Grad-CAM, confusion.

    python examples/diagnostics_report.py [--fast] [--out diagnostics_out]   # then open diagnostics_out/report.html
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
    mnist = dg.datasets.mnist(root=DATA / "mnist", download=False)
    (x, y), (xt, yt) = mnist.as_float()["train"], mnist.as_float()["test"]
    n, m = (1024, 256) if fast else (20000, 2000)
    nn = dg.nn
    module = nn.Sequential(nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Flatten(), nn.Linear(16 * 7 * 7, 10))
    model = dg.Model(module)
    model.compile(optimizer=dg.optim.SGD(module.parameters(), lr=0.05, momentum=0.9), loss=nn.CrossEntropyLoss(),
                  metrics=["accuracy"])
    lr_result = dgd.lr_find(model, x[:n], y[:n], num_steps=30 if fast else 100, start_lr=1e-4, end_lr=10.0)
    monitor = dgd.LayerMonitor(every=10)
    model.fit(x[:n], y[:n], epochs=2 if fast else 5, batch_size=64, validation_data=(xt[:m], yt[:m]), verbose=0,
              callbacks=[monitor])
    path = dgd.report(model, Path(out) / "report.html", x=xt[:m], y=yt[:m], monitor=monitor,
                      class_names=mnist.class_names, lr_result=lr_result, title="MNIST CNN")
    print(f"wrote {path}")
    print(dgd.diagnose(model.history))
    return {"path": path, "monitor": monitor}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="smaller data and fewer epochs")
    parser.add_argument("--out", default="diagnostics_out", help="folder for the report")
    args = parser.parse_args()
    main(args.out, args.fast)
