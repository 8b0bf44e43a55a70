"""Names the command line understands: datasets and models, and how to build them.

A dataset name gives float arrays ready for a model; a model name gives an `nn.Module` for an
input shape and a number of classes. Both registries list their names in errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import UsageError, unknown

MEDMNIST_FLAGS = ("pneumoniamnist", "breastmnist", "bloodmnist", "pathmnist", "dermamnist", "octmnist",
                  "organamnist", "organcmnist", "organsmnist", "retinamnist", "tissuemnist", "chestmnist")
DATASETS = ("iris", "mnist", "fashion_mnist", "cat_vs_noncat", "cifar10", *MEDMNIST_FLAGS)
BUILT_IN_MODELS = ("logistic", "mlp", "cnn")
ZOO_MODELS = ("lenet5", "alexnet", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "googlenet", "resnet18", "resnet34",
              "resnet50", "mobilenet_v2")


@dataclass
class PreparedData:
    """Model-ready float32 arrays for each split, plus what the model and the report need to know."""

    name: str
    splits: dict  # split name -> (x float32, y int64)
    class_names: list
    task: str
    input_shape: tuple  # one sample, channels first for images

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def load_dataset(name: str, root: str | None = None, download: bool = True):
    """The `DatasetSplits` of a dataset by its command-line name."""
    import deepglass as dg

    if name not in DATASETS:
        raise unknown("dataset", name, DATASETS)
    try:
        if name in MEDMNIST_FLAGS:
            return dg.datasets.medmnist(name, root=root, download=download)
        loader = getattr(dg.datasets, name)
        return loader() if name == "iris" else loader(root=root, download=download)
    except (FileNotFoundError, ConnectionError, OSError) as e:
        raise UsageError(f"dataset {name!r} is not available: {e}") from None


def prepare(name: str, root: str | None = None, download: bool = True, limit: int | None = None) -> PreparedData:
    """Load `name` and turn every split into float32 arrays: images scaled to [0, 1], channels first;
    tabular features standardized with the training split's mean and std."""
    splits = load_dataset(name, root, download)
    if splits.task == "multilabel":
        raise UsageError(f"dataset {name!r} is multi-label; the command line trains single-label classifiers")
    prepared = {}
    for split_name, split in splits.splits().items():
        y = np.asarray(split.y).reshape(len(split.y), -1)[:, 0].astype(np.int64)
        x = split.as_float("NCHW", True) if split.x.ndim >= 3 else np.asarray(split.x, dtype=np.float32)
        if limit:
            x, y = x[:limit], y[:limit]
        prepared[split_name] = (x, y)
    if prepared["train"][0].ndim == 2:  # tabular: standardize with training statistics
        mean = prepared["train"][0].mean(axis=0)
        std = prepared["train"][0].std(axis=0) + 1e-8
        prepared = {k: (((x - mean) / std).astype(np.float32), y) for k, (x, y) in prepared.items()}
    input_shape = tuple(prepared["train"][0].shape[1:])
    return PreparedData(name, prepared, list(splits.class_names), splits.task, input_shape)


def build_model(name: str, input_shape: tuple, num_classes: int, hidden=(128, 64), dropout: float = 0.0):
    """An `nn.Module` called `name` for samples of `input_shape` (C, H, W or F) and `num_classes` outputs."""
    import deepglass as dg

    nn = dg.nn
    features = int(np.prod(input_shape))
    if name == "logistic":
        return nn.Sequential(nn.Flatten(), nn.Linear(features, num_classes))
    if name == "mlp":
        layers, width = [nn.Flatten()], features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = h
        return nn.Sequential(*layers, nn.Linear(width, num_classes))
    if name == "cnn":
        if len(input_shape) != 3:
            raise UsageError(
                f"model 'cnn' needs image inputs (C, H, W); this dataset has samples of shape {input_shape}"
            )
        channels = input_shape[0]
        return nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.LazyLinear(128), nn.ReLU(), nn.Dropout(dropout or 0.25), nn.Linear(128, num_classes),
        )
    if name in ZOO_MODELS:
        if len(input_shape) != 3:
            raise UsageError(f"model {name!r} needs image inputs (C, H, W); this dataset has samples of shape "
                             f"{input_shape}")
        kwargs = {"num_classes": num_classes, "in_channels": input_shape[0]}
        if name.startswith("resnet") and input_shape[1] <= 64:
            kwargs["small_input"] = True
        return getattr(dg.models, name)(**kwargs)
    raise unknown("model", name, BUILT_IN_MODELS + ZOO_MODELS)
