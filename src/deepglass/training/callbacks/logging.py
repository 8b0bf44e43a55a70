"""Logging callbacks: CSVLogger (one row per epoch) and TerminateOnNaN."""

from __future__ import annotations

import csv
import math
import os

from .base import Callback


class CSVLogger(Callback):
    """Append each epoch's logs as a CSV row (`epoch,loss,accuracy,...`) to `filename`; flushed each epoch."""

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys = None
        self._file = None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        if exists:
            with open(self.filename, newline="") as f:
                header = f.readline().strip()
            self.keys = header.split(self.sep)[1:] if header else None
        else:
            self.keys = None
        self._file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self._writer = None
        self._write_header = not exists

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = list(logs)
        if self._writer is None:
            self._writer = csv.DictWriter(
                self._file, fieldnames=["epoch", *self.keys], delimiter=self.sep, extrasaction="ignore", restval="NA"
            )
            if self._write_header:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **logs})
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("batch_loss", (logs or {}).get("loss"))
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: invalid loss, terminating training")
            self.model.stop_training = True
