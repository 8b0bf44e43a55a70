"""Elementwise activations beyond relu/sigmoid/tanh: each one op with its derivative beside it.

They are primitives rather than compositions because each composition would store 2-4 temporaries
for backward; these keep one array (the input or the output).
"""

from __future__ import annotations

import math

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor


class LeakyReLU(Function):
    def forward(self, x, slope):
        xp = get_array_module(x)
        self.positive, self.slope = x > 0, slope
        return xp.where(self.positive, x, x * x.dtype.type(slope))

    def backward(self, gy):
        xp = get_array_module(gy)
        return xp.where(self.positive, gy, gy * gy.dtype.type(self.slope))


class ELU(Function):
    def forward(self, x, alpha):
        xp = get_array_module(x)
        self.x, self.alpha = x, x.dtype.type(alpha)
        return xp.where(x > 0, x, self.alpha * xp.expm1(xp.minimum(x, 0)))

    def backward(self, gy):
        xp = get_array_module(gy)
        x = self.x
        return xp.where(x > 0, gy, gy * self.alpha * xp.exp(xp.minimum(x, 0)))


class Softplus(Function):
    """log(1 + e^(beta x)) / beta, linear above `threshold` (PyTorch's rule); stable for large |x|."""

    def forward(self, x, beta, threshold):
        xp = get_array_module(x)
        self.x, self.beta, self.threshold = x, beta, threshold
        z = x * x.dtype.type(beta)
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / x.dtype.type(beta)
        return xp.where(z > threshold, x, soft)

    def backward(self, gy):
        xp = get_array_module(gy)
        z = self.x * self.x.dtype.type(self.beta)
        sig = xp.tanh(z * 0.5) * 0.5 + 0.5
        return xp.where(z > self.threshold, gy, gy * sig)


class SiLU(Function):
    """x * sigmoid(x) (also called swish)."""

    def forward(self, x):
        xp = get_array_module(x)
        self.x, self.s = x, xp.tanh(x * 0.5) * 0.5 + 0.5
        return x * self.s

    def backward(self, gy):
        s = self.s
        return gy * (s * (1 + self.x * (1 - s)))


def _erfc(x, xp):
    """Complementary error function (Numerical Recipes' erfcc: relative error < 1.2e-7 everywhere).

    NumPy has no erf; this keeps GELU's relative error small even far in the negative tail.
    """
    z = xp.abs(x)
    t = 1 / (1 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    r = t * xp.exp(poly)
    return xp.where(x >= 0, r, 2 - r)


class GELU(Function):
    """x * Φ(x) with Φ the standard normal CDF; `approximate='tanh'` uses PyTorch's tanh formula."""

    def forward(self, x, approximate):
        xp = get_array_module(x)
        self.x, self.approximate = x, approximate
        if approximate == "tanh":
            self.t = xp.tanh(x.dtype.type(math.sqrt(2 / math.pi)) * (x + 0.044715 * x**3))
            return 0.5 * x * (1 + self.t)
        x64 = x.astype("float64")
        self.cdf = (0.5 * _erfc(-x64 / math.sqrt(2), xp)).astype(x.dtype)
        return x * self.cdf

    def backward(self, gy):
        xp = get_array_module(gy)
        x = self.x
        if self.approximate == "tanh":
            t, c = self.t, math.sqrt(2 / math.pi)
            return gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x))
        pdf = xp.exp(-0.5 * x * x) * x.dtype.type(1 / math.sqrt(2 * math.pi))
        return gy * (self.cdf + x * pdf)


class CELU(Function):
    """scale · (x where x > 0, alpha · (e^(x·input_scale) - 1) elsewhere): CELU is input_scale = 1/alpha,
    SELU is scale = λ. The exp only sees min(x, 0), so large inputs never overflow."""

    def forward(self, x, alpha, scale, input_scale):
        xp = get_array_module(x)
        t = x.dtype.type
        self.x, self.alpha, self.scale, self.input_scale = x, t(alpha), t(scale), t(input_scale)
        neg = self.alpha * xp.expm1(xp.minimum(x, 0) * self.input_scale)
        return self.scale * xp.where(x > 0, x, neg)

    def backward(self, gy):
        xp = get_array_module(gy)
        x = self.x
        slope = (self.alpha * self.input_scale) * xp.exp(xp.minimum(x, 0) * self.input_scale)
        return gy * (self.scale * xp.where(x > 0, 1, slope).astype(gy.dtype, copy=False))


class Shrink(Function):
    """Zero where |x| <= lambd; elsewhere x (hard) or x moved lambd toward zero (soft). Gradient 1 outside."""

    def forward(self, x, lambd, soft):
        xp = get_array_module(x)
        self.outside = xp.abs(x) > lambd
        kept = x - xp.sign(x) * x.dtype.type(lambd) if soft else x
        return xp.where(self.outside, kept, 0).astype(x.dtype, copy=False)

    def backward(self, gy):
        return gy * self.outside


class Tanhshrink(Function):
    """x - tanh(x); derivative tanh(x)²."""

    def forward(self, x):
        xp = get_array_module(x)
        self.t = xp.tanh(x)
        return x - self.t

    def backward(self, gy):
        return gy * (self.t * self.t)


class Threshold(Function):
    """x where x > threshold, `value` elsewhere; gradient 1 where x > threshold, 0 elsewhere."""

    def forward(self, x, threshold, value):
        xp = get_array_module(x)
        self.above = x > threshold
        return xp.where(self.above, x, x.dtype.type(value))

    def backward(self, gy):
        return gy * self.above


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, negative_slope * x elsewhere."""
    return LeakyReLU.apply(x, slope=float(negative_slope))


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, alpha * (e^x - 1) elsewhere."""
    return ELU.apply(x, alpha=float(alpha))


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """A smooth ReLU: log(1 + e^(beta x)) / beta."""
    return Softplus.apply(x, beta=float(beta), threshold=float(threshold))


def silu(x: Tensor) -> Tensor:
    """x * sigmoid(x)."""
    return SiLU.apply(x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit, exact (`'none'`) or the tanh approximation (`'tanh'`)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(x, approximate=approximate)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Tensor) -> Tensor:
    """scale · elu(x, alpha) with the self-normalizing constants (alpha ≈ 1.6733, scale ≈ 1.0507)."""
    return CELU.apply(x, alpha=SELU_ALPHA, scale=SELU_SCALE, input_scale=1.0)


def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, alpha · (e^(x/alpha) - 1) elsewhere (alpha must not be 0)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides x)")
    return CELU.apply(x, alpha=float(alpha), scale=1.0, input_scale=1.0 / alpha)


def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between (lambd >= 0)."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be at least 0, got {lambd}")
    return Shrink.apply(x, lambd=float(lambd), soft=True)


def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, 0 elsewhere."""
    return Shrink.apply(x, lambd=float(lambd), soft=False)


def tanhshrink(x: Tensor) -> Tensor:
    """x - tanh(x)."""
    return Tanhshrink.apply(x)


def threshold(x: Tensor, threshold: float, value: float) -> Tensor:
    """x where x > threshold, `value` elsewhere."""
    return Threshold.apply(x, threshold=float(threshold), value=float(value))
