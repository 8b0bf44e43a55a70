"""deepglass: a readable deep-learning framework.

    import deepglass as dg
    x = dg.tensor([[1.0, 2.0]], requires_grad=True)
    (x * x).sum().backward()     # x.grad == 2 * x

Tensors with reverse-mode autograd run on NumPy ('cpu') or CuPy ('cuda'). Subpackages are
loaded on first use (`dg.nn`, `dg.optim`, `dg.data`, `dg.datasets`, `dg.keras`, ...), so
`import deepglass` stays fast and needs only NumPy.
"""

from __future__ import annotations

import importlib

from . import tensor as _tensor_module  # noqa: F401  (first: ops build on Tensor)
from .allocator import tune_allocator as _tune_allocator

# isort: split
from . import ops
from .autograd import Function, enable_grad, gradcheck, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .backend import is_available
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    is_tensor,
    linspace,
    logspace,
    numel,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    tril_indices,
    triu_indices,
    zeros,
    zeros_like,
)
from .ops import *  # noqa: F401,F403  every op is also a function: dg.exp(x), dg.cat([a, b])
from .parallel import get_num_threads, set_num_threads
from .random import default_generator, get_rng_state, manual_seed, set_rng_state
from .sampling import bernoulli, multinomial, normal
from .tensor import (
    Tensor,
    bool_,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)

__version__ = "0.1.0"

_tune_allocator()  # keep freed buffers for the next step (see allocator.py)

_SUBPACKAGES = ("nn", "optim", "data", "datasets", "keras", "models", "training", "diagnostics", "io", "cli")


def __getattr__(name: str):
    """Import subpackages lazily: `dg.nn` is loaded the first time it is used."""
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    if name == "Model":
        return importlib.import_module(".training", __name__).Model
    if name in ("save", "load"):  # torch.save / torch.load for state dicts, without pickle
        return getattr(importlib.import_module(".io.checkpoint", __name__), name)
    raise AttributeError(f"module 'deepglass' has no attribute {name!r}")
