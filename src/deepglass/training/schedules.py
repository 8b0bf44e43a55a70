"""Keras learning-rate schedules: `Adam(learning_rate=ExponentialDecay(1e-2, decay_steps=1000, decay_rate=0.9))`.

A schedule maps the optimizer's step count (0 for the first update) to a learning rate; a Keras optimizer
given one sets that rate before every update, as Keras does (per step, not per epoch). Formulas and
defaults are Keras 3's (`keras.optimizers.schedules`). For epoch-wise schedules on a `dg.optim` optimizer
use `dg.optim.lr_scheduler` instead.
"""

from __future__ import annotations

import math

from ..io.init_args import record_init_args

__all__ = [
    "LearningRateSchedule",
    "ExponentialDecay",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "InverseTimeDecay",
    "CosineDecay",
    "CosineDecayRestarts",
    "serialize",
    "deserialize",
]


class LearningRateSchedule:
    """Base class: subclasses define `__call__(step) -> float`; their constructor arguments are the config."""

    def __call__(self, step) -> float:
        raise NotImplementedError(f"learning rate schedule {type(self).__name__} must override __call__(self, step)")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        record_init_args(cls)  # get_config needs no code in each schedule

    def get_config(self) -> dict:
        """The constructor arguments (defaults included): `type(self)(**config)` builds the schedule again."""
        if "_config" not in self.__dict__:
            raise NotImplementedError(f"learning rate schedule {type(self).__name__} must override get_config()")
        return dict(self._config)

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        try:
            config = self.get_config()
        except NotImplementedError:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in config.items())})"


def _positive(value, name: str):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")
    return value


class _StepwiseDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments and the progress `step / decay_steps`
    (floored with `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive(decay_steps, "decay_steps")
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def _progress(self, step) -> float:
        p = float(step) / self.decay_steps
        return math.floor(p) if self.staircase else p


class ExponentialDecay(_StepwiseDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`; with `staircase` the exponent is floored."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step) -> float:
        return float(self.initial_learning_rate) * float(self.decay_rate) ** self._progress(step)


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while `boundaries[i-1] < step <= boundaries[i]`,
    `values[-1]` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. Received: "
                f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length {len(values)}."
            )
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step) -> float:
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return float(value)
        return float(self.values[-1])


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end`.

    With `cycle=True` the decay restarts: `decay_steps` becomes its first multiple `>= step` (1 at step 0).
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive(decay_steps, "decay_steps")
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, power, cycle, name

    def __call__(self, step) -> float:
        step, decay_steps = float(step), float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return (float(self.initial_learning_rate) - float(self.end_learning_rate)) * (1 - p) ** float(
            self.power
        ) + float(self.end_learning_rate)


class InverseTimeDecay(_StepwiseDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`; `staircase` floors `step / decay_steps`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step) -> float:
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * self._progress(step))


class CosineDecay(LearningRateSchedule):
    """Optional linear warm-up, then cosine decay (Loshchilov & Hutter's SGDR, without restarts).

    Without `warmup_target`: `initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))
    + alpha)`. With it: a linear ramp from `initial_learning_rate` to `warmup_target` over `warmup_steps`,
    then the same decay from `warmup_target` over the next `decay_steps`.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive(decay_steps, "decay_steps")
        self.alpha, self.name, self.warmup_target, self.warmup_steps = alpha, name, warmup_target, warmup_steps

    def _decay(self, step: float, decay_from: float) -> float:
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step) -> float:
        step, initial = float(step), float(self.initial_learning_rate)
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), initial)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            return (float(self.warmup_target) - initial) * (step / self.warmup_steps) + initial
        return self._decay(step - self.warmup_steps, float(self.warmup_target))


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): decay from 1 to `alpha` over `first_decay_steps`, then restart;
    period `i` lasts `t_mul**i` times longer and starts at `m_mul**i` times the initial rate."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = _positive(first_decay_steps, "first_decay_steps")
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step) -> float:
        t_mul, m_mul, alpha = float(self._t_mul), float(self._m_mul), float(self.alpha)
        fraction = float(step) / self.first_decay_steps
        if t_mul == 1.0:
            i_restart = math.floor(fraction)
            fraction -= i_restart
        else:
            i_restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul**i_restart) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / t_mul**i_restart
        cosine = 0.5 * m_mul**i_restart * (1.0 + math.cos(math.pi * fraction))
        return float(self.initial_learning_rate) * ((1 - alpha) * cosine + alpha)


_CLASSES = {
    cls.__name__: cls
    for cls in (
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(schedule: LearningRateSchedule) -> dict:
    """A JSON-ready dict: `{"module": ..., "class_name": "ExponentialDecay", "config": {...}}`."""
    return {
        "module": "keras.optimizers.schedules",
        "class_name": type(schedule).__name__,
        "config": schedule.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """The schedule `serialize` described (built-in classes, or those named in `custom_objects`)."""
    classes = {**_CLASSES, **(custom_objects or {})}
    name = config.get("class_name")
    if name not in classes:
        raise ValueError(f"unknown learning rate schedule {name!r}; known: {', '.join(sorted(classes))}")
    return classes[name].from_config(dict(config.get("config", {})))
