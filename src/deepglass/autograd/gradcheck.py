"""Numerical gradient checking: analytic gradients against float64 central differences."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class GradcheckReport:
    """The worst absolute and relative error per input; truthy when every input passed."""

    ok: bool
    errors: list = field(default_factory=list)  # (input index, max abs error, max rel error)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        rows = [f"input {i}: max abs error {a:.3e}, max rel error {r:.3e}" for i, a, r in self.errors]
        return ("gradcheck passed" if self.ok else "gradcheck FAILED") + "\n  " + "\n  ".join(rows)


def gradcheck(fn, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, seed: int = 0) -> GradcheckReport:
    """Check the gradients of `fn(*inputs)` with respect to every input that requires grad.

    Inputs should be float64 Tensors. A non-scalar output is reduced with fixed random weights,
    so every output element is checked. An input passes when |analytic - numeric| <= atol + rtol*|numeric|.
    """
    from ..tensor import Tensor

    tensors = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not tensors:
        raise ValueError("gradcheck: no input has requires_grad=True")
    for x in tensors:
        if x.dtype != np.float64:
            raise TypeError(f"gradcheck needs float64 inputs for accurate differences, got {x.dtype}")
        x.grad = None

    out = fn(*inputs)
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    weights = out.xp.asarray(weights, dtype=np.float64)

    def scalar_output() -> float:
        return float((fn(*inputs).data * weights).sum())

    (out * Tensor._wrap(weights)).sum().backward()
    report = GradcheckReport(ok=True)
    for index, x in enumerate(tensors):
        analytic = np.zeros(x.shape) if x.grad is None else np.asarray(x.grad.numpy(), dtype=np.float64)
        numeric = np.zeros(x.shape)
        flat = x.data.reshape(-1)  # a view: perturbing it perturbs x
        for i in range(flat.size):
            original = flat[i].item()
            flat[i] = original + eps
            plus = scalar_output()
            flat[i] = original - eps
            minus = scalar_output()
            flat[i] = original
            numeric.reshape(-1)[i] = (plus - minus) / (2 * eps)
        abs_err = np.abs(analytic - numeric)
        max_abs = float(abs_err.max()) if abs_err.size else 0.0
        max_rel = float((abs_err / np.maximum(np.abs(numeric), 1e-12)).max()) if abs_err.size else 0.0
        passed = bool(np.all(abs_err <= atol + rtol * np.abs(numeric)))
        report.errors.append((index, max_abs, max_rel))
        report.ok &= passed
    if raise_exception and not report.ok:
        raise AssertionError(str(report))
    return report
