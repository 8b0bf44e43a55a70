"""KerasTensor: a symbolic tensor of the functional API, `Input(shape=(28, 28, 1))`.

It holds a shape (batch axis None) and the node that made it: (layer, the KerasTensors it was called
on). `Model(inputs, outputs)` walks these nodes back from the outputs to get the call order.
"""

from __future__ import annotations

import itertools

import numpy as np

_ids = itertools.count()


class KerasTensor:
    """A placeholder with `shape` (batch axis None) and `dtype`, produced by `Input` or a layer call."""

    def __init__(self, shape: tuple, dtype="float32", layer=None, inputs: tuple = (), name: str | None = None):
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self.layer, self.inputs = layer, tuple(inputs)
        self.id = next(_ids)
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{', name=' + self.name if self.name else ''}>"


def Input(shape=None, batch_size=None, name: str | None = None, dtype="float32", batch_shape=None) -> KerasTensor:  # noqa: N802 - Keras's name
    """The input of a functional model: `x = Input(shape=(28, 28, 1))` (the batch axis is left out)."""
    if batch_shape is not None:
        full = tuple(batch_shape)
    elif shape is not None:
        full = (batch_size, *tuple(shape if isinstance(shape, (tuple, list)) else (shape,)))
    else:
        raise ValueError("Input needs shape= (without the batch axis), e.g. Input(shape=(784,))")
    return KerasTensor(full, dtype, name=name)
