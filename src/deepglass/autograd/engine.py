"""Reverse-mode differentiation: walk the graph from a root tensor to its leaves.

The walk is iterative (no recursion, so 10,000-op chains work). Each node's gradient is
summed from all its consumers before its own backward runs, and dropped right after, so
intermediate buffers are released as soon as backward no longer needs them.
"""

from __future__ import annotations


def _topological_order(root) -> list:
    """Tensors produced by ops, each after every tensor it depends on."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        tensor, expanded = stack.pop()
        if expanded:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        fn = tensor._ctx
        if fn.inputs is None:
            raise RuntimeError(
                f"backward through {fn.name} a second time: its graph was freed by the first backward(); "
                "call backward(retain_graph=True) the first time if you need this"
            )
        for x in fn.inputs:
            if x._ctx is not None and x.requires_grad and id(x) not in visited:
                stack.append((x, False))
    return order


def backward(root, gradient, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf), weighted by `gradient`, into every leaf's `.grad`."""
    if root._ctx is None:
        _accumulate_leaf(root, gradient, owned=False)
        return
    grads = {id(root): gradient}
    handed_out = {id(gradient)}
    for tensor in reversed(_topological_order(root)):
        gy = grads.pop(id(tensor), None)
        fn = tensor._ctx
        if gy is None:
            continue
        if tensor._retain_grad:
            _accumulate_leaf(tensor, gy, owned=False)
        input_grads = fn.backward(gy)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for x, gx in zip(fn.inputs, input_grads):
            if gx is None or not x.requires_grad:
                continue
            if gx.shape != x.data.shape:
                raise RuntimeError(
                    f"{fn.name}.backward returned a gradient of shape {gx.shape} for an input of shape "
                    f"{x.data.shape}"
                )
            if x._ctx is None:
                _accumulate_leaf(x, gx, owned=id(gx) not in handed_out)
            elif id(x) in grads:
                grads[id(x)] = grads[id(x)] + gx
            else:
                grads[id(x)] = gx
            handed_out.add(id(gx))
        if not retain_graph:
            fn.__dict__.clear()
            fn.inputs = None


def _accumulate_leaf(tensor, gx, owned: bool) -> None:
    """Add `gx` into `tensor.grad`, copying unless the array is ours alone and writable."""
    from ..tensor import Tensor

    if gx.dtype != tensor.data.dtype:
        gx = gx.astype(tensor.data.dtype)
        owned = True
    if tensor.grad is None:
        flags = getattr(gx, "flags", None)
        if not owned or (flags is not None and not (flags.c_contiguous and getattr(flags, "writeable", True))):
            gx = gx.copy()
        tensor.grad = Tensor._wrap(gx)
    else:
        tensor.grad.data = tensor.grad.data + gx
