"""Layer: the base of the Keras spellings. A dg.nn.Module that builds its weights on first use.

- `build(input_shape)` (shape without the batch axis, channels_last) creates the wrapped dg.nn layers;
  Keras's `input_shape=` / `input_dim=` arguments are kept so Sequential models build at once.
- Calling a layer on a Tensor runs `call`; calling it on a `KerasTensor` records a functional-API node
  and infers the output shape by running it once on zeros (no graph).
- Every constructor argument is recorded, so `get_config()` / `from_config()` round-trip without code.
"""

from __future__ import annotations

import inspect
import itertools
import re
import threading
from collections import defaultdict

import numpy as np

from ..autograd.grad_mode import no_grad
from ..io.init_args import record_init_args
from ..nn.module import Module
from ..tensor import Tensor
from . import regularizers, weight_layout
from .keras_tensor import KerasTensor, Node, flatten_tensors, map_tensors

_name_counts: dict[str, itertools.count] = defaultdict(itertools.count)


_shape_pass = threading.local()  # .active: a layer is being run on zeros only to build it / find its output shape


def run_on_zeros(module: Module, shapes: list, dtypes: list, device: str = "cpu", as_list: bool = False):
    """`module` on a batch of one zero sample per input shape (no batch axis; None sizes become 1), in eval
    mode and without a graph (`as_list`: the inputs go in as one list), the pass that creates weights and
    infers output shapes. Layers that need
    statistics they do not have yet (an un-adapted Normalization) pass their input through during it."""
    zeros = [Tensor(np.zeros((1, *[d or 1 for d in s]), dtype=dt), device=device) for s, dt in zip(shapes, dtypes)]
    was_training, was_active = module.training, getattr(_shape_pass, "active", False)
    module.eval()
    _shape_pass.active = True
    try:
        with no_grad():
            return module(zeros) if as_list else module(*zeros)
    finally:
        _shape_pass.active = was_active
        module.train(was_training)


def in_shape_pass() -> bool:
    """Whether the current call is `run_on_zeros`'s (for layers that cannot compute anything real yet)."""
    return getattr(_shape_pass, "active", False)


def _run_call_on_zeros(module: Module, args: tuple, kwargs: dict, unknown: int = 1):
    """`module(*args, **kwargs)` with every KerasTensor in them replaced by zeros of its shape (batch of one,
    None sizes `unknown`), in eval mode and without a graph: `run_on_zeros` for calls with several arguments."""
    def zeros(t: KerasTensor) -> Tensor:
        return Tensor(np.zeros((1, *[unknown if d is None else d for d in t.shape[1:]]), dtype=t.dtype))

    args, kwargs = map_tensors(zeros, args), map_tensors(zeros, kwargs)
    was_training, was_active = module.training, getattr(_shape_pass, "active", False)
    module.eval()
    _shape_pass.active = True
    try:
        with no_grad():
            return module(*args, **kwargs)
    finally:
        _shape_pass.active = was_active
        module.train(was_training)


def _accepts(fn, name: str) -> bool:
    """Whether `fn` takes a keyword `name` (or **kwargs)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def _unknown_sizes(layer, node, outs: list) -> list:
    """The output shapes (batch None) of a symbolic call; where an input has an unknown size (None), a second
    pass with that size 2 finds which output sizes follow it, and those are None too (as Keras shows them)."""
    shapes = [(None, *o.shape[1:]) for o in outs]
    if not any(d is None for t in node.inputs for d in t.shape[1:]):
        return shapes
    try:
        again = _run_call_on_zeros(layer, node.args, node.kwargs, unknown=2)
    except Exception:  # noqa: BLE001 - a layer that takes only the first size: keep its shapes
        return shapes
    again = list(again) if isinstance(again, (list, tuple)) else [again]
    if len(again) != len(outs) or any(len(a.shape) != len(s) for a, s in zip(again, shapes)):
        return shapes
    return [tuple(None if i == 0 or a.shape[i] != d else d for i, d in enumerate(s)) for a, s in zip(again, shapes)]


def clear_session() -> None:
    """Restart automatic layer names ('dense', 'dense_1', ...) as Keras's clear_session does."""
    _name_counts.clear()


def unique_name(base: str) -> str:
    n = next(_name_counts[base])
    return base if n == 0 else f"{base}_{n}"


def _snake(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)  # Keras's rule: Conv2D → conv2d
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _jsonable(value):
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, regularizers.Regularizer):
        return {"__regularizer__": regularizers.serialize(value)}
    if hasattr(value, "get_config") and type(value).__module__.startswith("deepglass.keras.initializers"):
        from . import initializers

        return {"__initializer__": initializers.serialize(value)}
    if callable(value) and type(value).__name__ == "function":
        from . import activations

        return activations.serialize(value)
    return value


def _from_json(value):
    if isinstance(value, dict):
        if "__regularizer__" in value:
            return regularizers.get(value["__regularizer__"])
        if "__initializer__" in value:
            from . import initializers

            return initializers.get(value["__initializer__"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


class Layer(Module):
    """Base class: subclasses implement `build(input_shape)` and `call(x)`; weights appear on first use."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        record_init_args(cls)

    def __init__(
        self,
        name: str | None = None,
        trainable: bool = True,
        input_shape=None,
        input_dim=None,
        batch_input_shape=None,
        dtype=None,
        **kwargs,
    ):
        super().__init__()
        unknown = set(kwargs) - {"batch_size", "seed", "autocast"}
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(unknown)}")
        self.__dict__.setdefault("_config", {})
        self.name = name or unique_name(_snake(type(self).__name__))
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        if input_dim is not None:
            input_shape = (input_dim,)
        self.declared_input_shape = None if input_shape is None else tuple(input_shape)
        self.built = False
        self.input_shape = None
        self.output_shape = None
        self._trainable = trainable

    # ---- Keras properties ------------------------------------------------------------------------
    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for p in self.parameters():
            p.requires_grad_(self._trainable)
        for m in self.modules():
            if isinstance(m, Layer) and m is not self:
                m._trainable = self._trainable

    @property
    def weights(self) -> list:
        return list(self.parameters())

    @property
    def trainable_weights(self) -> list:
        return [p for p in self.parameters() if p.requires_grad]

    def count_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def get_weights(self) -> list[np.ndarray]:
        """The weights as NumPy arrays in Keras's order and layout (Dense kernel (in, out), Conv2D kernel
        (kh, kw, in, out)), as `keras.Model.get_weights` gives them. `weights` are the live tensors, in
        deepglass's (PyTorch's) layout."""
        state = self.state_dict()
        return [value if kind is None else weight_layout.to_keras(kind, value, owner)
                for key, owner, kind in weight_layout.keras_entries(self, Layer) for value in (state[key],)]

    def set_weights(self, weights: list) -> None:
        """Load arrays in `get_weights`'s order and layout; each shape is checked before any weight changes."""
        entries, state = weight_layout.keras_entries(self, Layer), self.state_dict()
        if len(entries) != len(weights):
            raise ValueError(f"{self.name}: set_weights got {len(weights)} arrays for {len(entries)} weights")
        for i, ((key, owner, kind), value) in enumerate(zip(entries, weights)):
            value = np.asarray(value, dtype=state[key].dtype)
            expected = state[key] if kind is None else weight_layout.to_keras(kind, state[key], owner)
            if value.shape != expected.shape:
                raise ValueError(f"{self.name}: set_weights array {i} ({key}) has shape {value.shape}, "
                                 f"expected {expected.shape}")
            state[key] = value if kind is None else weight_layout.from_keras(kind, value)
        self.load_state_dict(state)

    # ---- building --------------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create weights for inputs of `input_shape` (no batch axis). Layers without weights skip it."""

    def _maybe_build(self, input_shape, device: str = "cpu") -> None:
        """Build once, for inputs of `input_shape`; the weights go to `device`, that of the first input."""
        if not self.built:
            self.input_shape = input_shape
            self.build(input_shape)
            self.built = True
            if device != "cpu":
                self.to(device)
            self.train(self.training)  # layers made by build() follow this layer's train/eval mode
            if not self._trainable:
                for p in self.parameters():
                    p.requires_grad_(False)

    def expected_input_shape(self) -> str | None:
        """For error messages: the input shape this layer was built for (batch axis None)."""
        if self.input_shape is None:
            return None
        if isinstance(self.input_shape, list):
            return str([(None, *s) for s in self.input_shape])
        return str((None, *self.input_shape))

    def call(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x, *rest):
        if rest:
            x = [x, *rest]
        if isinstance(x, (list, tuple)):
            self._maybe_build([tuple(t.shape[1:]) for t in x], getattr(x[0], "device", "cpu"))
        else:
            self._maybe_build(tuple(x.shape[1:]), getattr(x, "device", "cpu"))
        return self.call(x)

    def __call__(self, *args, **kwargs):
        if flatten_tensors((args, kwargs)):
            return self._symbolic_call(*args, **kwargs)
        if args and type(args[0]) is np.ndarray:  # layer(numpy_batch), as Keras allows
            args = (Tensor(args[0]), *args[1:])
        return super().__call__(*args, **kwargs)

    def _symbolic_call(self, *args, **kwargs):
        """Record a functional node; the output shape comes from running the layer on zeros.

        KerasTensors may be anywhere in the arguments (`lstm(x, initial_state=[h, c])`, `mha(q, v)`); each is
        replaced by zeros of its shape (batch of 1). A call returning a list or tuple gives one KerasTensor per
        element, in a list (or tuple), each knowing its index into the layer's outputs."""
        if "training" in kwargs and not _accepts(type(self).forward, "training"):
            kwargs = {k: v for k, v in kwargs.items() if k != "training"}  # `base(x, training=False)`, as before
        node = Node(self, args, kwargs)
        if node.simple:
            tensors = node.inputs
            shapes, dtypes = [t.shape[1:] for t in tensors], [t.dtype for t in tensors]
            out = run_on_zeros(self, shapes, dtypes, as_list=node.many)
        else:
            out = _run_call_on_zeros(self, node.args, node.kwargs)
        multi = isinstance(out, (list, tuple))
        if multi and (not out or not all(hasattr(o, "shape") for o in out)):
            raise TypeError(f"{self.name}: the functional API records tensor outputs, but the layer returned "
                            f"{type(out).__name__} of {[type(o).__name__ for o in out]}")
        shapes = _unknown_sizes(self, node, list(out) if multi else [out])
        if multi:
            node.multi = True
            node.outputs = [KerasTensor(shape, o.dtype, layer=self, inputs=node.inputs, node=node, index=i)
                            for i, (shape, o) in enumerate(zip(shapes, out))]
            self.output_shape = [t.shape for t in node.outputs]
            result = type(out)(node.outputs)
        else:
            result = KerasTensor(shapes[0], out.dtype, layer=self, inputs=node.inputs, node=node)
            node.outputs = [result]
            self.output_shape = result.shape
        for t in node.outputs:
            t.many = node.many
        return result

    # ---- regularization --------------------------------------------------------------------------
    def _set_weight_options(self, activation, kernel_initializer, bias_initializer, kernel_regularizer,
                            bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint) -> None:
        """Store the Keras options every layer with a kernel and a bias takes (Dense, Conv2D, ...)."""
        from . import activations

        if activity_regularizer is not None or kernel_constraint is not None or bias_constraint is not None:
            raise NotImplementedError(f"{type(self).__name__}: activity_regularizer and constraints are not supported")
        self.activation = activations.get(activation)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def regularization_loss(self):
        """Σ of this layer's weight penalties (kernel_regularizer, bias_regularizer), or None."""
        total = None
        for attr, param_name in (("kernel_regularizer", "weight"), ("bias_regularizer", "bias")):
            reg = getattr(self, attr, None)
            op = getattr(self, "op", None)
            if reg is None or op is None or getattr(op, param_name, None) is None:
                continue
            term = reg(getattr(op, param_name))
            if term is not None:
                total = term if total is None else total + term
        return total

    # ---- config ----------------------------------------------------------------------------------
    def get_config(self) -> dict:
        config = {k: _jsonable(v) for k, v in self._config.items()}
        config["name"] = self.name
        config["trainable"] = self._trainable
        if self.input_shape is not None and not isinstance(self.input_shape, list):
            config["input_shape"] = list(self.input_shape)
        for key in ("input_dim", "batch_input_shape"):
            config.pop(key, None)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**{k: _from_json(v) for k, v in config.items()})

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


def conv_output(size: int, kernel: int, stride: int, padding: str, dilation: int = 1) -> int:
    """Keras's output length: ⌈size/stride⌉ for 'same', ⌊(size − d(k−1) − 1)/stride⌋ + 1 for 'valid'."""
    if padding == "same":
        return -(-size // stride)
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """(before, after) zero padding that gives Keras/TensorFlow 'same' output size (extra pad after)."""
    effective = dilation * (kernel - 1) + 1
    total = max((-(-size // stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2
