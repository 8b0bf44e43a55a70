"""One training run from a config dict: data, model, optimizer, schedule, callbacks, run directory.

`train`, `demo` and `--resume` all go through `run_training`, so a run directory's config.json
reproduces the run exactly (same seed, same options).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..backend import is_available, normalize_device
from .errors import UsageError, unknown
from .recipes import PreparedData, build_model, prepare
from .run_dir import write_history, write_json

DEFAULTS = {
    "dataset": "iris",
    "model": "mlp",
    "epochs": 10,
    "batch_size": 64,
    "optimizer": "adam",
    "lr": None,  # None: the optimizer's own default (DEFAULT_LR)
    "weight_decay": 0.0,
    "momentum": 0.9,
    "schedule": "none",
    "augment": [],
    "seed": 0,
    "device": "cpu",
    "hidden": [128, 64],
    "dropout": 0.0,
    "validation_split": 0.1,
    "data_root": None,
    "limit": None,
}
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "nadam")
# learning rates when --lr is not given: PyTorch's defaults (Adadelta's 1.0 is what its algorithm expects)
DEFAULT_LR = {"sgd": 0.01, "momentum": 0.01, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 0.01, "adagrad": 0.01,
              "adadelta": 1.0, "nadam": 2e-3}
SCHEDULES = ("none", "step", "cosine", "exponential")
AUGMENTATIONS = ("flip", "vflip", "affine", "rotate", "crop", "noise", "erase")


def resolve_config(options: dict) -> dict:
    """Defaults overlaid with `options` (from a config file and the command line), validated."""
    config = dict(DEFAULTS)
    unknown_keys = set(options) - set(DEFAULTS)
    if unknown_keys:
        raise UsageError(f"unknown option(s) {sorted(unknown_keys)}; valid options: {', '.join(sorted(DEFAULTS))}")
    config.update({k: v for k, v in options.items() if v is not None})
    if config["optimizer"] not in OPTIMIZERS:
        raise unknown("optimizer", config["optimizer"], OPTIMIZERS)
    if config["lr"] is None:
        config["lr"] = DEFAULT_LR[config["optimizer"]]
    try:
        device = normalize_device(config["device"])
    except ValueError as e:
        raise UsageError(str(e)) from None
    if not is_available(device):
        raise UsageError(f"device {config['device']!r} is not available here: it needs CuPy and an NVIDIA GPU "
                         "(pip install 'deepglass[gpu]'); use --device cpu")
    config["device"] = device
    if config["schedule"] not in SCHEDULES:
        raise unknown("schedule", config["schedule"], SCHEDULES)
    if isinstance(config["augment"], str):
        config["augment"] = [a for a in config["augment"].split(",") if a]
    for name in config["augment"]:
        if name not in AUGMENTATIONS:
            raise unknown("augmentation", name, AUGMENTATIONS)
    if isinstance(config["hidden"], str):
        config["hidden"] = [int(h) for h in config["hidden"].split(",") if h]
    for key in ("epochs", "batch_size"):
        if int(config[key]) < 1:
            raise UsageError(f"--{key.replace('_', '-')} must be at least 1, got {config[key]}")
    return config


def make_optimizer(config: dict, parameters):
    import deepglass as dg

    name, lr, wd = config["optimizer"], float(config["lr"]), float(config["weight_decay"])
    if name in ("sgd", "momentum"):
        momentum = float(config["momentum"]) if name == "momentum" else 0.0
        return dg.optim.SGD(parameters, lr=lr, momentum=momentum, weight_decay=wd)
    classes = {"adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad",
               "adadelta": "Adadelta", "nadam": "NAdam"}
    return getattr(dg.optim, classes[name])(parameters, lr=lr, weight_decay=wd)


def schedule_function(config: dict):
    """The learning rate for each epoch, as a pure function of the epoch (so resuming is exact)."""
    base, epochs, kind = float(config["lr"]), int(config["epochs"]), config["schedule"]
    if kind == "none":
        return None
    if kind == "step":  # ×0.1 at 50% and 75% of training, the MedMNIST recipe
        return lambda epoch, lr=None: base * 0.1 ** ((epoch >= epochs * 0.5) + (epoch >= epochs * 0.75))
    if kind == "cosine":
        return lambda epoch, lr=None: base * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
    return lambda epoch, lr=None: base * 0.95**epoch


def augmentation(names: list, data: PreparedData):
    """A batch transform for image data built from augmentation names, or None."""
    if not names:
        return None
    if len(data.input_shape) != 3:
        raise UsageError(f"augmentation needs image data; {data.name!r} has samples of shape {data.input_shape}")
    from ..data import transforms as T

    size = data.input_shape[1:]
    table = {
        "flip": lambda: T.RandomHorizontalFlip(),
        "vflip": lambda: T.RandomVerticalFlip(),
        "affine": lambda: T.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1)),
        "rotate": lambda: T.RandomRotation(15),
        "crop": lambda: T.RandomCrop(size, padding=max(1, size[0] // 8)),
        "noise": lambda: T.GaussianNoise(sigma=0.05),
        "erase": lambda: T.RandomErasing(),
    }
    return T.Compose([table[name]() for name in names])


def build(config: dict):
    """(prepared data, dg.Model compiled as the config says)."""
    import deepglass as dg

    dg.manual_seed(int(config["seed"]))
    data = prepare(config["dataset"], root=config["data_root"], limit=config["limit"])
    module = build_model(config["model"], data.input_shape, data.num_classes, hidden=config["hidden"],
                         dropout=float(config["dropout"]))
    if config["device"] != "cpu":
        module.to(config["device"])
    model = dg.Model(module)
    # lazy layers (e.g. LazyLinear) need one forward pass before the optimizer sees their parameters
    with dg.no_grad():
        module.eval()
        module(dg.tensor(data.splits["train"][0][:2], device=config["device"]))
        module.train()
    model.compile(optimizer=make_optimizer(config, module.parameters()), loss=dg.nn.CrossEntropyLoss(),
                  metrics=["accuracy"])
    return data, model


def run_training(config: dict, run_dir: Path, verbose=1) -> dict:
    """Train as `config` says, writing everything into `run_dir`; returns the test metrics."""
    import deepglass as dg

    from ..training import callbacks as C

    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(run_dir / "config.json", config)
    data, model = build(config)
    x_train, y_train = data.splits["train"]
    validation = data.splits.get("val")
    callbacks = [C.BackupAndRestore(str(run_dir / "backup")), C.CSVLogger(str(run_dir / "history.csv"))]
    schedule = schedule_function(config)
    if schedule is not None:
        callbacks.append(C.LearningRateScheduler(schedule))
    monitor = "val_accuracy" if validation is not None or config["validation_split"] else "accuracy"
    callbacks.append(C.ModelCheckpoint(str(run_dir / "best.safetensors"), monitor=monitor, save_best_only=True))
    transform = augmentation(config["augment"], data)
    fit_args = {"epochs": int(config["epochs"]), "verbose": verbose, "callbacks": callbacks}
    if validation is not None:
        fit_args["validation_data"] = validation
    elif config["validation_split"]:
        fit_args["validation_split"] = float(config["validation_split"])
    if transform is not None:
        train_set = dg.data.ArrayDataset(x_train, y_train, transform=transform)
        if "validation_split" in fit_args:  # a loader cannot be split: hold out the tail explicitly
            n_val = int(len(x_train) * fit_args.pop("validation_split"))
            fit_args["validation_data"] = (x_train[-n_val:], y_train[-n_val:])
            train_set = dg.data.ArrayDataset(x_train[:-n_val], y_train[:-n_val], transform=transform)
        loader = dg.data.DataLoader(train_set, batch_size=int(config["batch_size"]), shuffle=True)
        history = model.fit(loader, **fit_args)
    else:
        history = model.fit(x_train, y_train, batch_size=int(config["batch_size"]), shuffle=True, **fit_args)
    model.save(str(run_dir / "model.safetensors"))
    write_history(run_dir, history.history)
    results = evaluate_splits(model, data)
    write_json(run_dir / "metrics.json", results)
    for note in write_artifacts(model, data, run_dir):
        print(note)
    return results


def evaluate_splits(model, data: PreparedData, split_names=("test",)) -> dict:
    """Loss and accuracy (plus ROC AUC for binary tasks) on each named split that exists."""
    results = {}
    for name in split_names:
        if name not in data.splits:
            continue
        x, y = data.splits[name]
        logs = model.evaluate(x, y, verbose=0, return_dict=True)
        entry = {k: float(v) for k, v in logs.items()}
        if data.num_classes == 2:
            from ..training.metrics import AUC

            probabilities = softmax(model.predict(x, verbose=0))
            auc = AUC()
            auc.update_state(y, probabilities[:, 1])
            entry["auc"] = float(auc.result())
        results[name] = entry
    return results


def softmax(logits) -> np.ndarray:
    logits = np.asarray(logits, dtype=np.float64)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def write_artifacts(model, data: PreparedData, run_dir: Path) -> list[str]:
    """Learning curves (PNG) and the HTML report; notes what was skipped and why."""
    from ..diagnostics import plot_history, report

    notes = []
    history = model.history.history if model.history is not None else {}
    try:
        plot_history(history, path=str(run_dir / "curves.png"))
    except ImportError:
        notes.append("plots skipped: matplotlib is not installed (pip install 'deepglass[plot]')")
    x, y = data.splits.get("test", data.splits["train"])
    # the report needs only NumPy: without matplotlib its plots become one-line notes
    report(model, path=str(run_dir / "report.html"), x=x[:256], y=y[:256], class_names=data.class_names,
           title=f"deepglass: {data.name}")
    return notes
