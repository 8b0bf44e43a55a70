"""Recurrent layers with PyTorch's arguments, parameter names, gate order and initialization.

`RNN`, `LSTM` and `GRU` run whole sequences (several layers, optionally bidirectional); `RNNCell`, `LSTMCell`
and `GRUCell` run one step. A PyTorch state_dict loads as is and gives the same outputs. Each layer and direction
is one fused op (`deepglass.ops.rnn`): the input projection of all the steps is one GEMM, the time loop one GEMM
per step.

Shapes (L: sequence length, N: batch, D: 2 if bidirectional else 1):
input (L, N, H_in), or (N, L, H_in) with batch_first, or unbatched (L, H_in);
h0/c0 and h_n/c_n (D·num_layers, N, H) or, unbatched, (D·num_layers, H); output (L, N, D·H) (batch_first:
(N, L, D·H)). Parameters: weight_ih_l{k}[_reverse] (G·H, H_in or D·H), weight_hh_l{k} (G·H, H), bias_ih_l{k},
bias_hh_l{k} (G·H,), with G = 1 (RNN), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n); all ~ U(-1/√H, 1/√H).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import ops
from ..backend import get_array_module
from ..ops.rnn import GRUSequence, LSTMSequence, RNNSequence
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _zeros_like_state(x: Tensor, shape: tuple) -> Tensor:
    xp = get_array_module(x.data)
    return Tensor._wrap(xp.zeros(shape, dtype=x.dtype))


def run_layer(mode: str, x: Tensor, h0: Tensor, c0: Tensor | None, weights, reverse: bool = False):
    """One layer, one direction over time-major `x` (L, N, H_in): (outputs (L, N, H), h_n, c_n or None).
    `weights` is (W_ih, W_hh, *biases): RNN/LSTM add any number of biases; GRU takes none or (b_ih, b_hh)."""
    w_ih, w_hh, *biases = weights
    if mode == "LSTM":
        y = LSTMSequence.apply(x, w_ih, w_hh, h0, c0, *biases, reverse=reverse)
        out, cs = y[0], y[1]
        last = 0 if reverse else -1
        return out, out[last], cs[last]
    if mode == "GRU":
        out = GRUSequence.apply(x, w_ih, w_hh, h0, *biases, reverse=reverse)
    else:
        out = RNNSequence.apply(x, w_ih, w_hh, h0, *biases, nonlinearity="relu" if mode == "RNN_RELU" else "tanh",
                                reverse=reverse)
    return out, out[0 if reverse else -1], None


def run_stack(mode: str, x: Tensor, h0: Tensor, c0: Tensor | None, weights: list, num_layers: int,
              bidirectional: bool, dropout: float = 0.0, training: bool = False):
    """`num_layers` layers (each with 1 or 2 directions) over time-major `x` (L, N, H_in) from batched states
    h0/c0 (D·num_layers, N, H); `weights[layer·D + direction]` as in `run_layer`. → (output, h_n, c_n or None)."""
    directions = 2 if bidirectional else 1
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for direction in range(directions):
            k = layer * directions + direction
            out, h, c = run_layer(mode, x, h0[k], None if c0 is None else c0[k], weights[k], reverse=direction == 1)
            outs.append(out)
            hs.append(h)
            cs.append(c)
        x = outs[0] if directions == 1 else ops.concatenate(outs, axis=-1)
        if dropout and training and layer < num_layers - 1:
            x = F.dropout(x, dropout, training=True)
    h_n = ops.stack(hs, axis=0)
    return x, h_n, (ops.stack(cs, axis=0) if c0 is not None else None)


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, argument checks, and
    `forward`'s handling of batch_first, unbatched inputs and initial states."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__()
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f"hidden_size must be a positive integer, got {hidden_size!r}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"num_layers must be a positive integer, got {num_layers!r}")
        if proj_size:
            raise NotImplementedError(f"{type(self).__name__}: proj_size (LSTM with projections) is not supported")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=3)
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = int(input_size), hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bool(bias), bool(batch_first), float(dropout)
        self.bidirectional, self.proj_size = bool(bidirectional), 0
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        dtype = np.dtype(dtype or np.float32)
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                in_size = self.input_size if layer == 0 else hidden_size * directions
                shapes = [("weight_ih", (gate_size, in_size)), ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(Tensor(np.empty(shape, dtype), device=device)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/√hidden_size, 1/√hidden_size), as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """PyTorch's cuDNN weight compaction; nothing to do here (kept so PyTorch code runs unchanged)."""

    @property
    def all_weights(self) -> list:
        """The parameters per layer and direction: [[weight_ih, weight_hh, bias_ih, bias_hh], ...]."""
        per = 4 if self.bias else 2
        flat = [getattr(self, n) for n in self._flat_weights_names]
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def _weights(self) -> list:
        return [tuple(group) for group in self.all_weights]

    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: expected input to be 2D (unbatched) or 3D, got {x.ndim}D "
                             f"(shape {tuple(x.shape)})")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: input.size(-1) must be equal to input_size. "
                             f"Expected {self.input_size}, got {x.shape[-1]}")
        dtype = self.weight_ih_l0.dtype
        if x.dtype != dtype:
            raise TypeError(f"{type(self).__name__}: input must have the type {dtype}, got type {x.dtype}")

    def _state(self, x: Tensor, state, batched: bool, batch: int, name: str) -> Tensor:
        """The initial state `state` as a batched (D·num_layers, N, H) tensor; zeros when None."""
        shape = ((2 if self.bidirectional else 1) * self.num_layers, batch, self.hidden_size)
        if state is None:
            return _zeros_like_state(x, shape)
        if state.ndim != (3 if batched else 2):
            raise ValueError(f"{type(self).__name__}: for {'batched 3-D' if batched else 'unbatched 2-D'} input, "
                             f"{name} should also be {3 if batched else 2}-D but got {state.ndim}-D tensor")
        if not batched:
            state = state.unsqueeze(1)
        if tuple(state.shape) != shape:
            raise ValueError(f"{type(self).__name__}: expected {name} size {shape if batched else shape[::2]}, "
                             f"got {tuple(state.shape) if batched else tuple(state.shape)[::2]}")
        return state

    def _run(self, x: Tensor, hx, cx):
        """(output, h_n, c_n or None) for `x` in the user's layout; hx/cx the initial states or None."""
        self._check_input(x)
        batched = x.ndim == 3
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        if x.shape[0] == 0:
            raise ValueError(f"{type(self).__name__}: the input sequence is empty")
        h0 = self._state(x, hx, batched, x.shape[1], "hx" if self.mode != "LSTM" else "h0")
        c0 = self._state(x, cx, batched, x.shape[1], "c0") if self.mode == "LSTM" else None
        out, h_n, c_n = run_stack(self.mode, x, h0, c0, self._weights(), self.num_layers, self.bidirectional,
                                  self.dropout, self.training)
        if not batched:
            out, h_n = out.squeeze(1), h_n.squeeze(1)
            c_n = None if c_n is None else c_n.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, h_n, c_n

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh) (or relu, `nonlinearity='relu'`).

    `forward(input, hx=None)` → `(output, h_n)`; shapes as in the module docstring."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None):
        out, h_n, _ = self._run(input, hx, None)
        return out, h_n


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gates i, f, g, o: c_t = f⊙c_{t-1} + i⊙g, h_t = o⊙tanh(c_t).

    `forward(input, hx=None)` with hx = (h0, c0) or None → `(output, (h_n, c_n))`. proj_size is not supported."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx=None):
        h0, c0 = (None, None) if hx is None else hx
        out, h_n, c_n = self._run(input, h0, c0)
        return out, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit as PyTorch: r, z = σ(·), n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)),
    h_t = (1 − z)⊙n + z⊙h_{t-1}. `forward(input, hx=None)` → `(output, h_n)`."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None):
        out, h_n, _ = self._run(input, hx, None)
        return out, h_n


class RNNCellBase(Module):
    """What the cells share: weight_ih (G·H, input_size), weight_hh (G·H, H), bias_ih, bias_hh (G·H,),
    all ~ U(-1/√H, 1/√H), and the batched/unbatched handling of one step."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.mode, self.input_size, self.hidden_size, self.bias = mode, int(input_size), int(hidden_size), bool(bias)
        gate_size = _GATES[mode] * self.hidden_size
        dtype = np.dtype(dtype or np.float32)
        self.weight_ih = Parameter(Tensor(np.empty((gate_size, self.input_size), dtype), device=device))
        self.weight_hh = Parameter(Tensor(np.empty((gate_size, self.hidden_size), dtype), device=device))
        if bias:
            self.bias_ih = Parameter(Tensor(np.empty(gate_size, dtype), device=device))
            self.bias_hh = Parameter(Tensor(np.empty(gate_size, dtype), device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/√hidden_size, 1/√hidden_size), as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def _step(self, x: Tensor, hx, cx):
        if x.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {x.ndim}D instead")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: input has inconsistent input_size: got {x.shape[-1]} "
                             f"expected {self.input_size}")
        batched = x.ndim == 2
        if not batched:
            x = x.unsqueeze(0)
        states = []
        for name, s in (("hx", hx), ("cx", cx))[:2 if self.mode == "LSTM" else 1]:
            if s is None:
                s = _zeros_like_state(x, (x.shape[0], self.hidden_size))
            else:
                if s.ndim != (2 if batched else 1):
                    raise ValueError(f"{type(self).__name__}: {name} should be {2 if batched else 1}-D, "
                                     f"got {s.ndim}-D")
                s = s if batched else s.unsqueeze(0)
                if tuple(s.shape) != (x.shape[0], self.hidden_size):
                    raise ValueError(f"{type(self).__name__}: {name} has shape {tuple(s.shape)}, expected "
                                     f"{(x.shape[0], self.hidden_size)}")
            states.append(s)
        weights = (self.weight_ih, self.weight_hh) + ((self.bias_ih, self.bias_hh) if self.bias else ())
        _, h, c = run_layer(self.mode, x.unsqueeze(0), states[0], states[1] if len(states) > 1 else None, weights)
        if not batched:
            h = h.squeeze(0)
            c = None if c is None else c.squeeze(0)
        return h, c

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu). Input (N, H_in) or (H_in,),
    hx (N, H) or (H,) (zeros when None) → h' of hx's shape."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, bias,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, hx, None)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): input (N, H_in) or (H_in,), hx = (h, c) or None → (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx=None):
        h, c = (None, None) if hx is None else hx
        return self._step(input, h, c)


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n as PyTorch): input (N, H_in) or (H_in,), hx (N, H) or (H,) or None → h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, hx, None)[0]
