"""`model.summary()`: each layer's output shape and parameter count, totals, and on request the
(W − F + 2P)/S + 1 arithmetic of every convolution and pooling layer.

Shapes come from one forward pass on zeros of `input_shape` (batch of 1, shown as None like Keras)
or on a sample batch, with forward hooks recording what each layer returns. Parameter totals are
PyTorch's (every Parameter); BatchNorm's running statistics are buffers, listed on their own line.
"""

from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from . import errors


def _rows(module) -> list[tuple[str, object]]:
    """The layers to list: a Keras model's `layers`, else every leaf module (and any with own params)."""
    if hasattr(module, "layers") and isinstance(module.layers, list):
        return [(getattr(layer, "name", type(layer).__name__), layer) for layer in module.layers]
    rows = []
    for name, m in module.named_modules():
        if m is module and any(True for _ in m.children()):
            continue
        if not any(True for _ in m.children()) or any(True for _ in m.parameters(recurse=False)):
            rows.append((name or type(m).__name__, m))
    return rows


def _shape_text(value, batch_none: bool) -> str:
    if isinstance(value, Tensor) or hasattr(value, "shape"):
        dims = list(value.shape)
        if batch_none and dims:
            dims[0] = None
        return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shape_text(v, batch_none) for v in value) + "]"
    return "?"


def _pair(value, n: int = 2) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def _arithmetic(op, in_shape) -> str | None:
    """'(28−3+2·0)/1+1 = 26' per spatial dimension (one line when height and width agree)."""
    if op is None or in_shape is None or len(in_shape) < 3:
        return None
    spatial = tuple(in_shape[2:])
    n = len(spatial)
    kernel = _pair(op.kernel_size, n)
    stride = _pair(op.stride if op.stride is not None else op.kernel_size, n)
    padding = op.padding
    dilation = _pair(getattr(op, "dilation", 1), n)
    if isinstance(padding, str):
        if padding == "same":
            return " × ".join(f"'same': ⌈{w}/{s}⌉ = {-(-w // s)}" for w, s in zip(spatial, stride))
        padding = 0
    padding = _pair(padding, n)
    parts = []
    for w, f, p, s, d in zip(spatial, kernel, padding, stride, dilation):
        f_text = f if d == 1 else f"{d}·({f}−1)+1"
        f_eff = d * (f - 1) + 1
        parts.append(f"({w}−{f_text}+2·{p})/{s}+1 = {(w - f_eff + 2 * p) // s + 1}")
    return parts[0] if len(set(parts)) == 1 else " × ".join(parts)


def _kernel_op(module):
    """The module holding `kernel_size` (the layer itself or the dg.nn layer a Keras layer wraps)."""
    for m in module.modules():
        if hasattr(m, "kernel_size") and hasattr(m, "stride"):
            return m
    return None


def summarize(
    module, input_shape=None, sample=None, show_arithmetic: bool = False, line_length: int = 98
) -> tuple[str, dict]:
    """(the summary text, {'total', 'trainable', 'non_trainable', 'buffers'})."""
    rows = _rows(module)
    outputs: dict[int, object] = {}
    inputs: dict[int, tuple] = {}
    handles = []
    ops = {}
    for i, (_, layer) in enumerate(rows):
        handles.append(layer.register_forward_hook(lambda m, a, out, _i=i: outputs.__setitem__(_i, out)))
        op = _kernel_op(layer) if show_arithmetic else None
        if op is not None:
            ops[i] = op
            handles.append(op.register_forward_pre_hook(lambda m, a, _i=i: inputs.__setitem__(_i, tuple(a[0].shape))))
    batch_none = sample is None
    if sample is None and input_shape is None:
        input_shape = getattr(module, "input_shape_for_summary", None)
    try:
        if sample is not None or input_shape is not None:
            if sample is None:
                shapes = input_shape if isinstance(input_shape, list) else [input_shape]
                dtype = np.float32
                sample = [Tensor._wrap(np.zeros((1, *tuple(s)), dtype=dtype)) for s in shapes]
                sample = sample if isinstance(input_shape, list) else sample[0]
            device = next((p.device for p in module.parameters()), "cpu")
            was_training = module.training
            module.eval()
            try:
                with no_grad():
                    xs = sample if isinstance(sample, (list, tuple)) else [sample]
                    xs = [x if isinstance(x, Tensor) else Tensor(np.asarray(x)) for x in xs]
                    xs = [x.to(device) for x in xs]
                    try:
                        module(*xs)
                    except Exception as e:  # name the layer that could not take the shapes
                        raise errors.explain(module, tuple(xs), e) from e
            finally:
                module.train(was_training)
    finally:
        for h in handles:
            h.remove()

    names = [f"{name} ({type(layer).__name__})" for name, layer in rows]
    first = max([int(line_length * 0.4), *[len(n) + 2 for n in names]])
    widths = (first, int(line_length * 0.33), max(line_length - first - int(line_length * 0.33), 12))
    line_length = sum(widths)
    title = getattr(module, "name", None) or type(module).__name__
    lines = [
        f'Model: "{title}"',
        "━" * line_length,
        "Layer (type)".ljust(widths[0]) + "Output Shape".ljust(widths[1]) + "Param #".rjust(widths[2]),
        "━" * line_length,
    ]
    for i, (_, layer) in enumerate(rows):
        count = sum(p.numel() for p in layer.parameters())
        shape = _shape_text(outputs[i], batch_none) if i in outputs else "?"
        lines.append(names[i].ljust(widths[0]) + shape.ljust(widths[1]) + f"{count:,}".rjust(widths[2]))
        if show_arithmetic and i in ops:
            text = _arithmetic(ops[i], inputs.get(i))
            if text:
                lines.append("    " + text)
    params = list(module.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    buffers = sum(b.numel() for b in module.buffers() if b.dtype.kind == "f")
    lines += [
        "━" * line_length,
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
    ]
    if buffers:
        lines.append(f"Buffers (not trained, e.g. BatchNorm running statistics): {buffers:,}")
    return "\n".join(lines), {
        "total": total,
        "trainable": trainable,
        "non_trainable": total - trainable,
        "buffers": buffers,
    }
