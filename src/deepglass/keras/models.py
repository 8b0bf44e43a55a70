"""Keras models: `Sequential` (a list or `.add()`) and the functional `Model(inputs, outputs)`.

Both are dg.nn Modules (their layers are sub-modules named '0', '1', ... in order, so weights load by
position whatever the layer names) and both train with the one engine, `deepglass.training.Trainer`.
Their configs name only registered layer classes, so `load_model` never runs code from a file.
"""

from __future__ import annotations

import numpy as np

from ..backend import normalize_device
from ..io import lookup, register
from ..nn.module import Module
from ..training.errors import layer_error
from ..training.model import ModelIO
from ..training.saving import load_model
from ..training.trainer import Trainer
from .keras_tensor import Input, KerasTensor
from .layer import Layer, run_on_zeros

__all__ = ["Model", "Sequential", "load_model"]


def _layer_config(layer) -> dict:
    if not hasattr(layer, "get_config") or lookup(type(layer).__name__) is not type(layer):
        raise ValueError(
            f"{type(layer).__name__} is not a deepglass.keras layer, so the model cannot be saved "
            "with its architecture; use save_weights()"
        )
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _layer_from_config(entry: dict):
    return lookup(entry["class_name"]).from_config(entry.get("config") or {})


class _KerasModel(Layer, Trainer, ModelIO):
    """What Sequential and the functional Model share: the engine, building, layer lookup."""

    @property
    def module(self):
        return self

    @property
    def input_shape_for_summary(self):
        return self.input_shape

    _device = "cpu"  # where `to(device)` put the model: an unbuilt one builds there, and `fit` feeds it there

    def to(self, device=None, dtype=None):
        """Move (or cast) the weights, as `Module.to`; an unbuilt model remembers the device for its build."""
        super().to(device, dtype)
        if isinstance(device, str):
            self._device = normalize_device(device)
        return self

    def _build_with_zeros(self, input_shape) -> None:
        """Create every weight by one forward pass on zeros (eval mode, no graph)."""
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        device = next((p.device for p in self.parameters()), self._device)
        run_on_zeros(self, shapes, [np.float32] * len(shapes), device)

    def get_layer(self, name: str | None = None, index: int | None = None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if getattr(layer, "name", None) == name:
                return layer
        raise ValueError(f"no layer named {name!r}; layers: {[getattr(layer, 'name', '?') for layer in self.layers]}")

    def _run_layer(self, index: int, layer, x):
        try:
            return layer(x)
        except Exception as e:
            raise layer_error(self, index, getattr(layer, "name", str(index)), layer, (x,), e) from e


@register
class Sequential(_KerasModel):
    """A stack of layers, each feeding the next: `Sequential([Dense(64, activation='relu', input_shape=(784,)),
    Dense(10, activation='softmax')])` or `model.add(layer)`."""

    def __init__(self, layers=None, name: str | None = None, trainable: bool = True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self.layers: list = []
        for layer in layers or []:
            self._append(layer)
        self._build_if_shape_known()

    @property
    def built(self) -> bool:
        return bool(self.layers) and all(getattr(layer, "built", True) for layer in self.layers)

    @built.setter
    def built(self, value) -> None:
        pass

    def add(self, layer) -> None:
        """Append a layer (or an `Input(shape)`, which fixes the input shape); with the input shape known,
        the new layer's weights are created at once, as in Keras."""
        self._append(layer)
        self._build_if_shape_known()

    def _build_if_shape_known(self) -> None:
        if self.layers and self.declared_input_shape is not None and not self.built:
            self.build()

    def _append(self, layer) -> None:
        if isinstance(layer, KerasTensor):
            self.declared_input_shape = tuple(layer.shape[1:])
            return
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential.add() needs a layer, got {type(layer).__name__}")
        if not self.layers and self.declared_input_shape is None:
            self.declared_input_shape = getattr(layer, "declared_input_shape", None)
        self.register_module(str(len(self.layers)), layer)
        self.layers.append(layer)
        self.input_shape = self.declared_input_shape

    def pop(self):
        layer = self.layers.pop()
        del self._modules[str(len(self.layers))]
        return layer

    def build(self, input_shape=None) -> None:
        input_shape = tuple(input_shape if input_shape is not None else self.declared_input_shape)
        self.input_shape = input_shape
        if not self.built:
            self._build_with_zeros(input_shape)

    def _maybe_build(self, input_shape, device: str = "cpu") -> None:
        """Only record the input shape: each layer builds itself, on its input's device, as data flows."""
        if self.input_shape is None:
            self.input_shape = input_shape

    def call(self, x):
        for i, layer in enumerate(self.layers):
            x = self._run_layer(i, layer, x)
        return x

    def compile(self, *args, **kwargs) -> None:
        if not self.built and self.declared_input_shape is not None:
            self.build()
        super().compile(*args, **kwargs)

    def summary(self, *args, **kwargs) -> None:
        if not self.built and self.declared_input_shape is not None:
            self.build()
        if not self.built and not args and "sample" not in kwargs and "input_shape" not in kwargs:
            raise ValueError(
                "This model has not been built yet: give the first layer input_shape=..., add an "
                "Input(shape), call build(input_shape), or fit it on data first"
            )
        super().summary(*args, **kwargs)

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "trainable": self._trainable,
            "input_shape": None if self.input_shape is None else list(self.input_shape),
            "layers": [_layer_config(layer) for layer in self.layers],
        }

    @classmethod
    def from_config(cls, config: dict):
        model = cls(
            [_layer_from_config(entry) for entry in config.get("layers", [])],
            name=config.get("name"),
            trainable=config.get("trainable", True),
        )
        if config.get("input_shape") is not None:
            model.build(tuple(config["input_shape"]))
        return model


@register
class Model(_KerasModel):
    """The functional API: `x = Input((28, 28, 1)); y = Dense(10)(Flatten()(x)); Model(x, y)`.

    Without inputs/outputs it is the base class for subclassed models (define `call`).
    """

    def __init__(self, inputs=None, outputs=None, name: str | None = None, trainable: bool = True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self.functional = inputs is not None
        if not self.functional:
            return
        self._inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self._single_output = not isinstance(outputs, (list, tuple))
        self._outputs = [outputs] if self._single_output else list(outputs)
        self._nodes = self._walk()
        layers = []
        for layer, _ in self._nodes:
            if all(layer is not seen for seen in layers):
                layers.append(layer)
        self.layers = layers
        for i, layer in enumerate(layers):
            self.register_module(str(i), layer)
        self.input_shape = [tuple(t.shape[1:]) for t in self._inputs]
        if len(self.input_shape) == 1:
            self.input_shape = self.input_shape[0]
        self.built = True

    def _walk(self) -> list:
        """(layer, output KerasTensor) for every node from the inputs to the outputs, in call order."""
        order, seen = [], set()
        input_ids = {t.id for t in self._inputs}

        def visit(t: KerasTensor):
            if t.id in seen or t.id in input_ids:
                return
            if t.layer is None:
                raise ValueError(f"{t} is not connected to the model's inputs")
            seen.add(t.id)
            for parent in t.inputs:
                visit(parent)
            order.append((t.layer, t))

        for out in self._outputs:
            visit(out)
        return order

    @property
    def layers(self) -> list:
        if "_layers" in self.__dict__:
            return self.__dict__["_layers"]
        return [m for _, m in self.named_children()]

    @layers.setter
    def layers(self, value) -> None:
        self.__dict__["_layers"] = value

    def forward(self, *xs):
        if not self.functional:
            return super().forward(*xs)
        if len(xs) == 1 and isinstance(xs[0], (list, tuple)):
            xs = tuple(xs[0])
        if len(xs) != len(self._inputs):
            raise ValueError(f"{self.name} takes {len(self._inputs)} inputs, got {len(xs)}")
        values = {t.id: x for t, x in zip(self._inputs, xs)}
        index = {id(layer): i for i, layer in enumerate(self.layers)}
        for layer, out in self._nodes:
            args = [values[t.id] for t in out.inputs]
            arg = args if getattr(out, "many", False) else args[0]
            values[out.id] = self._run_layer(index[id(layer)], layer, arg)
        outs = [values[t.id] for t in self._outputs]
        return outs[0] if self._single_output else outs

    def get_config(self) -> dict:
        if not self.functional:
            raise ValueError(f"subclassed model {type(self).__name__} has no architecture config; use save_weights()")
        keys = {t.id: f"input_{i}" for i, t in enumerate(self._inputs)}
        index = {id(layer): i for i, layer in enumerate(self.layers)}
        nodes = []
        for n, (layer, out) in enumerate(self._nodes):
            keys[out.id] = f"node_{n}"
            nodes.append(
                {
                    "layer": index[id(layer)],
                    "inputs": [keys[t.id] for t in out.inputs],
                    "many": bool(getattr(out, "many", False)),
                }
            )
        return {
            "name": self.name,
            "trainable": self._trainable,
            "inputs": [{"shape": list(t.shape[1:]), "dtype": str(t.dtype)} for t in self._inputs],
            "layers": [_layer_config(layer) for layer in self.layers],
            "nodes": nodes,
            "outputs": [keys[t.id] for t in self._outputs],
            "single_output": self._single_output,
        }

    @classmethod
    def from_config(cls, config: dict):
        inputs = [Input(shape=tuple(entry["shape"]), dtype=entry.get("dtype", "float32")) for entry in config["inputs"]]
        tensors = {f"input_{i}": t for i, t in enumerate(inputs)}
        layers = [_layer_from_config(entry) for entry in config["layers"]]
        for n, node in enumerate(config["nodes"]):
            args = [tensors[key] for key in node["inputs"]]
            tensors[f"node_{n}"] = layers[node["layer"]](args if node.get("many") else args[0])
        outputs = [tensors[key] for key in config["outputs"]]
        return cls(
            inputs if len(inputs) > 1 else inputs[0],
            outputs[0] if config.get("single_output") else outputs,
            name=config.get("name"),
            trainable=config.get("trainable", True),
        )
