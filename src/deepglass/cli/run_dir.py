"""A run directory: everything needed to inspect, reproduce or resume one training run.

    runs/mnist-cnn-20261122-1530/
        config.json        the options used (rerun or `--resume` from it)
        history.csv/.json  the per-epoch logs
        backup/            BackupAndRestore's last completed epoch (resume after a crash)
        best.safetensors   the best model by validation metric, when there is validation data
        model.safetensors  the final model (architecture + weights + optimizer state)
        metrics.json       test-set results
        curves.png         learning curves (when matplotlib is installed)
        report.html        the self-contained HTML report
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path

from ..io.atomic import atomic_write


def new_run_dir(base: str | os.PathLike, label: str) -> Path:
    """A fresh, uniquely named folder under `base`."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = Path(base) / f"{label}-{stamp}"
    suffix = 1
    while path.exists():
        suffix += 1
        path = Path(base) / f"{label}-{stamp}-{suffix}"
    path.mkdir(parents=True)
    return path


def write_json(path: Path, obj) -> None:
    atomic_write(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def read_json(path: Path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_history(run_dir: Path, history: dict) -> None:
    """history.json and history.csv (one row per epoch, one column per metric)."""
    write_json(run_dir / "history.json", history)
    keys = list(history)
    rows = max((len(v) for v in history.values()), default=0)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["epoch", *keys])
    for i in range(rows):
        writer.writerow([i + 1, *(history[k][i] if i < len(history[k]) else "" for k in keys)])
    atomic_write(run_dir / "history.csv", buffer.getvalue().encode())
