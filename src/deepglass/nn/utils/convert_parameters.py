"""parameters_to_vector / vector_to_parameters: all of a model's parameters as one flat vector and back."""

from __future__ import annotations

from collections.abc import Iterable

from ... import ops
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D tensor of every parameter's values, flattened and joined in order (differentiable)."""
    parameters = list(parameters)
    if not parameters:
        raise ValueError("parameters_to_vector: no parameters given")
    return ops.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vector: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D `vector` into the parameters, in place (their objects are kept)."""
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if vector.ndim != 1 or vector.numel() != total:
        raise ValueError(f"vector_to_parameters: a vector of {vector.numel()} values (shape {tuple(vector.shape)}) "
                         f"for parameters holding {total}")
    start = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.data[...] = vector.data[start:start + n].reshape(p.shape)
            start += n
