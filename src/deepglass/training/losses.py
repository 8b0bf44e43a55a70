"""Keras's losses (`loss(y_true, y_pred)`, names like 'sparse_categorical_crossentropy') and how the engine
calls any loss: a string, a Keras-style `Loss`/function, or a PyTorch-style `dg.nn` loss module.

Keras semantics: probabilities are clipped to [1e-7, 1 − 1e-7] unless `from_logits=True`; the loss is
averaged over the last axis per sample, then `sum(per_sample · sample_weight) / batch_size` (Keras's default
`reduction='sum_over_batch_size'`; 'sum', 'mean', 'mean_with_sample_weight' and None/'none' too).
Built from differentiable ops, so no backward code lives here. More losses (focal, Dice, Tversky, ...)
live in `losses_extra`.
"""

from __future__ import annotations

from .. import ops
from ..tensor import Tensor

EPSILON = 1e-7


def _align(y_true: Tensor, y_pred: Tensor) -> Tensor:
    if y_true.shape != y_pred.shape and y_true.numel() == y_pred.numel():
        y_true = y_true.reshape(y_pred.shape)
    if y_true.dtype != y_pred.dtype:
        y_true = Tensor._wrap(y_true.data.astype(y_pred.dtype))
    return y_true


def binary_crossentropy(
    y_true: Tensor, y_pred: Tensor, from_logits: bool = False, label_smoothing: float = 0.0
) -> Tensor:
    """Per-sample −[y·log p + (1−y)·log(1−p)] averaged over the last axis; `label_smoothing` squeezes the
    labels towards ½: y·(1 − s) + s/2."""
    y_true = _align(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:  # max(x, 0) − x·y + log(1 + e^−|x|): stable for any logit
        loss = ops.relu(y_pred) - y_pred * y_true + ops.log1p(ops.exp(-ops.abs(y_pred)))
    else:
        p = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)
        loss = -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))
    return loss.mean(axis=-1) if loss.ndim > 1 else loss


def categorical_crossentropy(
    y_true: Tensor, y_pred: Tensor, from_logits: bool = False, label_smoothing: float = 0.0
) -> Tensor:
    """Per-sample −Σ y·log p over the last axis, with one-hot (or soft) labels."""
    y_true = _align(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[-1]
    if from_logits:
        log_p = ops.log_softmax(y_pred, axis=-1)
    else:
        p = y_pred / y_pred.sum(axis=-1, keepdims=True)
        log_p = ops.log(ops.clip(p, EPSILON, 1.0 - EPSILON))
    return -(y_true * log_p).sum(axis=-1)


def sparse_categorical_crossentropy(y_true: Tensor, y_pred: Tensor, from_logits: bool = False) -> Tensor:
    """Per-sample −log p[label] with integer labels; the class axis is the last one."""
    labels = y_true.data
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"sparse_categorical_crossentropy: labels of shape {labels.shape} do not match predictions of shape "
            f"{y_pred.shape} (expected labels of shape {y_pred.shape[:-1]}; for one-hot labels use "
            "categorical_crossentropy)"
        )
    if from_logits:
        log_p = ops.log_softmax(y_pred, axis=-1)
    else:
        log_p = ops.log(ops.clip(y_pred, EPSILON, 1.0 - EPSILON))
    return -ops.gather(log_p, -1, labels.astype("int64")[..., None]).squeeze(-1)


def mean_squared_error(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """Per-sample mean of (y_pred − y_true)² over the last axis (Keras 'mse')."""
    d = y_pred - _align(y_true, y_pred)
    return (d * d).mean(axis=-1) if d.ndim > 1 else d * d


def mean_absolute_error(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """Per-sample mean of |y_pred − y_true| over the last axis (Keras 'mae')."""
    d = ops.abs(y_pred - _align(y_true, y_pred))
    return d.mean(axis=-1) if d.ndim > 1 else d


def huber(y_true: Tensor, y_pred: Tensor, delta: float = 1.0) -> Tensor:
    """½d² where |d| ≤ delta, else delta·(|d| − ½delta)."""
    d = ops.abs(y_pred - _align(y_true, y_pred))
    quadratic = ops.minimum(d, delta)
    loss = 0.5 * quadratic * quadratic + delta * (d - quadratic)
    return loss.mean(axis=-1) if loss.ndim > 1 else loss


def hinge_labels(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """Labels for the hinge losses: when every label is 0 or 1 they become −1/1 (2y − 1), as in Keras."""
    y_true = _align(y_true, y_pred)
    data = y_true.data
    if bool(((data == 0) | (data == 1)).all()):
        y_true = Tensor._wrap((2 * data - 1).astype(y_pred.dtype))
    return y_true


def hinge(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """mean(max(1 − y·ŷ, 0)) with labels in {−1, 1} (0/1 labels are mapped to −1/1)."""
    loss = ops.relu(1.0 - hinge_labels(y_true, y_pred) * y_pred)
    return loss.mean(axis=-1) if loss.ndim > 1 else loss


def kl_divergence(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """Per-sample Σ y·log(y / ŷ) over the last axis, both clipped to [1e-7, 1] (Keras 'kld')."""
    y_true = ops.clip(_align(y_true, y_pred), EPSILON, 1.0)
    return (y_true * ops.log(y_true / ops.clip(y_pred, EPSILON, 1.0))).sum(axis=-1)


REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


class Loss:
    """A Keras loss object: `loss(y_true, y_pred, sample_weight=None)` → scalar Tensor (or per-sample
    values with `reduction=None`).

    `kind` tells `compile(metrics=['accuracy'])` which accuracy fits ('binary', 'categorical', 'sparse').
    """

    kind: str | None = None

    def __init__(self, fn, name: str, reduction: str | None = "sum_over_batch_size", **kwargs):
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.fn, self.name, self.kwargs, self.reduction = fn, name, kwargs, reduction
        if kwargs.get("from_logits") and self.kind == "binary":
            self.kind = "binary_logits"

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        y_pred = _tensor(y_pred)
        if y_pred.dtype.kind != "f":
            y_pred = Tensor._wrap(y_pred.data.astype("float32"))
        return reduce_weighted(self.fn(_tensor(y_true), y_pred, **self.kwargs), sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, **self.kwargs}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{type(self).__name__}({args})"


def _tensor(value) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)


def reduce_weighted(per_sample: Tensor, sample_weight=None, reduction: str | None = "sum_over_batch_size") -> Tensor:
    """Weigh per-sample losses and reduce them as Keras does.

    'sum_over_batch_size' (default) and 'mean': Σ loss·w / (number of loss elements); 'sum': Σ loss·w;
    'mean_with_sample_weight': Σ loss·w / Σ w; None or 'none': the weighted values themselves.
    Weights of shape (N,) scale each sample (all its elements); weights of the loss's own shape, each element.
    """
    values, weight = per_sample, None
    if sample_weight is not None:
        w = sample_weight.data if isinstance(sample_weight, Tensor) else per_sample.xp.asarray(sample_weight)
        w = w.astype(per_sample.dtype)
        if per_sample.ndim and w.size == per_sample.numel():
            w = w.reshape(per_sample.shape)
        elif per_sample.ndim:
            w = w.reshape((-1,) + (1,) * (per_sample.ndim - 1))
        values = per_sample * Tensor._wrap(w)  # a scalar loss (Dice over the batch) becomes loss·w
        weight = w
    if reduction is None or reduction == "none":
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weight is not None:
        divisor = float(per_sample.xp.broadcast_to(weight, values.shape).sum())
        return total / divisor if divisor else total * 0.0
    return total / max(values.numel(), 1)


def _loss_class(fn, name: str, kind: str | None = None, **defaults):
    def __init__(self, reduction="sum_over_batch_size", name=name, **kwargs):
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(unknown)}; "
                            f"it takes {sorted(defaults) + ['name', 'reduction']}")  # fmt: skip
        Loss.__init__(self, fn, name, reduction, **{**defaults, **kwargs})

    cls_name = "".join(part.capitalize() for part in name.split("_"))
    return type(cls_name, (Loss,), {"__init__": __init__, "kind": kind, "__doc__": fn.__doc__})


BinaryCrossentropy = _loss_class(
    binary_crossentropy, "binary_crossentropy", "binary", from_logits=False, label_smoothing=0.0
)
CategoricalCrossentropy = _loss_class(
    categorical_crossentropy, "categorical_crossentropy", "categorical", from_logits=False, label_smoothing=0.0
)
SparseCategoricalCrossentropy = _loss_class(
    sparse_categorical_crossentropy, "sparse_categorical_crossentropy", "sparse", from_logits=False
)
MeanSquaredError = _loss_class(mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _loss_class(mean_absolute_error, "mean_absolute_error")
Huber = _loss_class(huber, "huber", delta=1.0)
Hinge = _loss_class(hinge, "hinge", "binary")
KLDivergence = _loss_class(kl_divergence, "kl_divergence")

_BY_NAME = {
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "huber": Huber,
    "huber_loss": Huber,
    "hinge": Hinge,
    "kl_divergence": KLDivergence,
    "kld": KLDivergence,
}

_TORCH_KINDS = {
    "CrossEntropyLoss": "sparse",
    "NLLLoss": "sparse",
    "BCELoss": "binary",
    "BCEWithLogitsLoss": "binary_logits",
}


def get(identifier) -> Loss:
    """A Keras `Loss` from a name ('categorical_crossentropy', 'mse', ...) or a Loss object."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() not in _BY_NAME:
            raise ValueError(f"unknown loss {identifier!r}; known: {', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[identifier.lower()]()
    raise TypeError(f"cannot interpret {identifier!r} as a loss")


class CompiledLoss:
    """How the engine computes the loss: `compiled(y_pred, y_true, sample_weight)` → scalar Tensor.

    Strings and Keras losses/functions are called Keras's way, `fn(y_true, y_pred)`; `dg.nn` loss modules
    PyTorch's way, `module(input, target)` (with `reduction='none'` for a moment when samples are weighted).
    """

    def __init__(self, loss):
        from ..nn.module import Module

        self.loss = loss
        self.torch_style = isinstance(loss, Module)
        self.device = "cpu"  # where a dg.nn loss module's buffers (class weights) are
        if isinstance(loss, (str, Loss)):
            self.fn = get(loss)
            self.kind, self.name = self.fn.kind, self.fn.name
        elif self.torch_style:
            self.fn = loss
            self.kind, self.name = _TORCH_KINDS.get(type(loss).__name__), type(loss).__name__
        elif callable(loss):
            self.fn = loss
            name = getattr(loss, "__name__", "loss")
            self.kind = getattr(loss, "kind", getattr(_BY_NAME.get(name), "kind", None))
            self.name = name
        else:
            raise TypeError(f"compile(loss=...) needs a name, a Loss, a dg.nn loss module or a function; got {loss!r}")

    def __call__(self, y_pred: Tensor, y_true, sample_weight=None) -> Tensor:
        if self.torch_style:
            if y_pred.device != self.device:  # the module's class weights follow the model, as in Keras
                self.fn.to(y_pred.device)
                self.device = y_pred.device
            if sample_weight is None:
                return self.fn(y_pred, y_true)
            reduction = getattr(self.fn, "reduction", None)
            if reduction is None:
                raise ValueError(f"{self.name} has no `reduction` attribute, so it cannot weigh samples")
            self.fn.reduction = "none"
            try:
                per_sample = self.fn(y_pred, y_true)
            finally:
                self.fn.reduction = reduction
            return reduce_weighted(per_sample, sample_weight)
        if isinstance(self.fn, Loss):
            return self.fn(y_true, y_pred, sample_weight)
        value = self.fn(_tensor(y_true), y_pred)
        return reduce_weighted(value, sample_weight) if value.ndim else value


# the rest of Keras's losses; imported last because they build on the helpers above
from .losses_extra import EXTRA_LOSSES  # noqa: E402

_BY_NAME.update(EXTRA_LOSSES)
