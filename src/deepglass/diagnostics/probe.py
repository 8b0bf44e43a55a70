"""Looking inside a model from outside: its leaf layers, their outputs (forward hooks), and gradients kept intact.

Every diagnostic that needs a layer's activations (feature maps, Grad-CAM, monitors, receptive
fields, embeddings of learned features) uses these three helpers, so none of them edits the model.
"""

from __future__ import annotations

import contextlib


def as_module(model):
    """The `nn.Module` inside a training `Model` (Keras-style or `dg.Model(module)`), or `model` itself.

    Every diagnostic takes either, so `plot_filters(model)` works on what `fit` trained."""
    from ..nn.module import Module

    if isinstance(model, Module):
        return model
    inner = getattr(model, "module", None)
    return inner if isinstance(inner, Module) else model


def leaf_modules(module) -> list[tuple[str, object]]:
    """(name, layer) for every module without children, in registration order."""
    out = []
    for name, m in module.named_modules():
        if next(iter(m.children()), None) is None:
            out.append((name, m))
    return out


def as_input(x, module):
    """`x` (array or Tensor) as a float Tensor on the device of `module`'s parameters."""
    import numpy as np

    import deepglass as dg

    tensor = x if isinstance(x, dg.Tensor) else dg.tensor(np.asarray(x, dtype=np.float32))
    device = next((p.device for p in module.parameters()), "cpu") if hasattr(module, "parameters") else "cpu"
    return tensor if tensor.device == device else tensor.to(device)


def find_layer(module, layer):
    """`layer` itself when it is a module, else the submodule named `layer` (e.g. 'features.3')."""
    if not isinstance(layer, str):
        return layer
    named = dict(module.named_modules())
    if layer not in named:
        raise KeyError(f"no layer named {layer!r}; layers are: {', '.join(n for n in named if n)}")
    return named[layer]


def last_conv_layer(module):
    """The last leaf layer with a 2-D `kernel_size` and learnable weight (the usual Grad-CAM target)."""
    convs = [(n, m) for n, m in leaf_modules(module) if _is_conv(m)]
    if not convs:
        raise ValueError(f"{type(module).__name__} has no convolution layer; pass layer= explicitly")
    return convs[-1][1]


def first_conv_layer(module):
    """The first leaf layer with a convolution kernel (or the first Linear when there is none)."""
    for _, m in leaf_modules(module):
        if _is_conv(m):
            return m
    for _, m in leaf_modules(module):
        if getattr(m, "weight", None) is not None:
            return m
    raise ValueError(f"{type(module).__name__} has no layer with weights")


def _is_conv(m) -> bool:
    return getattr(m, "kernel_size", None) is not None and getattr(m, "weight", None) is not None


@contextlib.contextmanager
def capture_outputs(layers: dict):
    """Inside the block, `captured[name]` holds the latest output Tensor of each layer in `layers`."""
    captured: dict = {}
    handles = []
    for name, layer in layers.items():
        def hook(module, inputs, output, _name=name):
            captured[_name] = output

        handles.append(layer.register_forward_hook(hook))
    try:
        yield captured
    finally:
        for h in handles:
            h.remove()


@contextlib.contextmanager
def keep_grads(module):
    """Run a diagnostic backward pass without leaving its gradients in the model's parameters."""
    saved = [(p, p.grad) for _, p in module.named_parameters()]
    for p, _ in saved:
        p.grad = None
    try:
        yield
    finally:
        for p, g in saved:
            p.grad = g


@contextlib.contextmanager
def eval_mode(module):
    """Evaluation mode inside the block (dropout off, batch-norm running statistics), then back."""
    was_training = getattr(module, "training", False)
    if hasattr(module, "eval"):
        module.eval()
    try:
        yield
    finally:
        if was_training and hasattr(module, "train"):
            module.train(True)
