"""Adam and AdamW: momentum plus per-coordinate scaling by a running RMS, with bias correction.

AdamW is Adam with decoupled weight decay, so both share one update (`decoupled_weight_decay`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters


class Adam(Optimizer):
    """`m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g²; p -= lr * m̂ / (sqrt(v̂) + eps)` (Kingma & Ba, 2015).

    `m̂ = m / (1 - b1^t)` and `v̂ = v / (1 - b2^t)` undo the bias of averages that start at zero.
    `amsgrad=True` divides by the largest `v` seen so far (Reddi et al., 2018). `weight_decay` adds an L2
    term to the gradient; with `decoupled_weight_decay=True` (AdamW) it shrinks the weights directly instead.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        name = type(self).__name__
        check_hyperparameters(name, betas, lr=lr, eps=eps, weight_decay=weight_decay)
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        xp = get_array_module(param)
        state = {"step": 0, "exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = xp.zeros_like(param)
        return state

    def _update(self, param, grad, state, group) -> None:
        xp = get_array_module(param)
        state["step"] += 1
        step, lr = state["step"], group["lr"]
        beta1, beta2 = group["betas"]
        g = self._decayed_grad(param, grad, group)
        exp_avg, exp_avg_sq, tmp = state["exp_avg"], state["exp_avg_sq"], self._scratch(param, 1)
        exp_avg += xp.multiply(xp.subtract(g, exp_avg, out=tmp), 1 - beta1, out=tmp)  # lerp towards g
        exp_avg_sq *= beta2
        exp_avg_sq += xp.multiply(xp.multiply(g, g, out=tmp), 1 - beta2, out=tmp)
        if group["amsgrad"]:
            second = xp.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
        else:
            second = exp_avg_sq
        step_size = lr / (1 - beta1**step)
        denom = xp.sqrt(second, out=tmp)
        denom /= math.sqrt(1 - beta2**step)
        denom += group["eps"]
        param -= xp.multiply(xp.divide(exp_avg, denom, out=tmp), step_size, out=tmp)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): `p *= 1 - lr * weight_decay` each step.

    Unlike an L2 term in the gradient, the decay is not rescaled by Adam's per-coordinate step sizes.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True)
