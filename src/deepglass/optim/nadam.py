"""NAdam: Adam with Nesterov momentum (Dozat, 2016), using PyTorch's momentum-decay schedule."""

from __future__ import annotations

from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters


class NAdam(Optimizer):
    """Adam whose step looks ahead: `p -= lr * ((1-μ_t)/(1-Πμ) * g + μ_{t+1}/(1-Πμ·μ_{t+1}) * m) / (sqrt(v̂)+eps)`.

    `μ_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))` warms the momentum up over the first steps;
    `Πμ` is the running product `mu_product`. `decoupled_weight_decay=True` gives the AdamW-style decay.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters("NAdam", betas, lr=lr, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        xp = get_array_module(param)
        return {"step": 0, "mu_product": 1.0, "exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}

    def _update(self, param, grad, state, group) -> None:
        xp = get_array_module(param)
        state["step"] += 1
        step, lr = state["step"], group["lr"]
        beta1, beta2 = group["betas"]
        g = self._decayed_grad(param, grad, group)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        mu_product = state["mu_product"] = state["mu_product"] * mu
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        tmp, denom = self._scratch(param, 1), self._scratch(param, 2)
        exp_avg += xp.multiply(xp.subtract(g, exp_avg, out=tmp), 1 - beta1, out=tmp)  # lerp towards g
        exp_avg_sq *= beta2
        exp_avg_sq += xp.multiply(xp.multiply(g, g, out=tmp), 1 - beta2, out=tmp)
        xp.sqrt(xp.divide(exp_avg_sq, 1 - beta2**step, out=denom), out=denom)
        denom += group["eps"]
        param -= xp.multiply(xp.divide(g, denom, out=tmp), lr * (1.0 - mu) / (1.0 - mu_product), out=tmp)
        param -= xp.multiply(xp.divide(exp_avg, denom, out=tmp), lr * mu_next / (1.0 - mu_product * mu_next), out=tmp)
