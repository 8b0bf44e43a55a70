"""KerasTensor: a symbolic tensor of the functional API, `Input(shape=(28, 28, 1))`.

It holds a shape (batch axis None) and the node that made it. A `Node` is one layer call: the layer, the
positional and keyword arguments it was called with (KerasTensors anywhere inside lists, tuples and dicts,
e.g. `lstm(x, initial_state=[h, c])`), and its output KerasTensors; a call returning a list gives one
KerasTensor per element, each with its `index` into the layer's outputs. `Model(inputs, outputs)` walks the
nodes back from the outputs to get the call order.
"""

from __future__ import annotations

import itertools

import numpy as np

_ids = itertools.count()


class KerasTensor:
    """A placeholder with `shape` (batch axis None) and `dtype`, produced by `Input` or a layer call.

    `node` is the call that made it (None for an Input), `index` its position in that call's list of
    outputs (None when the call returned one tensor); `layer` and `inputs` are the node's layer and
    the KerasTensors it was called on."""

    def __init__(self, shape: tuple, dtype="float32", layer=None, inputs: tuple = (), name: str | None = None,
                 node: Node | None = None, index: int | None = None):
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self.layer, self.inputs = layer, tuple(inputs)
        self.node, self.index = node, index
        self.id = next(_ids)
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        name = f", name={self.name}" if self.name else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{index}{name}>"


def flatten_tensors(value) -> list:
    """The KerasTensors inside `value` (nested lists, tuples and dicts), in order."""
    if isinstance(value, KerasTensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in flatten_tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in flatten_tensors(v)]
    return []


def map_tensors(fn, value):
    """`value` with every KerasTensor `t` in it replaced by `fn(t)` (lists, tuples and dicts kept)."""
    if isinstance(value, KerasTensor):
        return fn(value)
    if isinstance(value, (list, tuple)):
        return type(value)(map_tensors(fn, v) for v in value)
    if isinstance(value, dict):
        return {k: map_tensors(fn, v) for k, v in value.items()}
    return value


class Node:
    """One layer call in a functional graph: `layer(*args, **kwargs)` with KerasTensors among the arguments.

    `inputs` are those KerasTensors in order; `outputs` the KerasTensors the call made; `multi` whether the
    call returned a list (then each output has its `index`)."""

    def __init__(self, layer, args: tuple, kwargs: dict):
        self.layer, self.args, self.kwargs = layer, tuple(args), dict(kwargs)
        self.inputs = tuple(flatten_tensors((self.args, self.kwargs)))
        self.outputs: list[KerasTensor] = []
        self.multi = False

    @property
    def simple(self) -> bool:
        """Called as `layer(x)` or `layer([x1, x2])` (the only calls the first saved format recorded)."""
        if self.kwargs or len(self.args) != 1:
            return False
        first = self.args[0]
        return isinstance(first, KerasTensor) or (
            isinstance(first, (list, tuple)) and len(first) > 0 and all(isinstance(t, KerasTensor) for t in first))

    @property
    def many(self) -> bool:
        """Called on one list of tensors, `layer([x1, x2])`."""
        return self.simple and isinstance(self.args[0], (list, tuple))


def Input(shape=None, batch_size=None, name: str | None = None, dtype="float32", batch_shape=None) -> KerasTensor:  # noqa: N802 - Keras's name
    """The input of a functional model: `x = Input(shape=(28, 28, 1))` (the batch axis is left out)."""
    if batch_shape is not None:
        full = tuple(batch_shape)
    elif shape is not None:
        full = (batch_size, *tuple(shape if isinstance(shape, (tuple, list)) else (shape,)))
    else:
        raise ValueError("Input needs shape= (without the batch axis), e.g. Input(shape=(784,))")
    return KerasTensor(full, dtype, name=name)
