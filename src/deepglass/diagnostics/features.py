"""What layers compute: first-layer filters as images, feature maps of a layer, and learned features.

    grid = filter_grid(first_layer_filters(model))       # (H, W) or (H, W, 3) image in [0, 1]
    maps = feature_maps(model, image, "features.0")      # (C, H, W) activations for one input
    feats = layer_features(model, images)                # (N, D): what the classifier head sees
"""

from __future__ import annotations

import math

import numpy as np

from .probe import as_input, as_module, capture_outputs, eval_mode, find_layer, first_conv_layer, leaf_modules


def first_layer_filters(model) -> np.ndarray:
    """The weights of the first convolution, (out, in, kh, kw); of the first Linear, (out, in), if no conv."""
    return first_conv_layer(as_module(model)).weight.numpy().copy()


def _normalize(image: np.ndarray) -> np.ndarray:
    low, high = image.min(), image.max()
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


def tile(images: np.ndarray, ncols: int | None = None, padding: int = 1, fill: float = 1.0) -> np.ndarray:
    """Lay out (N, h, w) or (N, h, w, 3) images on a grid with `padding` pixels of `fill` between them."""
    n, h, w = images.shape[:3]
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    grid = np.full((nrows * (h + padding) - padding, ncols * (w + padding) - padding, *images.shape[3:]), fill,
                   dtype=np.float64)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        grid[r * (h + padding): r * (h + padding) + h, c * (w + padding): c * (w + padding) + w] = image
    return grid


def filter_grid(weights, input_shape=None, max_filters: int = 64, ncols: int | None = None) -> np.ndarray:
    """First-layer filters as one image: each filter scaled to [0, 1] on its own, tiled on a grid.

    `weights`: (out, in, kh, kw) conv kernels (3 input channels show as RGB, others as their mean), or
    (out, in) Linear weights with `input_shape` (C, H, W) or (H, W) to reshape each row into an image.
    """
    w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, dtype=np.float64)[:max_filters]
    if w.ndim == 2:
        if input_shape is None:
            side = math.isqrt(w.shape[1])
            if side * side != w.shape[1]:
                raise ValueError(f"filter_grid: Linear weights of shape {w.shape} need input_shape= to become images")
            input_shape = (side, side)
        w = w.reshape(len(w), *((1, *input_shape) if len(input_shape) == 2 else input_shape))
    if w.ndim != 4:
        raise ValueError(f"filter_grid: expected (out, in, kh, kw) weights, got shape {w.shape}")
    images = w.transpose(0, 2, 3, 1) if w.shape[1] == 3 else w.mean(axis=1)
    return tile(np.stack([_normalize(im) for im in images]), ncols)


def feature_maps(model, x, layer) -> np.ndarray:
    """The output of `layer` (a module or its name) for one input `x` (C, H, W) or a batch: (C', H', W')."""
    import deepglass as dg

    model = as_module(model)
    x = as_input(x, model)
    single = x.ndim == 3
    if single:
        x = x.reshape(1, *x.shape)
    target = find_layer(model, layer)
    with eval_mode(model), dg.no_grad(), capture_outputs({"layer": target}) as captured:
        model(x)
    if "layer" not in captured:
        raise RuntimeError(f"feature_maps: layer {layer!r} was not used by the model's forward pass")
    out = captured["layer"].numpy()
    return out[0] if single else out


def layer_features(model, x, layer=None, batch_size: int = 256) -> np.ndarray:
    """(N, D) features for inputs `x`: the flattened output of `layer`, or, by default, the input of the
    model's last layer (the features its classifier separates)."""
    import deepglass as dg

    model = as_module(model)
    target = find_layer(model, layer) if layer is not None else leaf_modules(model)[-1][1]
    use_input = layer is None
    captured = {}

    def hook(module, inputs, output):
        captured["value"] = inputs[0] if use_input else output

    handle = target.register_forward_hook(hook)
    chunks = []
    try:
        with eval_mode(model), dg.no_grad():
            for i in range(0, len(x), batch_size):
                model(as_input(x[i: i + batch_size], model))
                value = captured["value"].numpy()
                chunks.append(value.reshape(len(value), -1))
    finally:
        handle.remove()
    return np.concatenate(chunks)
