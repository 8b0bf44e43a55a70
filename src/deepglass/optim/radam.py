"""RAdam: Adam whose adaptive step is switched on gradually, once the variance estimate is reliable."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters


class RAdam(Optimizer):
    """Rectified Adam (Liu et al., 2020): plain momentum SGD `p -= lr * m̂` while the length of the
    approximated simple moving average `ρ_t ≤ 5`, then Adam's step scaled by the rectification term
    `r_t = sqrt((ρ_t-4)(ρ_t-2)ρ_∞ / ((ρ_∞-4)(ρ_∞-2)ρ_t))`, where `ρ_∞ = 2/(1-b2) - 1` and
    `ρ_t = ρ_∞ - 2t·b2^t/(1-b2^t)`. This replaces a hand-tuned learning-rate warm-up.

    `weight_decay` adds an L2 term to the gradient; with `decoupled_weight_decay=True` (AdamW-style) it
    shrinks the weights by `1 - lr * weight_decay` instead.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters("RAdam", betas, lr=lr, eps=eps, weight_decay=weight_decay)
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        xp = get_array_module(param)
        return {"step": 0, "exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}

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
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            denom = xp.sqrt(exp_avg_sq, out=tmp)
            denom += group["eps"]
            xp.divide(exp_avg, denom, out=tmp)
            param -= xp.multiply(tmp, lr * rect * math.sqrt(bias_correction2) / bias_correction1, out=tmp)
        else:
            param -= xp.multiply(exp_avg, lr / bias_correction1, out=tmp)
