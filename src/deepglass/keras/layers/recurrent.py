"""Keras recurrent layers: SimpleRNN, LSTM, GRU, and the wrappers Bidirectional and TimeDistributed.

Inputs are (N, T, features), batch first. Each recurrent layer keeps its weights in a dg.nn layer (`self.op`:
nn.RNN, nn.LSTM or nn.GRU made without PyTorch's two biases; PyTorch's layout and gate order) with Keras's bias
added to it as `op.bias_l0` (also `layer.bias`), and runs the same fused op as dg.nn. Keras's single bias is
PyTorch's b_ih + b_hh (LSTM, SimpleRNN); Keras GRU's reset_after bias (2, 3·units) is PyTorch's [b_ih, b_hh].
`get_weights` gives Keras's layout: kernel (features, G·units), recurrent_kernel (units, G·units), bias, with
GRU's gates in Keras's order z, r, h.
"""

from __future__ import annotations

import numpy as np

from ... import nn, ops
from ...backend import get_array_module
from ...io import lookup, register
from ...nn.rnn import run_layer
from ...tensor import Tensor
from .. import activations, initializers, regularizers
from ..layer import Layer


def _zeros(x: Tensor, shape: tuple) -> Tensor:
    return Tensor._wrap(get_array_module(x.data).zeros(shape, dtype=x.dtype))


class _Recurrent(Layer):
    """What SimpleRNN, LSTM and GRU share: options, building, the call and the Keras outputs."""

    MODE = ""
    GATES = 1
    STATES = 1

    def _setup(self, c: dict) -> None:
        """Check and keep the constructor arguments `c` (its locals) that every recurrent layer shares, then
        build at once when the input shape is known."""
        name = type(self).__name__
        dropout, recurrent_dropout, stateful = c["dropout"], c["recurrent_dropout"], c["stateful"]
        activity_regularizer, kernel_constraint = c["activity_regularizer"], c["kernel_constraint"]
        recurrent_constraint, bias_constraint = c["recurrent_constraint"], c["bias_constraint"]
        if dropout or recurrent_dropout:
            raise NotImplementedError(f"{name}: dropout and recurrent_dropout are not supported (use a Dropout "
                                      "layer before or after)")
        if stateful:
            raise NotImplementedError(f"{name}: stateful=True is not supported (pass initial_state instead)")
        if any(c is not None for c in (activity_regularizer, kernel_constraint, recurrent_constraint,
                                       bias_constraint)):
            raise NotImplementedError(f"{name}: activity_regularizer and constraints are not supported")
        self.units, self.use_bias = int(c["units"]), bool(c["use_bias"])
        self.kernel_initializer, self.recurrent_initializer = c["kernel_initializer"], c["recurrent_initializer"]
        self.bias_initializer = c["bias_initializer"]
        self.kernel_regularizer = regularizers.get(c["kernel_regularizer"])
        self.recurrent_regularizer = regularizers.get(c["recurrent_regularizer"])
        self.bias_regularizer = regularizers.get(c["bias_regularizer"])
        self.return_sequences, self.return_state = bool(c["return_sequences"]), bool(c["return_state"])
        self.go_backwards = bool(c["go_backwards"])
        if self.declared_input_shape is not None:
            self._maybe_build(self.declared_input_shape)

    def _make_op(self, features: int):  # pragma: no cover - abstract
        raise NotImplementedError

    def _bias_shape(self) -> tuple:
        return (self.GATES * self.units,)

    def build(self, input_shape) -> None:
        if len(input_shape) != 2:
            raise ValueError(f"{self.name}: expected inputs (batch, timesteps, features), got shape "
                             f"{(None, *input_shape)}")
        self.op = self._make_op(int(input_shape[-1]))
        initializers.get(self.kernel_initializer)(self.op.weight_ih_l0)
        initializers.get(self.recurrent_initializer)(self.op.weight_hh_l0)
        if self.use_bias:  # on the op, after its kernels: get_weights' order is kernel, recurrent_kernel, bias
            self.op.register_parameter("bias_l0", nn.Parameter(Tensor(np.zeros(self._bias_shape(), np.float32))))
            initializers.get(self.bias_initializer)(self.op.bias_l0)

    @property
    def bias(self):
        """Keras's bias (a live tensor): b_ih + b_hh of PyTorch as one (G·units,) vector; GRU's (2, 3·units)."""
        return self.op.bias_l0 if self.use_bias and getattr(self, "op", None) is not None else None

    def _biases(self) -> tuple:
        return () if self.bias is None else (self.bias,)

    def forward(self, x, *rest, initial_state=None, training=None, mask=None):
        """`layer(x)` or `layer(x, initial_state=[h0] / [h0, c0])`; a list [x, *states] also works."""
        if mask is not None:
            raise NotImplementedError(f"{self.name}: masking is not supported")
        if isinstance(x, (list, tuple)):
            x, *rest = x
        if rest:
            initial_state = list(rest)
        self._maybe_build(tuple(x.shape[1:]), getattr(x, "device", "cpu"))
        return self.call(x, initial_state)

    def call(self, x, initial_state=None):
        if x.ndim != 3:
            raise ValueError(f"{self.name}: expected inputs (batch, timesteps, features), got shape {tuple(x.shape)}")
        if self.go_backwards:
            x = x.flip(1)
        n = x.shape[0]
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else (
            [] if initial_state is None else [initial_state])
        if states and len(states) != self.STATES:
            raise ValueError(f"{self.name}: initial_state takes {self.STATES} tensor(s), got {len(states)}")
        states = states or [_zeros(x, (n, self.units)) for _ in range(self.STATES)]
        weights = (self.op.weight_ih_l0, self.op.weight_hh_l0, *self._biases())
        out, h, c = run_layer(self.MODE, x.transpose(0, 1), states[0], states[1] if self.STATES == 2 else None,
                              weights)
        y = out.transpose(0, 1) if self.return_sequences else h
        if self.return_state:
            return [y, h] + ([c] if c is not None else [])
        return y

    def regularization_loss(self):
        """Σ of the kernel, recurrent-kernel and bias penalties, or None."""
        total = None
        if getattr(self, "op", None) is None:
            return None
        for reg, weight in ((self.kernel_regularizer, self.op.weight_ih_l0),
                            (self.recurrent_regularizer, self.op.weight_hh_l0),
                            (self.bias_regularizer, self.bias)):
            term = None if reg is None or weight is None else reg(weight)
            if term is not None:
                total = term if total is None else total + term
        return total


def _only(name: str, what: str, given, allowed) -> None:
    if activations.get(given) is not allowed:
        raise NotImplementedError(f"{name}: {what}={given!r} is not supported (only "
                                  f"{activations.serialize(allowed)!r}, the fused kernel's)")


@register
class SimpleRNN(_Recurrent):
    """output_t = activation(x_t·kernel + h_{t-1}·recurrent_kernel + bias), activation tanh or relu.
    (N, T, features) → (N, units), or (N, T, units) with return_sequences; [output, h] with return_state."""

    MODE, GATES, STATES = "RNN_TANH", 1, 1
    KERAS_LAYOUT = {"op.weight_ih_l0": "kernel", "op.weight_hh_l0": "kernel"}

    def __init__(self, units: int, activation="tanh", use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, **kwargs):
        super().__init__(**kwargs)
        fn = activations.get(activation)
        if fn is not activations.tanh and fn is not activations.relu:
            raise NotImplementedError(f"SimpleRNN: activation={activation!r} is not supported (only 'tanh' or "
                                      "'relu')")
        self.activation = fn
        self.MODE = "RNN_TANH" if fn is activations.tanh else "RNN_RELU"
        self._setup(locals())

    def _make_op(self, features: int):
        return nn.RNN(features, self.units, nonlinearity="tanh" if self.MODE == "RNN_TANH" else "relu", bias=False,
                      batch_first=True)


@register
class LSTM(_Recurrent):
    """Long short-term memory (Keras's gates i, f, c, o = PyTorch's i, f, g, o). (N, T, features) → (N, units),
    or (N, T, units) with return_sequences; [output, h, c] with return_state. unit_forget_bias sets the forget
    gate's bias to 1."""

    MODE, GATES, STATES = "LSTM", 4, 2
    KERAS_LAYOUT = {"op.weight_ih_l0": "kernel", "op.weight_hh_l0": "kernel"}

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, **kwargs):
        super().__init__(**kwargs)
        _only("LSTM", "activation", activation, activations.tanh)
        _only("LSTM", "recurrent_activation", recurrent_activation, activations.sigmoid)
        self.unit_forget_bias = bool(unit_forget_bias)
        self._setup(locals())

    def _make_op(self, features: int):
        return nn.LSTM(features, self.units, bias=False, batch_first=True)

    def build(self, input_shape) -> None:
        super().build(input_shape)
        if self.bias is not None and self.unit_forget_bias:
            self.bias.data[self.units:2 * self.units] = 1


@register
class GRU(_Recurrent):
    """Gated recurrent unit with Keras 3's default reset_after=True, which is PyTorch's formulation:
    h_t = z⊙h_{t-1} + (1 − z)⊙tanh(W_h·x + b_h + r⊙(U_h·h_{t-1} + b'_h)). bias (2, 3·units): input and
    recurrent biases. (N, T, features) → (N, units) or (N, T, units); [output, h] with return_state."""

    MODE, GATES, STATES = "GRU", 3, 1
    KERAS_LAYOUT = {"op.weight_ih_l0": "gru_kernel", "op.weight_hh_l0": "gru_kernel", "op.bias_l0": "gru_bias"}

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 reset_after: bool = True, **kwargs):
        super().__init__(**kwargs)
        if not reset_after:
            raise NotImplementedError("GRU: reset_after=False (the reset gate applied before the recurrent "
                                      "kernel) is not supported; reset_after=True is PyTorch's GRU")
        _only("GRU", "activation", activation, activations.tanh)
        _only("GRU", "recurrent_activation", recurrent_activation, activations.sigmoid)
        self._setup(locals())

    def _make_op(self, features: int):
        return nn.GRU(features, self.units, bias=False, batch_first=True)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units)

    def _biases(self) -> tuple:
        return () if self.bias is None else (self.bias[0], self.bias[1])


def _layer_config(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _layer_from_config(entry):
    if entry is None or isinstance(entry, Layer):
        return entry
    return lookup(entry["class_name"]).from_config(entry.get("config") or {})


@register
class Bidirectional(Layer):
    """Run a recurrent layer forward and a copy of it backward over the sequence and merge the two outputs
    (`merge_mode` 'concat', 'sum', 'mul', 'ave' or None for a list). With return_sequences the backward
    outputs are put back in time order; with return_state the states follow: [y, *forward, *backward]."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if weights is not None:
            raise NotImplementedError("Bidirectional: weights= is not supported (use set_weights after building)")
        if merge_mode not in ("concat", "sum", "mul", "ave", None):
            raise ValueError(f"Bidirectional: invalid merge_mode {merge_mode!r}; expected one of 'concat', 'sum', "
                             "'mul', 'ave', None")
        layer = _layer_from_config(layer)
        if not isinstance(layer, _Recurrent):
            raise TypeError(f"Bidirectional wraps a SimpleRNN, LSTM or GRU layer, got {type(layer).__name__}")
        backward_layer = _layer_from_config(backward_layer)
        if backward_layer is None:
            config = {**layer.get_config(), "go_backwards": not layer.go_backwards, "name": f"backward_{layer.name}"}
            backward_layer = type(layer).from_config(config)
        if backward_layer.return_sequences != layer.return_sequences or (
                backward_layer.return_state != layer.return_state):
            raise ValueError("Bidirectional: the forward and backward layers must agree on return_sequences and "
                             "return_state")
        self.merge_mode = merge_mode
        self.forward_layer, self.backward_layer = layer, backward_layer
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        if self.declared_input_shape is not None:
            self._maybe_build(self.declared_input_shape)

    def build(self, input_shape) -> None:
        self.forward_layer._maybe_build(tuple(input_shape))
        self.backward_layer._maybe_build(tuple(input_shape))

    def forward(self, x, *rest, initial_state=None, training=None, mask=None):
        """`layer(x)` or `layer(x, initial_state=[*forward states, *backward states])`."""
        if isinstance(x, (list, tuple)):
            x, *rest = x
        if rest:
            initial_state = list(rest)
        self._maybe_build(tuple(x.shape[1:]), getattr(x, "device", "cpu"))
        return self.call(x, initial_state)

    def call(self, x, initial_state=None):
        fwd_state = bwd_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fwd_state, bwd_state = list(initial_state[:half]), list(initial_state[half:])
        yf = self.forward_layer(x, initial_state=fwd_state)
        yb = self.backward_layer(x, initial_state=bwd_state)
        states = []
        if self.return_state:
            yf, *sf = yf
            yb, *sb = yb
            states = sf + sb
        if self.return_sequences:
            yb = yb.flip(1)
        if self.merge_mode == "concat":
            y = ops.concatenate([yf, yb], axis=-1)
        elif self.merge_mode == "sum":
            y = yf + yb
        elif self.merge_mode == "mul":
            y = yf * yb
        elif self.merge_mode == "ave":
            y = (yf + yb) * 0.5
        else:
            y = [yf, yb]
        if self.return_state:
            return (y if isinstance(y, list) else [y]) + states
        return y

    def get_config(self) -> dict:
        config = super().get_config()
        config["layer"] = _layer_config(self.forward_layer)
        config["backward_layer"] = _layer_config(self.backward_layer)
        return config


@register
class TimeDistributed(Layer):
    """Apply `layer` to every time step: (N, T, ...) → (N, T, ...layer's output), the steps folded into the batch."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        layer = _layer_from_config(layer)
        if not isinstance(layer, Layer):
            raise TypeError(f"TimeDistributed wraps a Keras layer, got {type(layer).__name__}")
        self.layer = layer
        if self.declared_input_shape is not None:
            self._maybe_build(self.declared_input_shape)

    def build(self, input_shape) -> None:
        if len(input_shape) < 2:
            raise ValueError(f"{self.name}: expected inputs (batch, timesteps, ...), got {(None, *input_shape)}")
        self.layer._maybe_build(tuple(input_shape[1:]))

    def call(self, x):
        n, t = x.shape[0], x.shape[1]
        y = self.layer(x.reshape(n * t, *x.shape[2:]))
        return y.reshape(n, t, *y.shape[1:])

    def get_config(self) -> dict:
        config = super().get_config()
        config["layer"] = _layer_config(self.layer)
        return config
