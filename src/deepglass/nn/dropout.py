"""Dropout layers: active in training mode, the identity after `eval()`."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability `p` while training and scale the rest by 1/(1-p). Shape: any → same."""

    _function = staticmethod(F.dropout)

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p has to be between 0 and 1, but got {p}")
        self.p, self.inplace = float(p), inplace

    def forward(self, x: Tensor) -> Tensor:
        return self._function(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Zero whole channels of (N, C, L) inputs."""

    _function = staticmethod(F.dropout1d)


class Dropout2d(Dropout):
    """Zero whole feature maps of (N, C, H, W) inputs (neighbouring pixels are correlated: single ones barely help)."""

    _function = staticmethod(F.dropout2d)


class AlphaDropout(Dropout):
    """Dropout that keeps SELU's self-normalizing mean and variance."""

    _function = staticmethod(F.alpha_dropout)
