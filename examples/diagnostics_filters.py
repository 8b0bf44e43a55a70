"""First-layer filters and feature maps of a CNN trained on MNIST.

    python examples/diagnostics_filters.py [--fast] [--out diagnostics_out]
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
    x, y = splits["train"]
    n = 1024 if fast else 20000
    nn = dg.nn
    module = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Flatten(), nn.Linear(16 * 7 * 7, 10))
    model = dg.Model(module)
    model.compile(optimizer=dg.optim.Adam(module.parameters(), lr=3e-3), loss=nn.CrossEntropyLoss(),
                  metrics=["accuracy"])
    history = model.fit(x[:n], y[:n], epochs=1 if fast else 3, batch_size=64, verbose=0)
    print(f"training accuracy {history.history['accuracy'][-1]:.3f}")
    os.makedirs(out, exist_ok=True)
    dgd.plot_filters(module, Path(out) / "filters.png")               # 16 learned 5x5 edge/stroke detectors
    xt, _ = splits["test"]
    dgd.plot_feature_maps(module, xt[0], "1", Path(out) / "feature_maps_relu1.png")   # after the first ReLU
    dgd.plot_feature_maps(module, xt[0], "4", Path(out) / "feature_maps_relu2.png")   # after the second ReLU
    print(dgd.format_receptive_fields(dgd.receptive_fields(module)))
    return {"filters": dgd.first_layer_filters(module), "maps": dgd.feature_maps(module, xt[0], "1"),
            "accuracy": history.history["accuracy"][-1]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="smaller data and fewer epochs")
    parser.add_argument("--out", default="diagnostics_out", help="folder for the PNG plots")
    args = parser.parse_args()
    main(args.out, args.fast)
