"""RMSprop: divide the gradient by a running root-mean-square of recent gradients (optionally centered)."""

from __future__ import annotations

from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters


class RMSprop(Optimizer):
    """`v = alpha * v + (1 - alpha) * g²; p -= lr * g / (sqrt(v) + eps)` (Hinton's lecture 6e).

    `centered=True` divides by an estimate of the variance instead, `sqrt(v - mean(g)²)`; `momentum > 0`
    accumulates the scaled steps `buf = momentum * buf + g / denom` and moves by `lr * buf`.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters("RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        xp = get_array_module(param)
        state = {"step": 0, "square_avg": xp.zeros_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = xp.zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = xp.zeros_like(param)
        return state

    def _update(self, param, grad, state, group) -> None:
        xp = get_array_module(param)
        state["step"] += 1
        g = self._grad_with_decay(param, grad, group)
        alpha, tmp = group["alpha"], self._scratch(param, 1)
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += xp.multiply(xp.multiply(g, g, out=tmp), 1 - alpha, out=tmp)
        if group["centered"]:
            grad_avg = state["grad_avg"]  # lerp towards g, as PyTorch
            grad_avg += xp.multiply(xp.subtract(g, grad_avg, out=tmp), 1 - alpha, out=tmp)
            avg = xp.subtract(square_avg, xp.multiply(grad_avg, grad_avg, out=tmp), out=tmp)
            avg = xp.sqrt(avg, out=tmp)
        else:
            avg = xp.sqrt(square_avg, out=tmp)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += xp.divide(g, avg, out=tmp)
            param -= xp.multiply(buf, group["lr"], out=tmp)
        else:
            param -= xp.multiply(xp.divide(g, avg, out=tmp), group["lr"], out=tmp)
