"""TensorBoard: write epoch (and optionally batch) scalars and weight histograms as event files.

Needs tensorboardX (`pip install 'deepglass[tensorboard]'`); view with `tensorboard --logdir logs`.
"""

from __future__ import annotations

import os

from .base import Callback


class TensorBoard(Callback):
    """Log to `log_dir/train` and `log_dir/validation` like Keras; `histogram_freq=n` adds weight
    histograms every n epochs; `update_freq='batch'` (or an int) also logs batch losses."""

    def __init__(
        self,
        log_dir: str | os.PathLike = "logs",
        histogram_freq: int = 0,
        update_freq="epoch",
        write_graph: bool = False,
        **kwargs,
    ):
        super().__init__()
        try:
            from tensorboardX import SummaryWriter  # noqa: F401
        except ImportError as e:
            raise ImportError(
                "the TensorBoard callback needs tensorboardX: pip install 'deepglass[tensorboard]'"
            ) from e
        self.log_dir, self.histogram_freq, self.update_freq = os.fspath(log_dir), histogram_freq, update_freq
        self._writers = {}

    def _writer(self, name: str):
        if name not in self._writers:
            from tensorboardX import SummaryWriter

            self._writers[name] = SummaryWriter(os.path.join(self.log_dir, name))
        return self._writers[name]

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or not logs:
            return
        every = 1 if self.update_freq == "batch" else int(self.update_freq)
        step = self.model.global_step
        if step % every == 0:
            self._writer("train").add_scalar("batch_loss", logs.get("batch_loss", logs["loss"]), step)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            if key.startswith("val_"):
                self._writer("validation").add_scalar(f"epoch_{key[4:]}", value, epoch)
            else:
                self._writer("train").add_scalar(f"epoch_{key}", value, epoch)
        if self.histogram_freq and (epoch + 1) % self.histogram_freq == 0:
            for name, p in self.model.module.named_parameters():
                self._writer("train").add_histogram(name, p.numpy(), epoch)
        for w in self._writers.values():
            w.flush()

    def on_train_end(self, logs=None):
        for w in self._writers.values():
            w.close()
        self._writers = {}
