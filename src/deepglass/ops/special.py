"""Special and further elementwise functions: erf/erfc/erfinv, log2/log10/exp2, inverse and hyperbolic
trigonometry, atan2, hypot, xlogy, logit, lerp, trunc/frac and nan_to_num, as in PyTorch.

NumPy has no erf, so `erf` and `erfc` use W. J. Cody's rational approximations (CALERF, 1969: close to
float64 rounding everywhere), written against `xp` so they run on NumPy and CuPy; `erfinv` refines
M. Giles' approximation with Halley/Newton steps on them. Integer inputs give the default float dtype.
"""

from __future__ import annotations

import math

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor, get_default_dtype
from .broadcast import check_broadcastable, pair, unbroadcast
from .elementwise import Sub

# ---- Cody's erf / erfc ------------------------------------------------------------------------------
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
      1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
      8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
      2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
      3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
      6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
      2.33520497626869185e-3)
_SQRT_PI_INV = 1 / math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _erf_small(y, xp):
    """erf(y) for |y| <= 0.5 (Cody's first interval)."""
    z = y * y
    num, den = _A[4] * z, z
    for a, b in zip(_A[:3], _B[:3]):
        num, den = (num + a) * z, (den + b) * z
    return y * (num + _A[3]) / (den + _B[3])


def _erfc_positive(y, xp):
    """erfc(y) for y >= 0.46875 (Cody's second and third intervals), accurate far into the tail."""
    mid = xp.minimum(y, 4.0)
    num, den = _C[8] * mid, mid
    for c, d in zip(_C[:7], _D[:7]):
        num, den = (num + c) * mid, (den + d) * mid
    middle = (num + _C[7]) / (den + _D[7])
    far = xp.maximum(y, 4.0)
    z = 1 / (far * far)
    num, den = _P[5] * z, z
    for p, q in zip(_P[:4], _Q[:4]):
        num, den = (num + p) * z, (den + q) * z
    tail = (_SQRT_PI_INV - z * (num + _P[4]) / (den + _Q[4])) / far
    r = xp.where(y <= 4.0, middle, tail)
    rounded = xp.trunc(y * 16) / 16  # exp(-y²) split in two, so the rounding of y² is not amplified
    return xp.exp(-rounded * rounded) * xp.exp(-(y - rounded) * (y + rounded)) * r


_THRESH = 0.46875


def erf_array(x):
    """erf of a float array (NumPy or CuPy)."""
    xp = get_array_module(x)
    y = xp.abs(x)
    small = _erf_small(xp.minimum(y, _THRESH), xp)
    large = 1 - _erfc_positive(xp.maximum(y, _THRESH), xp)
    return xp.where(y <= _THRESH, xp.sign(x) * small, xp.where(x < 0, -large, large)).astype(x.dtype, copy=False)


def erfc_array(x):
    """erfc of a float array (NumPy or CuPy), with full relative accuracy for large x."""
    xp = get_array_module(x)
    y = xp.abs(x)
    small = 1 - xp.sign(x) * _erf_small(xp.minimum(y, _THRESH), xp)
    large = _erfc_positive(xp.maximum(y, _THRESH), xp)
    return xp.where(y <= _THRESH, small, xp.where(x < 0, 2 - large, large)).astype(x.dtype, copy=False)


def erfinv_array(y):
    """erfinv of a float array: Giles' approximation, then four Halley/Newton steps on Cody's erf/erfc."""
    xp = get_array_module(y)
    size = xp.abs(y)
    a = xp.where(size < 1, size, 0.0)  # ±1 and beyond are set at the end
    w = -xp.log(xp.maximum((1 - a) * (1 + a), 1e-300))
    central = w - 2.5
    p1 = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
              0.246640727, 1.50140941):
        p1 = c + p1 * central
    tail = xp.sqrt(w) - 3
    p2 = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
              1.00167406, 2.83297682):
        p2 = c + p2 * tail
    z = xp.where(w < 5, p1, p2) * a
    upper = a > 0.5
    log_tail = xp.log(xp.where(upper, 1 - a, 1.0))
    for _ in range(4):  # Giles' start is float32-accurate only up to 1 - a ≈ 1e-7
        # |y| <= 1/2, Halley on f = erf(z) - a (f'' = -2z f'); beyond, Newton on log erfc(z) - log(1 - a),
        # nearly linear in z even where 1 - a is 1e-16
        density = _TWO_OVER_SQRT_PI * xp.exp(-z * z)
        u = (erf_array(z) - a) / density
        central_step = u / (1 + z * u)
        tail_value = erfc_array(xp.where(upper, z, 1.0))
        tail_step = (log_tail - xp.log(tail_value)) * tail_value / density  # g / g', g' = -density / erfc
        z = z - xp.where(upper, tail_step, central_step)
    z = xp.where(size == 1, xp.inf, xp.where(size > 1, xp.nan, z))
    return (xp.sign(y) * z).astype(y.dtype, copy=False)


def _float(x: Tensor) -> Tensor:
    """Integer and bool tensors as the default float dtype (what PyTorch's float-valued ops return)."""
    return x if x.dtype.kind in "fc" else Tensor._wrap(x.data.astype(get_default_dtype()))


# ---- unary functions ----------------------------------------------------------------------------------
class Erf(Function):
    def forward(self, x):
        self.x = x
        return erf_array(x)

    def backward(self, gy):
        return gy * (_TWO_OVER_SQRT_PI * get_array_module(gy).exp(-self.x * self.x))


class Erfc(Function):
    def forward(self, x):
        self.x = x
        return erfc_array(x)

    def backward(self, gy):
        return gy * (-_TWO_OVER_SQRT_PI * get_array_module(gy).exp(-self.x * self.x))


class Erfinv(Function):
    def forward(self, x):
        self.y = erfinv_array(x)
        return self.y

    def backward(self, gy):
        return gy * (0.5 * math.sqrt(math.pi) * get_array_module(gy).exp(self.y * self.y))


class Log2(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).log2(x)

    def backward(self, gy):
        return gy / (self.x * math.log(2))


class Log10(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).log10(x)

    def backward(self, gy):
        return gy / (self.x * math.log(10))


class Exp2(Function):
    def forward(self, x):
        self.y = get_array_module(x).exp2(x)
        return self.y

    def backward(self, gy):
        return gy * self.y * math.log(2)


class Sinh(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).sinh(x)

    def backward(self, gy):
        return gy * get_array_module(gy).cosh(self.x)


class Cosh(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).cosh(x)

    def backward(self, gy):
        return gy * get_array_module(gy).sinh(self.x)


class Tan(Function):
    def forward(self, x):
        self.y = get_array_module(x).tan(x)
        return self.y

    def backward(self, gy):
        return gy * (1 + self.y * self.y)


class Asin(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).arcsin(x)

    def backward(self, gy):
        return gy / get_array_module(gy).sqrt(1 - self.x * self.x)


class Acos(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).arccos(x)

    def backward(self, gy):
        return -gy / get_array_module(gy).sqrt(1 - self.x * self.x)


class Atan(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).arctan(x)

    def backward(self, gy):
        return gy / (1 + self.x * self.x)


class Trunc(Function):
    """Rounds toward zero; the gradient is zero, as in PyTorch."""

    def forward(self, x):
        return get_array_module(x).trunc(x)

    def backward(self, gy):
        return get_array_module(gy).zeros_like(gy)


class Frac(Function):
    """x - trunc(x) (sign of x kept); the gradient is one, as in PyTorch."""

    def forward(self, x):
        return x - get_array_module(x).trunc(x)

    def backward(self, gy):
        return gy


class Logit(Function):
    """log(x / (1 - x)), x first clamped into [eps, 1 - eps] when eps is given (zero gradient outside)."""

    def forward(self, x, eps):
        xp = get_array_module(x)
        self.x, self.eps = x, eps
        z = x if eps is None else xp.clip(x, eps, 1 - eps)
        return xp.log(z / (1 - z))

    def backward(self, gy):
        xp = get_array_module(gy)
        x, eps = self.x, self.eps
        g = gy / (x * (1 - x))
        if eps is None:
            return g
        return xp.where((x < eps) | (x > 1 - eps), xp.zeros((), dtype=gy.dtype), g)


class NanToNum(Function):
    """NaN and ±inf replaced by finite numbers; the gradient passes where x was finite (as in PyTorch)."""

    def forward(self, x, nan, posinf, neginf):
        xp = get_array_module(x)
        self.finite = xp.isfinite(x)
        return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, gy):
        return gy * self.finite


def erf(x: Tensor) -> Tensor:
    """Elementwise error function 2/√π ∫₀ˣ e^(-t²) dt; gradient 2/√π e^(-x²)."""
    return Erf.apply(_float(x))


def erfc(x: Tensor) -> Tensor:
    """Elementwise 1 - erf(x), accurate in the tail (erfc(10) ≈ 2e-45); gradient -2/√π e^(-x²)."""
    return Erfc.apply(_float(x))


def erfinv(x: Tensor) -> Tensor:
    """Elementwise inverse of erf on [-1, 1] (±inf at ±1, NaN outside); gradient √π/2 e^(erfinv(x)²)."""
    return Erfinv.apply(_float(x))


def log2(x: Tensor) -> Tensor:
    """Elementwise base-2 logarithm; gradient 1 / (x ln 2)."""
    return Log2.apply(_float(x))


def log10(x: Tensor) -> Tensor:
    """Elementwise base-10 logarithm; gradient 1 / (x ln 10)."""
    return Log10.apply(_float(x))


def exp2(x: Tensor) -> Tensor:
    """Elementwise 2**x; gradient 2**x ln 2."""
    return Exp2.apply(_float(x))


def sinh(x: Tensor) -> Tensor:
    """Elementwise hyperbolic sine; gradient cosh(x)."""
    return Sinh.apply(_float(x))


def cosh(x: Tensor) -> Tensor:
    """Elementwise hyperbolic cosine; gradient sinh(x)."""
    return Cosh.apply(_float(x))


def tan(x: Tensor) -> Tensor:
    """Elementwise tangent; gradient 1 + tan(x)²."""
    return Tan.apply(_float(x))


def asin(x: Tensor) -> Tensor:
    """Elementwise arcsine (NaN outside [-1, 1]); gradient 1 / √(1 - x²)."""
    return Asin.apply(_float(x))


def acos(x: Tensor) -> Tensor:
    """Elementwise arccosine (NaN outside [-1, 1]); gradient -1 / √(1 - x²)."""
    return Acos.apply(_float(x))


def atan(x: Tensor) -> Tensor:
    """Elementwise arctangent; gradient 1 / (1 + x²)."""
    return Atan.apply(_float(x))


def trunc(x: Tensor) -> Tensor:
    """Elementwise rounding toward zero, in x's dtype; the gradient is zero."""
    return Trunc.apply(x)


def frac(x: Tensor) -> Tensor:
    """Elementwise fractional part x - trunc(x) (frac(-1.5) = -0.5); the gradient is one."""
    return Frac.apply(x)


def logit(x: Tensor, eps: float | None = None) -> Tensor:
    """Elementwise log(x / (1 - x)), the inverse of sigmoid; with `eps`, x is clamped into [eps, 1 - eps]."""
    return Logit.apply(_float(x), eps=None if eps is None else float(eps))


def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """NaN → `nan`, +inf → `posinf`, -inf → `neginf` (the dtype's largest/smallest finite value by default)."""
    if x.dtype.kind not in "fc":
        return Tensor._wrap(x.data.copy())
    return NanToNum.apply(x, nan=nan, posinf=posinf, neginf=neginf)


# ---- binary functions ---------------------------------------------------------------------------------
def _float_pair(a, b, op: str) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of one float dtype, checked to broadcast (the error names `op`)."""
    a, b = pair(a, b)
    if a.dtype.kind not in "fc":
        a, b = _float(a), _float(b)
    check_broadcastable(op, a, b)
    return a, b


class Atan2(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return get_array_module(a).arctan2(a, b)

    def backward(self, gy):
        a, b = self.a, self.b
        g = gy / (a * a + b * b)
        ga = unbroadcast(g * b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-g * a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Hypot(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = get_array_module(a).hypot(a, b)
        return self.y

    def backward(self, gy):
        g = gy / self.y
        ga = unbroadcast(g * self.a, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * self.b, self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Xlogy(Function):
    """x * log(y), 0 where x == 0 (unless y is NaN); gradients log(y) (0 where x == y == 0) and x / y."""

    def forward(self, a, b):
        xp = get_array_module(a)
        self.a, self.b = a, b
        self.log_b = xp.log(b)
        zero = xp.zeros((), dtype=self.log_b.dtype)
        return xp.where((a == 0) & ~xp.isnan(b), zero, a * self.log_b)

    def backward(self, gy):
        xp = get_array_module(gy)
        a, b = self.a, self.b
        ga = gb = None
        if self.needs_input_grad[0]:
            zero = xp.zeros((), dtype=gy.dtype)
            ga = unbroadcast(gy * xp.where((a == 0) & (b == 0), zero, self.log_b), a.shape)
        if self.needs_input_grad[1]:
            gb = unbroadcast(gy * a / b, b.shape)
        return ga, gb


def atan2(input: Tensor, other) -> Tensor:  # noqa: A002 - PyTorch's name
    """Elementwise angle of the point (other, input) in (-π, π], with broadcasting."""
    return Atan2.apply(*_float_pair(input, other, "atan2"))


def hypot(input: Tensor, other) -> Tensor:  # noqa: A002
    """Elementwise √(input² + other²) without overflow, with broadcasting."""
    return Hypot.apply(*_float_pair(input, other, "hypot"))


def xlogy(input, other) -> Tensor:  # noqa: A002
    """Elementwise input * log(other), defined as 0 where input == 0 (entropy terms), with broadcasting."""
    return Xlogy.apply(*_float_pair(input, other, "xlogy"))


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:  # noqa: A002
    """input + weight * (end - input): linear interpolation; `weight` a number or a broadcastable tensor."""
    diff = Sub.apply(*_float_pair(end, input, "lerp"))
    if isinstance(weight, Tensor):
        return input + weight * diff
    return input + float(weight) * diff

