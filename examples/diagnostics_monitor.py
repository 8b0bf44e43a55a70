"""Per-layer monitors on MNIST: norms, update/weight ratios, dead ReLUs, NaN detection, and their cost.

Trains a small CNN with `LayerMonitor`, prints its table and flags, plots the ratios, then measures
the monitor's overhead (epoch time with and without it, sampling every 1 and every 10 steps).

    python examples/diagnostics_monitor.py [--fast] [--out diagnostics_out]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import deepglass as dg
from deepglass import diagnostics as dgd

DATA = Path(os.environ.get("DEEPGLASS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def load_mnist(n: int):
    x, y = dg.datasets.mnist(root=DATA / "mnist", download=False).as_float()["train"]
    return x[:n], y[:n]


def small_cnn():
    nn = dg.nn
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


def fit(x, y, callbacks, epochs=1, lr=0.05):
    dg.manual_seed(0)
    model = dg.Model(small_cnn())
    model.compile(optimizer=dg.optim.SGD(model.module.parameters(), lr=lr, momentum=0.9),
                  loss=dg.nn.CrossEntropyLoss(), metrics=["accuracy"])
    start = time.process_time()  # CPU time of this process: steadier than wall time on a shared machine
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0, callbacks=callbacks)
    return model, time.process_time() - start


def overhead(x, y, repeats: int) -> dict:
    """Best-of-`repeats` training CPU time without the monitor and with it (every 1 and 10 steps)."""
    best = {"off": float("inf"), "every=10": float("inf"), "every=1": float("inf")}
    for _ in range(repeats):  # interleaved, so background load hits all three alike
        for name in best:
            callbacks = [] if name == "off" else [dgd.LayerMonitor(every=int(name.split("=")[1]))]
            best[name] = min(best[name], fit(x, y, callbacks)[1])
    return {name: t / best["off"] - 1 for name, t in best.items() if name != "off"} | {"seconds_off": best["off"]}


def main(out: str = "diagnostics_out", fast: bool = False) -> dict:
    x, y = load_mnist(1024 if fast else 10000)
    monitor = dgd.LayerMonitor(every=5)
    fit(x, y, [monitor], epochs=1 if fast else 3)
    print(monitor.format())
    os.makedirs(out, exist_ok=True)
    dgd.plot_update_ratios(monitor, Path(out) / "update_ratios.png")

    too_high = dgd.LayerMonitor(every=1)
    fit(x[:512], y[:512], [too_high], lr=2.0)
    print("\nwith lr=2.0:\n" + "\n".join(too_high.flags()))

    cost = overhead(x[:512] if fast else x[:4096], y[:512] if fast else y[:4096], 1 if fast else 3)
    print(f"\nmonitor overhead: every=10 {cost['every=10']:+.1%}, every=1 {cost['every=1']:+.1%} "
          f"(epoch without monitor: {cost['seconds_off']:.2f} s CPU)")
    return {"monitor": monitor, "too_high": too_high, "overhead": cost}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="smaller data and fewer epochs")
    parser.add_argument("--out", default="diagnostics_out", help="folder for the PNG plots")
    args = parser.parse_args()
    main(args.out, args.fast)
