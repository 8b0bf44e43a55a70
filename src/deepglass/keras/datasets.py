"""Keras's `datasets.mnist.load_data()` spelling over `dg.datasets` (no download when the files are local).

from deepglass.keras.datasets import mnist
(x_train, y_train), (x_test, y_test) = mnist.load_data()
"""

from __future__ import annotations

import os
from types import SimpleNamespace


def _load(name: str, path=None):
    from .. import datasets

    splits = getattr(datasets, name)(root=path or os.environ.get("DEEPGLASS_DATA"))
    return (splits.train.x, splits.train.y), (splits.test.x, splits.test.y)


mnist = SimpleNamespace(load_data=lambda path=None: _load("mnist", path))
fashion_mnist = SimpleNamespace(load_data=lambda path=None: _load("fashion_mnist", path))
