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
from ..training import losses as losses_module
from ..training import metrics as metrics_module
from ..training.errors import layer_error
from ..training.model import ModelIO
from ..training.saving import load_model
from ..training.trainer import Trainer
from .keras_tensor import Input, KerasTensor, map_tensors
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

    Several inputs and outputs: `Model([enc_in, dec_in], [y1, y2])`. A layer call may return several
    KerasTensors (`_, h, c = LSTM(32, return_state=True)(x)`) and take KerasTensors among its other
    arguments (`LSTM(32)(y, initial_state=[h, c])`); each call is a `Node` of the graph.

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
        for t in self._inputs + self._outputs:
            if not isinstance(t, KerasTensor):
                raise TypeError(f"Model(inputs, outputs) takes KerasTensors (or flat lists of them), got "
                                f"{type(t).__name__}")
        self._nodes = self._walk()
        layers = []
        for node in self._nodes:
            if all(node.layer is not seen for seen in layers):
                layers.append(node.layer)
        self.layers = layers
        for i, layer in enumerate(layers):
            self.register_module(str(i), layer)
        self.input_shape = [tuple(t.shape[1:]) for t in self._inputs]
        if len(self.input_shape) == 1:
            self.input_shape = self.input_shape[0]
        self.built = True

    def _walk(self) -> list:
        """Every node (layer call) from the inputs to the outputs, in call order."""
        order, seen = [], set()
        input_ids = {t.id for t in self._inputs}

        def visit(t: KerasTensor):
            if t.id in input_ids:
                return
            node = t.node
            if node is None:
                raise ValueError(f"{t} is not connected to the model's inputs")
            if id(node) in seen:
                return
            seen.add(id(node))
            for parent in node.inputs:
                visit(parent)
            order.append(node)

        for out in self._outputs:
            visit(out)
        return order

    @property
    def inputs(self) -> list:
        return list(self._inputs) if self.functional else []

    @property
    def outputs(self) -> list:
        return list(self._outputs) if self.functional else []

    @property
    def output_names(self) -> list:
        """Each output's layer name (Keras's keys for dict-valued `loss` / `loss_weights`)."""
        return [getattr(t.layer, "name", f"output_{i}") for i, t in enumerate(self._outputs)]

    @property
    def input_shape_for_summary(self):
        if not self.functional:
            return self.input_shape
        shapes = [tuple(d or 1 for d in t.shape[1:]) for t in self._inputs]  # an unknown length runs as 1
        return shapes[0] if len(shapes) == 1 else shapes

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

        def value(t: KerasTensor):
            return values[t.id]

        for node in self._nodes:
            args, kwargs = map_tensors(value, node.args), map_tensors(value, node.kwargs)
            out = self._run_node(index[id(node.layer)], node, args, kwargs)
            if node.multi:
                if not isinstance(out, (list, tuple)) or len(out) != len(node.outputs):
                    raise ValueError(f"{node.layer.name} returned {type(out).__name__} where the graph recorded "
                                     f"{len(node.outputs)} outputs")
                for t in node.outputs:
                    values[t.id] = out[t.index]
            else:
                values[node.outputs[0].id] = out
        outs = [values[t.id] for t in self._outputs]
        return outs[0] if self._single_output else outs

    def _run_node(self, index: int, node, args, kwargs):
        layer = node.layer
        try:
            return layer(*args, **kwargs)
        except Exception as e:
            raise layer_error(self, index, getattr(layer, "name", str(index)), layer, tuple(args), e) from e

    # ---- several outputs: compile ----------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, **kwargs) -> None:
        """As `Trainer.compile`; with several outputs `loss` is one loss for every output, a list (one per
        output, None for none) or a dict by output name, and `loss_weights` a list or dict: the trained
        loss is Σ weight·loss over the outputs, as in Keras.

        With several outputs `metrics` (and `weighted_metrics`) is a list with one entry per output (a list
        of metrics, one metric, or None) or a dict by output name; they log as '<output>_<metric>'
        ('cls_accuracy', 'reg_mae'), each output's loss as '<output>_loss', and 'accuracy' fits that
        output's loss. With one output a dict of metrics is flattened, as in Keras."""
        if self.functional and self._single_output:
            for key in ("metrics", "weighted_metrics"):
                given = metrics if key == "metrics" else kwargs.get(key)
                if isinstance(given, dict):
                    flat = _per_output(given, self.output_names, key)[0]
                    if key == "metrics":
                        metrics = flat
                    else:
                        kwargs[key] = flat
        if self.functional and not self._single_output and loss is not None:
            loss = _MultiOutputLoss(loss, loss_weights, self.output_names)
            loss_weights = None
        elif self.functional and loss_weights is not None:
            weights = list(loss_weights.values()) if isinstance(loss_weights, dict) else (
                list(loss_weights) if isinstance(loss_weights, (list, tuple)) else [loss_weights])
            if len(weights) != 1:
                raise ValueError(f"{self.name} has one output but loss_weights has {len(weights)} entries")
            loss = _MultiOutputLoss([loss], weights, self.output_names, single=True)
            loss_weights = None
        super().compile(optimizer, loss, metrics, loss_weights, **kwargs)

    def _resolve_metrics(self, metrics, weighted_metrics, loss_kind) -> tuple[list, list]:
        """With several outputs, each output's metrics (routed to its target and prediction), named
        '<output>_<metric>' ('<output>_weighted_<metric>' for weighted ones) and made unique with '_1', '_2'
        as Keras's CompileMetrics does; 'accuracy' follows that output's loss."""
        state = self._engine()
        state.pop("per_output_metrics", None)
        if not self.functional or self._single_output:
            return super()._resolve_metrics(metrics, weighted_metrics, loss_kind)
        names = self.output_names
        fn = getattr(self.loss_fn, "fn", None)
        kinds = [None if f is None else f.kind for f in fn.losses] if isinstance(fn, _MultiOutputLoss) \
            else [None] * len(names)
        given = {"metrics": _per_output(metrics, names, "metrics"),
                 "weighted_metrics": _per_output(weighted_metrics, names, "weighted_metrics")}
        state["per_output_metrics"] = given  # what compile was given per output: saved models compile again
        seen: dict = {}
        resolved = {}
        for key, prefix in (("metrics", ""), ("weighted_metrics", "weighted_")):
            resolved[key] = []
            for index, (name, kind, entries) in enumerate(zip(names, kinds, given[key])):
                for entry in entries:
                    metric = metrics_module.get(entry, kind)
                    label = f"{name}_{prefix}{metric.name}"
                    if label in seen:
                        seen[label] += 1
                        label = f"{label}_{seen[label] - 1}"
                    else:
                        seen[label] = 1
                    resolved[key].append(_OutputMetric(metric, index, name, label))
        return resolved["metrics"], resolved["weighted_metrics"]

    # ---- config ----------------------------------------------------------------------------------
    def get_config(self) -> dict:
        if not self.functional:
            raise ValueError(f"subclassed model {type(self).__name__} has no architecture config; use save_weights()")
        keys = {t.id: f"input_{i}" for i, t in enumerate(self._inputs)}
        index = {id(layer): i for i, layer in enumerate(self.layers)}
        nodes = []
        for n, node in enumerate(self._nodes):
            entry = {
                "layer": index[id(node.layer)],
                "inputs": [keys[t.id] for t in node.inputs],
                "many": node.many,
            }
            if not node.simple:  # keyword tensors or several positional arguments: record the whole call
                entry["args"] = _encode_args(node.args, keys, node.layer)
                entry["kwargs"] = _encode_args(node.kwargs, keys, node.layer)
            if node.multi:
                entry["num_outputs"] = len(node.outputs)
            for t in node.outputs:
                keys[t.id] = f"node_{n}" if t.index is None else f"node_{n}:{t.index}"
            nodes.append(entry)
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

        def tensor(key: str) -> KerasTensor:
            if key not in tensors:
                raise ValueError(f"functional model config: unknown tensor {key!r}")
            return tensors[key]

        for n, node in enumerate(config["nodes"]):
            layer = layers[node["layer"]]
            if "args" in node:
                result = layer(*_decode_args(node["args"], tensor), **_decode_args(node.get("kwargs") or {}, tensor))
            else:
                args = [tensor(key) for key in node["inputs"]]
                result = layer(args if node.get("many") else args[0])
            if isinstance(result, (list, tuple)):
                if node.get("num_outputs", len(result)) != len(result):
                    raise ValueError(f"functional model config: node {n} ({layer.name}) should give "
                                     f"{node['num_outputs']} outputs, got {len(result)}")
                tensors.update({f"node_{n}:{i}": t for i, t in enumerate(result)})
            else:
                tensors[f"node_{n}"] = result
        outputs = [tensor(key) for key in config["outputs"]]
        return cls(
            inputs if len(inputs) > 1 else inputs[0],
            outputs[0] if config.get("single_output") else outputs,
            name=config.get("name"),
            trainable=config.get("trainable", True),
        )


_TENSOR_KEY = "__keras_tensor__"


def _encode_args(value, keys: dict, layer):
    """A node's arguments as JSON: KerasTensors as {"__keras_tensor__": key}, lists/dicts kept, and other
    values only if they are JSON scalars."""
    if isinstance(value, KerasTensor):
        return {_TENSOR_KEY: keys[value.id]}
    if isinstance(value, (list, tuple)):
        return [_encode_args(v, keys, layer) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode_args(v, keys, layer) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    raise ValueError(f"{getattr(layer, 'name', layer)} was called with an argument of type {type(value).__name__}, "
                     "which a saved architecture cannot hold; use save_weights()")


def _decode_args(value, tensor):
    if isinstance(value, dict):
        if set(value) == {_TENSOR_KEY}:
            return tensor(value[_TENSOR_KEY])
        return {k: _decode_args(v, tensor) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_args(v, tensor) for v in value]
    return value


def _per_output(value, names: list, what: str) -> list:
    """`compile(metrics=...)` for a model with several outputs as one list of metrics per output: a dict by
    output name, or a list with one entry (a list, one metric or None) per output, as Keras 3 takes them."""
    def entries(v) -> list:
        v = list(v) if isinstance(v, (list, tuple)) else [v]
        return [m for m in v if m is not None]

    n = len(names)
    if not value:
        return [[] for _ in names]
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(f"compile({what}=...) names {unknown}, not outputs of the model ({names})")
        return [entries(value.get(name)) for name in names]
    if not isinstance(value, (list, tuple)) or len(value) != n:
        got = f"{len(value)} entries" if isinstance(value, (list, tuple)) else type(value).__name__
        raise ValueError(f"compile({what}=...) for a model with {n} outputs ({names}) needs a list with one entry "
                         f"per output (a list of metrics or None) or a dict by output name; got {got}")
    return [entries(v) for v in value]


class _OutputMetric(metrics_module.Metric):
    """A compiled metric of one output of a model with several: it sees only that output's target,
    prediction (and sample weight, when they are given per output), and logs as '<output>_<metric>'."""

    per_output = True  # evaluate()'s list puts these last, sorted by name, as Keras does

    def __init__(self, metric, index: int, output: str, name: str):
        super().__init__(name)
        self.metric, self.index, self.output = metric, index, output

    @property
    def result_is_costly(self) -> bool:
        return getattr(self.metric, "result_is_costly", False)

    def _pick(self, value):
        if isinstance(value, dict):
            return value.get(self.output)
        if isinstance(value, (list, tuple)):
            return value[self.index]
        return value

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = self._pick(y_true)
        if y_true is None:  # no target for this output
            return
        weight = self._pick(sample_weight) if isinstance(sample_weight, (list, tuple, dict)) else sample_weight
        if weight is None:
            self.metric.update_state(y_true, y_pred[self.index])
        else:
            self.metric.update_state(y_true, y_pred[self.index], weight)

    def result(self):
        return self.metric.result()

    def reset_state(self) -> None:
        self.metric.reset_state()

    def __repr__(self) -> str:
        return f"_OutputMetric({self.metric!r}, output={self.output!r})"


class _MultiOutputLoss(losses_module.Loss):
    """Keras's loss for several outputs: Σ_i weight_i · loss_i(y_true[i], y_pred[i]) (`loss` one for all, a
    list or a dict by output name; an output with loss None is not trained against a target)."""

    def __init__(self, loss, loss_weights, names: list, single: bool = False):
        super().__init__(None, "multi_output_loss")
        n = len(names)
        self.single, self.names = single, list(names)
        specs = self._per_output(loss, names, "loss", default=None)
        if not isinstance(loss, (list, tuple, dict)):
            specs = [loss] * n
        weights = self._per_output(loss_weights, names, "loss_weights", default=1.0) if loss_weights is not None \
            else [1.0] * n
        self.losses = [None if spec is None else losses_module.CompiledLoss(spec) for spec in specs]
        self.weights = [float(w) for w in weights]
        self.per_output_specs = list(specs)  # what compile was given per output: saved models compile again
        if all(fn is None for fn in self.losses):
            raise ValueError("compile(loss=...) gives no output a loss")
        # Keras logs each output's (unweighted) loss as '<output>_loss' when more than one output has a loss
        self.output_loss_names: list = []
        if not single and sum(fn is not None for fn in self.losses) > 1:
            seen: dict = {}
            for name, fn in zip(self.names, self.losses):
                if fn is not None:  # two outputs of one layer share its name: 'lstm_loss', 'lstm_loss_1'
                    label = f"{name}_loss"
                    seen[label] = seen.get(label, 0) + 1
                    self.output_loss_names.append(label if seen[label] == 1 else f"{label}_{seen[label] - 1}")
        self.last_terms: list = []  # the last call's unweighted loss of each output with a loss

    @staticmethod
    def _per_output(value, names: list, what: str, default):
        n = len(names)
        if isinstance(value, dict):
            unknown = set(value) - set(names)
            if unknown:
                raise ValueError(f"compile({what}=...) names {sorted(unknown)}, not outputs of the model "
                                 f"({names})")
            return [value.get(name, default) for name in names]
        if isinstance(value, (list, tuple)):
            if len(value) != n:
                raise ValueError(f"compile({what}=...) has {len(value)} entries for {n} outputs")
            return list(value)
        return [value] * n

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.single:
            y_true, y_pred = [y_true], [y_pred]
        if isinstance(y_true, dict):
            y_true = [y_true.get(name) for name in self.names]
        if not isinstance(y_true, (list, tuple)) or len(y_true) != len(y_pred):
            raise ValueError(f"a model with {len(y_pred)} outputs needs a list of {len(y_pred)} targets, got "
                             f"{type(y_true).__name__}{'' if not isinstance(y_true, (list, tuple)) else len(y_true)}")
        total, terms = None, []
        for fn, w, yt, yp in zip(self.losses, self.weights, y_true, y_pred):
            if fn is None:
                continue
            term = fn(yp, yt, sample_weight)
            terms.append(term.detach())
            term = term if w == 1.0 else term * w
            total = term if total is None else total + term
        self.last_terms = terms
        return total
