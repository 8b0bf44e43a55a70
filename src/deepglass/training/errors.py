"""Errors in a forward pass that name the layer: its name, its index in the model, expected vs received shape.

Keras models locate the failing layer as they run it (a try/except per layer costs nothing). For any
other Module nothing is paid on the normal path: only after a forward pass fails is it run again, with
hooks recording which leaf layer was entered last and what it received (under no_grad, in eval mode).
"""

from __future__ import annotations

from ..autograd.grad_mode import no_grad


def _shape(value):
    if hasattr(value, "shape"):
        return tuple(value.shape)
    if isinstance(value, (list, tuple)):
        return [_shape(v) for v in value]
    return type(value).__name__


def expected_input(layer) -> str | None:
    """What input shape `layer` expects, from its configuration (None when it accepts any)."""
    if hasattr(layer, "expected_input_shape"):
        return layer.expected_input_shape()
    if getattr(layer, "in_features", None):
        return f"(*, {layer.in_features})"
    if getattr(layer, "in_channels", None):
        return f"(N, {layer.in_channels}, H, W)"
    if getattr(layer, "num_features", None):
        return f"(N, {layer.num_features}, ...)"
    return None


def layer_error(model, index: int, name: str, layer, received, error: Exception) -> Exception:
    """A new exception of `error`'s type naming the layer, what it expects and what it received."""
    if getattr(error, "_deepglass_layer", False):
        return error
    expected = expected_input(layer)
    shape = _shape(received[0]) if isinstance(received, tuple) and len(received) == 1 else _shape(received)
    message = (
        f"{type(model).__name__} layer {index} {name!r} ({type(layer).__name__}) failed on input of shape {shape}"
        + (f"; it expects {expected}" if expected else "")
        + f".\n{type(error).__name__}: {error}"
    )
    try:
        new = type(error)(message)
    except Exception:  # noqa: BLE001 - exception types with unusual constructors
        new = RuntimeError(message)
    new._deepglass_layer = True
    return new


def _leaves(module):
    """(index, name, layer) for every leaf layer, in registration order."""
    out = []
    for name, m in module.named_modules():
        if m is not module and not any(True for _ in m.children()):
            out.append((len(out), name, m))
    return out


def explain(module, inputs: tuple, error: Exception) -> Exception:
    """`error` re-raised with the failing leaf layer named (found by re-running with hooks)."""
    if getattr(error, "_deepglass_layer", False):
        return error
    entered: list = []
    handles = []
    for index, name, layer in _leaves(module):

        def pre(m, args, _i=index, _n=name):
            entered.append((_i, _n, m, args))

        handles.append(layer.register_forward_pre_hook(pre))
    was_training = module.training
    try:
        module.eval()
        with no_grad():
            module(*inputs)
    except Exception:  # noqa: BLE001 - the second run is expected to fail the same way
        pass
    finally:
        for h in handles:
            h.remove()
        module.train(was_training)
    if not entered:
        return error
    index, name, layer, args = entered[-1]
    return layer_error(module, index, name, layer, tuple(args), error)
