"""Module backward hooks: `hook(module, grad_input, grad_output)` once the gradients of a module's call are known.

The module's tensor inputs pass through an identity op whose backward sees exactly the module's share of
their gradient (not other consumers'), and a hook on the output catches the output's gradient; the hooks
run when the last input gradient arrives (or with the output's, when no input needs a gradient).
"""

from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor


class _Call:
    """The gradients of one call of a module, gathered during backward."""

    def __init__(self, module, n_inputs: int, waiting: int):
        self.module, self.grad_input, self.grad_output, self.waiting = module, [None] * n_inputs, None, waiting

    def run(self) -> tuple | None:
        result = None
        for hook in list(self.module._backward_hooks.values()):
            out = hook(self.module, tuple(self.grad_input), self.grad_output)
            if out is not None:
                result = out
        return result


class _InputGradient(Function):
    """The identity; its backward records input `position`'s gradient and, when it is the last, runs the hooks."""

    def forward(self, x, call, position):
        self.call, self.position = call, position
        return x.view()

    def backward(self, gy):
        call = self.call
        call.grad_input[self.position] = Tensor._wrap(gy)
        call.waiting -= 1
        if call.waiting == 0:
            replaced = call.run()
            if replaced is not None:
                if sum(g is not None for g in call.grad_input) != 1:
                    raise NotImplementedError(f"{type(call.module).__name__}: a backward hook may replace "
                                              "grad_input only for a module with one input that needs a gradient")
                new = replaced[self.position]
                gy = new.data if isinstance(new, Tensor) else new
        return gy


def wrap_inputs(module, args: tuple) -> tuple[tuple, _Call]:
    """`args` with every tensor that needs a gradient routed through `_InputGradient`."""
    needs = [isinstance(a, Tensor) and a.requires_grad for a in args]
    call = _Call(module, len(args), sum(needs))
    return tuple(_InputGradient.apply(a, call=call, position=i) if need else a
                 for i, (a, need) in enumerate(zip(args, needs))), call


def watch_output(out, call: _Call):
    """Catch the output's gradient; with no input to wait for, run the hooks right then."""
    if not (isinstance(out, Tensor) and out.requires_grad):
        return out

    def record(grad):
        call.grad_output = (grad,)
        if call.waiting == 0:
            call.run()

    out.register_hook(record)
    return out
