"""SGD: stochastic gradient descent, with momentum (heavy-ball or Nesterov), dampening and L2 weight decay."""

from __future__ import annotations

from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters


class SGD(Optimizer):
    """`p -= lr * g`, where with momentum `g` is replaced by `buf = momentum * buf + (1 - dampening) * g`.

    As in PyTorch: `g = grad + weight_decay * p`; the buffer starts as the first gradient; Nesterov uses
    `g + momentum * buf`. Momentum smooths the direction across steps and speeds progress along shallow,
    consistent directions (ravines), where plain SGD zig-zags.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group) -> None:
        self._momentum_step(param, self._grad_with_decay(param, grad, group), state, group)

    def _momentum_step(self, param, g, state, group) -> None:
        """`p -= lr * g`, through the momentum buffer when `momentum != 0` (shared with LARS)."""
        xp = get_array_module(param)
        momentum, tmp = group["momentum"], self._scratch(param, 1)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                dampening = group["dampening"]
                buf += xp.multiply(g, 1 - dampening, out=tmp) if dampening else g  # g·1 is g: one pass fewer
            if group["nesterov"]:
                g = xp.add(g, xp.multiply(buf, momentum, out=tmp), out=tmp)
            else:
                g = buf
        param -= xp.multiply(g, group["lr"], out=tmp)
