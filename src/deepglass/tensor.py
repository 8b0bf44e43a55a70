"""Tensor: an n-dimensional array (NumPy or CuPy) that remembers how it was made.

`data` holds the array, `grad` the accumulated gradient (a Tensor) after `backward()`,
and `_ctx` the Function that produced it (None for leaves). Operators and methods below
are thin: each calls one function of `deepglass.ops`, where the maths lives.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import backend
from .autograd import engine
from .autograd.grad_mode import _GradMode

float16, float32, float64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")
int8, int16, int32, int64 = np.dtype("int8"), np.dtype("int16"), np.dtype("int32"), np.dtype("int64")
uint8, bool_ = np.dtype("uint8"), np.dtype("bool")
_default_float = float32
_new, _ndarray = object.__new__, np.ndarray
_next_seq = itertools.count().__next__


def get_default_dtype() -> np.dtype:
    """The dtype of float tensors made from Python numbers (float32 unless changed)."""
    return _default_float


def set_default_dtype(dtype) -> None:
    """Make float tensors created from Python data use `dtype` (float32 or float64)."""
    global _default_float
    _default_float = np.dtype(dtype)


def _to_array(data, dtype=None, device=None):
    """Turn nested lists, scalars, NumPy/CuPy arrays or Tensors into an array of `xp`."""
    if isinstance(data, Tensor):
        data = data.data
    xp = backend.get_array_module(data) if device is None else backend.array_module_for(device)
    if dtype is not None:
        return xp.asarray(data, dtype=np.dtype(dtype))
    if hasattr(data, "dtype") and not isinstance(data, np.generic):
        return data if backend.get_array_module(data) is xp else backend.to_device(data, device)
    array = np.asarray(data)
    if array.dtype == np.float64 and not isinstance(data, np.generic):
        array = array.astype(_default_float)
    return xp.asarray(array)


class Tensor:
    """An array with autograd. `Tensor(data, dtype=None, device=None, requires_grad=False)`."""

    # _seq (set only on tensors made by ops) counts creation order: a valid topological order for backward
    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_hooks", "_seq", "__weakref__")
    __array_priority__ = 1000  # so ndarray + Tensor calls Tensor.__radd__

    def __init__(self, data, dtype=None, device=None, requires_grad: bool = False):
        self.data = _to_array(data, dtype, device)
        self.grad = None
        self._ctx = None
        self._hooks = None  # gradient hooks (register_hook, retain_grad), run by the backward engine
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array) -> Tensor:
        """A leaf Tensor around `array`, without copying or checks (the fast path for ops)."""
        t = _new(cls)
        if type(array) is not _ndarray and (not hasattr(array, "shape") or isinstance(array, np.generic)):
            array = backend.get_array_module(array).asarray(array)
        t.data, t.grad, t.requires_grad, t._ctx, t._hooks = array, None, False, None, None
        return t

    @classmethod
    def _from_op(cls, array, fn) -> Tensor:
        """A Tensor made by the op `fn` (a graph node)."""
        t = _new(cls)
        if type(array) is not _ndarray and (not hasattr(array, "shape") or isinstance(array, np.generic)):
            array = backend.get_array_module(array).asarray(array)
        t.data, t.grad, t.requires_grad, t._ctx, t._hooks, t._seq = array, None, True, fn, None, _next_seq()
        return t

    # ---- what it is -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def dim(self) -> int:
        return self.data.ndim

    def size(self, dim: int | None = None):
        """The shape (like PyTorch), or its length along `dim`."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def device(self) -> str:
        return backend.device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self):
        return self._ctx

    @property
    def T(self) -> Tensor:
        return ops.transpose(self)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", precision=4, prefix="tensor(")
        extras = []
        if self.data.dtype not in (_default_float, int64, bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._ctx is not None:
            extras.append(f"grad_fn={self._ctx.name}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # ---- autograd ---------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark this leaf as a parameter whose gradient `backward()` should compute."""
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(
                f"only float tensors can require gradients, but this tensor has dtype {self.data.dtype}; "
                "convert it with .float() first"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_(False) on a tensor made by an op: use .detach() instead")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> Tensor:
        """Also keep `.grad` for this non-leaf tensor after `backward()` (e.g. for Grad-CAM)."""
        if self._ctx is not None and engine.RETAIN not in (self._hooks or ()):
            self._hooks = [*(self._hooks or ()), engine.RETAIN]
        return self

    def register_hook(self, hook):
        """Call `hook(grad)` with this tensor's gradient during backward; a Tensor it returns replaces the
        gradient. `handle.remove()` unregisters it (as PyTorch's)."""
        if not self.requires_grad:
            raise RuntimeError("register_hook on a tensor that does not require grad: it gets no gradient")
        self._hooks = [*(self._hooks or ()), hook]
        return engine.HookHandle(self, hook)

    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Accumulate the gradient of this tensor into the `.grad` of every leaf it depends on.

        A non-scalar tensor needs `gradient` (same shape), the vector of the vector-Jacobian product.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input had requires_grad=True "
                "(or it was computed under no_grad())"
            )
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() on a non-scalar tensor of shape {self.shape} needs a gradient argument "
                    "of that shape (or reduce it first, e.g. loss.sum() or loss.mean())"
                )
            gradient = self.xp.ones(self.data.shape, dtype=self.data.dtype)
        else:
            gradient = _to_array(gradient, self.data.dtype, self.device)
            if gradient.shape != self.data.shape:
                raise RuntimeError(
                    f"backward(): gradient has shape {gradient.shape} but the tensor has shape {self.shape}"
                )
            gradient = gradient.copy()
        engine.backward(self, gradient, retain_graph=retain_graph)

    def detach(self) -> Tensor:
        """The same data, cut from the graph."""
        return Tensor._wrap(self.data)

    def detach_(self) -> Tensor:
        self._ctx, self.requires_grad = None, False
        return self

    # ---- conversion -------------------------------------------------------------------------
    @property
    def xp(self):
        """The array module of this tensor: numpy on 'cpu', cupy on 'cuda'."""
        return backend.get_array_module(self.data)

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (copied from the GPU when needed; shared on the CPU)."""
        return backend.to_device(self.data, "cpu")

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array.astype(dtype) if dtype is not None else array

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.reshape(()).item()

    def tolist(self):
        return self.numpy().tolist()

    def to(self, device=None, dtype=None) -> Tensor:
        """Move to 'cpu'/'cuda' and/or cast to `dtype` (differentiable). `to(dtype)` also works."""
        if device is not None and not isinstance(device, str) and not hasattr(device, "startswith"):
            if _looks_like_dtype(device):
                device, dtype = None, device
        out = self
        if device is not None and backend.normalize_device(device) != self.device:
            out = ops.to_device(out, backend.normalize_device(device))
        if dtype is not None and np.dtype(dtype) != out.dtype:
            out = ops.astype(out, dtype)
        return out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self) -> Tensor:
        return self.to("cuda")

    def astype(self, dtype) -> Tensor:
        return self.to(dtype=dtype)

    def float(self) -> Tensor:
        return self.to(dtype=float32)

    def double(self) -> Tensor:
        return self.to(dtype=float64)

    def long(self) -> Tensor:
        return self.to(dtype=int64)

    def int(self) -> Tensor:
        return self.to(dtype=int32)

    def bool(self) -> Tensor:
        return self.to(dtype=bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(dtype=other.dtype)

    # ---- new tensors like this one (its dtype and device), as PyTorch's new_* ----
    def new_full(self, size, fill_value, dtype=None) -> Tensor:
        return Tensor._wrap(self.xp.full(tuple(size), fill_value, dtype=dtype or self.dtype))

    def new_zeros(self, *size, dtype=None) -> Tensor:
        return self.new_full(size[0] if len(size) == 1 and not isinstance(size[0], int) else size, 0, dtype)

    def new_ones(self, *size, dtype=None) -> Tensor:
        return self.new_full(size[0] if len(size) == 1 and not isinstance(size[0], int) else size, 1, dtype)

    def new_tensor(self, data, dtype=None) -> Tensor:
        return Tensor(data, dtype=dtype or self.dtype, device=self.device)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()")
        return bool(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only one-element integer tensors can be used as an index")
        return int(self.item())

    # ---- in place (no graph: for initialization and optimizer updates) ----------------------
    def _check_inplace(self, op: str) -> None:
        if _GradMode.enabled and self.requires_grad:
            raise RuntimeError(
                f"{op} on a tensor that requires grad would corrupt the graph; wrap it in dg.no_grad()"
            )

    def zero_(self) -> Tensor:
        self._check_inplace("zero_")
        self.data[...] = 0
        return self

    def scatter_(self, dim: int, index, src) -> Tensor:
        """In-place `scatter` (the one-hot idiom `zeros(n, C).scatter_(1, y[:, None], 1.0)`)."""
        self._check_inplace("scatter_")
        self.data[...] = ops.scatter(self.detach(), dim, index, src).data
        return self

    def fill_(self, value) -> Tensor:
        self._check_inplace("fill_")
        self.data[...] = value
        return self

    def copy_(self, source) -> Tensor:
        self._check_inplace("copy_")
        source = _to_array(source, self.data.dtype, self.device)
        if source.shape != self.data.shape:
            self.data[...] = self.xp.broadcast_to(source, self.data.shape)
        else:
            self.data[...] = source
        return self

    def add_(self, other, alpha=1) -> Tensor:
        self._check_inplace("add_")
        other = other.data if isinstance(other, Tensor) else other
        self.data += other * alpha if alpha != 1 else other
        return self

    def sub_(self, other) -> Tensor:
        return self.add_(other, alpha=-1)

    def mul_(self, other) -> Tensor:
        self._check_inplace("mul_")
        self.data *= other.data if isinstance(other, Tensor) else other
        return self

    def div_(self, other) -> Tensor:
        self._check_inplace("div_")
        self.data /= other.data if isinstance(other, Tensor) else other
        return self

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
        self._check_inplace("clamp_")
        self.xp.clip(self.data, min, max, out=self.data)
        return self

    def _inplace_op(self, other, ufunc_name: str, fallback):
        """`x -= y` and friends: in place under no_grad (optimizer updates, like PyTorch); while
        recording, a new tensor instead, so arrays saved for backward are never overwritten."""
        if _GradMode.enabled:
            return fallback(self, other)
        other = other.data if isinstance(other, Tensor) else other
        getattr(self.xp, ufunc_name)(self.data, other, out=self.data, casting="same_kind")
        return self

    def __iadd__(self, other):
        return self._inplace_op(other, "add", ops.add)

    def __isub__(self, other):
        return self._inplace_op(other, "subtract", ops.sub)

    def __imul__(self, other):
        return self._inplace_op(other, "multiply", ops.mul)

    def __itruediv__(self, other):
        return self._inplace_op(other, "divide", ops.div)

    def __setitem__(self, index, value) -> None:
        self._check_inplace("item assignment")
        self.data[ops.indexing.to_array_index(index)] = value.data if isinstance(value, Tensor) else value

    # ---- arithmetic -------------------------------------------------------------------------
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __pow__(self, other):
        return ops.pow(self, other)

    def __rpow__(self, other):
        return ops.pow(other, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __neg__(self):
        return ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __getitem__(self, index):
        return ops.getitem(self, index)

    # comparisons give boolean tensors outside the graph
    def __eq__(self, other):  # type: ignore[override]
        return ops.eq(self, other)

    def __ne__(self, other):  # type: ignore[override]
        return ops.ne(self, other)

    def __lt__(self, other):
        return ops.lt(self, other)

    def __le__(self, other):
        return ops.le(self, other)

    def __gt__(self, other):
        return ops.gt(self, other)

    def __ge__(self, other):
        return ops.ge(self, other)

    def __invert__(self):
        return ops.logical_not(self)

    def __and__(self, other):
        return ops.logical_and(self, other)

    def __or__(self, other):
        return ops.logical_or(self, other)

    __hash__ = object.__hash__

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # ---- memory layout and torch.where's method form ---------------------------------------------
    def element_size(self) -> int:
        """Bytes per element (4 for float32)."""
        return int(self.data.itemsize)

    def nelement(self) -> int:
        """The number of elements (PyTorch's other name for `numel`)."""
        return int(self.data.size)

    def stride(self, dim: int | None = None):
        """The steps, in elements, between neighbours along each axis (a tuple), or along `dim`."""
        steps = tuple(s // self.data.itemsize for s in self.data.strides)
        return steps if dim is None else steps[dim]

    def is_contiguous(self) -> bool:
        """True when the elements lie in memory in row-major order without gaps."""
        return bool(self.data.flags.c_contiguous)

    def half(self) -> Tensor:
        return self.to(dtype=float16)

    def where(self, condition, y) -> Tensor:
        """`self` where `condition` is true, else `y` (torch's `x.where(condition, y)`)."""
        return ops.where(condition, self, y)


def _looks_like_dtype(obj) -> bool:
    try:
        np.dtype(obj)
        return not isinstance(obj, str) or obj not in ("cpu", "cuda")
    except TypeError:
        return False


_METHODS = (
    "add sub mul div pow matmul neg exp log sqrt abs sin cos tanh sigmoid relu clip clamp maximum minimum "
    "sum mean max min amax amin var std logsumexp argmax argmin prod reshape view transpose permute flatten squeeze "
    "unsqueeze expand expand_as split chunk pad softmax log_softmax square sign floor ceil round "
    "all any eq ne lt le gt ge isnan isinf isfinite repeat log1p expm1 reciprocal rsqrt "
    "gather masked_fill cumsum norm clone contiguous t mm bmm index_select flip sort argsort topk scatter scatter_add "
    "dot outer"
    " roll narrow unbind tile unflatten movedim moveaxis swapaxes swapdims masked_select masked_scatter nonzero "
    "argwhere index_add index_fill index_copy take take_along_dim unique bincount histc"
    " erf erfc erfinv log2 log10 exp2 atan2 trunc frac lerp nan_to_num sinh cosh asin acos atan tan logit xlogy "
    "hypot median nanmedian kthvalue mode quantile nanquantile cumprod nansum nanmean count_nonzero aminmax "
    "tril triu diag diagonal diag_embed trace addmm addmv baddbmm addbmm mv cross kron"
).split()


def _install_methods() -> None:
    """Every op of `deepglass.ops` listed above is also a method: `x.exp()`, `x.sum(axis=1)`.

    The op functions themselves become the methods (a function stored on a class binds `self` as
    its first argument, the tensor), so a method call costs no extra Python frame.
    """
    import types

    for name in _METHODS:
        func = getattr(ops, name)
        if not isinstance(func, types.FunctionType):  # pragma: no cover - every op is a plain function today
            func = _wrap_method(func)
        setattr(Tensor, name, func)


def _wrap_method(func):
    def method(self, *args, **kwargs):
        return func(self, *args, **kwargs)

    method.__name__, method.__doc__ = getattr(func, "__name__", "method"), func.__doc__
    return method


from . import ops  # noqa: E402  (ops are built on Tensor)

_install_methods()

from . import sampling  # noqa: E402,F401  (installs the random fills: x.normal_(), x.bernoulli(), ...)
