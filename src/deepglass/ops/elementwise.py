"""Elementwise ops: arithmetic with broadcasting, unary maths, activations, comparisons."""

from __future__ import annotations

from .. import parallel
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor, get_default_dtype
from .broadcast import check_broadcastable, pair, unbroadcast


def _binary(fn_cls, a, b, op: str) -> Tensor:
    a, b = pair(a, b)
    try:
        return fn_cls.apply(a, b)
    except ValueError:
        check_broadcastable(op, a, b)
        raise


# ---- arithmetic ------------------------------------------------------------------------------
class Add(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, gy):
        return unbroadcast(gy, self.shapes[0]), unbroadcast(gy, self.shapes[1])


class Sub(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, gy):
        gb = -unbroadcast(gy, self.shapes[1]) if self.needs_input_grad[1] else None
        return unbroadcast(gy, self.shapes[0]), gb


class Mul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, gy):
        a, b = self.a, self.b
        ga = unbroadcast(gy * b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(gy * a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, gy):
        a, b = self.a, self.b
        ga = unbroadcast(gy / b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-gy * a / (b * b), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """a ** b for tensor exponents; d/db = a**b * log(a), defined where a > 0."""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = a**b
        return self.y

    def backward(self, gy):
        xp = get_array_module(gy)
        a, b, y = self.a, self.b, self.y
        ga = unbroadcast(gy * b * a ** (b - 1), a.shape) if self.needs_input_grad[0] else None
        gb = None
        if self.needs_input_grad[1]:
            log_a = xp.log(xp.where(a > 0, a, 1))
            gb = unbroadcast(gy * y * log_a, b.shape)
        return ga, gb


class PowScalar(Function):
    """a ** p for a fixed number p (the common case: squares, roots, inverses)."""

    def forward(self, a, p):
        self.a, self.p = a, p
        return a**p

    def backward(self, gy):
        p = self.p
        if p == 2:
            return gy * (2 * self.a)
        return gy * (p * self.a ** (p - 1))


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, gy):
        return -gy


def add(a, b) -> Tensor:
    """a + b with broadcasting."""
    return _binary(Add, a, b, "add")


def sub(a, b) -> Tensor:
    """a - b with broadcasting."""
    return _binary(Sub, a, b, "sub")


def mul(a, b) -> Tensor:
    """a * b with broadcasting."""
    return _binary(Mul, a, b, "mul")


def div(a, b) -> Tensor:
    """a / b with broadcasting (true division: integer inputs give the default float dtype, as in PyTorch)."""
    a, b = pair(a, b)
    if a.data.dtype.kind in "biu" and b.data.dtype.kind in "biu":
        a = Tensor._wrap(a.data.astype(get_default_dtype()))
    return _binary(Div, a, b, "div")


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    """a ** b; a number exponent takes the fast path."""
    if isinstance(a, Tensor) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return PowScalar.apply(a, p=b)
    return _binary(Pow, a, b, "pow")


def neg(a: Tensor) -> Tensor:
    """Elementwise -a; gradient -1."""
    return Neg.apply(a)


def square(a: Tensor) -> Tensor:
    """Elementwise a**2; gradient 2a."""
    return PowScalar.apply(a, p=2)


def reciprocal(a: Tensor) -> Tensor:
    """Elementwise 1 / a (integer inputs give the default float dtype); gradient -1/a**2."""
    return div(1.0, a)


def rsqrt(a: Tensor) -> Tensor:
    """Elementwise 1 / sqrt(a); gradient -a**-1.5 / 2."""
    return PowScalar.apply(a, p=-0.5)


# ---- unary maths -----------------------------------------------------------------------------
class Exp(Function):
    def forward(self, x):
        self.y = get_array_module(x).exp(x)
        return self.y

    def backward(self, gy):
        return gy * self.y


class Expm1(Function):
    def forward(self, x):
        self.y = get_array_module(x).expm1(x)
        return self.y

    def backward(self, gy):
        return gy * (self.y + 1)


class Log(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).log(x)

    def backward(self, gy):
        return gy / self.x


class Log1p(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).log1p(x)

    def backward(self, gy):
        return gy / (1 + self.x)


class Sqrt(Function):
    def forward(self, x):
        self.y = get_array_module(x).sqrt(x)
        return self.y

    def backward(self, gy):
        return gy / (2 * self.y)


class Abs(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).abs(x)

    def backward(self, gy):
        return gy * get_array_module(gy).sign(self.x)


class Sin(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).sin(x)

    def backward(self, gy):
        return gy * get_array_module(gy).cos(self.x)


class Cos(Function):
    def forward(self, x):
        self.x = x
        return get_array_module(x).cos(x)

    def backward(self, gy):
        return -gy * get_array_module(gy).sin(self.x)


class Tanh(Function):
    def forward(self, x):
        self.y = get_array_module(x).tanh(x)
        return self.y

    def backward(self, gy):
        return gy * (1 - self.y * self.y)


class Sigmoid(Function):
    """1 / (1 + e^-x), computed as (1 + tanh(x/2)) / 2, which never overflows."""

    def forward(self, x):
        xp = get_array_module(x)
        self.y = xp.tanh(x * 0.5) * 0.5 + 0.5
        return self.y

    def backward(self, gy):
        return gy * self.y * (1 - self.y)


RELU_MASK_CHUNK = 1 << 18  # elements whose mask ReLU's backward makes at once: 1 MB of output, in L2 (64K: 10% slower)


class ReLU(Function):
    """max(x, 0). Backward needs only where the output is positive, read from the output itself (which the next
    layer usually keeps anyway), so forward is one pass and stores nothing extra, as PyTorch's threshold_backward."""

    def forward(self, x):
        xp = get_array_module(x)
        if not parallel.worth_splitting(x.size, xp):
            self.y = xp.maximum(x, 0)
            return self.y
        self.y = out = xp.empty(x.shape, dtype=x.dtype)  # C order: flat views
        flat_x, flat_out = x.reshape(-1), out.reshape(-1)
        parallel.parallel_for(x.size, lambda s: xp.maximum(flat_x[s], 0, out=flat_out[s]),
                              min_chunk=parallel.MIN_ELEMENTS, xp=xp)
        return out

    def backward(self, gy):
        xp = get_array_module(gy)
        if not parallel.worth_splitting(gy.size, xp):
            return gy * (self.y > 0)
        gx = xp.empty(gy.shape, dtype=gy.dtype)
        flat_gy, flat_y, flat_gx = gy.reshape(-1), self.y.reshape(-1), gx.reshape(-1)

        def chunk(s):  # the mask a cache-sized piece at a time: the pass costs what a fused one would
            mask = xp.empty(min(RELU_MASK_CHUNK, s.stop - s.start), dtype=bool)
            for start in range(s.start, s.stop, RELU_MASK_CHUNK):
                part = slice(start, min(start + RELU_MASK_CHUNK, s.stop))
                m = mask[:part.stop - part.start]
                xp.greater(flat_y[part], 0, out=m)
                xp.multiply(flat_gy[part], m, out=flat_gx[part])
        parallel.parallel_for(gy.size, chunk, min_chunk=parallel.MIN_ELEMENTS, xp=xp)
        return gx


class Clip(Function):
    """Clamp into [low, high]; the gradient passes where low <= x <= high (as in PyTorch)."""

    def forward(self, x, low, high):
        xp = get_array_module(x)
        self.mask = xp.ones(x.shape, dtype=bool)
        if low is not None:
            self.mask &= x >= low
        if high is not None:
            self.mask &= x <= high
        return xp.clip(x, low, high)

    def backward(self, gy):
        return gy * self.mask


class Maximum(Function):
    """Elementwise max; at ties the gradient is split evenly (as in PyTorch)."""

    sign = 1

    def forward(self, a, b):
        xp = get_array_module(a)
        self.a_wins = (a > b) if self.sign > 0 else (a < b)
        self.tie = a == b
        self.shapes = a.shape, b.shape
        return xp.maximum(a, b) if self.sign > 0 else xp.minimum(a, b)

    def backward(self, gy):
        share_a = self.a_wins + 0.5 * self.tie
        ga = unbroadcast(gy * share_a, self.shapes[0]) if self.needs_input_grad[0] else None
        gb = unbroadcast(gy * (1 - share_a), self.shapes[1]) if self.needs_input_grad[1] else None
        return ga, gb


class Minimum(Maximum):
    sign = -1


class Where(Function):
    def forward(self, a, b, condition):
        self.condition = condition
        self.shapes = a.shape, b.shape
        return get_array_module(a).where(condition, a, b)

    def backward(self, gy):
        xp = get_array_module(gy)
        zero = xp.zeros((), dtype=gy.dtype)
        ga = unbroadcast(xp.where(self.condition, gy, zero), self.shapes[0]) if self.needs_input_grad[0] else None
        gb = unbroadcast(xp.where(self.condition, zero, gy), self.shapes[1]) if self.needs_input_grad[1] else None
        return ga, gb


def exp(x: Tensor) -> Tensor:
    """Elementwise e**x; gradient e**x."""
    return Exp.apply(x)


def expm1(x: Tensor) -> Tensor:
    """Elementwise e**x - 1, accurate for small x; gradient e**x."""
    return Expm1.apply(x)


def log(x: Tensor) -> Tensor:
    """Natural logarithm."""
    return Log.apply(x)


def log1p(x: Tensor) -> Tensor:
    """Elementwise log(1 + x), accurate for small x; gradient 1 / (1 + x)."""
    return Log1p.apply(x)


def sqrt(x: Tensor) -> Tensor:
    """Elementwise square root; gradient 1 / (2 sqrt(x))."""
    return Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    """Elementwise |x|; gradient sign(x) (0 at x = 0)."""
    return Abs.apply(x)


def sin(x: Tensor) -> Tensor:
    """Elementwise sine; gradient cos(x)."""
    return Sin.apply(x)


def cos(x: Tensor) -> Tensor:
    """Elementwise cosine; gradient -sin(x)."""
    return Cos.apply(x)


def tanh(x: Tensor) -> Tensor:
    """Elementwise hyperbolic tangent; gradient 1 - tanh(x)**2."""
    return Tanh.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    """The logistic function 1 / (1 + e^-x), stable for any x."""
    return Sigmoid.apply(x)


def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return ReLU.apply(x)


def clip(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """Clamp every element into [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    return Clip.apply(x, low=min, high=max)


clamp = clip


def maximum(a, b) -> Tensor:
    """Elementwise maximum with broadcasting."""
    return _binary(Maximum, a, b, "maximum")


def minimum(a, b) -> Tensor:
    """Elementwise minimum with broadcasting."""
    return _binary(Minimum, a, b, "minimum")


def where(condition, a, b) -> Tensor:
    """Elements of `a` where `condition` is true, else of `b` (differentiable in a and b)."""
    a, b = pair(a, b)
    condition = condition.data if isinstance(condition, Tensor) else a.xp.asarray(condition)
    return Where.apply(a, b, condition=condition)


# ---- non-differentiable ----------------------------------------------------------------------
def _no_grad(func, *tensors) -> Tensor:
    return Tensor._wrap(func(*[t.data for t in tensors]))


def _compare(name: str):
    def compare(a, b) -> Tensor:
        a, b = pair(a, b)
        return _no_grad(getattr(a.xp, name), a, b)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"Elementwise `{name}` as a boolean tensor (not differentiable)."
    return compare


eq, ne, lt, le, gt, ge = (_compare(n) for n in ("equal", "not_equal", "less", "less_equal", "greater",
                                                  "greater_equal"))
logical_and, logical_or = _compare("logical_and"), _compare("logical_or")


def logical_not(x: Tensor) -> Tensor:
    """Elementwise NOT (nonzero is true) as a boolean tensor (not differentiable)."""
    return _no_grad(x.xp.logical_not, x)


def sign(x: Tensor) -> Tensor:
    """Elementwise -1, 0 or 1 by the sign of x, in x's dtype (not differentiable)."""
    return _no_grad(x.xp.sign, x)


def floor(x: Tensor) -> Tensor:
    """Elementwise largest integer <= x, in x's dtype (not differentiable)."""
    return _no_grad(x.xp.floor, x)


def ceil(x: Tensor) -> Tensor:
    """Elementwise smallest integer >= x, in x's dtype (not differentiable)."""
    return _no_grad(x.xp.ceil, x)


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """Round to `decimals` places, halves to even as NumPy and PyTorch do (not differentiable)."""
    return Tensor._wrap(x.xp.round(x.data, decimals))


def isnan(x: Tensor) -> Tensor:
    """Elementwise test for NaN, as a boolean tensor."""
    return _no_grad(x.xp.isnan, x)


def isinf(x: Tensor) -> Tensor:
    """Elementwise test for +inf or -inf, as a boolean tensor."""
    return _no_grad(x.xp.isinf, x)


def isfinite(x: Tensor) -> Tensor:
    """Elementwise test for a finite value (not NaN, not inf), as a boolean tensor."""
    return _no_grad(x.xp.isfinite, x)


def equal(a: Tensor, b: Tensor) -> bool:
    """True when both tensors have the same shape and elements."""
    a, b = pair(a, b)
    return a.shape == b.shape and bool(a.xp.all(a.data == b.data))


def allclose(a, b, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    """True when |a - b| <= atol + rtol * |b| everywhere (with broadcasting), as NumPy's allclose."""
    a, b = pair(a, b)
    return bool(a.xp.allclose(a.data, b.data, rtol=rtol, atol=atol))
