"""LARS: layer-wise adaptive rate scaling (You, Gitman & Ginsburg, 2017), for very large batches."""

from __future__ import annotations

from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_hyperparameters
from .sgd import SGD


class LARS(SGD):
    """SGD with momentum whose step for each parameter tensor is scaled by a trust ratio:

        ratio = trust_coefficient * ||w|| / (||g|| + weight_decay * ||w|| + eps)     (1 if ||w|| or ||g|| is 0)
        g'    = ratio * (g + weight_decay * w),   then the SGD momentum update with g'.

    Each layer then moves by about `lr * trust_coefficient` of its own norm, whatever its gradient scale,
    which keeps large learning rates (batches of 8k-32k) stable. As in the ImageNet recipes, parameters with
    `ndim <= 1` (biases, batch-norm weights) are left out of both the adaptation and the weight decay
    (`exclude_bias_and_norm=True`, also settable per parameter group): they get the plain SGD-momentum step.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1.0,
        momentum: float = 0.9,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        trust_coefficient: float = 1e-3,
        eps: float = 1e-8,
        exclude_bias_and_norm: bool = True,
        *,
        maximize: bool = False,
    ) -> None:
        check_hyperparameters("LARS", lr=lr, momentum=momentum, weight_decay=weight_decay,
                              trust_coefficient=trust_coefficient, eps=eps)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("LARS: Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            trust_coefficient=trust_coefficient,
            eps=eps,
            exclude_bias_and_norm=exclude_bias_and_norm,
            maximize=maximize,
        )
        Optimizer.__init__(self, params, defaults)

    def _update(self, param, grad, state, group) -> None:
        if group["exclude_bias_and_norm"] and param.ndim <= 1:
            g = self._grad_with_decay(param, grad, group, weight_decay=0)
        else:
            xp = get_array_module(param)
            weight_decay = group["weight_decay"]
            w_norm, g_norm = xp.linalg.norm(param), xp.linalg.norm(grad)  # 0-d arrays: no device sync
            ratio = group["trust_coefficient"] * w_norm / (g_norm + weight_decay * w_norm + group["eps"])
            ratio = xp.where((w_norm > 0) & (g_norm > 0), ratio, 1.0)
            g = self._grad_with_decay(param, grad, group)
            g = xp.multiply(g, ratio, out=self._scratch(param, 0))
        self._momentum_step(param, g, state, group)
