"""Receptive fields: the theoretical one of every layer (from the layers' own settings) and the effective one.

Theory, for a chain of layers with kernel k, stride s, padding p and dilation d (per axis):
    jump_out  = jump_in * s                       (distance in input pixels between neighbouring units)
    rf_out    = rf_in + (d * (k - 1)) * jump_in   (side of the input window one unit sees)
    start_out = start_in + (d * (k - 1) / 2 - p) * jump_in   (input coordinate of the first unit's centre)
Layers without a kernel (ReLU, BatchNorm, Dropout) keep all three; a Linear, Flatten or adaptive pool
sees the whole input ('global').

The effective receptive field (Luo et al., 2016) is measured instead: put gradient 1 on one output
unit, back-propagate to the input, and look at |d unit / d input|. It is Gaussian-like and much
smaller than the theoretical square: `erf_experiment()` reproduces the course figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .probe import as_input, as_module, keep_grads, leaf_modules

_GLOBAL_TYPES = ("Linear", "Flatten", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "GlobalAveragePooling2D", "Dense")


@dataclass
class LayerRF:
    """The receptive field after one layer: `rf` and `jump` (stride in input pixels) per axis (h, w)."""

    name: str
    type: str
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    rf: tuple
    jump: tuple
    start: tuple
    is_global: bool = False

    @property
    def size(self) -> int | None:
        """The receptive-field side when it is square (None once the layer sees the whole input)."""
        return None if self.is_global else (self.rf[0] if self.rf[0] == self.rf[1] else max(self.rf))


def _pair(value, name: str, layer_name: str) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return int(value[0]), int(value[0])
        return int(value[0]), int(value[1])
    if isinstance(value, str):
        raise ValueError(f"receptive_fields: layer {layer_name!r} has {name}={value!r}; resolve it to numbers")
    return int(value), int(value)


def _padding(layer, kernel, dilation, name) -> tuple[int, int]:
    pad = getattr(layer, "padding", 0)
    if pad == "valid":
        return 0, 0
    if pad == "same":
        return tuple((d * (k - 1)) // 2 for k, d in zip(kernel, dilation))
    if isinstance(pad, (tuple, list)) and len(pad) == 4:  # (left, right, top, bottom): use the leading side
        return int(pad[2]), int(pad[0])
    return _pair(pad, "padding", name)


def receptive_fields(model, layers=None) -> list[LayerRF]:
    """The theoretical receptive field, jump and padding after each leaf layer of `model`, in order.

    `layers`: (name, layer) pairs to use instead of the model's leaf layers in registration order
    (the right order for Sequential stacks; for branching models pass the path you mean).
    """
    model = as_module(model)
    rf, jump, start = (1, 1), (1, 1), (0.5, 0.5)
    is_global = False
    table = []
    for name, layer in layers if layers is not None else leaf_modules(model):
        kind = type(layer).__name__
        kernel = getattr(layer, "kernel_size", None)
        if kernel is not None and not is_global:
            k = _pair(kernel, "kernel_size", name)
            stride = getattr(layer, "stride", None)
            s = k if stride is None else _pair(stride, "stride", name)  # pooling: stride defaults to kernel
            d = _pair(getattr(layer, "dilation", 1), "dilation", name)
            p = _padding(layer, k, d, name)
            start = tuple(st + (di * (ki - 1) / 2 - pi) * j for st, di, ki, pi, j in zip(start, d, k, p, jump))
            rf = tuple(r + di * (ki - 1) * j for r, di, ki, j in zip(rf, d, k, jump))
            jump = tuple(j * si for j, si in zip(jump, s))
        else:
            k, s, p, d = (1, 1), (1, 1), (0, 0), (1, 1)
            if kind in _GLOBAL_TYPES:
                is_global = True
        table.append(LayerRF(name, kind, k, s, p, d, rf, jump, start, is_global))
    return table


def format_receptive_fields(table: list[LayerRF]) -> str:
    """A text table: layer, type, kernel/stride/padding, receptive field and jump."""
    lines = [f"{'layer':<20} {'type':<18} {'kernel':>7} {'stride':>7} {'pad':>5} {'RF':>9} {'jump':>6}"]
    for row in table:
        rf = "global" if row.is_global else "x".join(map(str, row.rf))
        lines.append(
            f"{row.name or '-':<20} {row.type:<18} {row.kernel[0]:>7} {row.stride[0]:>7} {row.padding[0]:>5} "
            f"{rf:>9} {row.jump[0]:>6}"
        )
    return "\n".join(lines)


@dataclass
class EffectiveRF:
    """|d output unit / d input| over the input plane, and how wide it really is."""

    map: np.ndarray  # (H, W), non-negative, sums to 1
    theoretical: int | None
    size: int  # side of the smallest centred square holding `mass` of the map
    std: float  # spread of the map (pixels, averaged over both axes)
    mass: float = 0.95

    @property
    def fraction(self) -> float:
        """Effective size / theoretical size (well below 1 for deep stacks)."""
        return self.size / self.theoretical if self.theoretical else float("nan")


def effective_receptive_field(model, input_shape, n_samples: int = 4, unit=None, channel: int | None = None,
                              mass: float = 0.95, inputs=None) -> EffectiveRF:
    """Back-propagate from one output unit (the centre one by default) and measure the input region it feels.

    `input_shape` is (C, H, W); `inputs` (N, C, H, W) overrides the random normal inputs drawn from
    deepglass's generator. `channel`: the output channel of the unit (None: all channels at that
    position, so a unit that a ReLU switched off for every sample does not hide the field).
    Gradients already in the model are left untouched.
    """
    import deepglass as dg

    model = as_module(model)
    if inputs is None:
        rng = dg.random.default_generator()
        inputs = rng.standard_normal((n_samples, *input_shape)).astype(np.float32)
    x = as_input(inputs, model).detach().requires_grad_(True)
    with keep_grads(model):
        y = model(x)
        if y.ndim != 4:
            raise ValueError(f"effective_receptive_field: the model output must be (N, C, H, W), got {y.shape}")
        h, w = (y.shape[2] // 2, y.shape[3] // 2) if unit is None else unit
        seed = np.zeros(y.shape, dtype=y.dtype)
        seed[:, slice(None) if channel is None else channel, h, w] = 1.0
        y.backward(seed)
    grad = np.abs(x.grad.numpy()).sum(axis=(0, 1)).astype(np.float64)
    total = grad.sum()
    erf_map = grad / total if total > 0 else grad
    table = receptive_fields(model)
    theoretical = next((row.size for row in reversed(table) if not row.is_global), None)
    centre = _centre_of_unit(table, (h, w), erf_map.shape)
    return EffectiveRF(erf_map, theoretical, _mass_square(erf_map, centre, mass), _spread(erf_map), mass)


def _centre_of_unit(table, unit, shape) -> tuple[int, int]:
    if not table:
        return unit
    row = table[-1]
    return tuple(min(max(int(round(st + u * j - 0.5)), 0), n - 1) for st, u, j, n in zip(row.start, unit, row.jump,
                                                                                         shape))


def _mass_square(erf_map: np.ndarray, centre, mass: float) -> int:
    """Side of the smallest square around `centre` whose sum is at least `mass` of the total."""
    total = erf_map.sum()
    if total <= 0:
        return 0
    ch, cw = centre
    for r in range(max(erf_map.shape)):
        window = erf_map[max(ch - r, 0): ch + r + 1, max(cw - r, 0): cw + r + 1]
        if window.sum() >= mass * total - 1e-12:
            return 2 * r + 1
    return max(erf_map.shape)


def _spread(erf_map: np.ndarray) -> float:
    total = erf_map.sum()
    if total <= 0:
        return 0.0
    stds = []
    for axis in (0, 1):
        profile = erf_map.sum(axis=1 - axis)
        pos = np.arange(profile.size)
        mean = (profile * pos).sum() / total
        stds.append(math.sqrt(max((profile * (pos - mean) ** 2).sum() / total, 0.0)))
    return float(np.mean(stds))


def conv_stack(depth: int, init: str = "uniform", channels: int = 1, kernel_size: int = 3):
    """`depth` 3x3 convolutions (padding 1, no bias) with 'uniform', 'random' or 'random+relu' weights."""
    import deepglass as dg

    nn = dg.nn
    rng = dg.random.default_generator()
    layers = []
    for _ in range(depth):
        conv = nn.Conv2d(channels, channels, kernel_size, padding=kernel_size // 2, bias=False)
        shape = conv.weight.shape
        if init == "uniform":
            values = np.full(shape, 1.0 / (channels * kernel_size * kernel_size))
        elif init in ("random", "random+relu"):
            fan_in = channels * kernel_size * kernel_size
            gain = 2.0 if init == "random+relu" else 1.0
            values = rng.standard_normal(shape) * math.sqrt(gain / fan_in)
        else:
            raise ValueError(f"conv_stack: init must be 'uniform', 'random' or 'random+relu', got {init!r}")
        with dg.no_grad():
            conv.weight.copy_(values.astype(np.float32))
        layers.append(conv)
        if init == "random+relu":
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def erf_experiment(depths=(5, 10, 20, 40), inits=("uniform", "random", "random+relu"), size: int = 96,
                   channels: int = 4, n_samples: int = 8) -> list[dict]:
    """The course experiment: theoretical vs effective receptive field of stacks of 3x3 convolutions.

    Returns one dict per (init, depth): theoretical size (2 * depth + 1), effective size (95% mass
    square), spread and the ERF map. Random weights are drawn from deepglass's seeded generator.
    """
    rows = []
    for init in inits:
        for depth in depths:
            model = conv_stack(depth, init, channels)
            erf = effective_receptive_field(model, (channels, size, size), n_samples=n_samples)
            rows.append({"init": init, "depth": depth, "theoretical": erf.theoretical, "effective": erf.size,
                         "std": erf.std, "fraction": erf.fraction, "map": erf.map})
    return rows
