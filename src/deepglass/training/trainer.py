"""The one training loop: compile / fit / evaluate / predict / train_on_batch, shared by every model.

`Trainer` is a mixin used by `dg.training.Model` (which wraps any `dg.nn.Module`) and by the Keras
`Sequential` and functional `Model` (which are Modules themselves): one loop, two spellings. It needs
only `self.module`, the Module to train.

A training step, in order: zero the gradients (so they stay readable in `on_train_batch_end`), forward,
loss (+ regularization), backward, optimizer step, metrics. Logs and History hold Python floats only.
"""

from __future__ import annotations

import itertools

from .. import optim
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from . import data_adapter, errors, losses, optimizers
from . import metrics as metrics_module
from .callbacks.base import CallbackList
from .callbacks.history import History
from .progress import ProgbarLogger


def _device_of(module) -> str:
    """Where the model's weights are (or, for an unbuilt Keras model, where `to()` asked them to be)."""
    for p in module.parameters():
        return p.device
    return getattr(module, "_device", "cpu")


def _host(value):
    """A model output as NumPy array(s)."""
    if isinstance(value, Tensor):
        return value.numpy()
    if isinstance(value, (list, tuple)):
        return type(value)(_host(v) for v in value)
    return value


def _batch_size(x) -> int:
    """Samples in a batch: the loss is averaged over samples, so a short last batch counts less."""
    while isinstance(x, (list, tuple)):
        x = x[0]
    if isinstance(x, dict):
        return _batch_size(next(iter(x.values())))
    return int(x.shape[0]) if getattr(x, "ndim", 0) else 1


def _as_given(metrics):
    """`compile`'s metrics as given, for saving: a dict (by output) or a list, each entry a list or one metric."""
    if isinstance(metrics, dict):
        return {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in metrics.items()}
    return [list(m) if isinstance(m, (list, tuple)) else m for m in (metrics or [])]


def _verbosity(verbose) -> int:
    return 1 if verbose == "auto" else int(verbose)


class Trainer:
    """compile/fit/evaluate/predict on `self.module`. State lives in plain attributes set by `compile`."""

    # ---- state -----------------------------------------------------------------------------------
    def _engine(self) -> dict:
        """Engine state stored without going through nn.Module attribute registration."""
        d = self.__dict__
        if "_engine_state" not in d:
            d["_engine_state"] = {"compiled": False, "epoch": 0, "step": 0}
            d.setdefault("optimizer", None)
            d.setdefault("loss_fn", None)
            d.setdefault("stop_training", False)
            d.setdefault("history", History())
            d.setdefault("compiled_metrics", [])
        return d["_engine_state"]

    @property
    def epoch(self) -> int:
        """Epochs completed (what a resumed fit continues from)."""
        return self._engine()["epoch"]

    @property
    def global_step(self) -> int:
        """Training steps (batches) completed over all fits."""
        return self._engine()["step"]

    # ---- compile ---------------------------------------------------------------------------------
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        loss_weights=None,
        weighted_metrics=None,
        run_eagerly=None,
        steps_per_execution=1,
        jit_compile=None,
        **kwargs,
    ) -> None:
        """Choose the optimizer, loss and metrics: names ('adam', 'sparse_categorical_crossentropy',
        'accuracy') or objects (dg.optim / Keras optimizers, dg.nn loss modules, Metric objects).

        'accuracy' becomes binary, categorical or sparse accuracy according to the loss, as in Keras.
        """
        if kwargs:
            raise TypeError(f"compile() got unexpected arguments {sorted(kwargs)}")
        if loss_weights is not None:
            raise NotImplementedError("loss_weights (several outputs) is not supported: the engine trains one output")
        state = self._engine()
        spec = optimizers.get(optimizer)
        self.__dict__["optimizer"] = spec if isinstance(spec, optim.Optimizer) else None
        state["optimizer_spec"] = spec
        self.__dict__["loss_fn"] = losses.CompiledLoss(loss) if loss is not None else None
        kind = self.loss_fn.kind if self.loss_fn is not None else None
        self.__dict__["compiled_metrics"], state["weighted_metrics"] = self._resolve_metrics(
            metrics, weighted_metrics, kind
        )
        # one Mean per output loss when a loss for several outputs names them (Keras's '<output>_loss')
        output_losses = getattr(getattr(self.loss_fn, "fn", None), "output_loss_names", None) or []
        state["loss_trackers"] = [metrics_module.Mean(name) for name in output_losses]
        state["compile_args"] = {
            "optimizer": optimizer,
            "loss": loss,
            "metrics": _as_given(metrics),
            "weighted_metrics": _as_given(weighted_metrics),
        }
        state["compiled"] = True
        state["regularized"] = None
        if self.optimizer is None and not self._needs_build():
            self._build_optimizer()

    def _resolve_metrics(self, metrics, weighted_metrics, loss_kind) -> tuple[list, list]:
        """The Metric objects for `compile(metrics=..., weighted_metrics=...)` (a model with several
        outputs routes each to its output); weighted ones are named 'weighted_<name>'."""
        compiled = [metrics_module.get(m, loss_kind) for m in (metrics or [])]
        weighted = [metrics_module.get(m, loss_kind) for m in (weighted_metrics or [])]
        for m in weighted:
            m.name = m.name if m.name.startswith("weighted_") else f"weighted_{m.name}"
        return compiled, weighted

    def _needs_build(self) -> bool:
        from ..nn.module import _is_lazy_slot

        if getattr(self.module, "built", True) is False:
            return True
        return any(_is_lazy_slot(p) for p in self.module.parameters())

    def _build_optimizer(self) -> None:
        params = [p for p in self.module.parameters()]
        if not params:
            raise ValueError(f"{type(self.module).__name__} has no parameters to train")
        self.__dict__["optimizer"] = optimizers.build(self._engine()["optimizer_spec"], params)

    def _ensure_built(self, sample_x) -> None:
        """Create lazy weights (one forward pass in eval mode, no graph), then the optimizer."""
        self._engine()
        if self._needs_build() and getattr(self.module, "declared_input_shape", None) is not None:
            self.module.build()  # a Keras model that knows its input shape builds from it
        if self._needs_build():
            if sample_x is None:
                raise ValueError(f"{type(self.module).__name__} is not built yet: give it an input shape or data")
            was_training = self.module.training
            self.module.eval()
            try:
                with no_grad():
                    self._forward(data_adapter.to_tensor(sample_x, _device_of(self.module)))
            finally:
                self.module.train(was_training)
        if self.optimizer is None and self._engine().get("optimizer_spec") is not None:
            self._build_optimizer()

    def _check_compiled(self, what: str) -> None:
        state = self._engine()
        if not state["compiled"] or self.loss_fn is None:
            raise RuntimeError(f"{what}() needs compile(optimizer=..., loss=...) first")

    # ---- the steps -------------------------------------------------------------------------------
    def _forward(self, x):
        try:
            return self.module(*x) if isinstance(x, (list, tuple)) else self.module(x)
        except Exception as e:
            raise errors.explain(self.module, tuple(x) if isinstance(x, (list, tuple)) else (x,), e) from e

    def _regularization(self):
        state = self._engine()
        if state.get("regularized") is None:
            state["regularized"] = [m for m in self.module.modules() if hasattr(m, "regularization_loss")]
        total = None
        for m in state["regularized"]:
            r = m.regularization_loss()
            if r is not None:
                total = r if total is None else total + r
        return total

    def _all_metrics(self) -> list:
        """In Keras's log order: compiled metrics, weighted metrics, then each output's loss."""
        state = self._engine()
        return list(self.compiled_metrics) + list(state["weighted_metrics"]) + list(state.get("loss_trackers", []))

    def _logs_as_list(self, logs: dict):
        """`evaluate(return_dict=False)`'s values in Keras's order (its `_flatten_metrics_in_order`): the loss,
        the metrics, each output's loss, then, sorted by name, the per-output metrics ('cls_accuracy', ...);
        a float when there is only the loss."""
        state = self._engine()
        metrics = list(self.compiled_metrics) + list(state["weighted_metrics"])
        ordered = ["loss"] + [m.name for m in metrics if not getattr(m, "per_output", False)]
        ordered = list(dict.fromkeys(ordered + [m.name for m in state.get("loss_trackers", [])]))
        values = [logs[k] for k in ordered if k in logs] + [logs[k] for k in sorted(logs) if k not in ordered]
        return values[0] if len(values) == 1 else values

    def _track_output_losses(self, y_pred) -> None:
        """Each output's unweighted loss of the last batch into its '<output>_loss' Mean (several outputs)."""
        trackers = self._engine().get("loss_trackers")
        if not trackers:
            return
        terms = getattr(self.loss_fn.fn, "last_terms", None) or []
        n = _batch_size(y_pred)
        for tracker, term in zip(trackers, terms):
            tracker.update_state(float(term.item()), n)

    def _update_metrics(self, y, y_pred, w) -> None:
        with no_grad():
            pred = y_pred.detach() if isinstance(y_pred, Tensor) else y_pred
            for m in self.compiled_metrics:
                m.update_state(y, pred)
            for m in self._engine()["weighted_metrics"]:
                m.update_state(y, pred, w)

    def _metric_logs(self, loss_tracker, cheap_only: bool = False) -> dict:
        logs = {"loss": loss_tracker.result()}
        for m in self._all_metrics():
            if cheap_only and getattr(m, "result_is_costly", False):
                continue
            value = m.result()
            if isinstance(value, float):
                logs[m.name] = value
        return logs

    def train_step(self, x, y, sample_weight=None) -> float:
        """One optimization step on a batch of Tensors; returns the batch loss (a float)."""
        self.module.zero_grad()
        y_pred = self._forward(x)
        loss = self.loss_fn(y_pred, y, sample_weight)
        self._track_output_losses(y_pred)
        regularization = self._regularization()
        if regularization is not None:
            loss = loss + regularization
        loss.backward()
        self.optimizer.step()
        self._update_metrics(y, y_pred, sample_weight)
        self._engine()["step"] += 1
        return float(loss.item())

    def test_step(self, x, y, sample_weight=None) -> float:
        """Loss and metrics on a batch, without gradients; returns the batch loss."""
        with no_grad():
            y_pred = self._forward(x)
            loss = self.loss_fn(y_pred, y, sample_weight)
            self._track_output_losses(y_pred)
            regularization = self._regularization()
            if regularization is not None:
                loss = loss + regularization
        self._update_metrics(y, y_pred, sample_weight)
        return float(loss.item())

    # ---- fit -------------------------------------------------------------------------------------
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs: int = 1,
        verbose="auto",
        callbacks=None,
        validation_split: float = 0.0,
        validation_data=None,
        shuffle: bool = True,
        class_weight=None,
        sample_weight=None,
        initial_epoch: int = 0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq: int = 1,
    ) -> History:
        """Train for `epochs` epochs (Keras's arguments); returns the History (`.history['val_loss']` etc.).

        `x` may be arrays/Tensors (with `y`), a DataLoader or an iterable/generator of (x, y[, w]) batches.
        """
        self._check_compiled("fit")
        state = self._engine()
        verbose = _verbosity(verbose)
        train = data_adapter.adapt(x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight)
        if validation_split and validation_data is None:
            if not isinstance(train, data_adapter.ArrayAdapter):
                raise ValueError("validation_split needs arrays; for a DataLoader pass validation_data")
            train, val = train.split(validation_split)
        elif validation_data is not None:
            if isinstance(validation_data, (tuple, list)) and 2 <= len(validation_data) <= 3:
                vx, vy, vw = (list(validation_data) + [None])[:3]
                val = data_adapter.adapt(vx, vy, vw, validation_batch_size or batch_size, False, validation_steps)
            else:
                val = data_adapter.adapt(validation_data, steps=validation_steps)
        else:
            val = None
        self._ensure_built(self._peek(train))

        self.__dict__["history"] = History()
        self.stop_training = False
        names = ["loss"] + [m.name for m in self._all_metrics()]
        log_keys = names + ([f"val_{n}" for n in names] if val is not None else []) + ["lr"]
        callback_list = CallbackList(list(callbacks or []) + [self.history] + ([ProgbarLogger()] if verbose else []))
        callback_list.set_model(self)
        callback_list.set_params(
            {"epochs": epochs, "steps": train.steps, "verbose": verbose, "metrics": log_keys, "fitting": True}
        )
        state["resume_epoch"], state["callbacks"], state["pending_callback_states"] = None, callback_list.callbacks, {}
        callback_list.on_train_begin()
        for cb, cb_state in state["pending_callback_states"].items():  # restored by BackupAndRestore
            cb.load_state_dict(cb_state)
        start = state["resume_epoch"] if state["resume_epoch"] is not None else initial_epoch
        loss_tracker = metrics_module.Mean("loss")
        epoch_logs: dict = {}
        for epoch in range(start, epochs):
            if self.stop_training:
                break
            for m in self._all_metrics():
                m.reset_state()
            loss_tracker.reset_state()
            callback_list.on_epoch_begin(epoch)
            self.module.train()
            device = _device_of(self.module)
            batches = train if steps_per_epoch is None else itertools.islice(train, steps_per_epoch)
            for step, (bx, by, bw) in enumerate(batches):
                callback_list.on_train_batch_begin(step)
                bx = data_adapter.to_tensor(bx, device)
                by = data_adapter.to_tensor(by, device, target=True)
                bw = data_adapter.to_tensor(bw, device, target=True)
                batch_loss = self.train_step(bx, by, bw)
                loss_tracker.update_state(batch_loss, _batch_size(bx))
                logs = self._metric_logs(loss_tracker, cheap_only=True)
                logs["batch_loss"] = batch_loss
                callback_list.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = self._metric_logs(loss_tracker)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_evaluation(val, callback_list)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            epoch_logs["lr"] = float(self.optimizer.param_groups[0]["lr"])
            state["epoch"] = epoch + 1
            callback_list.on_epoch_end(epoch, epoch_logs)
            for cb in callback_list:
                if hasattr(cb, "_after_epoch_end"):
                    cb._after_epoch_end(epoch)
        callback_list.on_train_end(epoch_logs)
        return self.history

    def _peek(self, adapter):
        """A small input batch for building lazy weights (only when the model is not built)."""
        if not self._needs_build():
            return None
        if isinstance(adapter, data_adapter.ArrayAdapter):
            return data_adapter._take(adapter.x, slice(0, min(adapter.n, 2)))
        if adapter.one_shot:
            first = next(iter(adapter.data))
            adapter.data = itertools.chain([first], adapter.data)
        else:
            first = next(iter(adapter.data))
        return data_adapter._split_batch(first)[0]

    # ---- evaluate / predict ----------------------------------------------------------------------
    def _run_evaluation(self, adapter, callback_list) -> dict:
        for m in self._all_metrics():
            m.reset_state()
        loss_tracker = metrics_module.Mean("loss")
        was_training = self.module.training
        self.module.eval()
        device = _device_of(self.module)
        callback_list.on_test_begin()
        try:
            for step, (bx, by, bw) in enumerate(adapter):
                callback_list.on_test_batch_begin(step)
                bx = data_adapter.to_tensor(bx, device)
                by = data_adapter.to_tensor(by, device, target=True)
                bw = data_adapter.to_tensor(bw, device, target=True)
                loss_tracker.update_state(self.test_step(bx, by, bw), _batch_size(bx))
                callback_list.on_test_batch_end(step, self._metric_logs(loss_tracker, cheap_only=True))
        finally:
            self.module.train(was_training)
        logs = self._metric_logs(loss_tracker)
        callback_list.on_test_end(logs)
        return logs

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict: bool = False,
    ):
        """Loss and metrics on data: a float (loss only), a list [loss, *metrics], or a dict."""
        self._check_compiled("evaluate")
        verbose = _verbosity(verbose)
        adapter = data_adapter.adapt(x, y, sample_weight, batch_size, False, steps)
        self._ensure_built(self._peek(adapter))
        callback_list = CallbackList(list(callbacks or []) + ([ProgbarLogger()] if verbose else []))
        callback_list.set_model(self)
        names = ["loss"] + [m.name for m in self._all_metrics()]
        callback_list.set_params({"steps": getattr(adapter, "steps", None), "verbose": verbose, "metrics": names})
        logs = self._run_evaluation(adapter, callback_list)
        if return_dict:
            return logs
        return self._logs_as_list(logs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for `x` as a NumPy array, in batches, in eval mode and without building a graph."""
        verbose = _verbosity(verbose)
        adapter = data_adapter.adapt(x, None, None, batch_size, False, steps)
        self._ensure_built(None if not self._needs_build() else self._peek(adapter))
        callback_list = CallbackList(list(callbacks or []) + ([ProgbarLogger()] if verbose else []))
        callback_list.set_model(self)
        callback_list.set_params({"steps": getattr(adapter, "steps", None), "verbose": verbose, "metrics": []})
        outputs = []
        was_training = self.module.training
        self.module.eval()
        device = _device_of(self.module)
        callback_list.on_predict_begin()
        try:
            with no_grad():
                for step, (bx, _, _) in enumerate(adapter):
                    callback_list.on_predict_batch_begin(step)
                    outputs.append(_host(self._forward(data_adapter.to_tensor(bx, device))))
                    callback_list.on_predict_batch_end(step, {})
        finally:
            self.module.train(was_training)
        callback_list.on_predict_end()
        if not outputs:
            raise ValueError("predict() got no data")
        import numpy as np

        if isinstance(outputs[0], (list, tuple)):
            return type(outputs[0])(np.concatenate(parts) for parts in zip(*outputs))
        return np.concatenate(outputs)

    # ---- single batches --------------------------------------------------------------------------
    def _batch_tensors(self, x, y=None, sample_weight=None, class_weight=None):
        device = _device_of(self.module)
        if class_weight is not None and y is not None:
            cw = data_adapter.class_weights_to_sample_weights(data_adapter._host(y), class_weight)
            sample_weight = cw if sample_weight is None else cw * data_adapter._host(sample_weight)
        return (
            data_adapter.to_tensor(x, device),
            data_adapter.to_tensor(y, device, True),
            data_adapter.to_tensor(sample_weight, device, True),
        )

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False):
        """One optimization step on one batch; returns its loss (and metrics), like Keras."""
        self._check_compiled("train_on_batch")
        self._ensure_built(x)
        bx, by, bw = self._batch_tensors(x, y, sample_weight, class_weight)
        for m in self._all_metrics():
            m.reset_state()
        self.module.train()
        tracker = metrics_module.Mean("loss")
        tracker.update_state(self.train_step(bx, by, bw))
        logs = self._metric_logs(tracker)
        return logs if return_dict else self._logs_as_list(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        """Loss (and metrics) on one batch without training."""
        self._check_compiled("test_on_batch")
        self._ensure_built(x)
        bx, by, bw = self._batch_tensors(x, y, sample_weight)
        for m in self._all_metrics():
            m.reset_state()
        was_training = self.module.training
        self.module.eval()
        try:
            tracker = metrics_module.Mean("loss")
            tracker.update_state(self.test_step(bx, by, bw))
        finally:
            self.module.train(was_training)
        logs = self._metric_logs(tracker)
        return logs if return_dict else self._logs_as_list(logs)

    def predict_on_batch(self, x):
        """Outputs for one batch as NumPy, in eval mode, without a graph."""
        self._ensure_built(x)
        was_training = self.module.training
        self.module.eval()
        try:
            with no_grad():
                return _host(self._forward(data_adapter.to_tensor(x, _device_of(self.module))))
        finally:
            self.module.train(was_training)
