"""Errors in a forward pass that name the layer: its name, its index in the model, expected vs received shape.

Nothing is paid on the normal path: only after a forward pass fails is it run again, with hooks that
record which leaf layer was entered last and what it received (under no_grad, in eval mode).
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


def _leaves(module):
    """(index, name, layer) for every leaf layer in call order of registration."""
    out = []
    for name, m in module.named_modules():
        if m is not module and not any(True for _ in m.children()):
            out.append((len(out), name, m))
    return out


def explain(module, inputs: tuple, error: Exception) -> Exception:
    """A new exception of the same type whose message names the failing layer; `error` if none is found."""
    entered: list = []
    handles = []
    leaves = _leaves(module)
    for index, name, layer in leaves:

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
    received = _shape(args[0]) if len(args) == 1 else _shape(list(args))
    expected = expected_input(layer)
    message = (
        f"in layer {index} {name!r} ({type(layer).__name__}) of {type(module).__name__}: "
        + (f"it expects input of shape {expected} but received {received}" if expected else f"received {received}")
        + f".\n{type(error).__name__}: {error}"
    )
    try:
        return type(error)(message)
    except Exception:  # noqa: BLE001 - exception types with unusual constructors
        return RuntimeError(message)
