"""Callback: hooks the training engine calls around training, epochs and batches (Keras's protocol).

`self.model` is the training `Model` (with `.module`, `.optimizer`, `.stop_training`, `.history`);
`self.params` holds `epochs`, `steps`, `verbose` and `metrics` (every key the epoch logs will have).
`logs` are dicts of Python floats. Set `self.model.stop_training = True` to stop after this epoch.
"""

from __future__ import annotations


class Callback:
    """Base class: override the hooks you need; all do nothing by default."""

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]


class CallbackList:
    """Calls one hook on every callback in order: `callbacks.on_epoch_end(epoch, logs)`."""

    def __init__(self, callbacks=None, model=None, params: dict | None = None):
        self.callbacks = list(callbacks or [])
        if model is not None:
            self.set_model(model)
        if params is not None:
            self.set_params(params)

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)

    def set_model(self, model) -> None:
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict) -> None:
        for cb in self.callbacks:
            cb.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def __getattr__(self, name):
        if name not in _HOOKS:
            raise AttributeError(name)

        wants_index = name.startswith("on_epoch") or "batch" in name

        def call(*args):
            if len(args) < 1 + wants_index:  # Keras always passes a logs dict
                args = (*args, {})
            for cb in self.callbacks:
                getattr(cb, name)(*args)

        return call


def check_monitor(callback: Callback, monitor: str, logs: dict | None = None) -> None:
    """Fail at once, listing the available keys, when `monitor` is not a metric the logs will hold."""
    available = list(logs) if logs else list(callback.params.get("metrics") or [])
    if available and monitor not in available:
        raise ValueError(
            f"{type(callback).__name__} monitors {monitor!r}, which this training does not log; "
            f"available: {', '.join(available)}"
            + ("" if monitor.startswith("val_") or "val_loss" in available else " (pass validation_data for val_*)")
        )
