"""Reverse-mode differentiation: walk the graph from a root tensor to its leaves.

The walk is iterative (no recursion, so 10,000-op chains work). Each node's gradient is
summed from all its consumers before its own backward runs, and dropped right after, so
intermediate buffers are released as soon as backward no longer needs them.
"""

from __future__ import annotations

from .. import tensor as _tensor


def _freed_error(fn) -> RuntimeError:
    return RuntimeError(
        f"backward through {fn.name} a second time: its graph was freed by the first backward(); "
        "call backward(retain_graph=True) the first time if you need this"
    )


def _topological_order(root) -> list:
    """Tensors produced by ops, each after every tensor it depends on (iterative depth-first search).

    Tensors are dict/set keys by identity (`Tensor.__hash__` is `object.__hash__`).
    """
    order, visited = [], set()
    stack = [(root, False)]
    append, pop = stack.append, stack.pop
    while stack:
        tensor, expanded = pop()
        if expanded:
            order.append(tensor)
            continue
        if tensor in visited:
            continue
        visited.add(tensor)
        append((tensor, True))
        inputs = tensor._ctx.inputs
        if inputs is None:
            raise _freed_error(tensor._ctx)
        for x in inputs:
            if x._ctx is not None and x not in visited:
                append((x, False))
    return order


def backward(root, gradient, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf), weighted by `gradient`, into every leaf's `.grad`."""
    if root._ctx is None:
        _accumulate_leaf(root, gradient, owned=False)
        return
    grads = {root: gradient}
    handed_out = {id(gradient)}  # arrays given to some node already: a leaf must not keep them uncopied
    for tensor in reversed(_topological_order(root)):
        gy = grads.pop(tensor, None)
        if gy is None:
            continue
        fn = tensor._ctx
        if tensor._retain_grad:
            _accumulate_leaf(tensor, gy, owned=False)
        input_grads = fn.backward(gy)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        for x, gx in zip(fn.inputs, input_grads):
            if gx is None or not x.requires_grad:
                continue
            if gx.shape != x.data.shape:
                raise RuntimeError(
                    f"{fn.name}.backward returned a gradient of shape {gx.shape} for an input of shape "
                    f"{x.data.shape}"
                )
            key = id(gx)
            if x._ctx is None:
                _accumulate_leaf(x, gx, owned=key not in handed_out)
            else:
                previous = grads.get(x)
                grads[x] = gx if previous is None else previous + gx
            handed_out.add(key)
        if not retain_graph:
            fn.__dict__.clear()
            fn.inputs = None


def _accumulate_leaf(tensor, gx, owned: bool) -> None:
    """Add `gx` into `tensor.grad`, copying unless the array is ours alone, contiguous and writable."""
    if gx.dtype != tensor.data.dtype:
        gx = gx.astype(tensor.data.dtype)
        owned = True
    if tensor.grad is None:
        # a view (base set) may share memory with a gradient handed to another tensor
        if not owned or getattr(gx, "base", None) is not None or not gx.flags.c_contiguous or not _writeable(gx):
            gx = gx.copy()
        tensor.grad = _tensor.Tensor._wrap(gx)
    else:
        tensor.grad.data = tensor.grad.data + gx


def _writeable(array) -> bool:
    return getattr(array.flags, "writeable", True)
