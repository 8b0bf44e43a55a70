"""Reverse-mode differentiation: walk the graph from a root tensor to its leaves.

The walk is iterative (no recursion, so 10,000-op chains work). Each node's gradient is
summed from all its consumers before its own backward runs, and dropped right after, so
intermediate buffers are released as soon as backward no longer needs them.
"""

from __future__ import annotations

from heapq import heappop, heappush

from .. import tensor as _tensor


def _freed_error(fn) -> RuntimeError:
    return RuntimeError(
        f"backward through {fn.name} a second time: its graph was freed by the first backward(); "
        "call backward(retain_graph=True) the first time if you need this"
    )


RETAIN = object()  # the hook `retain_grad()` adds: keep the (hooked) gradient in `.grad`


class HookHandle:
    """What `Tensor.register_hook` returns: `remove()` unregisters the hook."""

    def __init__(self, tensor, hook):
        self.tensor, self.hook = tensor, hook

    def remove(self) -> None:
        hooks = self.tensor._hooks or []
        if self.hook in hooks:
            hooks = [h for h in hooks if h is not self.hook]
            self.tensor._hooks = hooks or None


def _run_hooks(tensor, grad):
    """`grad` passed through the tensor's hooks in order (each may return a replacement); `retain_grad`'s
    marker keeps the result in `.grad` of a non-leaf."""
    retain = False
    for hook in tensor._hooks:
        if hook is RETAIN:
            retain = True
            continue
        result = hook(_tensor.Tensor._wrap(grad))
        if result is not None:
            replacement = result.data if isinstance(result, _tensor.Tensor) else result
            if replacement.shape != grad.shape:
                raise RuntimeError(f"a gradient hook returned shape {replacement.shape} for a gradient of shape "
                                   f"{grad.shape}")
            grad = replacement
    if retain:
        _add_to_grad(tensor, grad, owned=False)
    return grad


def backward(root, gradient, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf), weighted by `gradient`, into every leaf's `.grad`.

    Every op-made tensor carries `_seq`, its creation number, and an op's inputs always exist
    before its output. So popping the pending tensor with the highest `_seq` from a heap visits
    each node only after all of its consumers: a reverse topological order, with no separate sort.
    """
    if root._ctx is None:
        _accumulate_leaf(root, gradient, owned=False)
        return
    grads = {root: gradient}  # pending gradient per tensor (hashed by identity)
    heap = [(-root._seq, root)]
    while heap:
        tensor = heappop(heap)[1]
        gy = grads.pop(tensor)
        fn = tensor._ctx
        inputs = fn.inputs
        if inputs is None:
            raise _freed_error(fn)
        if tensor._hooks is not None:
            gy = _run_hooks(tensor, gy)
        input_grads = fn.backward(gy)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        elif len(input_grads) > 2 or (len(input_grads) == 2 and input_grads[0] is input_grads[1]):
            input_grads = _unshare(input_grads, gy)
        for x, gx in zip(inputs, input_grads):
            if gx is None or not x.requires_grad:
                continue
            if gx.shape != x.data.shape:
                raise RuntimeError(
                    f"{fn.name}.backward returned a gradient of shape {gx.shape} for an input of shape "
                    f"{x.data.shape}"
                )
            if x._ctx is None:
                # gy itself may also be held by another node, and a view shares memory: copy those
                _accumulate_leaf(x, gx, owned=gx is not gy and gx.base is None)
            else:
                previous = grads.get(x)
                if previous is None:
                    grads[x] = gx
                    heappush(heap, (-x._seq, x))
                else:
                    grads[x] = previous + gx
        if not retain_graph:
            fn.__dict__.clear()
            fn.inputs = None


def _unshare(grads: tuple, gy) -> tuple:
    """Copy an array a backward returned for two inputs (other than gy, which leaves copy anyway),
    so no two leaves end up sharing one gradient buffer."""
    if len(grads) == 2:
        a, b = grads
        if a is b and a is not None and a is not gy:
            return a, b.copy()
        return grads
    out, seen = [], set()
    for g in grads:
        if g is not None and g is not gy and id(g) in seen:
            g = g.copy()
        elif g is not None:
            seen.add(id(g))
        out.append(g)
    return tuple(out)


def _accumulate_leaf(tensor, gx, owned: bool) -> None:
    """Run a leaf's hooks on `gx`, then add it into `tensor.grad`."""
    if tensor._hooks is not None:
        hooked = _run_hooks(tensor, gx)
        owned, gx = owned and hooked is gx, hooked
    _add_to_grad(tensor, gx, owned)


def _add_to_grad(tensor, gx, owned: bool) -> None:
    """Add `gx` into `tensor.grad`, copying unless the array is ours alone, contiguous and writable."""
    if gx.dtype != tensor.data.dtype:
        gx = gx.astype(tensor.data.dtype)
        owned = True
    if tensor.grad is None:
        # a view (base set) may share memory with a gradient handed to another tensor
        flags = gx.flags
        if not owned or gx.base is not None or not flags.c_contiguous or not getattr(flags, "writeable", True):
            gx = gx.copy()
        tensor.grad = _tensor.Tensor._wrap(gx)
    else:
        tensor.grad.data = tensor.grad.data + gx
