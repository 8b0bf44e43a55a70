"""`dg.Model(module)`: any `dg.nn.Module` with Keras's compile / fit / evaluate / predict / summary / save.

    model = dg.Model(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)))
    model.compile(optimizer="adam", loss=nn.CrossEntropyLoss(), metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=3, validation_split=0.1)

The loop itself lives in `Trainer`; the Keras models use the same one.
"""

from __future__ import annotations

import os

from . import saving
from .summary import summarize
from .trainer import Trainer


class ModelIO:
    """summary / save / save_weights / load_weights, shared by `Model` and the Keras models."""

    def summary(
        self, input_shape=None, sample=None, show_arithmetic: bool = False, line_length: int = 98, print_fn=print
    ) -> None:
        """Print each layer's output shape and parameter count, and the totals (trainable / non-trainable).

        `input_shape` excludes the batch axis; `show_arithmetic=True` adds (W−F+2P)/S+1 for conv/pool layers.
        """
        text, _ = summarize(self.module, input_shape, sample, show_arithmetic, line_length)
        print_fn(text)

    def count_params(self) -> int:
        return sum(p.numel() for p in self.module.parameters())

    def save(self, path: str | os.PathLike, include_optimizer: bool = True) -> None:
        """Write the whole model to one safetensors file (weights, architecture if Keras-style, optimizer
        state, epoch and step), atomically."""
        saving.save_model(self, path, include_optimizer=include_optimizer)

    def save_weights(self, path: str | os.PathLike) -> None:
        """Write only the weights (the state_dict) as safetensors, atomically."""
        saving.save_weights(self, path)

    def load_weights(self, path: str | os.PathLike, strict: bool = True) -> None:
        """Load weights from a file written by `save_weights` or `save`."""
        saving.load_weights(self, path, strict=strict)

    def load_training_state(self, path: str | os.PathLike) -> None:
        """Load weights, optimizer state and epoch/step saved by `save` into this compiled model."""
        tensors, info = saving.read(path)
        self.load_weights(path)
        saving.restore_training_state(self, tensors, info, path)


class Model(Trainer, ModelIO):
    """Wrap `module` (a dg.nn.Module) to train it with the Keras-style engine; calling it runs the module."""

    def __init__(self, module):
        from ..nn.module import Module

        if not isinstance(module, Module):
            raise TypeError(f"dg.Model wraps a dg.nn.Module, got {type(module).__name__}")
        self.module = module
        self._engine()

    def __call__(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def parameters(self):
        return self.module.parameters()

    def train(self, mode: bool = True):
        self.module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def to(self, device=None, dtype=None) -> Model:
        """Move (or cast) the wrapped module, as `Module.to`; the optimizer keeps its parameters."""
        self.module.to(device, dtype)
        return self

    def cpu(self) -> Model:
        return self.to("cpu")

    def cuda(self) -> Model:
        return self.to("cuda")

    def __repr__(self) -> str:
        return f"Model({self.module!r})"


def fit(module, x=None, y=None, optimizer="adam", loss=None, metrics=None, **fit_kwargs):
    """Train any dg.nn.Module in one call: `Model(module)`, `compile(optimizer, loss, metrics)`, `fit(...)`.

    Returns the History; `fit_kwargs` are `Model.fit`'s (epochs, batch_size, validation_data, callbacks, ...).
    """
    model = Model(module)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return model.fit(x, y, **fit_kwargs)
