"""Grad-CAM (Selvaraju et al., 2017): where in the input a CNN looked to score a class.

For a conv layer's output A (channels k, positions ij) and the class score y_c:
    alpha_k = mean_ij dy_c / dA_kij           (how much channel k matters for class c)
    cam     = ReLU(sum_k alpha_k * A_k)        (where those channels fire), upsampled to the input
Works on any conv layer of any CNN, through a forward hook and `Tensor.retain_grad()`; the model's
own gradients are left as they were.

Averaging the gradient over positions assumes a global-average-pooling head. With a flatten + linear
head the class may use some positions only (a CNN told to look at one quadrant); then Grad-CAM
still lights up every place its channels fire. `method="hirescam"` (Draelos & Carin, 2020) keeps
the gradient per position, cam = ReLU(sum_k dy_c/dA_k * A_k), and shows exactly what the score used.
"""

from __future__ import annotations

import numpy as np

from .probe import as_input, as_module, capture_outputs, eval_mode, find_layer, keep_grads, last_conv_layer


def resize_bilinear(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize (N, h, w) maps to (N, H, W) by bilinear interpolation (pixel centres aligned, as in PyTorch)."""
    n, h, w = maps.shape
    out_h, out_w = size

    def axis(n_in, n_out):
        pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        low = np.floor(pos).astype(np.int64)
        high = np.minimum(low + 1, n_in - 1)
        return low, high, pos - low

    y0, y1, fy = axis(h, out_h)
    x0, x1, fx = axis(w, out_w)
    top = maps[:, y0][:, :, x0] * (1 - fx) + maps[:, y0][:, :, x1] * fx
    bottom = maps[:, y1][:, :, x0] * (1 - fx) + maps[:, y1][:, :, x1] * fx
    return top * (1 - fy)[:, None] + bottom * fy[:, None]


def grad_cam(model, x, class_idx=None, layer=None, upsample: bool = True, method: str = "gradcam") -> np.ndarray:
    """Grad-CAM heat maps in [0, 1] for a batch `x` (N, C, H, W) or one image (C, H, W).

    `class_idx`: an int, one int per input, or None for each input's predicted class. `layer`: a conv
    module or its name (default: the last convolution). Returns (N, H, W) (or (H, W) for one image);
    (N, h, w) at the layer's resolution when `upsample` is False. A model with one output column
    (a sigmoid logit) treats class 1 as the logit and class 0 as its negative. `method`: 'gradcam'
    (channel weights = mean gradient) or 'hirescam' (gradient times activation, position by position).
    """
    if method not in ("gradcam", "hirescam"):
        raise ValueError(f"grad_cam: method must be 'gradcam' or 'hirescam', got {method!r}")
    model = as_module(model)
    x = as_input(x, model)
    single = x.ndim == 3
    if single:
        x = x.reshape(1, *x.shape)
    target = last_conv_layer(model) if layer is None else find_layer(model, layer)
    with eval_mode(model), keep_grads(model), capture_outputs({"A": target}) as captured:
        scores = model(x)
        if "A" not in captured:
            raise RuntimeError(f"grad_cam: layer {layer!r} was not used by the model's forward pass")
        activations = captured["A"]
        if activations.ndim != 4:
            raise ValueError(f"grad_cam: layer output must be (N, C, H, W), got {activations.shape}")
        activations.retain_grad()
        seed, classes = _seed(scores.numpy(), class_idx)
        scores.backward(seed.astype(scores.dtype))
        grads = activations.grad.numpy().astype(np.float64)
    a = activations.numpy().astype(np.float64)
    alpha = grads.mean(axis=(2, 3), keepdims=True) if method == "gradcam" else grads
    cam = np.maximum((alpha * a).sum(axis=1), 0.0)
    peak = cam.reshape(len(cam), -1).max(axis=1)
    cam = cam / np.where(peak > 0, peak, 1.0)[:, None, None]
    if upsample:
        cam = np.clip(resize_bilinear(cam, x.shape[2:]), 0.0, 1.0)
    return cam[0] if single else cam


def _seed(scores: np.ndarray, class_idx) -> tuple[np.ndarray, np.ndarray]:
    """The backward seed selecting each input's class score (and the classes chosen)."""
    n = len(scores)
    flat = scores.reshape(n, -1)
    if class_idx is None:
        classes = (flat[:, 0] > 0).astype(np.int64) if flat.shape[1] == 1 else flat.argmax(axis=1)
    else:
        classes = np.broadcast_to(np.asarray(class_idx, dtype=np.int64), (n,))
    seed = np.zeros_like(flat)
    if flat.shape[1] == 1:
        seed[:, 0] = np.where(classes == 1, 1.0, -1.0)
    else:
        if classes.max() >= flat.shape[1]:
            raise ValueError(f"grad_cam: class {int(classes.max())} but the model has {flat.shape[1]} outputs")
        seed[np.arange(n), classes] = 1.0
    return seed.reshape(scores.shape), classes
