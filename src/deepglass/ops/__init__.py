"""Differentiable primitives, by family. Each is also a Tensor method (`x.exp()`)."""

from . import indexing
from .conversion import astype, to_device
from .elementwise import (
    abs,
    add,
    allclose,
    ceil,
    clamp,
    clip,
    cos,
    div,
    eq,
    equal,
    exp,
    expm1,
    floor,
    ge,
    gt,
    isfinite,
    isinf,
    isnan,
    le,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    neg,
    pow,
    reciprocal,
    relu,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    sub,
    tanh,
    where,
)
from .indexing import gather, getitem, masked_fill
from .linalg import matmul
from .reduction import all, any, argmax, argmin, cumsum, logsumexp, max, mean, min, norm, prod, std, sum, var
from .shape import (
    broadcast_to,
    cat,
    chunk,
    concatenate,
    expand,
    expand_as,
    flatten,
    pad,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unsqueeze,
    view,
)
from .softmax import log_softmax, softmax

__all__ = [name for name in dir() if not name.startswith("_")]
