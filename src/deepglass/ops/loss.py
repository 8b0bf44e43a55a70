"""Fused loss primitives: softmax + cross-entropy, sigmoid + binary cross-entropy, and BCE on probabilities.

Fused because the separate ops overflow: softmax(1e4) is inf/inf and log(sigmoid(-1e4)) is log(0).
Here the log-sum-exp is shifted by the row maximum and log(1 + e^-|z|) never overflows, so logits
of ±1e4 give finite losses and gradients. Each backward is one closed-form expression.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor


class SoftmaxCrossEntropy(Function):
    """Per-sample loss -Σ_c q_c log softmax(z)_c along axis 1, for a constant coefficient array q.

    One formula covers every option of CrossEntropyLoss: class indices give q = a·onehot(y) + b·weight,
    probability targets give q = weight · target. Gradient: (Σ_c q_c) softmax(z) - q.
    With `total`, the per-sample losses are summed into one number (a 'mean' or 'sum' loss whose q is
    already scaled), which saves a graph node where the per-sample losses are not wanted.
    """

    def forward(self, z, q, *, total=False):
        xp = get_array_module(z)
        shifted = z - z.max(axis=1, keepdims=True)
        e = xp.exp(shifted)
        norm = e.sum(axis=1, keepdims=True)
        log_p = shifted - xp.log(norm)
        self.p, self.q, self.total = e / norm, q, total
        losses = q * log_p
        return -losses.sum() if total else -losses.sum(axis=1)

    def backward(self, gy):
        q = self.q
        gz = self.p * q.sum(axis=1, keepdims=True)
        gz -= q
        gz *= gy if self.total else gy.reshape(gy.shape[:1] + (1,) + gy.shape[1:])
        return gz, None


class BCEWithLogits(Function):
    """Elementwise (1-t)z + (1 + (pw-1)t)·log(1 + e^-z), written as softplus(-z) = max(-z,0) + log1p(e^-|z|)."""

    def forward(self, z, t, pos_weight=None):
        xp = get_array_module(z)
        self.z, self.t, self.pw = z, t, pos_weight
        log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
        self.log_weight = log_weight
        return (1 - t) * z + log_weight * (xp.maximum(-z, 0) + xp.log1p(xp.exp(-xp.abs(z))))

    def backward(self, gy):
        xp = get_array_module(gy)
        sig_neg = xp.tanh(self.z * -0.5) * 0.5 + 0.5  # sigmoid(-z), stable
        return gy * ((1 - self.t) - self.log_weight * sig_neg), None, None


class BinaryCrossEntropy(Function):
    """Elementwise -(t log x + (1-t) log(1-x)) on probabilities x, each log clamped at -100 (as in PyTorch)."""

    def forward(self, x, t):
        xp = get_array_module(x)
        self.x, self.t = x, t
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped next (CuPy does not warn)
            log_x = xp.maximum(xp.log(x), -100)
            log_1mx = xp.maximum(xp.log1p(-x), -100)
        return -(t * log_x + (1 - t) * log_1mx)

    def backward(self, gy):
        xp = get_array_module(gy)
        x = self.x
        return gy * (x - self.t) / xp.maximum(x * (1 - x), 1e-12), None


class SoftMargin(Function):
    """Elementwise log(1 + e^(-y·x)) = softplus(-y·x), written max(z, 0) + log1p(e^-|z|): finite for any x."""

    def forward(self, x, y):
        xp = get_array_module(x)
        self.x, self.y = x, y
        z = -(x * y)
        return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))

    def backward(self, gy):
        xp = get_array_module(gy)
        sig = xp.tanh(self.x * self.y * -0.5) * 0.5 + 0.5  # sigmoid(-y·x), stable
        return gy * (-self.y * sig), None


class ClampMinStraightThrough(Function):
    """max(x, low) whose gradient passes through unchanged, even where it clamped (PyTorch clamps
    GaussianNLLLoss's variance under no_grad, which is this)."""

    def forward(self, x, low):
        xp = get_array_module(x)
        return xp.maximum(x, x.dtype.type(low))

    def backward(self, gy):
        return gy


def softmax_cross_entropy(logits: Tensor, coefficients, total: bool = False) -> Tensor:
    """-Σ_c q_c log softmax(logits)_c over axis 1; `coefficients` q is a constant array of the logits' shape.
    With `total`, the sum of those per-sample losses (a scalar)."""
    return SoftmaxCrossEntropy.apply(logits, Tensor._wrap(coefficients), total=total)


def binary_cross_entropy_with_logits(logits: Tensor, target: Tensor, pos_weight: Tensor | None = None) -> Tensor:
    """Elementwise sigmoid + binary cross-entropy, stable for any logit (no gradient to target/pos_weight)."""
    if pos_weight is None:
        return BCEWithLogits.apply(logits, target)
    return BCEWithLogits.apply(logits, target, pos_weight)


def binary_cross_entropy(probs: Tensor, target: Tensor) -> Tensor:
    """Elementwise binary cross-entropy of probabilities (logs clamped at -100; no gradient to target)."""
    return BinaryCrossEntropy.apply(probs, target)


def soft_margin(input: Tensor, target: Tensor) -> Tensor:
    """Elementwise log(1 + e^(-target·input)), stable for any input (no gradient to target)."""
    return SoftMargin.apply(input, target)


def clamp_min_straight_through(x: Tensor, low: float) -> Tensor:
    """max(x, low) with the identity as its gradient."""
    return ClampMinStraightThrough.apply(x, low=float(low))
