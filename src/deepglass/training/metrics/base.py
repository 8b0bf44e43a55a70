"""The streaming-metric protocol: `update_state` per batch, `result` at any time, `reset_state` per epoch.

Metrics keep only Python floats or small NumPy accumulators (never Tensors), so no graph stays alive
and the numbers can go straight into `History` and logs.
"""

from __future__ import annotations

import numpy as np

from ...backend import get_array_module
from ...io.init_args import record_init_args


def as_array(value):
    """The raw array (NumPy or CuPy) of a Tensor, array, list or number, outside any graph."""
    if hasattr(value, "data") and hasattr(value, "requires_grad"):
        return value.data
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return value
    return np.asarray(value)


def to_numpy(value) -> np.ndarray:
    """`as_array`, then copied to the host when it lives on the GPU."""
    array = as_array(value)
    return array.get() if hasattr(array, "get") and not isinstance(array, np.ndarray) else np.asarray(array)


class Metric:
    """Base class. Subclasses implement `update_state(y_true, y_pred, sample_weight=None)`, `result()`
    and `reset_state()`; `metric(y_true, y_pred)` updates and returns the current result."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        record_init_args(cls)  # so get_config can describe any metric, and a saved model can rebuild it

    def __init__(self, name: str | None = None):
        self.name = name or _snake(type(self).__name__)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def result(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def reset_state(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict:
        """The constructor arguments (defaults included) and the name: `type(self)(**config)` builds it again."""
        arguments = self.__dict__.get("_config", {})
        config = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in arguments.items()}
        config["name"] = self.name
        return config

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class MeanMetricWrapper(Metric):
    """The running (weighted) mean of a per-sample score `fn(y_true, y_pred) -> array of shape (N,)`."""

    def __init__(self, fn, name: str | None = None):
        super().__init__(name)
        self._fn = fn
        self.reset_state()

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        values = self._fn(as_array(y_true), as_array(y_pred))
        xp = get_array_module(values)
        if sample_weight is None:
            self.total += float(xp.sum(values))
            self.count += float(values.size)
        else:
            w = xp.asarray(as_array(sample_weight), dtype=values.dtype).reshape(-1)
            w = xp.broadcast_to(w.reshape((-1,) + (1,) * (values.ndim - 1)), values.shape)
            self.total += float(xp.sum(values * w))
            self.count += float(xp.sum(w))

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class Mean(Metric):
    """The running weighted mean of the values given (the engine tracks the loss with it)."""

    def __init__(self, name: str = "mean"):
        super().__init__(name)
        self.reset_state()

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0

    def update_state(self, values, sample_weight=None) -> None:
        values = to_numpy(values).astype(np.float64)
        weight = (
            np.ones_like(values) if sample_weight is None else np.broadcast_to(to_numpy(sample_weight), values.shape)
        )
        self.total += float(np.sum(values * weight))
        self.count += float(np.sum(weight))

    def __call__(self, values, sample_weight=None) -> float:
        self.update_state(values, sample_weight)
        return self.result()

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class Sum(Metric):
    """The running (weighted) sum of the values given: `update_state(values, sample_weight=None)`."""

    def __init__(self, name: str = "sum"):
        super().__init__(name)
        self.reset_state()

    def reset_state(self) -> None:
        self.total = 0.0

    def update_state(self, values, sample_weight=None) -> None:
        values = to_numpy(values).astype(np.float64)
        if sample_weight is not None:
            w = to_numpy(sample_weight).astype(np.float64)
            w = w.reshape(values.shape) if w.size == values.size else w.reshape((-1,) + (1,) * (values.ndim - 1))
            values = values * w
        self.total += float(np.sum(values))

    def __call__(self, values, sample_weight=None) -> float:
        self.update_state(values, sample_weight)
        return self.result()

    def result(self) -> float:
        return self.total


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
