"""One call checks an op: forward and backward against PyTorch (float64, 1e-6) and `dg.gradcheck`.

    check_op(torch, lambda x, y: x * y, [(2, 3), (3,)])
    check_op(torch, lambda x: x.sum(axis=1, keepdims=True), [(2, 3)], lambda x: x.sum(dim=1, keepdim=True))

`fn` receives deepglass tensors; `torch_fn` (default: `fn`, for ops spelled the same) receives torch
tensors. Inputs are random float64 arrays of the given shapes (or the arrays passed as `inputs`).
Pass `torch=None` to run gradcheck alone (the `torch_or_none` fixture does this when torch is absent).
"""

from __future__ import annotations

import numpy as np

import deepglass as dg

TOL = 1e-6


def random_inputs(shapes, low: float = -2.0, high: float = 2.0, seed: int = 0) -> list:
    """Float64 arrays of `shapes`, uniform in [low, high) (continuous, so no ties or kinks are hit)."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=shape) for shape in shapes]


def check_op(torch, fn, shapes=None, torch_fn=None, *, inputs=None, low: float = -2.0, high: float = 2.0,
             grad: bool = True, gradcheck: bool = True, atol: float = TOL, rtol: float = TOL):
    """Compare `fn` with `torch_fn` (forward values, input gradients) and gradcheck `fn`; returns the dg output."""
    arrays = [np.asarray(a, dtype=np.float64) for a in inputs] if inputs is not None else random_inputs(
        shapes, low, high)
    xs = [dg.tensor(a, requires_grad=grad) for a in arrays]
    out = fn(*xs)
    outs = out if isinstance(out, (list, tuple)) else [out]
    for o in outs:
        assert isinstance(o, dg.Tensor), f"expected a Tensor, got {type(o)}"
        assert o.dtype == np.float64, f"float64 inputs gave a {o.dtype} output"
        assert o.requires_grad == grad
    upstream = [np.random.default_rng(1).standard_normal(o.shape) for o in outs]
    if grad:
        total = sum((o * dg.tensor(u)).sum() for o, u in zip(outs, upstream))
        total.backward()
        for x in xs:
            assert x.grad is not None and x.grad.shape == x.shape and x.grad.dtype == np.float64

    if torch is not None:
        ts = [torch.tensor(a, requires_grad=grad) for a in arrays]
        expected = (torch_fn or fn)(*ts)
        expected = expected if isinstance(expected, (list, tuple)) else [expected]
        assert len(expected) == len(outs)
        for o, e in zip(outs, expected):
            assert tuple(o.shape) == tuple(e.shape), f"shape {o.shape} != torch's {tuple(e.shape)}"
            np.testing.assert_allclose(o.numpy(), e.detach().numpy(), atol=atol, rtol=rtol, err_msg="forward")
        if grad:
            torch_total = sum((e * torch.tensor(u)).sum() for e, u in zip(expected, upstream))
            torch_total.backward()
            for i, (x, t) in enumerate(zip(xs, ts)):
                expected_grad = t.grad.numpy() if t.grad is not None else np.zeros(t.shape)
                np.testing.assert_allclose(x.grad.numpy(), expected_grad, atol=atol, rtol=rtol,
                                           err_msg=f"gradient of input {i}")

    if grad and gradcheck:
        fresh = [dg.tensor(a, requires_grad=True) for a in arrays]
        if len(outs) == 1:
            dg.gradcheck(fn, *fresh)
        else:
            dg.gradcheck(lambda *ts: dg.cat([o.reshape(-1) for o in fn(*ts)]), *fresh)
    return out
