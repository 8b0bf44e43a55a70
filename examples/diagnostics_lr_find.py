"""The learning-rate range test on MNIST: sweep, suggestion, then train with the suggested rate.

    python examples/diagnostics_lr_find.py [--fast] [--out diagnostics_out]
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
    splits = dg.datasets.mnist(root=DATA / "mnist", download=False).as_float()
    (x, y), (xt, yt) = splits["train"], splits["test"]
    n = 2048 if fast else 20000
    x, y = x[:n].reshape(n, -1), y[:n]
    nn = dg.nn
    module = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    model = dg.Model(module)
    model.compile(optimizer=dg.optim.SGD(module.parameters(), lr=1e-3, momentum=0.9), loss=nn.CrossEntropyLoss(),
                  metrics=["accuracy"])
    result = dgd.lr_find(model, x, y, start_lr=1e-5, end_lr=10.0, num_steps=50 if fast else 150, batch_size=64)
    print(f"suggested learning rate {result.suggestion:.3g} (lowest loss at {result.min_loss_lr:.3g})")
    os.makedirs(out, exist_ok=True)
    result.plot(Path(out) / "lr_find.png")
    for group in model.optimizer.param_groups:  # lr_find restored lr=1e-3; now use the suggestion
        group["lr"] = result.suggestion
    history = model.fit(x, y, epochs=1 if fast else 3, batch_size=64, verbose=0,
                        validation_data=(xt[:2000].reshape(2000, -1), yt[:2000]))
    print(f"validation accuracy with the suggested rate: {history.history['val_accuracy'][-1]:.3f}")
    return {"result": result, "history": history.history}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="smaller data and a shorter sweep")
    parser.add_argument("--out", default="diagnostics_out", help="folder for the PNG plot")
    args = parser.parse_args()
    main(args.out, args.fast)
