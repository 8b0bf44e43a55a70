"""The base of every differentiable op: forward and backward side by side, on raw arrays.

A subclass implements `forward(*arrays, **params) -> array` and `backward(gy) -> grads`,
one gradient (or None) per tensor input, already reduced to that input's shape.
`apply` runs forward on the inputs' arrays and, when grad mode is on and some input
requires a gradient, links the output to this Function so `Tensor.backward()` can find it.
"""

from __future__ import annotations

from .. import tensor as _tensor
from ..backend import device_of
from .grad_mode import _GradMode


class Function:
    """One node of the graph. Save in `forward` only what `backward` needs."""

    inputs: tuple = ()
    needs_input_grad: tuple = ()

    def forward(self, *arrays, **params):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, gy):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on Tensors `inputs`; returns a Tensor (recorded when gradients are needed)."""
        fn = cls()
        if len(inputs) == 1:  # the unary case, kept short because it is the most common
            x = inputs[0]
            out = fn.forward(x.data, **params)
            if x.requires_grad and _GradMode.enabled:
                fn.inputs, fn.needs_input_grad = inputs, (True,)
                return _tensor.Tensor._from_op(out, fn)
            return _tensor.Tensor._wrap(out)
        if len(inputs) == 2:  # binary ops: the same steps as below, unrolled
            a, b = inputs
            if type(a.data) is not type(b.data):
                _check_same_device(cls.__name__, inputs)
            out = fn.forward(a.data, b.data, **params)
            if (a.requires_grad or b.requires_grad) and _GradMode.enabled:
                fn.inputs, fn.needs_input_grad = inputs, (a.requires_grad, b.requires_grad)
                return _tensor.Tensor._from_op(out, fn)
            return _tensor.Tensor._wrap(out)
        arrays = [x.data for x in inputs]
        first = type(arrays[0])
        for a in arrays:
            if type(a) is not first:
                _check_same_device(cls.__name__, inputs)
                break
        out = fn.forward(*arrays, **params)
        if _GradMode.enabled:
            needs = tuple([x.requires_grad for x in inputs])
            if True in needs:
                fn.inputs, fn.needs_input_grad = inputs, needs
                return _tensor.Tensor._from_op(out, fn)
        return _tensor.Tensor._wrap(out)

    @property
    def name(self) -> str:
        return type(self).__name__


def _check_same_device(op: str, inputs) -> None:
    devices = [device_of(x.data) for x in inputs]
    if len(set(devices)) > 1:
        raise RuntimeError(
            f"{op}: inputs are on different devices ({', '.join(devices)}); move them with .to(device) first"
        )
