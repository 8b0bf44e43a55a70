"""Saving and loading models as ONE safetensors file: weights, architecture, compile settings, optimizer
state and training progress (epoch, step). No pickle; written atomically.

Layout: weights under their state_dict names (so the file is an ordinary safetensors state dict for any
other tool), optimizer arrays under `@optimizer.*`, extra training state under `@extra.*`, and one
metadata entry "deepglass" holding JSON: {"format_version", "architecture", "compile", "training",
"optimizer", "extra"}. An architecture names only classes of the closed registry (`deepglass.io.registry`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import io, optim
from . import losses as losses_module
from . import metrics as metrics_module
from . import optimizers as optimizers_module

FORMAT_VERSION = 1


def _module(model):
    return getattr(model, "module", model)


# ---- weights only --------------------------------------------------------------------------------------
def save_weights(model, path: str | os.PathLike) -> Path:
    """Write the module's parameters and buffers (its state_dict) to a safetensors file, atomically."""
    state = _module(model).state_dict()
    return io.save_file(state, path, metadata={"format": "pt", "deepglass": json.dumps({"format_version": 1})})


def load_weights(model, path: str | os.PathLike, strict: bool = True) -> None:
    """Load weights saved by `save_weights` or `save` (any safetensors state dict) into the module."""
    tensors, _ = io.load_file(path)
    weights = {k: v for k, v in tensors.items() if not k.startswith("@")}
    module = _module(model)
    if getattr(module, "built", True) is False and hasattr(module, "build_from_state"):
        module.build_from_state(weights)
    try:
        module.load_state_dict(weights, strict=strict)
    except RuntimeError as e:
        raise RuntimeError(f"cannot load weights from {path} into {type(module).__name__}: {e}") from None


# ---- whole model ---------------------------------------------------------------------------------------
def _architecture(module) -> dict | None:
    if not hasattr(module, "get_config"):
        return None
    name = type(module).__name__
    if io.registered().get(name) is not type(module):
        return None
    try:
        return {"class_name": name, "config": module.get_config()}
    except ValueError:  # e.g. a plain dg.nn layer inside a Sequential: save the weights, not the architecture
        return None


def _object_config(obj) -> dict | None:
    """A JSON description of a compile argument that can be rebuilt from a closed list, or None."""
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, optimizers_module.KerasOptimizer):
        return {"keras_optimizer": type(obj).__name__, "config": obj.config}
    if isinstance(obj, optim.Optimizer):
        defaults = {k: v for k, v in obj.defaults.items() if isinstance(v, (int, float, bool, str, type(None)))}
        return {"optimizer": type(obj).__name__, "config": defaults}
    if getattr(obj, "per_output_specs", None) is not None and not obj.single:  # a model with several outputs
        specs = [_object_config(spec) for spec in obj.per_output_specs]
        if any(spec is None and given is not None for spec, given in zip(specs, obj.per_output_specs)):
            return None
        return {"per_output": specs, "loss_weights": obj.weights}
    if isinstance(obj, losses_module.Loss):
        return {"keras_loss": obj.name, "config": obj.kwargs}
    if isinstance(obj, metrics_module.Metric):
        config = obj.get_config()
        if getattr(metrics_module, type(obj).__name__, None) is type(obj) and _is_json(config):
            return {"metric_class": type(obj).__name__, "config": config}  # e.g. IoU(num_classes=3, ...)
        return {"metric": obj.name}
    if type(obj).__module__.startswith("deepglass.nn") and type(obj).__name__.endswith("Loss"):
        return {"nn_loss": type(obj).__name__, "config": obj.get_config() if hasattr(obj, "get_config") else {}}
    return None


def _is_json(value) -> bool:
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def _compile_config(model) -> dict | None:
    state = model.__dict__.get("_engine_state")
    if not state or not state.get("compiled"):
        return None
    args = state["compile_args"]
    config = {
        "optimizer": _object_config(args["optimizer"])
        if not isinstance(args["optimizer"], optim.Optimizer)
        else _object_config(model.optimizer),
        "loss": _object_config(args["loss"]),
        "metrics": _metrics_config(args.get("metrics")),
    }
    per_output = state.get("per_output_metrics")  # a model with several outputs: one list per output
    if per_output is not None:
        config["metrics"] = {"per_output": [_metrics_config(entries) for entries in per_output["metrics"]]}
        if any(per_output["weighted_metrics"]):
            config["weighted_metrics"] = {
                "per_output": [_metrics_config(entries) for entries in per_output["weighted_metrics"]]
            }
    elif args.get("weighted_metrics"):  # by name without the 'weighted_' the engine gave them
        config["weighted_metrics"] = [
            {"metric": c["metric"].removeprefix("weighted_")} if isinstance(c, dict) and "metric" in c else c
            for c in _metrics_config(args["weighted_metrics"])
        ]
    return config


def _metrics_config(metrics) -> list:
    """The metrics that can be saved (names, metric classes of the closed list), in order."""
    if isinstance(metrics, dict):  # a dict by output name on a model with one output: Keras flattens it
        metrics = [m for v in metrics.values() for m in (v if isinstance(v, (list, tuple)) else [v])]
    return [c for c in (_object_config(m) for m in metrics or []) if c is not None]


def _rebuild_metrics(config):
    """`compile(metrics=...)` from `_metrics_config` output: a list, or one list per output."""
    if isinstance(config, dict) and "per_output" in config:
        return [[_rebuild(m, "metric") for m in entries] for entries in config["per_output"]]
    return [_rebuild(m, "metric") for m in config or []]


def _rebuild(config, kind: str):
    """The compile argument described by `config` (strings, or classes from closed lists only)."""
    if config is None or isinstance(config, str):
        return config
    if "keras_optimizer" in config:
        cls = optimizers_module._BY_NAME.get(config["keras_optimizer"].lower())
        return None if cls is None else cls(**config["config"])
    if "optimizer" in config:
        return config["optimizer"] if config["optimizer"].lower() in optimizers_module._BY_NAME else None
    if "keras_loss" in config:
        cls = losses_module._BY_NAME.get(config["keras_loss"])
        return None if cls is None else cls(**config["config"])
    if "metric_class" in config:
        cls = getattr(metrics_module, config["metric_class"], None)
        if not (isinstance(cls, type) and issubclass(cls, metrics_module.Metric)):
            raise ValueError(f"unknown metric class {config['metric_class']!r} in the compile config")
        return cls(**config["config"])
    if "metric" in config:
        return config["metric"]
    if "nn_loss" in config:
        from .. import nn

        cls = getattr(nn, config["nn_loss"], None)
        if not (isinstance(cls, type) and cls.__name__.endswith("Loss")):
            return None
        return cls(**config.get("config", {}))  # files written before the options were saved have none
    raise ValueError(f"unknown {kind} entry in the compile config: {config!r}")


def save_model(model, path: str | os.PathLike, include_optimizer: bool = True, extra: dict | None = None) -> Path:
    """Write weights + architecture + compile config + optimizer state + epoch/step (+ `extra`) to `path`."""
    module = _module(model)
    tensors = dict(module.state_dict())
    state = model.__dict__.get("_engine_state") or {}
    info = {
        "format_version": FORMAT_VERSION,
        "architecture": _architecture(module),
        "compile": _compile_config(model),
        "training": {"epoch": state.get("epoch", 0), "step": state.get("step", 0)},
        "optimizer": None,
        "extra": None,
    }
    optimizer = model.__dict__.get("optimizer")
    if include_optimizer and optimizer is not None:
        tree, arrays = io.flatten(optimizer.state_dict(), "@optimizer")
        info["optimizer"] = {"class_name": type(optimizer).__name__, "state": tree}
        tensors.update(arrays)
    if extra is not None:
        tree, arrays = io.flatten(extra, "@extra")
        info["extra"] = tree
        tensors.update(arrays)
    metadata = {"format": "pt", "deepglass": json.dumps(info)}
    return io.save_file(tensors, path, metadata=metadata)


def read(path: str | os.PathLike) -> tuple[dict, dict]:
    """(tensors, info) of a deepglass model file; a clear error for files deepglass did not write."""
    tensors, metadata = io.load_file(path)
    if "deepglass" not in metadata:
        raise ValueError(
            f"{path} is a safetensors file but not a deepglass model (no 'deepglass' metadata); "
            "load plain weights with model.load_weights()"
        )
    try:
        info = json.loads(metadata["deepglass"])
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: the deepglass metadata is not valid JSON ({e})") from None
    if not isinstance(info, dict) or info.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(f"{path} was written by a newer deepglass (format {info.get('format_version')})")
    return tensors, info


def restore_training_state(model, tensors: dict, info: dict, path="the file") -> None:
    """Load optimizer state and epoch/step from a read file into a compiled, built model."""
    state = model._engine()
    training = info.get("training") or {}
    state["epoch"], state["step"] = int(training.get("epoch", 0)), int(training.get("step", 0))
    saved = info.get("optimizer")
    if saved is not None and state.get("compiled"):
        if model.optimizer is None:
            model._build_optimizer()
        if type(model.optimizer).__name__ != saved["class_name"]:
            raise ValueError(
                f"{path} holds the state of a {saved['class_name']} optimizer but the model is compiled with "
                f"{type(model.optimizer).__name__}"
            )
        model.optimizer.load_state_dict(io.unflatten(saved["state"], tensors))


def extra_state(tensors: dict, info: dict):
    """The `extra` tree given to `save_model`, with its arrays."""
    return None if info.get("extra") is None else io.unflatten(info["extra"], tensors)


def load_model(path: str | os.PathLike, compile: bool = True):  # noqa: A002 - Keras's argument name
    """Rebuild a model saved with `model.save(path)`: architecture from the closed registry, weights,
    compile settings and optimizer state (so `fit` continues exactly)."""
    tensors, info = read(path)
    architecture = info.get("architecture")
    if not architecture:
        raise ValueError(
            f"{path} holds weights but no architecture (the model was not a Keras-style model); "
            "build the model in code and call model.load_weights(path)"
        )
    if not isinstance(architecture, dict) or "class_name" not in architecture:
        raise ValueError(f"{path}: malformed architecture entry")
    cls = io.lookup(architecture["class_name"], source=str(path))
    model = cls.from_config(architecture.get("config") or {})
    load_weights(model, path)
    config = info.get("compile")
    if compile and config:
        loss_config, extra = config.get("loss"), {}
        if isinstance(loss_config, dict) and "per_output" in loss_config:  # one loss (or None) per output
            loss = [_rebuild(spec, "loss") for spec in loss_config["per_output"]]
            extra["loss_weights"] = loss_config["loss_weights"]
        else:
            loss = _rebuild(loss_config, "loss")
        if loss is not None:
            model.compile(
                optimizer=_rebuild(config.get("optimizer"), "optimizer") or "rmsprop",
                loss=loss,
                metrics=_rebuild_metrics(config.get("metrics")),
                weighted_metrics=_rebuild_metrics(config.get("weighted_metrics")) or None,
                **extra,
            )
    if compile:
        restore_training_state(model, tensors, info, path)
    return model
